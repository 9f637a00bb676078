/** React Query hooks for users: the current user's profile, and the (staff) user list. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { PageParams } from '../../types/common';
import type { User } from '../../types/user';
import * as api from './api';

export const userKeys = {
  me: ['users', 'me'] as const,
  list: (params: PageParams) => ['users', 'list', params] as const,
  detail: (id: User['id']) => ['users', 'detail', id] as const,
};

export function useMe() {
  return useQuery({ queryKey: userKeys.me, queryFn: api.getMe });
}

export function useUpdateMe() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: api.updateMe,
    onSuccess: (user) => queryClient.setQueryData(userKeys.me, user),
  });
}

export function useUsers(params: PageParams = {}) {
  return useQuery({ queryKey: userKeys.list(params), queryFn: () => api.listUsers(params) });
}

export function useUser(id: User['id']) {
  return useQuery({ queryKey: userKeys.detail(id), queryFn: () => api.getUser(id) });
}
