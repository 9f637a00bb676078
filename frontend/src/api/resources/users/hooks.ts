/** React Query hooks for users: the current user's profile. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import * as api from './api';

export const userKeys = {
  me: ['users', 'me'] as const,
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
