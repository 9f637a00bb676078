/** Raw calls to /api/users/*. */
import { apiRequest } from '../../client';
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
