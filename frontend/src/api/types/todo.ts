import type { PageParams } from './common';

export interface Todo {
  id: number;
  title: string;
  description: string;
  completed: boolean;
  created_at: string;
  updated_at: string;
}

export interface TodoCreate {
  title: string;
  description?: string;
  completed?: boolean;
}

/** Body of PATCH /api/todos/{id}/ (PUT takes the full TodoCreate). */
export type TodoUpdate = Partial<TodoCreate>;

export type TodoOrdering = 'created_at' | '-created_at' | 'title';

export interface TodoFilters extends PageParams {
  completed?: boolean;
  search?: string;
  ordering?: TodoOrdering;
}
