/** Raw calls to /api/todos/*. */
import { apiRequest } from '../../client';
import type { Paginated } from '../../types/common';
import type { Todo, TodoCreate, TodoFilters, TodoUpdate } from '../../types/todo';

const todoPath = (id: Todo['id']) => `/api/todos/${encodeURIComponent(String(id))}/`;

export function listTodos(filters: TodoFilters = {}): Promise<Paginated<Todo>> {
  return apiRequest<Paginated<Todo>>('/api/todos/', {
    query: {
      completed: filters.completed,
      search: filters.search?.trim(),
      ordering: filters.ordering,
      page: filters.page,
      page_size: filters.page_size,
    },
  });
}

export function getTodo(id: Todo['id']): Promise<Todo> {
  return apiRequest<Todo>(todoPath(id));
}

export function createTodo(body: TodoCreate): Promise<Todo> {
  return apiRequest<Todo>('/api/todos/', { method: 'POST', body });
}

/** PUT: full replacement. */
export function replaceTodo(id: Todo['id'], body: TodoCreate): Promise<Todo> {
  return apiRequest<Todo>(todoPath(id), { method: 'PUT', body });
}

/** PATCH: partial update (toggle, rename...). */
export function updateTodo(id: Todo['id'], body: TodoUpdate): Promise<Todo> {
  return apiRequest<Todo>(todoPath(id), { method: 'PATCH', body });
}

export function deleteTodo(id: Todo['id']): Promise<void> {
  return apiRequest<void>(todoPath(id), { method: 'DELETE' });
}
