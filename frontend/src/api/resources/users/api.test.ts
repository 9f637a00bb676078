import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../client';
import { installFetch, jsonResponse, makeJwt, storeTokens } from '../../../test/helpers';
import { getMe, getUser, listUsers, updateMe } from './api';

const ME = { id: 1, email: 'a@example.com', first_name: 'Ada', last_name: 'L' };

beforeEach(() => storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600)));

describe('users api', () => {
  it('reads and patches /api/users/me/', async () => {
    const api = installFetch((call) =>
      jsonResponse(200, call.method === 'PATCH' ? { ...ME, first_name: 'Grace' } : ME),
    );
    await expect(getMe()).resolves.toEqual(ME);
    await expect(updateMe({ first_name: 'Grace' })).resolves.toMatchObject({ first_name: 'Grace' });
    expect(api.calls.map((c) => `${c.method} ${c.path} ${c.body ?? ''}`)).toEqual([
      'GET /api/users/me/ ',
      'PATCH /api/users/me/ {"first_name":"Grace"}',
    ]);
  });

  it('lists users with paging and maps a hidden user to NotFoundError', async () => {
    const api = installFetch((call) =>
      call.path === '/api/users/'
        ? jsonResponse(200, { count: 1, next: null, previous: null, results: [ME] })
        : jsonResponse(404, { detail: 'Not found.', code: 'not_found' }),
    );
    await expect(listUsers({ page: 1, page_size: 10 })).resolves.toMatchObject({ count: 1 });
    expect(api.calls[0]?.search).toBe('?page=1&page_size=10');
    await expect(getUser(2)).rejects.toBeInstanceOf(NotFoundError);
  });
});
