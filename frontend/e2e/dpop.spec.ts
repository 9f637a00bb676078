// DPoP end to end: the page logs in with a key it cannot give away; both tokens, copied out of
// localStorage as an XSS payload or a malicious extension would, are refused from outside the
// page (plain HTTP from Node, even with a proof from another key), while the page itself keeps
// working, refreshes included.
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import {
  accountLoggedIn,
  addTodo,
  addTodoAfterAccessExpiry,
  expect,
  expectTodosPage,
  jwtPayload,
  test,
  todoItem,
  tokens,
  trackApi,
} from './fixtures';

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');
const jkt = (token: string) => (jwtPayload(token) as { cnf?: { jkt?: string } }).cnf?.jkt;

/** A proof signed by a key of the thief's own: well formed, but not the key the tokens are bound to. */
function thiefProof(method: string, url: string, accessToken?: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } };
  const payload: Record<string, unknown> = {
    jti: randomUUID(),
    htm: method,
    htu: url,
    iat: Math.floor(Date.now() / 1000),
  };
  if (accessToken) payload.ath = createHash('sha256').update(accessToken).digest('base64url');
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

async function fromOutside(
  baseURL: string,
  path: string,
  {
    method = 'GET',
    scheme,
    token,
    proof,
  }: { method?: string; scheme: string; token: string; proof?: string },
) {
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/json' };
  headers.Authorization = `${scheme} ${token}`;
  if (proof) headers.DPoP = proof;
  const response = await fetch(`${baseURL}${path}`, { method, headers });
  return { status: response.status, challenge: response.headers.get('www-authenticate') ?? '' };
}

test('stolen tokens are useless outside the page that holds the key; the page keeps working', async ({
  page,
  context,
  baseURL,
}) => {
  const api = trackApi(context);
  await accountLoggedIn(page, baseURL!, 'DPoP laptop');
  await addTodo(page, 'Bound to this browser');

  // The page logged in with DPoP by default: both tokens name the browser's key.
  const stolen = await tokens(page);
  const key = jkt(stolen.access!);
  expect(key, 'the access token is not bound (no cnf.jkt): the page did not use DPoP').toBeTruthy();
  expect(jkt(stolen.refresh!)).toBe(key);

  // The private key cannot be read out of the page, even by script running in it.
  const exported = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('dpop');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const pair = await new Promise<CryptoKeyPair>((resolve) => {
      const request = db.transaction('keys').objectStore('keys').get('current');
      request.onsuccess = () => resolve(request.result as CryptoKeyPair);
    });
    try {
      await crypto.subtle.exportKey('jwk', pair.privateKey);
      return 'exported';
    } catch (error) {
      return `refused: ${(error as Error).name}`;
    } finally {
      db.close();
    }
  });
  expect(exported).toMatch(/^refused/);

  // From outside the page, the copied tokens get nowhere.
  const base = baseURL!;
  const attempts: [string, string, Parameters<typeof fromOutside>[2]][] = [
    ['access as Bearer', '/api/todos/', { scheme: 'Bearer', token: stolen.access! }],
    ['access as DPoP, no proof', '/api/todos/', { scheme: 'DPoP', token: stolen.access! }],
    [
      'access as DPoP, thief key',
      '/api/todos/',
      {
        scheme: 'DPoP',
        token: stolen.access!,
        proof: thiefProof('GET', `${base}/api/todos/`, stolen.access!),
      },
    ],
    ['refresh as Bearer', '/api/auth/refresh/', { method: 'POST', scheme: 'Bearer', token: stolen.refresh! }],
    [
      'refresh as DPoP, thief key',
      '/api/auth/refresh/',
      {
        method: 'POST',
        scheme: 'DPoP',
        token: stolen.refresh!,
        proof: thiefProof('POST', `${base}/api/auth/refresh/`),
      },
    ],
    [
      'logout as DPoP, thief key',
      '/api/auth/logout/',
      {
        method: 'POST',
        scheme: 'DPoP',
        token: stolen.refresh!,
        proof: thiefProof('POST', `${base}/api/auth/logout/`),
      },
    ],
  ];
  for (const [name, path, options] of attempts) {
    const { status, challenge } = await fromOutside(base, path, options);
    expect(status, `${name}: the stolen token was accepted`).toBe(401);
    expect(challenge, `${name}: no DPoP challenge`).toMatch(/^DPoP /);
  }

  // Meanwhile the page carries on: its calls work, and after its access token expires it
  // refreshes with the very refresh token the thief failed to use.
  await page.reload();
  await expectTodosPage(page);
  await expect(todoItem(page, 'Bound to this browser')).toBeVisible();
  await addTodoAfterAccessExpiry(page, api, 'Still mine after a refresh');
  expect(api.refreshRequests, api.timeline()).toBe(1);
  expect(
    api.calls.filter((c) => c.status >= 400),
    api.timeline(),
  ).toEqual([]);
  const after = await tokens(page);
  expect(after.refresh).not.toBe(stolen.refresh);
  expect(jkt(after.access!)).toBe(key);
});
