/** Todo types: thin names over the generated schema types. */
import type { operations } from './schema.gen';
import type { PageParams, Schemas } from './common';

export type Todo = Schemas['Todo'];
/** Body of POST /api/todos/ and PUT /api/todos/{id}/. */
export type TodoCreate = Schemas['TodoRequest'];
/** Body of PATCH /api/todos/{id}/. */
export type TodoUpdate = Schemas['PatchedTodoRequest'];
/** The orderings the server accepts (the schema types `ordering` as any string). */
export type TodoOrdering = 'created_at' | '-created_at' | 'title';

type ListQuery = NonNullable<operations['todos_list']['parameters']['query']>;
export interface TodoFilters extends PageParams {
  completed?: ListQuery['completed'];
  search?: ListQuery['search'];
  ordering?: TodoOrdering;
}
