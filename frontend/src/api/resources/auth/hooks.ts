/** React Query hooks for authentication and sessions. */
import { useSyncExternalStore } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { decodeJwtPayload, tokenStorage } from '../../client';
import type { PageParams } from '../../types/common';
import type { Session, TokenResponse } from '../../types/auth';
import { userKeys } from '../users/hooks';
import * as api from './api';

export const authKeys = {
  sessions: (params: PageParams = {}) => ['auth', 'sessions', params] as const,
  allSessions: ['auth', 'sessions'] as const,
};

/**
 * Whether this tab holds a session. Re-renders when tokens change in this tab or another one
 * (logout, failed refresh), which is how every tab lands on the login screen together.
 */
export function useIsAuthenticated(): boolean {
  return useSyncExternalStore(tokenStorage.subscribe, tokenStorage.hasSession, () => false);
}

/**
 * The user id carried by the stored refresh token (null when logged out). Changes when another
 * tab logs in as someone else, so the app can drop the previous user's cached data.
 */
export function useSessionUserId(): string | null {
  return useSyncExternalStore(tokenStorage.subscribe, sessionUserId, () => null);
}

function sessionUserId(): string | null {
  const refresh = tokenStorage.getRefresh();
  const id = refresh ? decodeJwtPayload(refresh)?.user_id : undefined;
  return id === undefined || id === null ? null : String(id);
}

/**
 * After login/register: seed the profile from the token response.
 *
 * The query cache is NOT cleared here: storing the tokens already re-rendered the app and
 * mounted the logged-in pages, whose queries are in flight; clearing now would orphan them.
 * The cache is dropped by App when the tab leaves the logged-in state instead.
 */
export function useStartSession() {
  const queryClient = useQueryClient();
  return (response: TokenResponse) => {
    queryClient.setQueryData(userKeys.me, response.user);
  };
}

export function useLogin() {
  const onSuccess = useStartSession();
  return useMutation({ mutationFn: api.login, onSuccess });
}

export function useRegister() {
  const onSuccess = useStartSession();
  return useMutation({ mutationFn: api.register, onSuccess });
}

/** Logs out (tokens cleared even if the call fails); App then drops the cached data. */
export function useLogout() {
  return useMutation({ mutationFn: api.logout });
}

export function useLogoutAll() {
  return useMutation({ mutationFn: api.logoutAll });
}

export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: api.changePassword,
    onSuccess: (response) => {
      queryClient.setQueryData(userKeys.me, response.user);
      // Every other session was revoked: the list changed.
      void queryClient.invalidateQueries({ queryKey: authKeys.allSessions });
    },
  });
}

export function useSessions(params: PageParams = {}) {
  return useQuery({ queryKey: authKeys.sessions(params), queryFn: () => api.listSessions(params) });
}

export function useRevokeSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: api.revokeSession,
    onSettled: () => queryClient.invalidateQueries({ queryKey: authKeys.allSessions }),
  });
}

/** Ends every session but this one; the list then shows this device alone. */
export function useLogoutOthers() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: api.logoutOthers,
    onSettled: () => queryClient.invalidateQueries({ queryKey: authKeys.allSessions }),
  });
}

export function useRenameSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, device_name }: { id: Session['id']; device_name: string }) =>
      api.renameSession(id, { device_name }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: authKeys.allSessions }),
  });
}

/** Asks for a reset link (needs no session). */
export function useRequestPasswordReset() {
  return useMutation({ mutationFn: api.requestPasswordReset });
}

/** Sets a new password from a reset link (needs no session). */
export function useConfirmPasswordReset() {
  return useMutation({ mutationFn: api.confirmPasswordReset });
}
