/** Raw calls to /api/users/*. */
import { apiRequest, tokenStorage } from '../../client';
import { noteAccountDeleted } from '../../../signOutNotice';
import type { Paginated, PageParams } from '../../types/common';
import type { User, UserUpdate } from '../../types/user';

export function getMe(): Promise<User> {
  return apiRequest<User>('/api/users/me/');
}

/** PATCH /api/users/me/: only profile fields (names); email and password are not editable here. */
export function updateMe(body: UserUpdate): Promise<User> {
  return apiRequest<User>('/api/users/me/', { method: 'PATCH', body });
}

/** GET /api/users/: staff see everyone, anyone else only themself. */
export function listUsers(params: PageParams = {}): Promise<Paginated<User>> {
  return apiRequest<Paginated<User>>('/api/users/', { query: { ...params } });
}

/** GET /api/users/{id}/: 404 for a user the caller may not see. */
export function getUser(id: User['id']): Promise<User> {
  return apiRequest<User>(`/api/users/${encodeURIComponent(String(id))}/`);
}

/**
 * DELETE /api/users/me/ → 204: the account, its sessions, passkeys and todos are gone and every
 * token is refused. This device then holds nothing, and the sign-in page says why. 403
 * `reauthentication_required` without a recent sign-in (the caller prompts and retries).
 */
export async function deleteMe(): Promise<void> {
  await apiRequest<void>('/api/users/me/', { method: 'DELETE' });
  noteAccountDeleted();
  tokenStorage.clear();
}
