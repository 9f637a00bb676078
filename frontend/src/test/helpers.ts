/** Test helpers: unsigned JWTs with a chosen `exp`, and a scriptable fake fetch. */
import { vi } from 'vitest';
import { TOKENS_KEY } from '../api/tokens';

function base64url(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

let serial = 0;

/** A JWT whose payload carries `exp` = now + `expiresInSeconds` (negative: already expired). */
export function makeJwt(
  kind: 'access' | 'refresh',
  expiresInSeconds: number,
  extra: Record<string, unknown> = {},
): string {
  serial += 1;
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    token_type: kind,
    exp: now + expiresInSeconds,
    iat: now,
    jti: `jti-${serial}`,
    user_id: 1,
    sid: 7,
    ...extra,
  };
  return `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}.sig${serial}`;
}

export function jsonResponse(status: number, body?: unknown, headers: Record<string, string> = {}): Response {
  const text = body === undefined ? null : JSON.stringify(body);
  return new Response(status === 204 ? null : text, {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/**
 * One page of `items` as the API's lists answer `call` (`?page=`, `?page_size=`, default 20):
 * `{count, next, previous, results}`, and a 404 for a page past the last, as DRF does.
 */
export function pagedResponse(items: readonly unknown[], call: { search: string }): Response {
  const params = new URLSearchParams(call.search);
  const size = Number(params.get('page_size') ?? 20);
  const page = Number(params.get('page') ?? 1);
  if (page > Math.max(1, Math.ceil(items.length / size))) {
    return jsonResponse(404, { detail: 'Invalid page.', code: 'not_found' });
  }
  return jsonResponse(200, {
    count: items.length,
    next: page * size < items.length ? `?page=${page + 1}` : null,
    previous: page > 1 ? `?page=${page - 1}` : null,
    results: items.slice((page - 1) * size, page * size),
  });
}

/**
 * The body of a token response (login, register, refresh): a new live pair unless `access` or
 * `refresh` is given; any other field (`session`, `user`) is added after the standard ones.
 */
export function tokenPair(fields: { access?: string; refresh?: string; [extra: string]: unknown } = {}) {
  const { access = makeJwt('access', 300), refresh = makeJwt('refresh', 3600), ...extra } = fields;
  return { access, refresh, token_type: 'Bearer', expires_in: 300, refresh_expires_in: 3600, ...extra };
}

/** A 200 answer carrying `tokenPair(fields)`. */
export function tokenResponse(fields: Parameters<typeof tokenPair>[0] = {}): Response {
  return jsonResponse(200, tokenPair(fields));
}

export interface RecordedCall {
  method: string;
  path: string;
  search: string;
  authorization: string | null;
  body: string | null;
}

type Handler = (call: RecordedCall) => Response | Promise<Response>;

/**
 * Installs a fake global fetch. `handler` sees every call (path without origin); `calls`
 * records them in order. Responses may be delayed to model concurrent requests in flight.
 */
export function installFetch(handler: Handler) {
  const calls: RecordedCall[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://localhost');
    const headers = new Headers(init.headers);
    const call: RecordedCall = {
      method: init.method ?? 'GET',
      path: url.pathname,
      search: url.search,
      authorization: headers.get('Authorization'),
      body: typeof init.body === 'string' ? init.body : null,
    };
    calls.push(call);
    return handler(call);
  });
  vi.stubGlobal('fetch', fetchMock);
  return {
    calls,
    fetchMock,
    callsTo: (path: string) => calls.filter((c) => c.path === path),
  };
}

/**
 * A server that has ended the session: every call gets a 401, with `bodies.refresh` from the
 * refresh endpoint and `bodies.resource` from any other.
 */
export function installEndedSession(bodies: { refresh: unknown; resource: unknown }) {
  return installFetch((call) =>
    jsonResponse(401, call.path === '/api/auth/refresh/' ? bodies.refresh : bodies.resource),
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type LockCallback = (lock: { name: string; mode: string } | null) => Promise<unknown>;

/**
 * A fake navigator.locks with one exclusive lock per name, honouring `ifAvailable`.
 * `holdAsAnotherTab(ms, during, after)` makes "another tab" hold the lock for `ms`: `during`
 * runs while it holds it, `after` some time after it released it (a late storage write).
 */
export function installLocks() {
  const requests: { name: string; ifAvailable: boolean }[] = [];
  let tail: Promise<void> = Promise.resolve();
  let holdersAndWaiters = 0; // counted synchronously, as the browser's lock manager does

  async function acquire<T>(run: () => Promise<T>): Promise<T> {
    holdersAndWaiters += 1;
    const previous = tail;
    let release!: () => void;
    tail = new Promise<void>((r) => (release = r));
    await previous;
    try {
      return await run();
    } finally {
      holdersAndWaiters -= 1;
      release();
    }
  }

  const manager = {
    request(name: string, optionsOrCallback: object | LockCallback, maybeCallback?: LockCallback) {
      const options = (typeof optionsOrCallback === 'function' ? {} : optionsOrCallback) as {
        ifAvailable?: boolean;
      };
      const callback = (
        typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback
      ) as LockCallback;
      requests.push({ name, ifAvailable: !!options.ifAvailable });
      if (options.ifAvailable && holdersAndWaiters > 0) return callback(null);
      return acquire(() => callback({ name, mode: 'exclusive' }));
    },
  };
  Object.defineProperty(navigator, 'locks', { configurable: true, value: manager });

  return {
    requests,
    holdAsAnotherTab(ms: number, during?: () => void, after?: { delayMs: number; run: () => void }) {
      void acquire(async () => {
        during?.();
        await sleep(ms);
      }).then(() => {
        if (after) setTimeout(after.run, after.delayMs);
      });
    },
    restore: () => {
      delete (navigator as { locks?: unknown }).locks;
    },
  };
}

/** Writes a pair straight into localStorage, as another tab (or an earlier visit) would. */
export function storeTokens(access: string, refresh: string): void {
  localStorage.setItem(TOKENS_KEY, JSON.stringify({ access, refresh }));
}

/** The pair currently in localStorage, or null. */
export function storedTokens(): { access: string; refresh: string } | null {
  const raw = localStorage.getItem(TOKENS_KEY);
  return raw ? (JSON.parse(raw) as { access: string; refresh: string }) : null;
}
