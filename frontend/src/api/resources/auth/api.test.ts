import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKENS_KEY, tokenStorage, ValidationError } from '../../client';
import { installFetch, jsonResponse, makeJwt, storeTokens, storedTokens } from '../../../test/helpers';
import { changePassword, login, logout, logoutAll, register, revokeSession } from './api';

const tokenResponse = (access: string, refresh: string) => ({
  access,
  refresh,
  token_type: 'Bearer',
  expires_in: 300,
  refresh_expires_in: 604800,
  session: { id: '0190f3a4-0000-7000-8000-000000000003', device_name: 'Laptop' },
  user: { id: 1, email: 'a@example.com', first_name: '', last_name: '' },
});

beforeEach(() => localStorage.clear());
afterEach(() => localStorage.clear());

describe('login / register / password change', () => {
  it('login posts JSON without Authorization and stores the returned pair', async () => {
    const access = makeJwt('access', 300);
    const refresh = makeJwt('refresh', 3600);
    const api = installFetch(() => jsonResponse(200, tokenResponse(access, refresh)));

    const response = await login({ email: 'a@example.com', password: 'pw', device_name: 'Laptop' });

    expect(response.session.device_name).toBe('Laptop');
    expect(api.calls[0]).toMatchObject({ method: 'POST', path: '/api/auth/login/', authorization: null });
    expect(JSON.parse(api.calls[0]?.body ?? '')).toEqual({
      email: 'a@example.com',
      password: 'pw',
      device_name: 'Laptop',
    });
    expect(storedTokens()).toEqual({ access, refresh });
  });

  it('register surfaces 400 field errors and stores nothing', async () => {
    installFetch(() => jsonResponse(400, { email: ['A user with that email already exists.'] }));
    const error = await register({ email: 'a@example.com', password: 'pw' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors.email).toEqual(['A user with that email already exists.']);
    expect(tokenStorage.hasSession()).toBe(false);
  });

  it('password change uses the access token and stores the new session pair', async () => {
    const oldAccess = makeJwt('access', 300);
    storeTokens(oldAccess, makeJwt('refresh', 3600));
    const access = makeJwt('access', 300);
    const refresh = makeJwt('refresh', 3600);
    const api = installFetch(() => jsonResponse(200, tokenResponse(access, refresh)));

    await changePassword({ current_password: 'old', new_password: 'new-long-password' });

    expect(api.calls[0]).toMatchObject({
      path: '/api/auth/password/change/',
      authorization: `Bearer ${oldAccess}`,
    });
    expect(tokenStorage.getAccess()).toBe(access);
    expect(tokenStorage.getRefresh()).toBe(refresh);
  });
});

describe('logout', () => {
  let refresh: string;
  beforeEach(() => {
    refresh = makeJwt('refresh', 3600);
    storeTokens(makeJwt('access', 300), refresh);
  });

  it('posts to /api/auth/logout/ with the refresh token and clears both tokens', async () => {
    const api = installFetch(() => jsonResponse(204));
    await logout();
    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]).toMatchObject({
      method: 'POST',
      path: '/api/auth/logout/',
      authorization: `Bearer ${refresh}`,
      body: null,
    });
    expect(localStorage.getItem(TOKENS_KEY)).toBeNull();
  });

  it('clears both tokens even on a network error', async () => {
    installFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    await expect(logout()).resolves.toBeUndefined();
    expect(localStorage.getItem(TOKENS_KEY)).toBeNull();
  });

  it('clears both tokens even on 401, without trying to refresh', async () => {
    const api = installFetch(() =>
      jsonResponse(401, { detail: 'Token is invalid', code: 'token_not_valid' }),
    );
    await expect(logout()).resolves.toBeUndefined();
    expect(api.calls.map((c) => c.path)).toEqual(['/api/auth/logout/']);
    expect(tokenStorage.hasSession()).toBe(false);
  });

  it('clears both tokens even on a 500', async () => {
    installFetch(() => new Response('oops', { status: 500 }));
    await logout();
    expect(tokenStorage.getAccess()).toBeNull();
    expect(tokenStorage.getRefresh()).toBeNull();
  });
});

describe('sessions', () => {
  beforeEach(() => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
  });

  it('logout-all clears the local pair after 204', async () => {
    const api = installFetch(() => jsonResponse(204));
    await logoutAll();
    expect(api.calls[0]).toMatchObject({ method: 'POST', path: '/api/auth/logout-all/' });
    expect(tokenStorage.hasSession()).toBe(false);
  });

  it('logout-all keeps the pair when the call fails, so the user can retry', async () => {
    installFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    await expect(logoutAll()).rejects.toThrow();
    expect(tokenStorage.hasSession()).toBe(true);
  });

  it('revokes a session by id with DELETE', async () => {
    const api = installFetch(() => jsonResponse(204));
    await revokeSession('0190f3a4-5b6c-7d8e-9f00-112233445566');
    expect(api.calls[0]).toMatchObject({
      method: 'DELETE',
      path: '/api/auth/sessions/0190f3a4-5b6c-7d8e-9f00-112233445566/',
    });
  });
});
