// DPoP end to end (issue 15): the page logs in with a key it cannot give away; both tokens,
// copied out of localStorage as an XSS payload or a malicious extension would, are refused
// from outside the page (plain HTTP from Node, even with a proof from another key), while the
// page itself keeps working, refreshes included.
//
// Self-contained (its own browser context and user), so that it can move as one test to the
// Playwright specs that replace run.mjs.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { addTodo, expectTodosPage, jwtPayload, register, todoItem, tokens, trackApi, waitForAccessExpiry, waitForApiIdle } from './app.mjs';

const b64url = (data) => Buffer.from(data).toString('base64url');

/** A proof signed by a key of the thief's own: well formed, but not the key the tokens are bound to. */
function thiefProof(method, url, accessToken) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } };
  const payload = { jti: randomUUID(), htm: method, htu: url, iat: Math.floor(Date.now() / 1000) };
  if (accessToken) payload.ath = createHash('sha256').update(accessToken).digest('base64url');
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

async function fromOutside(baseUrl, path, { method = 'GET', scheme, token, proof }) {
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `${scheme} ${token}`;
  if (proof) headers.DPoP = proof;
  const response = await fetch(`${baseUrl}${path}`, { method, headers });
  return { status: response.status, challenge: response.headers.get('www-authenticate') ?? '' };
}

export async function dpopStolenTokensAreUselessElsewhere({ browser, baseUrl, problems }) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  try {
    const api = trackApi(context, problems, 'dpop device');
    const page = await context.newPage();
    await register(page, baseUrl, { email: `dpop-${Date.now()}@example.com`, password: 'Correct-Horse-42-battery', device: 'DPoP laptop' });
    await addTodo(page, 'Bound to this browser');

    // The page logged in with DPoP by default: both tokens name the browser's key.
    const stolen = await tokens(page);
    const jkt = jwtPayload(stolen.access).cnf?.jkt;
    assert.ok(jkt, 'the access token is not bound (no cnf.jkt): the page did not use DPoP');
    assert.equal(jwtPayload(stolen.refresh).cnf?.jkt, jkt, 'the refresh token is not bound to the same key');

    // The private key cannot be read out of the page, even by script running in it.
    const exported = await page.evaluate(async () => {
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('dpop');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const pair = await new Promise((resolve) => {
        const request = db.transaction('keys').objectStore('keys').get('current');
        request.onsuccess = () => resolve(request.result);
      });
      try {
        await crypto.subtle.exportKey('jwk', pair.privateKey);
        return 'exported';
      } catch (error) {
        return `refused: ${error.name}`;
      } finally {
        db.close();
      }
    });
    assert.match(exported, /^refused/, 'the private key could be exported');

    // From outside the page, the copied tokens get nowhere.
    const todos = `${baseUrl}/api/todos/`;
    const refresh = `${baseUrl}/api/auth/refresh/`;
    const attempts = [
      ['access as Bearer', '/api/todos/', { scheme: 'Bearer', token: stolen.access }],
      ['access as DPoP, no proof', '/api/todos/', { scheme: 'DPoP', token: stolen.access }],
      ['access as DPoP, thief key', '/api/todos/', { scheme: 'DPoP', token: stolen.access, proof: thiefProof('GET', todos, stolen.access) }],
      ['refresh as Bearer', '/api/auth/refresh/', { method: 'POST', scheme: 'Bearer', token: stolen.refresh }],
      ['refresh as DPoP, thief key', '/api/auth/refresh/', { method: 'POST', scheme: 'DPoP', token: stolen.refresh, proof: thiefProof('POST', refresh) }],
      ['logout as DPoP, thief key', '/api/auth/logout/', { method: 'POST', scheme: 'DPoP', token: stolen.refresh, proof: thiefProof('POST', `${baseUrl}/api/auth/logout/`) }],
    ];
    for (const [name, path, options] of attempts) {
      const { status, challenge } = await fromOutside(baseUrl, path, options);
      assert.equal(status, 401, `${name}: the stolen token was accepted (${status})`);
      assert.match(challenge, /^DPoP /, `${name}: no DPoP challenge`);
    }

    // Meanwhile the page carries on: its calls work, and after its access token expires it
    // refreshes with the very refresh token the thief failed to use.
    await page.reload();
    await expectTodosPage(page);
    await todoItem(page, 'Bound to this browser').waitFor();
    await waitForApiIdle(api);
    api.reset();
    await waitForAccessExpiry(page);
    await addTodo(page, 'Still mine after a refresh');
    await waitForApiIdle(api);
    assert.equal(api.refreshResponses().length, 1, `expected one refresh:\n${api.timeline()}`);
    assert.ok(api.calls.every((c) => c.status < 400), `a call of the page failed:\n${api.timeline()}`);
    const after = await tokens(page);
    assert.notEqual(after.refresh, stolen.refresh, 'the page did not rotate its refresh token');
    assert.equal(jwtPayload(after.access).cnf?.jkt, jkt, 'the rotated tokens lost their binding');
  } finally {
    await context.close();
  }
}
