import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  apiRequest,
  ForbiddenError,
  decodeJwtPayload,
  isJwtExpired,
  NetworkError,
  NotFoundError,
  RateLimitError,
  STORAGE_PROPAGATION_WAIT_MS,
  TOKENS_KEY,
  tokenStorage,
  UnauthorizedError,
  UnreadableResponseError,
  ValidationError,
} from './client';
import {
  installFetch,
  installLocks,
  jsonResponse,
  makeJwt,
  sleep,
  storeTokens,
  tokenResponse,
} from '../test/helpers';

const ME = { id: 1, email: 'a@example.com', first_name: 'Ada', last_name: 'L' };

function store(access: string, refresh: string) {
  storeTokens(access, refresh);
}

/** A fake server: /api/users/me/ accepts only `validAccess`; refresh rotates to a new pair. */
function fakeServer(opts: {
  validAccess: () => string;
  onRefresh: (auth: string | null) => Response | Promise<Response>;
}) {
  return installFetch(async (call) => {
    if (call.path === '/api/auth/refresh/') return opts.onRefresh(call.authorization);
    if (call.authorization === `Bearer ${opts.validAccess()}`) return jsonResponse(200, ME);
    return jsonResponse(
      401,
      { detail: 'Token is invalid or expired', code: 'token_not_valid' },
      { 'WWW-Authenticate': 'Bearer' },
    );
  });
}

beforeEach(() => localStorage.clear());
afterEach(() => localStorage.clear());

describe('apiRequest basics', () => {
  it('sends the access token as a Bearer header and parses JSON', async () => {
    const access = makeJwt('access', 300);
    store(access, makeJwt('refresh', 3600));
    const api = installFetch(() => jsonResponse(200, ME));

    await expect(apiRequest('/api/users/me/')).resolves.toEqual(ME);
    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]).toMatchObject({
      method: 'GET',
      path: '/api/users/me/',
      authorization: `Bearer ${access}`,
    });
  });

  it('sends JSON bodies and builds query strings without empty values', async () => {
    store(makeJwt('access', 300), makeJwt('refresh', 3600));
    const api = installFetch(() => jsonResponse(201, { id: 1 }));

    await apiRequest('/api/todos/', {
      method: 'POST',
      body: { title: 'x' },
      query: { completed: false, search: '', page: 2, ordering: undefined },
    });
    expect(api.calls[0]?.body).toBe('{"title":"x"}');
    expect(api.calls[0]?.search).toBe('?completed=false&page=2');
    const init = api.fetchMock.mock.calls[0]?.[1] as RequestInit;
    expect(new Headers(init.headers).get('Content-Type')).toBe('application/json');
  });

  it('returns undefined for 204', async () => {
    store(makeJwt('access', 300), makeJwt('refresh', 3600));
    installFetch(() => jsonResponse(204));
    await expect(apiRequest('/api/todos/1/', { method: 'DELETE' })).resolves.toBeUndefined();
  });

  it('throws UnauthorizedError without calling the server when no tokens are stored', async () => {
    const api = installFetch(() => jsonResponse(200, ME));
    await expect(apiRequest('/api/users/me/')).rejects.toBeInstanceOf(UnauthorizedError);
    expect(api.calls).toHaveLength(0);
  });
});

describe('refresh and retry', () => {
  it('refreshes on 401 with the refresh token, stores the new pair and retries once', async () => {
    const oldAccess = makeJwt('access', 300); // looks valid locally, but the server says 401
    const oldRefresh = makeJwt('refresh', 3600);
    const newAccess = makeJwt('access', 300);
    const newRefresh = makeJwt('refresh', 3600);
    store(oldAccess, oldRefresh);
    const api = fakeServer({
      validAccess: () => newAccess,
      onRefresh: () => tokenResponse({ access: newAccess, refresh: newRefresh }),
    });

    await expect(apiRequest('/api/users/me/')).resolves.toEqual(ME);

    expect(api.calls.map((c) => c.path)).toEqual(['/api/users/me/', '/api/auth/refresh/', '/api/users/me/']);
    const refresh = api.callsTo('/api/auth/refresh/')[0];
    expect(refresh).toMatchObject({ method: 'POST', authorization: `Bearer ${oldRefresh}`, body: null });
    expect(api.calls[2]?.authorization).toBe(`Bearer ${newAccess}`);
    expect(tokenStorage.getAccess()).toBe(newAccess);
    expect(tokenStorage.getRefresh()).toBe(newRefresh);
  });

  it('10 concurrent calls failing with 401 trigger exactly one refresh', async () => {
    store(makeJwt('access', 300), makeJwt('refresh', 3600));
    let current = 'nothing valid yet';
    let rotations = 0;
    const api = fakeServer({
      validAccess: () => current,
      onRefresh: async () => {
        await sleep(20); // the refresh is slow: every 401 arrives while it is in flight
        rotations += 1;
        current = makeJwt('access', 300);
        return tokenResponse({ access: current });
      },
    });

    const results = await Promise.all(Array.from({ length: 10 }, () => apiRequest('/api/users/me/')));

    expect(results).toHaveLength(10);
    results.forEach((r) => expect(r).toEqual(ME));
    expect(api.callsTo('/api/auth/refresh/')).toHaveLength(1);
    expect(rotations).toBe(1);
    expect(api.callsTo('/api/users/me/')).toHaveLength(20); // 10 failures + 10 retries
    expect(api.calls.slice(-10).every((c) => c.authorization === `Bearer ${current}`)).toBe(true);
  });

  it('a 401 arriving after another call already refreshed reuses the new pair, no second refresh', async () => {
    store(makeJwt('access', 300), makeJwt('refresh', 3600));
    let current = 'nothing valid yet';
    let slowFirst = true;
    const api = installFetch(async (call) => {
      if (call.path === '/api/auth/refresh/') {
        current = makeJwt('access', 300);
        return tokenResponse({ access: current });
      }
      if (call.authorization === `Bearer ${current}`) return jsonResponse(200, ME);
      if (call.path === '/api/todos/' && slowFirst) {
        slowFirst = false;
        await sleep(30); // its 401 lands after the other call's refresh has finished
      }
      return jsonResponse(401, { detail: 'expired', code: 'token_not_valid' });
    });

    await Promise.all([apiRequest('/api/todos/'), apiRequest('/api/users/me/')]);
    expect(api.callsTo('/api/auth/refresh/')).toHaveLength(1);
  });

  it('refreshes before the call when the access token exp has already passed', async () => {
    const expired = makeJwt('access', -5);
    const refresh = makeJwt('refresh', 3600);
    const fresh = makeJwt('access', 300);
    store(expired, refresh);
    const api = fakeServer({
      validAccess: () => fresh,
      onRefresh: () => tokenResponse({ access: fresh }),
    });

    await expect(apiRequest('/api/users/me/')).resolves.toEqual(ME);

    // The expired token never reached the server: refresh first, then one call.
    expect(api.calls.map((c) => c.path)).toEqual(['/api/auth/refresh/', '/api/users/me/']);
    expect(api.calls[1]?.authorization).toBe(`Bearer ${fresh}`);
    expect(api.calls.some((c) => c.authorization === `Bearer ${expired}`)).toBe(false);
  });

  it('concurrent calls with an expired access token share one refresh', async () => {
    store(makeJwt('access', -1), makeJwt('refresh', 3600));
    const fresh = makeJwt('access', 300);
    const api = fakeServer({
      validAccess: () => fresh,
      onRefresh: async () => {
        await sleep(10);
        return tokenResponse({ access: fresh });
      },
    });
    await Promise.all(Array.from({ length: 5 }, () => apiRequest('/api/users/me/')));
    expect(api.callsTo('/api/auth/refresh/')).toHaveLength(1);
    expect(api.callsTo('/api/users/me/')).toHaveLength(5);
  });

  it('clears both tokens and notifies subscribers when the refresh is refused (401)', async () => {
    store(makeJwt('access', 300), makeJwt('refresh', 3600));
    const api = fakeServer({
      validAccess: () => 'never',
      onRefresh: () => jsonResponse(401, { detail: 'Token is blacklisted', code: 'token_not_valid' }),
    });
    const listener = vi.fn();
    const unsubscribe = tokenStorage.subscribe(listener);

    const error = await apiRequest('/api/users/me/').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).code).toBe('token_not_valid');
    expect(localStorage.getItem(TOKENS_KEY)).toBeNull();
    expect(tokenStorage.hasSession()).toBe(false);
    expect(listener).toHaveBeenCalled();
    expect(api.callsTo('/api/auth/refresh/')).toHaveLength(1);
    expect(api.callsTo('/api/users/me/')).toHaveLength(1); // no retry after a failed refresh
    unsubscribe();
  });

  it('keeps the tokens when the refresh fails for a network error', async () => {
    const access = makeJwt('access', -1);
    const refresh = makeJwt('refresh', 3600);
    store(access, refresh);
    installFetch(() => Promise.reject(new TypeError('Failed to fetch')));

    await expect(apiRequest('/api/users/me/')).rejects.toBeInstanceOf(NetworkError);
    expect(tokenStorage.getRefresh()).toBe(refresh);
    expect(tokenStorage.getAccess()).toBe(access);
  });

  it('clears the tokens when even a freshly refreshed access token gets 401 (session revoked)', async () => {
    store(makeJwt('access', 300), makeJwt('refresh', 3600));
    const api = fakeServer({
      validAccess: () => 'never',
      onRefresh: () => tokenResponse(),
    });

    await expect(apiRequest('/api/users/me/')).rejects.toBeInstanceOf(UnauthorizedError);
    expect(api.callsTo('/api/users/me/')).toHaveLength(2); // retried once, not more
    expect(tokenStorage.hasSession()).toBe(false);
  });
});

describe('cross-tab refresh (Web Locks)', () => {
  let locks: ReturnType<typeof installLocks> | undefined;
  afterEach(() => locks?.restore());

  it('runs the refresh inside the "auth-refresh" lock', async () => {
    const refresh = makeJwt('refresh', 3600);
    storeTokens(makeJwt('access', -1), refresh);
    locks = installLocks();
    const api = installFetch((call) =>
      call.path === '/api/auth/refresh/' ? tokenResponse() : jsonResponse(200, ME),
    );

    await apiRequest('/api/users/me/');
    expect(locks.requests).toEqual([{ name: 'auth-refresh', ifAvailable: true }]);
    expect(api.callsTo('/api/auth/refresh/')).toEqual([
      expect.objectContaining({ authorization: `Bearer ${refresh}` }),
    ]);
  });

  it('uses the pair another tab stored while we waited for the lock, without calling refresh', async () => {
    const staleRefresh = makeJwt('refresh', 3600);
    storeTokens(makeJwt('access', 300), staleRefresh);
    const otherTabAccess = makeJwt('access', 300);
    const otherTabRefresh = makeJwt('refresh', 3600);
    locks = installLocks();
    // Another tab holds the lock, rotates the pair and writes it to localStorage.
    locks.holdAsAnotherTab(30, () => setTimeout(() => storeTokens(otherTabAccess, otherTabRefresh), 10));
    const api = fakeServer({
      validAccess: () => otherTabAccess,
      onRefresh: () => jsonResponse(401, { detail: 'reused', code: 'token_not_valid' }),
    });

    await expect(apiRequest('/api/users/me/')).resolves.toEqual(ME);

    expect(locks.requests.map((r) => r.ifAvailable)).toEqual([true, false]); // had to wait
    expect(api.callsTo('/api/auth/refresh/')).toHaveLength(0); // the rotated token was never presented again
    expect(api.calls.at(-1)?.authorization).toBe(`Bearer ${otherTabAccess}`);
    expect(tokenStorage.getRefresh()).toBe(otherTabRefresh);
  });

  it("after waiting for the lock, gives the other tab's storage write time to arrive", async () => {
    storeTokens(makeJwt('access', -1), makeJwt('refresh', 3600));
    const otherTabAccess = makeJwt('access', 300);
    const otherTabRefresh = makeJwt('refresh', 3600);
    locks = installLocks();
    // The lock is released BEFORE its holder's localStorage write becomes visible here.
    locks.holdAsAnotherTab(20, undefined, {
      delayMs: 80,
      run: () => storeTokens(otherTabAccess, otherTabRefresh),
    });
    const api = fakeServer({
      validAccess: () => otherTabAccess,
      onRefresh: () => jsonResponse(401, { detail: 'reused' }),
    });

    await expect(apiRequest('/api/users/me/')).resolves.toEqual(ME);
    expect(api.callsTo('/api/auth/refresh/')).toHaveLength(0);
    expect(api.calls.at(-1)?.authorization).toBe(`Bearer ${otherTabAccess}`);
  });

  it('refreshes itself when the tab that held the lock did not rotate (e.g. it failed)', async () => {
    const refresh = makeJwt('refresh', 3600);
    storeTokens(makeJwt('access', -1), refresh);
    locks = installLocks();
    locks.holdAsAnotherTab(20);
    const api = installFetch((call) =>
      call.path === '/api/auth/refresh/' ? tokenResponse() : jsonResponse(200, ME),
    );

    const started = Date.now();
    await expect(apiRequest('/api/users/me/')).resolves.toEqual(ME);
    expect(Date.now() - started).toBeGreaterThanOrEqual(STORAGE_PROPAGATION_WAIT_MS);
    expect(api.callsTo('/api/auth/refresh/')).toEqual([
      expect.objectContaining({ authorization: `Bearer ${refresh}` }),
    ]);
  });

  it('stops when another tab logged out while we waited for the lock', async () => {
    storeTokens(makeJwt('access', -1), makeJwt('refresh', 3600));
    locks = installLocks();
    locks.holdAsAnotherTab(20, () => localStorage.clear());
    const api = fakeServer({ validAccess: () => 'never', onRefresh: () => jsonResponse(200, {}) });

    await expect(apiRequest('/api/users/me/')).rejects.toBeInstanceOf(UnauthorizedError);
    expect(api.calls).toHaveLength(0);
  });

  it('tells subscribers when another tab changes or clears the tokens (storage event)', () => {
    const listener = vi.fn();
    const unsubscribe = tokenStorage.subscribe(listener);
    window.dispatchEvent(new StorageEvent('storage', { key: TOKENS_KEY, newValue: null }));
    window.dispatchEvent(new StorageEvent('storage', { key: null }));
    window.dispatchEvent(new StorageEvent('storage', { key: 'unrelated' }));
    expect(listener).toHaveBeenCalledTimes(2);
    unsubscribe();
  });
});

describe('typed errors', () => {
  beforeEach(() => store(makeJwt('access', 300), makeJwt('refresh', 3600)));

  it('400 → ValidationError with field errors', async () => {
    installFetch(() =>
      jsonResponse(400, { title: ['This field may not be blank.'], description: 'Too long.' }),
    );
    const error = await apiRequest('/api/todos/', { method: 'POST', body: { title: '' } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toBeInstanceOf(ApiError);
    const v = error as ValidationError;
    expect(v.status).toBe(400);
    expect(v.fieldErrors).toEqual({ title: ['This field may not be blank.'], description: ['Too long.'] });
    expect(v.message).toBe('This field may not be blank.');
  });

  it('401 on login → UnauthorizedError, and no refresh is attempted for unauthenticated calls', async () => {
    const api = installFetch(() =>
      jsonResponse(401, {
        detail: 'No active account found with the given credentials',
        code: 'authentication_failed',
      }),
    );
    const error = await apiRequest('/api/auth/login/', { method: 'POST', auth: 'none', body: {} }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).code).toBe('authentication_failed');
    expect((error as UnauthorizedError).message).toBe('No active account found with the given credentials');
    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]?.authorization).toBeNull();
  });

  it('429 → RateLimitError with retryAfter from Retry-After', async () => {
    installFetch(() =>
      jsonResponse(429, { detail: 'Request was throttled.', code: 'throttled' }, { 'Retry-After': '42' }),
    );
    const error = await apiRequest('/api/auth/login/', { method: 'POST', auth: 'none', body: {} }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(42);
    expect((error as RateLimitError).status).toBe(429);
    expect((error as RateLimitError).code).toBe('throttled');
  });

  it('429 without Retry-After → retryAfter null', async () => {
    installFetch(() => jsonResponse(429, { detail: 'Slow down.', code: 'throttled' }));
    const error = await apiRequest('/api/todos/').catch((e: unknown) => e);
    expect((error as RateLimitError).retryAfter).toBeNull();
  });

  it('fetch rejecting → NetworkError (status 0)', async () => {
    installFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const error = await apiRequest('/api/todos/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).status).toBe(0);
    expect((error as NetworkError).cause).toBeInstanceOf(TypeError);
  });

  it('404 → NotFoundError with detail and code', async () => {
    installFetch(() => jsonResponse(404, { detail: 'No Todo matches the given query.', code: 'not_found' }));
    const error = await apiRequest('/api/todos/999/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).toBe('No Todo matches the given query.');
    expect((error as NotFoundError).code).toBe('not_found');
  });

  it('other statuses → generic ApiError, non-JSON bodies kept as text', async () => {
    installFetch(
      () => new Response('<h1>Bad gateway</h1>', { status: 502, headers: { 'Content-Type': 'text/html' } }),
    );
    const error = await apiRequest('/api/todos/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).not.toBeInstanceOf(ValidationError);
    expect((error as ApiError).status).toBe(502);
    expect((error as ApiError).body).toBe('<h1>Bad gateway</h1>');
    expect((error as ApiError).message).toBe('The server had a problem. Try again later.');
  });
});

describe('error bodies that are not the API’s JSON', () => {
  beforeEach(() => store(makeJwt('access', 300), makeJwt('refresh', 3600)));

  // What Django's debug mode answers for a Host outside DJANGO_ALLOWED_HOSTS: a whole HTML page.
  const DEBUG_PAGE =
    '<!DOCTYPE html><html><head><title>DisallowedHost at /api/auth/register/</title></head>' +
    "<body><h1>DisallowedHost</h1><pre>Invalid HTTP_HOST header: 'evil.example'.</pre></body></html>";
  const html = (status: number, text = DEBUG_PAGE) =>
    new Response(text, { status, headers: { 'Content-Type': 'text/html; charset=utf-8' } });

  async function failure(response: () => Response, auth: 'none' | 'access' = 'none') {
    installFetch(response);
    return (await apiRequest('/api/auth/register/', { method: 'POST', body: {}, auth }).catch(
      (e: unknown) => e,
    )) as ApiError;
  }

  it('an HTML 400 is a ValidationError whose only message is ours, chosen by the status', async () => {
    const error = await failure(() => html(400));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors).toEqual({
      non_field_errors: ['The server refused the request (error 400). Try again later.'],
    });
    expect(error.message).toBe('The server refused the request (error 400). Try again later.');
    expect(error.body).toBe(DEBUG_PAGE); // kept for debugging, shown nowhere
  });

  it.each([
    [403, ForbiddenError, 'The server refused the request (error 403). Try again later.'],
    [404, NotFoundError, 'Not found.'],
    [429, RateLimitError, 'Too many attempts. Please wait and try again.'],
    [500, ApiError, 'The server had a problem. Try again later.'],
  ])('an HTML %i gets the status’s own message', async (status, type, message) => {
    const error = await failure(() => html(status));
    expect(error).toBeInstanceOf(type);
    expect(error.message).toBe(message);
    expect(error.code).toBeUndefined();
  });

  it('JSON that is not an object (a bare string) is not read for messages either', async () => {
    const error = await failure(() => jsonResponse(400, 'Bad Request (400)'));
    expect((error as ValidationError).fieldErrors).toEqual({
      non_field_errors: ['The server refused the request (error 400). Try again later.'],
    });
  });

  it('plain text with a 401 is not a message either', async () => {
    const error = await failure(() => new Response('Unauthorized: go away', { status: 401 }));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.message).toBe('Authentication required.');
  });

  it('a 200 that is not JSON (a proxy’s page) is an error, not data', async () => {
    const error = await failure(() => html(200, '<!doctype html><title>app</title>'), 'access');
    expect(error).toBeInstanceOf(UnreadableResponseError);
    expect(error.status).toBe(200);
    expect(error.message).toBe('The server sent an answer this app cannot read. Try again later.');
  });

  it('a refresh answered with HTML 200 stores nothing and keeps the pair', async () => {
    const before = { access: makeJwt('access', -10), refresh: makeJwt('refresh', 3600) };
    store(before.access, before.refresh);
    installFetch(() => html(200, '<html>login</html>'));
    const error = await apiRequest('/api/users/me/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreadableResponseError);
    expect(tokenStorage.getPair()).toEqual(before);
  });
});

describe('JWT helpers', () => {
  it('decodes a base64url payload (with - and _ characters)', () => {
    // "?>?" encodes to "Pz4_" in base64url: exercises the URL-safe alphabet.
    const token = makeJwt('access', 60, { note: '?>?~~~' });
    expect(token.split('.')[1]).toMatch(/[-_]/);
    expect(decodeJwtPayload(token)).toMatchObject({ token_type: 'access', note: '?>?~~~', sid: 7 });
  });

  it('isJwtExpired compares exp with the clock; unreadable tokens are left to the server', () => {
    expect(isJwtExpired(makeJwt('access', -1))).toBe(true);
    expect(isJwtExpired(makeJwt('access', 60))).toBe(false);
    expect(isJwtExpired('not-a-jwt')).toBe(false);
    expect(decodeJwtPayload('a.%%%.c')).toBeNull();
  });
});
