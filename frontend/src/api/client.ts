/**
 * The base fetch client: JSON in and out, Bearer access token, typed errors, and
 * transparent access-token refresh.
 *
 * Refresh rules (the server rotates refresh tokens and treats a second use of a rotated
 * one as theft, revoking the whole session, so we must never present one twice):
 *  - refresh before a call whose access token's `exp` has already passed, or after a 401;
 *    the original call is retried once with the new access token;
 *  - single flight inside a tab: concurrent callers share one refresh promise;
 *  - single flight across tabs: the refresh runs under the Web Lock "auth-refresh", and inside
 *    the lock localStorage is read again; if another tab rotated meanwhile, its pair is used
 *    (after waiting for the lock, we also give that tab's write a moment to become visible);
 *  - a refused refresh (401) clears both tokens, which sends every tab to the login screen;
 *    just before, the 401s' `code`s are recorded so the sign-in page can say why (signOutNotice).
 */
import { isProofRefused, noteServerClock, withDPoP } from './dpop';
import { recordSessionEnd } from '../signOutNotice';
import { errorFromResponse, NetworkError, UnauthorizedError, UnreadableResponseError } from './errors';
import { isJwtExpired, tokenStorage } from './tokens';
import type { RefreshResponse, TokenPair } from './types/auth';

export * from './errors';
export { tokenStorage, decodeJwtPayload, isJwtExpired, TOKENS_KEY } from './tokens';

export const REFRESH_PATH = '/api/auth/refresh/';
export const REFRESH_LOCK_NAME = 'auth-refresh';

/** '' means same origin (Django serving the built app); set it when the API is elsewhere. */
export const API_BASE_URL: string = (import.meta.env.VITE_API_BASE_URL ?? '').replace(/\/+$/, '');

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. Omit for an empty body. */
  body?: unknown;
  /** Appended as ?key=value; null/undefined/'' values are left out. */
  query?: Record<string, QueryValue>;
  /**
   * 'access' (default): Bearer access token, with refresh and one retry.
   * 'none': no Authorization header (login, register).
   * 'refresh': Bearer refresh token, no retry (logout).
   */
  auth?: 'access' | 'none' | 'refresh';
  signal?: AbortSignal;
}

export function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params.append(key, String(value));
  }
  const qs = params.toString();
  return `${API_BASE_URL}${path}${qs ? `?${qs}` : ''}`;
}

/**
 * fetch() with NetworkError instead of a bare TypeError, and a DPoP proof (see dpop.ts) on
 * every request where the browser has a key: the one place where requests are signed. A proof
 * refused because this device's clock is off is signed again once, with the server's time.
 */
async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    const response = await fetch(url, await withDPoP(url, init));
    if (noteServerClock(response) && isProofRefused(response))
      return await fetch(url, await withDPoP(url, init));
    return response;
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new NetworkError(cause);
  }
}

/** The parsed JSON body; the text itself when it is not JSON (errorFromResponse shows none of it). */
async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function toResult<T>(response: Response): Promise<T> {
  const body = await readBody(response);
  if (!response.ok) throw errorFromResponse(response.status, response.headers, body);
  // Every answer of the API with a body is a JSON object or array. Anything else (an HTML page
  // from a proxy or a dev server's fallback, with 200) must not reach the pages as data.
  if (typeof body === 'string') throw new UnreadableResponseError(response.status, body);
  return body as T;
}

function buildInit(options: RequestOptions, bearer: string | null): RequestInit {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const init: RequestInit = { method: options.method ?? 'GET', headers };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  if (options.signal) init.signal = options.signal;
  return init;
}

// ---------------------------------------------------------------------------------------------
// Refresh

/** The refresh in flight in this tab, shared by every caller that needs a new access token. */
let inflightRefresh: Promise<TokenPair> | null = null;

/**
 * How long a tab that had to wait for the lock gives the previous holder's localStorage write
 * to reach it. Web Locks and localStorage travel on separate channels between tabs (separate
 * processes in Chromium), so the lock can be granted a moment before the new pair is visible.
 */
export const STORAGE_PROPAGATION_WAIT_MS = 300;

type LockedTask<T> = (waitedForAnotherTab: boolean) => Promise<T>;

/**
 * Runs `task` under the cross-tab lock and tells it whether another tab held the lock first
 * (and so probably just refreshed). Where Web Locks are missing (old browsers, jsdom, plain
 * http on a non-localhost origin) the task just runs: single flight within the tab remains.
 */
async function withRefreshLock<T>(task: LockedTask<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks || typeof locks.request !== 'function') return task(false);
  const immediate = await locks.request(REFRESH_LOCK_NAME, { ifAvailable: true }, async (lock) =>
    lock ? { value: await task(false) } : null,
  );
  if (immediate) return immediate.value;
  return locks.request(REFRESH_LOCK_NAME, { mode: 'exclusive' }, () => task(true));
}

/** Resolves when the stored refresh token is no longer `refresh`, or after `timeoutMs`. */
function waitForRotation(refresh: string, timeoutMs: number): Promise<void> {
  return new Promise((resolveWait) => {
    const started = Date.now();
    const check = () => {
      if (tokenStorage.getRefresh() !== refresh || Date.now() - started >= timeoutMs) {
        window.clearInterval(timer);
        resolveWait();
      }
    };
    const timer = window.setInterval(check, 20);
  });
}

/** `code` and `reason` of a 401 body that made us refresh, passed on to explain a sign-out. */
interface Refused {
  code?: string | undefined;
  reason?: string | undefined;
}

function refusal(body: unknown): Refused {
  if (typeof body !== 'object' || body === null) return {};
  const { code, reason } = body as Record<string, unknown>;
  return {
    code: typeof code === 'string' ? code : undefined,
    reason: typeof reason === 'string' ? reason : undefined,
  };
}

async function refreshInsideLock(
  seenRefresh: string,
  waitedForAnotherTab: boolean,
  cause: Refused,
): Promise<TokenPair> {
  // Read storage again: while we waited for the lock another tab may have rotated the pair
  // (or logged out). Presenting `seenRefresh` again would then look like token theft.
  let stored = tokenStorage.getPair();
  if (stored && stored.refresh === seenRefresh && waitedForAnotherTab) {
    await waitForRotation(stored.refresh, STORAGE_PROPAGATION_WAIT_MS);
    stored = tokenStorage.getPair();
  }
  if (!stored) {
    throw new UnauthorizedError('You are not signed in.', 401, 'not_authenticated');
  }
  if (stored.refresh !== seenRefresh && !isJwtExpired(stored.access)) {
    return stored; // someone else already refreshed: use their pair
  }

  const presented = stored.refresh;
  const response = await send(buildUrl(REFRESH_PATH), {
    method: 'POST',
    headers: { Accept: 'application/json', Authorization: `Bearer ${presented}` },
  });
  if (response.ok) {
    const data = (await toResult<Partial<RefreshResponse> | undefined>(response)) ?? {};
    if (typeof data.access !== 'string' || typeof data.refresh !== 'string')
      throw new UnreadableResponseError(response.status, data);
    const pair = { access: data.access, refresh: data.refresh };
    tokenStorage.set(pair);
    return pair;
  }
  const body = await readBody(response);
  const error = errorFromResponse(response.status, response.headers, body);
  // 401: the session is over (expired, revoked, reused). Clear the pair unless another tab
  // has stored a different one meanwhile (e.g. a fresh login), which we must not wipe.
  if (response.status === 401 && tokenStorage.getRefresh() === presented) {
    const refused = refusal(body);
    recordSessionEnd({
      codes: [cause.code, refused.code],
      reason: refused.reason ?? cause.reason,
      refreshToken: presented,
    });
    tokenStorage.clear();
  }
  throw error;
}

/**
 * Returns a fresh pair. `seenRefresh` is the refresh token stored when the caller's access
 * token was read: if storage holds another one by now, a rotation already happened.
 */
export function refreshTokens(seenRefresh: string, cause: Refused = {}): Promise<TokenPair> {
  if (!inflightRefresh) {
    inflightRefresh = withRefreshLock((waited) => refreshInsideLock(seenRefresh, waited, cause)).finally(
      () => {
        inflightRefresh = null;
      },
    );
  }
  return inflightRefresh;
}

/** Waits for a refresh in flight, if any (logout must not race a rotation). */
export async function settleRefresh(): Promise<void> {
  if (inflightRefresh) await inflightRefresh.catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// Requests

/** Performs an API call and returns the parsed JSON body (undefined for 204). */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const url = buildUrl(path, options.query);
  const auth = options.auth ?? 'access';

  if (auth === 'none') return toResult<T>(await send(url, buildInit(options, null)));
  if (auth === 'refresh') return toResult<T>(await send(url, buildInit(options, tokenStorage.getRefresh())));

  // Read both tokens together: the refresh token is how we later tell whether a rotation
  // happened after this call started.
  let pair = tokenStorage.getPair();
  if (!pair) throw new UnauthorizedError('You are not signed in.', 401, 'not_authenticated');
  if (isJwtExpired(pair.access)) pair = await refreshTokens(pair.refresh);

  const first = await send(url, buildInit(options, pair.access));
  if (first.status !== 401) return toResult<T>(first);

  // 401 on a token we believed valid: expired in flight, or the session is gone.
  // One refresh (shared with concurrent callers), one retry.
  const cause = refusal(await readBody(first).catch(() => undefined));
  const fresh = await refreshTokens(pair.refresh, cause);
  const retry = await send(url, buildInit(options, fresh.access));
  if (retry.status === 401) {
    const body = await readBody(retry);
    if (tokenStorage.getAccess() === fresh.access) {
      // A brand-new access token refused: the session was revoked. Log out everywhere locally.
      const refused = refusal(body);
      recordSessionEnd({ codes: [refused.code, cause.code], reason: refused.reason ?? cause.reason });
      tokenStorage.clear();
    }
    throw errorFromResponse(401, retry.headers, body);
  }
  return toResult<T>(retry);
}
