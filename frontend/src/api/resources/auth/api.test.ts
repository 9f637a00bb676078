import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKENS_KEY, tokenStorage, ValidationError } from '../../client';
import { installFetch, jsonResponse, makeJwt, storeTokens, storedTokens } from '../../../test/helpers';
import { RateLimitError } from '../../client';
import {
  changePassword,
  confirmPasswordReset,
  login,
  logout,
  logoutAll,
  logoutOthers,
  register,
  renameSession,
  requestPasswordReset,
  revokeSession,
} from './api';

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

describe('account protection', () => {
  it('logout-others posts with the access token and keeps this device signed in', async () => {
    const access = makeJwt('access', 300);
    storeTokens(access, makeJwt('refresh', 3600));
    const api = installFetch(() => jsonResponse(204));
    await expect(logoutOthers()).resolves.toBeUndefined();
    expect(api.calls[0]).toMatchObject({
      method: 'POST',
      path: '/api/auth/logout-others/',
      authorization: `Bearer ${access}`,
      body: null,
    });
    expect(tokenStorage.hasSession()).toBe(true);
  });

  it('renames a session with PATCH {device_name} and returns it', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    const renamed = { id: 'sess-2', device_name: 'Kitchen tablet', current: false };
    const api = installFetch(() => jsonResponse(200, renamed));
    await expect(renameSession('sess-2', { device_name: 'Kitchen tablet' })).resolves.toEqual(renamed);
    expect(api.calls[0]).toMatchObject({ method: 'PATCH', path: '/api/auth/sessions/sess-2/' });
    expect(JSON.parse(api.calls[0]?.body ?? '')).toEqual({ device_name: 'Kitchen tablet' });
  });

  it('a reset request needs no session, sends no token, and answers the neutral 202 body', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600)); // even when signed in
    const api = installFetch(() => jsonResponse(202, { detail: 'If an account exists, a link was sent.' }));
    await expect(requestPasswordReset({ email: 'a@example.com' })).resolves.toEqual({
      detail: 'If an account exists, a link was sent.',
    });
    expect(api.calls[0]).toMatchObject({
      method: 'POST',
      path: '/api/auth/password/reset/',
      authorization: null,
    });
    expect(JSON.parse(api.calls[0]?.body ?? '')).toEqual({ email: 'a@example.com' });
  });

  it('a throttled reset request is a RateLimitError with the wait', async () => {
    installFetch(() => jsonResponse(429, { detail: 'Request was throttled.' }, { 'Retry-After': '42' }));
    const error = await requestPasswordReset({ email: 'a@example.com' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(42);
  });

  it('confirm posts uid, token and the new password without Authorization; 204 resolves', async () => {
    const api = installFetch(() => jsonResponse(204));
    await expect(
      confirmPasswordReset({ uid: 'MQ', token: 'abc-123', new_password: 'a-new-long-password' }),
    ).resolves.toBeUndefined();
    expect(api.calls[0]).toMatchObject({
      method: 'POST',
      path: '/api/auth/password/reset/confirm/',
      authorization: null,
    });
    expect(JSON.parse(api.calls[0]?.body ?? '')).toEqual({
      uid: 'MQ',
      token: 'abc-123',
      new_password: 'a-new-long-password',
    });
  });

  it('confirm: a dead link and a weak password are field errors', async () => {
    installFetch((call) =>
      JSON.parse(call.body ?? '{}').token === 'used'
        ? jsonResponse(400, { token: ['The reset link is invalid or has expired.'] })
        : jsonResponse(400, { new_password: ['This password is too common.'] }),
    );
    const dead = await confirmPasswordReset({ uid: 'MQ', token: 'used', new_password: 'x' }).catch(
      (e: unknown) => e,
    );
    expect((dead as ValidationError).fieldErrors).toEqual({
      token: ['The reset link is invalid or has expired.'],
    });
    const weak = await confirmPasswordReset({ uid: 'MQ', token: 'ok', new_password: 'password' }).catch(
      (e: unknown) => e,
    );
    expect((weak as ValidationError).fieldErrors.new_password).toEqual(['This password is too common.']);
  });
});
