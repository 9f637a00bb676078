import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { webcrypto } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiRequest } from './client';
import {
  accessTokenHash,
  createProof,
  getDPoPKeyPair,
  isBoundToken,
  proofUrl,
  resetDPoPForTests,
} from './dpop';
import { installFetch, jsonResponse, makeJwt, storeTokens } from '../test/helpers';

const ME = { id: 1, email: 'a@example.com', first_name: 'Ada', last_name: 'L' };
const BOUND = { cnf: { jkt: 'x'.repeat(43) } };

function decodePart(part: string): Record<string, unknown> {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4))) as Record<string, unknown>;
}

function fromBase64url(part: string): Uint8Array<ArrayBuffer> {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

/** The headers of the n-th fetch call. */
function sentHeaders(fetchMock: { mock: { calls: unknown[][] } }, index: number): Headers {
  return new Headers((fetchMock.mock.calls[index]?.[1] as RequestInit).headers);
}

async function verifyProof(
  proof: string,
): Promise<{ header: Record<string, unknown>; payload: Record<string, unknown> }> {
  const [h, p, s] = proof.split('.') as [string, string, string];
  const header = decodePart(h);
  const publicKey = await crypto.subtle.importKey(
    'jwk',
    header.jwk as JsonWebKey,
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  const ok = await crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    publicKey,
    fromBase64url(s),
    new TextEncoder().encode(`${h}.${p}`),
  );
  expect(ok).toBe(true);
  return { header, payload: decodePart(p) };
}

beforeEach(() => {
  // jsdom's window lacks crypto.subtle in some versions; Node's WebCrypto is the real thing.
  vi.stubGlobal('crypto', webcrypto);
  vi.stubGlobal('indexedDB', new IDBFactory());
  resetDPoPForTests();
  localStorage.clear();
});
afterEach(() => {
  resetDPoPForTests();
  localStorage.clear();
});

describe('the browser key', () => {
  it('is made once, kept in IndexedDB, and its private half cannot be exported', async () => {
    const first = await getDPoPKeyPair();
    expect(first).not.toBeNull();
    expect(first!.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', first!.privateKey)).rejects.toThrow();

    resetDPoPForTests(); // a new page load: the key comes back from IndexedDB
    const again = await getDPoPKeyPair();
    const jwk = async (pair: CryptoKeyPair | null) => crypto.subtle.exportKey('jwk', pair!.publicKey);
    expect(await jwk(again)).toEqual(await jwk(first));
  });

  it('is shared when two tabs create it at once', async () => {
    const [a, b] = await Promise.all([getDPoPKeyPair(), (resetDPoPForTests(), getDPoPKeyPair())]);
    resetDPoPForTests();
    const stored = await getDPoPKeyPair();
    const x = async (pair: CryptoKeyPair | null) => (await crypto.subtle.exportKey('jwk', pair!.publicKey)).x;
    // The tab that stored second adopted the first one's key.
    expect(await x(a)).toBe(await x(stored));
    expect(await x(b)).toBe(await x(stored));
  });

  it('is missing where IndexedDB is', async () => {
    vi.stubGlobal('indexedDB', undefined);
    await expect(getDPoPKeyPair()).resolves.toBeNull();
  });
});

describe('proofs', () => {
  it('are ES256 JWTs with the public key only, method, URL without query, time, and ath', async () => {
    const pair = (await getDPoPKeyPair())!;
    const proof = await createProof(pair, 'get', '/api/todos/?page=2#x', 'the-access-token');
    const { header, payload } = await verifyProof(proof);
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(Object.keys(header.jwk as object).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(payload).toMatchObject({ htm: 'GET', htu: `${window.location.origin}/api/todos/` });
    expect(Math.abs((payload.iat as number) - Date.now() / 1000)).toBeLessThan(2);
    expect(payload.ath).toBe(await accessTokenHash('the-access-token'));
    const another = await verifyProof(await createProof(pair, 'GET', '/api/todos/'));
    expect(another.payload.jti).not.toBe(payload.jti);
    expect(another.payload).not.toHaveProperty('ath');
  });

  it('name absolute URLs as they are', () => {
    expect(proofUrl('https://api.example.com/api/x/?q=1')).toBe('https://api.example.com/api/x/');
  });

  it('tell bound tokens by cnf.jkt', () => {
    expect(isBoundToken(makeJwt('access', 60, BOUND))).toBe(true);
    expect(isBoundToken(makeJwt('access', 60))).toBe(false);
  });
});

describe('the request function', () => {
  it('sends a bound access token with the DPoP scheme and a proof carrying its hash', async () => {
    const access = makeJwt('access', 300, BOUND);
    storeTokens(access, makeJwt('refresh', 3600, BOUND));
    const api = installFetch(() => jsonResponse(200, ME));

    await expect(apiRequest('/api/users/me/')).resolves.toEqual(ME);
    const headers = sentHeaders(api.fetchMock, 0);
    expect(headers.get('Authorization')).toBe(`DPoP ${access}`);
    const { payload } = await verifyProof(headers.get('DPoP')!);
    expect(payload).toMatchObject({ htm: 'GET', htu: `${window.location.origin}/api/users/me/` });
    expect(payload.ath).toBe(await accessTokenHash(access));
  });

  it('keeps an unbound token Bearer, and sends a proof with login so the new session is bound', async () => {
    const access = makeJwt('access', 300);
    storeTokens(access, makeJwt('refresh', 3600));
    const api = installFetch(() => jsonResponse(200, ME));

    await apiRequest('/api/users/me/');
    expect(sentHeaders(api.fetchMock, 0).get('Authorization')).toBe(`Bearer ${access}`);
    await apiRequest('/api/auth/login/', {
      method: 'POST',
      auth: 'none',
      body: { email: 'a', password: 'b' },
    });
    const login = sentHeaders(api.fetchMock, 1);
    expect(login.get('Authorization')).toBeNull();
    const { payload } = await verifyProof(login.get('DPoP')!);
    expect(payload).toMatchObject({ htm: 'POST', htu: `${window.location.origin}/api/auth/login/` });
  });

  it('refreshes a bound session once for concurrent callers, with the DPoP scheme and no ath', async () => {
    const oldRefresh = makeJwt('refresh', 3600, BOUND);
    storeTokens(makeJwt('access', -10, BOUND), oldRefresh);
    const fresh = { access: makeJwt('access', 300, BOUND), refresh: makeJwt('refresh', 3600, BOUND) };
    const api = installFetch(async (call) => {
      if (call.path === '/api/auth/refresh/')
        return jsonResponse(200, { ...fresh, token_type: 'DPoP', expires_in: 300, refresh_expires_in: 3600 });
      return jsonResponse(200, ME);
    });

    await Promise.all([
      apiRequest('/api/users/me/'),
      apiRequest('/api/todos/'),
      apiRequest('/api/auth/sessions/'),
    ]);
    expect(api.callsTo('/api/auth/refresh/')).toHaveLength(1);
    const refreshIndex = api.calls.findIndex((c) => c.path === '/api/auth/refresh/');
    const headers = sentHeaders(api.fetchMock, refreshIndex);
    expect(headers.get('Authorization')).toBe(`DPoP ${oldRefresh}`);
    const { payload } = await verifyProof(headers.get('DPoP')!);
    expect(payload).toMatchObject({ htm: 'POST', htu: `${window.location.origin}/api/auth/refresh/` });
    expect(payload).not.toHaveProperty('ath');
    for (const call of api.calls.filter((c) => c.path !== '/api/auth/refresh/')) {
      expect(call.authorization).toBe(`DPoP ${fresh.access}`);
    }
  });

  it('falls back to Bearer without a proof where WebCrypto is missing', async () => {
    vi.stubGlobal('crypto', { getRandomValues: webcrypto.getRandomValues.bind(webcrypto) });
    const access = makeJwt('access', 300);
    storeTokens(access, makeJwt('refresh', 3600));
    const api = installFetch(() => jsonResponse(200, ME));
    await apiRequest('/api/users/me/');
    const headers = sentHeaders(api.fetchMock, 0);
    expect(headers.get('Authorization')).toBe(`Bearer ${access}`);
    expect(headers.has('DPoP')).toBe(false);
  });

  it('signs again once with the server time when a clock far off got the proof refused', async () => {
    const serverNow = Date.now() + 10 * 60_000; // this device's clock is ten minutes late
    const api = installFetch(async () => {
      const first = api.calls.length === 1;
      return first
        ? jsonResponse(
            401,
            { detail: 'Invalid DPoP proof: iat', code: 'invalid_dpop_proof' },
            {
              'WWW-Authenticate': 'DPoP realm="api", error="invalid_dpop_proof"',
              Date: new Date(serverNow).toUTCString(),
            },
          )
        : jsonResponse(200, ME, { Date: new Date(serverNow).toUTCString() });
    });
    await expect(apiRequest('/api/auth/login/', { method: 'POST', auth: 'none', body: {} })).resolves.toEqual(
      ME,
    );
    expect(api.calls).toHaveLength(2);
    const first = await verifyProof(sentHeaders(api.fetchMock, 0).get('DPoP')!);
    const second = await verifyProof(sentHeaders(api.fetchMock, 1).get('DPoP')!);
    expect(Math.abs((second.payload.iat as number) - serverNow / 1000)).toBeLessThan(3);
    expect((second.payload.iat as number) - (first.payload.iat as number)).toBeGreaterThan(590);
  });
});
