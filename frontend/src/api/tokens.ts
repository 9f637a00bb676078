/**
 * Token storage (localStorage, so every tab of the origin shares one pair) and JWT helpers.
 *
 * Subscribers are told about changes made by this tab and, through the `storage` event,
 * by other tabs: when one tab logs out or loses its session, the others follow.
 */
import type { TokenPair } from './types/auth';

/**
 * Both tokens live in ONE localStorage item, written in one step. Another tab (another
 * renderer process) then sees either the old pair or the new one, never a new refresh token
 * next to an old access token, which would make it refresh a second time.
 */
export const TOKENS_KEY = 'auth.tokens';

type Listener = () => void;
const listeners = new Set<Listener>();
let storageListenerInstalled = false;

function readPair(): TokenPair | null {
  let raw: string | null;
  try {
    raw = window.localStorage.getItem(TOKENS_KEY);
  } catch {
    return null; // storage disabled (privacy mode): behave as logged out
  }
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'object' && value !== null) {
      const { access, refresh } = value as Record<string, unknown>;
      if (typeof access === 'string' && typeof refresh === 'string') return { access, refresh };
    }
  } catch {
    /* corrupt value: treated as logged out */
  }
  return null;
}

function notify(): void {
  for (const listener of [...listeners]) listener();
}

function onStorage(event: StorageEvent): void {
  // key === null means another tab called localStorage.clear().
  if (event.key === null || event.key === TOKENS_KEY) notify();
}

export const tokenStorage = {
  /** Both tokens, read together (one consistent pair). */
  getPair(): TokenPair | null {
    return readPair();
  },
  getAccess(): string | null {
    return readPair()?.access ?? null;
  },
  getRefresh(): string | null {
    return readPair()?.refresh ?? null;
  },
  set(pair: TokenPair): void {
    window.localStorage.setItem(TOKENS_KEY, JSON.stringify({ access: pair.access, refresh: pair.refresh }));
    notify();
  },
  clear(): void {
    try {
      window.localStorage.removeItem(TOKENS_KEY);
    } finally {
      notify();
    }
  },
  /** Logged in as far as the client knows: a refresh token can still get us an access token. */
  hasSession(): boolean {
    return readPair() !== null;
  },
  subscribe(listener: Listener): () => void {
    if (!storageListenerInstalled && typeof window !== 'undefined') {
      window.addEventListener('storage', onStorage);
      storageListenerInstalled = true;
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
};

/** Decodes a JWT's payload (base64url JSON). No signature check: the server does that. */
export function decodeJwtPayload(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const payload: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * True when the token's `exp` has already passed. A token we cannot read is not called
 * expired: the server is the judge, and a 401 still triggers a refresh.
 */
export function isJwtExpired(token: string, now: number = Date.now()): boolean {
  const exp = decodeJwtPayload(token)?.exp;
  if (typeof exp !== 'number') return false;
  return exp * 1000 <= now;
}
