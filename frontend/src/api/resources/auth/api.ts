/** Raw calls to /api/auth/*. Calls that start a session store the returned pair. */
import { apiRequest, settleRefresh, tokenStorage } from '../../client';
import type { Paginated, PageParams } from '../../types/common';
import type {
  LoginRequest,
  PasswordChangeRequest,
  PasswordResetAccepted,
  PasswordResetConfirmRequest,
  PasswordResetRequest,
  RegisterRequest,
  Session,
  SessionRenameRequest,
  TokenResponse,
} from '../../types/auth';

/** Stores the pair of a response that opened a session (sign-in, register, password change). */
export function startSession(response: TokenResponse): TokenResponse {
  tokenStorage.set({ access: response.access, refresh: response.refresh });
  return response;
}

/** POST /api/auth/register/ → 201 token response (a new session for this device). */
export async function register(body: RegisterRequest): Promise<TokenResponse> {
  return startSession(
    await apiRequest<TokenResponse>('/api/auth/register/', { method: 'POST', body, auth: 'none' }),
  );
}

/** POST /api/auth/login/ → 200 token response; 401 for a wrong email or password. */
export async function login(body: LoginRequest): Promise<TokenResponse> {
  return startSession(
    await apiRequest<TokenResponse>('/api/auth/login/', { method: 'POST', body, auth: 'none' }),
  );
}

/**
 * POST /api/auth/logout/ with the refresh token (valid even when the access token expired),
 * then clears both tokens whatever happened: the user asked to leave, and a server we cannot
 * reach must not keep them logged in on this device.
 */
export async function logout(): Promise<void> {
  await settleRefresh(); // never log out with a refresh token that is being rotated
  const hasToken = tokenStorage.getRefresh() ?? tokenStorage.getAccess();
  try {
    if (hasToken) {
      await apiRequest<void>('/api/auth/logout/', {
        method: 'POST',
        auth: tokenStorage.getRefresh() ? 'refresh' : 'access',
      });
    }
  } catch {
    // Network error, 401 (already revoked)...: the local logout below still happens.
  } finally {
    tokenStorage.clear();
  }
}

/**
 * POST /api/auth/logout-all/ → 204: every session of the user, this one included, is revoked,
 * so the local pair is cleared. On failure the tokens stay (the other devices are still logged
 * in) and the error is shown, so the user can try again.
 */
export async function logoutAll(): Promise<void> {
  await apiRequest<void>('/api/auth/logout-all/', { method: 'POST' });
  tokenStorage.clear();
}

/** POST /api/auth/password/change/ → token response of a new session; all others are revoked. */
export async function changePassword(body: PasswordChangeRequest): Promise<TokenResponse> {
  return startSession(
    await apiRequest<TokenResponse>('/api/auth/password/change/', { method: 'POST', body }),
  );
}

/**
 * POST /api/auth/logout-others/ → 204: every session of the user but this one is revoked.
 * This device keeps its tokens.
 */
export function logoutOthers(): Promise<void> {
  return apiRequest<void>('/api/auth/logout-others/', { method: 'POST' });
}

/**
 * POST /api/auth/password/reset/ → 202, the same answer whether or not the address has an
 * account (only an active one is mailed a link). 400 for a malformed address, 429 throttled.
 */
export function requestPasswordReset(body: PasswordResetRequest): Promise<PasswordResetAccepted> {
  return apiRequest<PasswordResetAccepted>('/api/auth/password/reset/', {
    method: 'POST',
    body,
    auth: 'none',
  });
}

/**
 * POST /api/auth/password/reset/confirm/ → 204: the password is set and every session of the
 * user is revoked (this browser holds none: the user logs in next). 400 `token` for a link that
 * is invalid, used or expired; 400 `new_password` for a weak password (the link stays usable).
 */
export function confirmPasswordReset(body: PasswordResetConfirmRequest): Promise<void> {
  return apiRequest<void>('/api/auth/password/reset/confirm/', { method: 'POST', body, auth: 'none' });
}

export function listSessions(params: PageParams = {}): Promise<Paginated<Session>> {
  return apiRequest<Paginated<Session>>('/api/auth/sessions/', { query: { ...params } });
}

/** DELETE /api/auth/sessions/{id}/ → 204; that device's tokens stop working at once. */
export function revokeSession(id: Session['id']): Promise<void> {
  return apiRequest<void>(`/api/auth/sessions/${encodeURIComponent(String(id))}/`, { method: 'DELETE' });
}

/** PATCH /api/auth/sessions/{id}/ {device_name} → 200 the renamed session (1 to 100 characters). */
export function renameSession(id: Session['id'], body: SessionRenameRequest): Promise<Session> {
  return apiRequest<Session>(`/api/auth/sessions/${encodeURIComponent(String(id))}/`, {
    method: 'PATCH',
    body,
  });
}
