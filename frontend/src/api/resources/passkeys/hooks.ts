/** React Query hooks for passkeys, passkey sign-in and the account's deletion. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { withReauth, type ReauthPrompt } from '../../reauth';
import type { PageParams } from '../../types/common';
import type { Passkey } from '../../types/passkey';
import { useStartSession } from '../auth/hooks';
import { deleteMe } from '../users/api';
import * as api from './api';

export const passkeyKeys = {
  all: ['auth', 'passkeys'] as const,
  list: (params: PageParams = {}) => ['auth', 'passkeys', params] as const,
};

export function usePasskeys(params: PageParams = {}, enabled = true) {
  return useQuery({ queryKey: passkeyKeys.list(params), queryFn: () => api.listPasskeys(params), enabled });
}

function useInvalidatePasskeys() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: passkeyKeys.all });
}

/** Adds a passkey; asks the user to confirm it is them first when the API wants that. */
export function useAddPasskey(prompt: ReauthPrompt) {
  const onSettled = useInvalidatePasskeys();
  return useMutation({
    mutationFn: (name: string) => api.addPasskey(name, prompt),
    onSettled,
  });
}

export function useRenamePasskey() {
  const onSuccess = useInvalidatePasskeys();
  return useMutation({
    mutationFn: ({ id, name }: { id: Passkey['id']; name: string }) => api.renamePasskey(id, { name }),
    onSuccess,
  });
}

export function useDeletePasskey(prompt: ReauthPrompt) {
  const onSettled = useInvalidatePasskeys();
  return useMutation({
    mutationFn: (id: Passkey['id']) => withReauth(() => api.deletePasskey(id), prompt),
    onSettled,
  });
}

export function usePasskeyLogin() {
  const onSuccess = useStartSession();
  return useMutation({ mutationFn: api.signInWithPasskey, onSuccess });
}

/** Deletes the account (this device is then signed out, and App drops the cached data). */
export function useDeleteAccount(prompt: ReauthPrompt) {
  return useMutation({ mutationFn: () => withReauth(deleteMe, prompt) });
}
