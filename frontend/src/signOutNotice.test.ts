import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiRequest } from './api/client';
import {
  clearSignOutNotice,
  expectSignOut,
  notePasswordReset,
  pendingSignOutNotice,
  reasonFromServer,
  recordSessionEnd,
  signOutNotice,
  SIGN_OUT_KEY,
} from './signOutNotice';
import { installEndedSession, installFetch, jsonResponse, makeJwt, storeTokens } from './test/helpers';

beforeEach(() => localStorage.clear());
afterEach(() => localStorage.clear());

describe('reasonFromServer', () => {
  const live = makeJwt('refresh', 3600);
  const expired = makeJwt('refresh', -10);

  it('reads the specific reasons the server may name, as a code or as `reason`', () => {
    expect(reasonFromServer({ codes: ['password_changed'] })).toBe('password_changed');
    expect(reasonFromServer({ codes: ['session_revoked', 'reuse_detected'] })).toBe('reuse_detected');
    expect(reasonFromServer({ codes: ['session_revoked'], reason: 'session_deleted' })).toBe(
      'session_deleted',
    );
    expect(reasonFromServer({ codes: ['token_not_valid'], reason: 'admin' })).toBe('admin');
    expect(reasonFromServer({ codes: ['session_expired'] })).toBe('expired');
  });

  it('reads the account-protection reasons: reset, log out other devices, the session cap', () => {
    expect(reasonFromServer({ codes: ['session_revoked'], reason: 'password_reset' })).toBe('password_reset');
    expect(reasonFromServer({ codes: ['token_not_valid'], reason: 'logout_others' })).toBe(
      'others_logged_out',
    );
    expect(reasonFromServer({ codes: ['session_revoked'], reason: 'session_limit' })).toBe('session_limit');
    // Not mistaken for a logout this tab asked for (whose 401s are ignored).
    recordSessionEnd({ codes: ['session_revoked'], reason: 'logout_others' });
    recordSessionEnd({ codes: ['session_revoked'], reason: 'password_reset' });
    expect(signOutNotice()).toMatch(/password was changed with a reset link/);
  });

  it('session_revoked (what the server sends today) means ended elsewhere', () => {
    expect(reasonFromServer({ codes: ['session_revoked', 'token_not_valid'], refreshToken: live })).toBe(
      'revoked',
    );
  });

  it('a refused refresh token whose exp has passed means the session expired', () => {
    expect(reasonFromServer({ codes: [undefined, 'token_not_valid'], refreshToken: expired })).toBe(
      'expired',
    );
  });

  it('a refused refresh token that had not expired means ended elsewhere', () => {
    expect(reasonFromServer({ codes: [undefined, 'token_not_valid'], refreshToken: live })).toBe('revoked');
  });

  it('with nothing to go on, a generic "session ended"', () => {
    expect(reasonFromServer({ codes: [undefined, 'token_not_valid'], refreshToken: 'not-a-jwt' })).toBe(
      'ended',
    );
    expect(reasonFromServer({ codes: [] })).toBe('ended');
  });
});

describe('the stored notice', () => {
  it('records the reason for the sign-in page, which a reload still shows', () => {
    recordSessionEnd({ codes: ['password_changed'] });
    expect(signOutNotice()).toMatch(/your password was changed/);
    expect(pendingSignOutNotice()).toMatch(/your password was changed/);
    clearSignOutNotice();
    expect(pendingSignOutNotice()).toBeNull();
    expect(signOutNotice()).toBe('Your session has ended. Please sign in again.');
  });

  it('a logout asked for a moment ago is not turned into "ended elsewhere" by the 401s after it', () => {
    expectSignOut('logged_out_everywhere');
    recordSessionEnd({ codes: ['session_revoked'] });
    expect(signOutNotice()).toBe('You have signed out on every device.');
  });

  it('a password set from a reset link tells the sign-in page to use the new password', () => {
    notePasswordReset();
    expect(pendingSignOutNotice()).toBe(
      'Your password was changed with a reset link, which signs out every device. Sign in with the new password.',
    );
  });

  it('is not shown once a day old', () => {
    localStorage.setItem(SIGN_OUT_KEY, JSON.stringify({ reason: 'expired', at: Date.now() - 25 * 3600_000 }));
    expect(pendingSignOutNotice()).toBeNull();
  });
});

describe('the API client records why the server ended the session', () => {
  it('a revoked session: the resource 401 code is kept over the refresh refusal', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    installEndedSession({
      refresh: { detail: 'invalid', code: 'token_not_valid' },
      resource: { detail: 'ended', code: 'session_revoked' },
    });
    await expect(apiRequest('/api/todos/')).rejects.toThrow();
    expect(localStorage.getItem('auth.tokens')).toBeNull();
    expect(JSON.parse(localStorage.getItem(SIGN_OUT_KEY) ?? '{}').reason).toBe('revoked');
  });

  it('an expired refresh token: "expired"', async () => {
    storeTokens(makeJwt('access', -5), makeJwt('refresh', -1));
    installFetch(() => jsonResponse(401, { detail: 'invalid', code: 'token_not_valid' }));
    await expect(apiRequest('/api/todos/')).rejects.toThrow();
    expect(JSON.parse(localStorage.getItem(SIGN_OUT_KEY) ?? '{}').reason).toBe('expired');
  });

  it('a refresh that fails for the network records nothing and keeps the tokens', async () => {
    storeTokens(makeJwt('access', -5), makeJwt('refresh', 3600));
    installFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    await expect(apiRequest('/api/todos/')).rejects.toThrow();
    expect(localStorage.getItem(SIGN_OUT_KEY)).toBeNull();
    expect(localStorage.getItem('auth.tokens')).not.toBeNull();
  });
});
