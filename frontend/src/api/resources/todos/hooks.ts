/** React Query hooks for todos. Every mutation invalidates all todo queries (list and counts). */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Todo, TodoFilters, TodoUpdate } from '../../types/todo';
import * as api from './api';

export const todoKeys = {
  all: ['todos'] as const,
  list: (filters: TodoFilters) => ['todos', 'list', filters] as const,
  count: (completed: boolean | undefined) => ['todos', 'count', completed ?? 'all'] as const,
};

export function useTodos(filters: TodoFilters) {
  return useQuery({
    queryKey: todoKeys.list(filters),
    queryFn: () => api.listTodos(filters),
    // Keep showing the previous page while a new filter/page loads (no flicker).
    placeholderData: keepPreviousData,
  });
}

/** Number of todos, optionally by state: a one-item page, reading only `count`. */
export function useTodoCount(completed?: boolean) {
  return useQuery({
    queryKey: todoKeys.count(completed),
    queryFn: async () => (await api.listTodos({ completed, page_size: 1 })).count,
  });
}

function useInvalidateTodos() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: todoKeys.all });
}

export function useCreateTodo() {
  const onSettled = useInvalidateTodos();
  return useMutation({ mutationFn: api.createTodo, onSettled });
}

export function useUpdateTodo() {
  const onSettled = useInvalidateTodos();
  return useMutation({
    mutationFn: ({ id, ...changes }: TodoUpdate & { id: Todo['id'] }) => api.updateTodo(id, changes),
    onSettled,
  });
}

export function useDeleteTodo() {
  const onSettled = useInvalidateTodos();
  return useMutation({ mutationFn: (id: Todo['id']) => api.deleteTodo(id), onSettled });
}
