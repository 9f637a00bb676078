import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKENS_KEY, tokenStorage, ValidationError } from '../client';
import {
  installFetch,
  jsonResponse,
  makeJwt,
  sleep,
  storeTokens,
  tokenPair,
  tokenResponse,
} from '../../test/helpers';
import { createTestQueryClient } from '../../test/render';
import {
  authKeys,
  useChangePassword,
  useIsAuthenticated,
  useLogin,
  useLogout,
  useLogoutOthers,
  useRenameSession,
  useRevokeSession,
  useSessionUserId,
  useSessions,
} from './auth/hooks';
import { useCreateTodo, useTodoCount, useTodos, useUpdateTodo } from './todos/hooks';
import { useMe, userKeys, useUpdateMe } from './users/hooks';

const ME = { id: 1, email: 'a@example.com', first_name: 'Ada', last_name: 'Lovelace' };
const TODO = {
  id: 1,
  title: 'Milk',
  description: '',
  completed: false,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};
const page = <T,>(results: T[]) => ({ count: results.length, next: null, previous: null, results });

function loggedIn(accessExpiresIn = 300) {
  storeTokens(makeJwt('access', accessExpiresIn), makeJwt('refresh', 3600));
}

beforeEach(() => localStorage.clear());
afterEach(() => localStorage.clear());

describe('auth hooks', () => {
  it('useIsAuthenticated follows the token store, including changes from another tab', async () => {
    loggedIn();
    const { wrapper } = createTestQueryClient();
    const { result } = renderHook(() => useIsAuthenticated(), { wrapper });
    expect(result.current).toBe(true);

    // Another tab logs out: localStorage changes and a storage event arrives here.
    act(() => {
      localStorage.clear();
      window.dispatchEvent(new StorageEvent('storage', { key: TOKENS_KEY, newValue: null }));
    });
    expect(result.current).toBe(false);
  });

  it('a refused refresh during a query logs the tab out', async () => {
    loggedIn(-1);
    const api = installFetch((call) =>
      call.path === '/api/auth/refresh/'
        ? jsonResponse(401, { detail: 'revoked', code: 'token_not_valid' })
        : jsonResponse(200, ME),
    );
    const { wrapper } = createTestQueryClient();
    const { result } = renderHook(() => ({ me: useMe(), authenticated: useIsAuthenticated() }), { wrapper });

    await waitFor(() => expect(result.current.me.isError).toBe(true));
    expect(result.current.authenticated).toBe(false);
    expect(api.callsTo('/api/users/me/')).toHaveLength(0);
  });

  it('useLogin stores the tokens and seeds the profile', async () => {
    const tokens = tokenPair();
    installFetch(() => jsonResponse(200, { ...tokens, session: { id: 1, device_name: 'x' }, user: ME }));
    const { wrapper, queryClient } = createTestQueryClient();
    const { result } = renderHook(() => ({ login: useLogin(), authenticated: useIsAuthenticated() }), {
      wrapper,
    });

    expect(result.current.authenticated).toBe(false);
    await act(() => result.current.login.mutateAsync({ email: ME.email, password: 'pw' }));

    expect(result.current.authenticated).toBe(true);
    expect(tokenStorage.getAccess()).toBe(tokens.access);
    expect(queryClient.getQueryData(userKeys.me)).toEqual(ME);
  });

  it('useLogout clears the tokens even when the server cannot be reached', async () => {
    loggedIn();
    installFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const { wrapper } = createTestQueryClient();
    const { result } = renderHook(() => ({ logout: useLogout(), authenticated: useIsAuthenticated() }), {
      wrapper,
    });

    await act(() => result.current.logout.mutateAsync());

    expect(result.current.authenticated).toBe(false);
    expect(localStorage.getItem(TOKENS_KEY)).toBeNull();
  });

  it('useSessionUserId reads the user id from the stored refresh token', () => {
    const { wrapper } = createTestQueryClient();
    const { result } = renderHook(() => useSessionUserId(), { wrapper });
    expect(result.current).toBeNull();
    act(() =>
      tokenStorage.set({
        access: makeJwt('access', 300, { user_id: 42 }),
        refresh: makeJwt('refresh', 3600, { user_id: 42 }),
      }),
    );
    expect(result.current).toBe('42');
  });

  it('useChangePassword stores the new pair and refetches the sessions list', async () => {
    loggedIn();
    const tokens = tokenPair();
    const api = installFetch((call) =>
      call.path === '/api/auth/password/change/'
        ? jsonResponse(200, { ...tokens, session: { id: 9, device_name: 'x' }, user: ME })
        : jsonResponse(200, page([{ id: 9, current: true }])),
    );
    const { wrapper } = createTestQueryClient();
    const { result } = renderHook(() => ({ change: useChangePassword(), sessions: useSessions() }), {
      wrapper,
    });
    await waitFor(() => expect(result.current.sessions.isSuccess).toBe(true));

    await act(() => result.current.change.mutateAsync({ current_password: 'a', new_password: 'b' }));

    expect(tokenStorage.getRefresh()).toBe(tokens.refresh);
    await waitFor(() => expect(api.callsTo('/api/auth/sessions/')).toHaveLength(2));
    // The sessions list after the change was fetched with the new access token.
    expect(api.callsTo('/api/auth/sessions/')[1]?.authorization).toBe(`Bearer ${tokens.access}`);
  });

  it('useRevokeSession deletes the session and refetches the list', async () => {
    loggedIn();
    let sessions = [
      { id: 'sess-1', current: true },
      { id: 'sess-2', current: false },
    ];
    const api = installFetch((call) => {
      if (call.method === 'DELETE') {
        sessions = sessions.filter((s) => `/api/auth/sessions/${s.id}/` !== call.path);
        return jsonResponse(204);
      }
      return jsonResponse(200, page(sessions));
    });
    const { wrapper, queryClient } = createTestQueryClient();
    const { result } = renderHook(() => ({ list: useSessions(), revoke: useRevokeSession() }), { wrapper });
    await waitFor(() => expect(result.current.list.data?.count).toBe(2));

    await act(() => result.current.revoke.mutateAsync('sess-2'));

    await waitFor(() => expect(result.current.list.data?.count).toBe(1));
    expect(api.calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual([
      '/api/auth/sessions/sess-2/',
    ]);
    expect(queryClient.getQueryState(authKeys.sessions())?.status).toBe('success');
  });
});

describe('account protection hooks', () => {
  it('useLogoutOthers ends the other sessions, keeps the tokens and refetches the list', async () => {
    loggedIn();
    let sessions = [
      { id: 'sess-1', current: true },
      { id: 'sess-2', current: false },
      { id: 'sess-3', current: false },
    ];
    const api = installFetch((call) => {
      if (call.path === '/api/auth/logout-others/') {
        sessions = sessions.filter((s) => s.current);
        return jsonResponse(204);
      }
      return jsonResponse(200, page(sessions));
    });
    const { wrapper } = createTestQueryClient();
    const { result } = renderHook(() => ({ list: useSessions(), others: useLogoutOthers() }), { wrapper });
    await waitFor(() => expect(result.current.list.data?.count).toBe(3));

    await act(() => result.current.others.mutateAsync());

    await waitFor(() => expect(result.current.list.data?.count).toBe(1));
    expect(api.callsTo('/api/auth/logout-others/')).toHaveLength(1);
    expect(tokenStorage.hasSession()).toBe(true);
  });

  it('useRenameSession patches the name and refetches the list', async () => {
    loggedIn();
    const sessions = [{ id: 'sess-1', current: true, device_name: 'Laptop' }];
    const api = installFetch((call) => {
      if (call.method === 'PATCH') {
        sessions[0]!.device_name = JSON.parse(call.body ?? '{}').device_name;
        return jsonResponse(200, sessions[0]);
      }
      return jsonResponse(200, page(sessions));
    });
    const { wrapper } = createTestQueryClient();
    const { result } = renderHook(() => ({ list: useSessions(), rename: useRenameSession() }), { wrapper });
    await waitFor(() => expect(result.current.list.data?.results[0]?.device_name).toBe('Laptop'));

    await act(() => result.current.rename.mutateAsync({ id: 'sess-1', device_name: 'Work laptop' }));

    await waitFor(() => expect(result.current.list.data?.results[0]?.device_name).toBe('Work laptop'));
    expect(api.calls.filter((c) => c.method === 'PATCH').map((c) => c.path)).toEqual([
      '/api/auth/sessions/sess-1/',
    ]);
  });

  it('useRenameSession leaves a 400 to the form and the list untouched', async () => {
    loggedIn();
    installFetch((call) =>
      call.method === 'PATCH'
        ? jsonResponse(400, { device_name: ['Ensure this field has no more than 100 characters.'] })
        : jsonResponse(200, page([{ id: 'sess-1', current: true, device_name: 'Laptop' }])),
    );
    const { wrapper } = createTestQueryClient();
    const { result } = renderHook(() => ({ list: useSessions(), rename: useRenameSession() }), { wrapper });
    await waitFor(() => expect(result.current.list.data?.count).toBe(1));
    const error = await result.current.rename
      .mutateAsync({ id: 'sess-1', device_name: 'x'.repeat(101) })
      .catch((e: unknown) => e);
    expect((error as ValidationError).fieldErrors.device_name).toHaveLength(1);
  });
});

describe('todo and user hooks', () => {
  it('useTodos passes the filters to the API', async () => {
    loggedIn();
    const api = installFetch(() => jsonResponse(200, page([TODO])));
    const { wrapper } = createTestQueryClient();
    const { result } = renderHook(
      () => useTodos({ completed: false, search: 'mi', ordering: 'title', page: 1, page_size: 20 }),
      { wrapper },
    );

    await waitFor(() => expect(result.current.data?.results).toEqual([TODO]));
    expect(api.calls[0]?.search).toBe('?completed=false&search=mi&ordering=title&page=1&page_size=20');
  });

  it('creating or toggling a todo refetches the lists and counts', async () => {
    loggedIn();
    const todos = [TODO];
    const api = installFetch((call) => {
      if (call.method === 'POST') {
        const created = { ...TODO, id: 2, title: 'Eggs' };
        todos.push(created);
        return jsonResponse(201, created);
      }
      if (call.method === 'PATCH') {
        const patch = JSON.parse(call.body ?? '{}') as { completed: boolean };
        todos[0] = { ...TODO, ...patch };
        return jsonResponse(200, todos[0]);
      }
      const completed = new URLSearchParams(call.search).get('completed');
      return jsonResponse(
        200,
        page(completed === null ? todos : todos.filter((t) => String(t.completed) === completed)),
      );
    });
    const { wrapper } = createTestQueryClient();
    const { result } = renderHook(
      () => ({
        list: useTodos({}),
        done: useTodoCount(true),
        create: useCreateTodo(),
        update: useUpdateTodo(),
      }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.list.data?.count).toBe(1));
    expect(result.current.done.data).toBe(0);

    await act(() => result.current.create.mutateAsync({ title: 'Eggs' }));
    await waitFor(() => expect(result.current.list.data?.count).toBe(2));

    await act(() => result.current.update.mutateAsync({ id: 1, completed: true }));
    await waitFor(() => expect(result.current.done.data).toBe(1));
    expect(api.calls.find((c) => c.method === 'PATCH')).toMatchObject({
      path: '/api/todos/1/',
      body: '{"completed":true}',
    });
  });

  it('a create rejected with 400 exposes the field errors', async () => {
    loggedIn();
    installFetch(() => jsonResponse(400, { title: ['This field may not be blank.'] }));
    const { wrapper } = createTestQueryClient();
    const { result } = renderHook(() => useCreateTodo(), { wrapper });
    await act(() => result.current.mutateAsync({ title: '' }).catch(() => undefined));
    await waitFor(() => expect(result.current.error).toBeInstanceOf(ValidationError));
    expect((result.current.error as ValidationError).fieldErrors.title).toEqual([
      'This field may not be blank.',
    ]);
  });

  it('useUpdateMe patches the names and updates the cached profile', async () => {
    loggedIn();
    const api = installFetch((call) =>
      jsonResponse(
        200,
        call.method === 'PATCH' ? { ...ME, ...(JSON.parse(call.body ?? '{}') as object) } : ME,
      ),
    );
    const { wrapper } = createTestQueryClient();
    const { result } = renderHook(() => ({ me: useMe(), update: useUpdateMe() }), { wrapper });
    await waitFor(() => expect(result.current.me.data).toEqual(ME));

    await act(() => result.current.update.mutateAsync({ first_name: 'Grace' }));

    await waitFor(() => expect(result.current.me.data?.first_name).toBe('Grace'));
    expect(api.calls.at(-1)).toMatchObject({
      method: 'PATCH',
      path: '/api/users/me/',
      body: '{"first_name":"Grace"}',
    });
  });

  it('queries mounted together with an expired access token cause exactly one refresh', async () => {
    loggedIn(-1);
    const api = installFetch(async (call) => {
      if (call.path === '/api/auth/refresh/') {
        await sleep(10);
        return tokenResponse();
      }
      return jsonResponse(200, call.path === '/api/users/me/' ? ME : page([TODO]));
    });
    const { wrapper } = createTestQueryClient();
    const { result } = renderHook(
      () => [useMe(), useTodos({}), useTodoCount(), useTodoCount(true), useTodoCount(false)],
      { wrapper },
    );

    await waitFor(() => expect(result.current.every((q) => q.isSuccess)).toBe(true));
    expect(api.callsTo('/api/auth/refresh/')).toHaveLength(1);
    expect(api.calls.filter((c) => c.path !== '/api/auth/refresh/')).toHaveLength(5);
  });
});
