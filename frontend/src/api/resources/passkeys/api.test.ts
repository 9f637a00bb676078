import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../../client';
import { ReauthCancelledError, withReauth } from '../../reauth';
import {
  installFetch,
  jsonResponse,
  makeJwt,
  storedTokens,
  storeTokens,
  tokenPair,
} from '../../../test/helpers';
import { SIGN_OUT_KEY } from '../../../signOutNotice';
import { deleteMe } from '../users/api';
import { addPasskey, deletePasskey, reauthenticate, renamePasskey, signInWithPasskey } from './api';

const bytes = (...values: number[]) => new Uint8Array(values).buffer;
const REAUTH_403 = { detail: 'Authenticate again.', code: 'reauthentication_required', max_age: 300 };

/**
 * A browser with the WebAuthn API but none of the Level 3 JSON helpers (no parse*FromJSON, no
 * toJSON), as Safari before 18.4: the client's own conversion is what runs.
 */
class OldBrowserCredential {
  readonly type = 'public-key';
  readonly authenticatorAttachment = 'platform';
  constructor(
    readonly id: string,
    readonly rawId: ArrayBuffer,
    readonly response: object,
  ) {}
  getClientExtensionResults() {
    return {};
  }
}

function installWebAuthn() {
  const create = vi.fn(async () => {
    const response = {
      clientDataJSON: bytes(1, 2, 3),
      attestationObject: bytes(250, 251, 252),
      getTransports: () => ['internal'],
    };
    // An attestation response is told apart by its attestationObject.
    return new OldBrowserCredential('AQID', bytes(1, 2, 3), response);
  });
  const get = vi.fn(async () => {
    const response = {
      clientDataJSON: bytes(9),
      authenticatorData: bytes(8, 7),
      signature: bytes(255, 254),
      userHandle: bytes(117, 49),
    };
    return new OldBrowserCredential('AQID', bytes(1, 2, 3), response);
  });
  vi.stubGlobal('PublicKeyCredential', OldBrowserCredential);
  Object.defineProperty(navigator, 'credentials', { configurable: true, value: { create, get } });
  return { create, get };
}

const creationOptions = {
  publicKey: {
    rp: { id: 'localhost', name: 'Todos' },
    user: { id: 'dTE', name: 'a@example.com', displayName: 'Ada' },
    challenge: '_-8',
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    excludeCredentials: [{ type: 'public-key', id: 'BAU', transports: ['internal'] }],
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  },
};
const requestOptions = {
  publicKey: { challenge: 'AAEC', rpId: 'localhost', allowCredentials: [], userVerification: 'required' },
};

let webauthn: ReturnType<typeof installWebAuthn>;
beforeEach(() => {
  localStorage.clear();
  webauthn = installWebAuthn();
});
afterEach(() => {
  vi.unstubAllGlobals();
  delete (navigator as { credentials?: unknown }).credentials;
  localStorage.clear();
});

describe('adding a passkey', () => {
  it('turns the JSON options into bytes for create(), and sends the credential back as base64url JSON', async () => {
    const access = makeJwt('access', 300);
    storeTokens(access, makeJwt('refresh', 3600));
    const passkey = { id: 4, name: 'Laptop', created_at: '2026-01-01T00:00:00Z', last_used_at: null };
    const api = installFetch((call) =>
      call.path.endsWith('/options/') ? jsonResponse(200, creationOptions) : jsonResponse(201, passkey),
    );

    expect(await addPasskey('  Laptop  ')).toEqual(passkey);

    expect(api.calls.map((c) => `${c.method} ${c.path} ${c.authorization}`)).toEqual([
      `POST /api/auth/passkeys/register/options/ Bearer ${access}`,
      `POST /api/auth/passkeys/register/ Bearer ${access}`,
    ]);
    const { publicKey } = (
      webauthn.create.mock.calls[0] as unknown as [{ publicKey: PublicKeyCredentialCreationOptions }]
    )[0];
    expect(new Uint8Array(publicKey.challenge as ArrayBuffer)).toEqual(new Uint8Array([255, 239]));
    expect(new Uint8Array(publicKey.user.id as ArrayBuffer)).toEqual(new Uint8Array([117, 49]));
    expect(new Uint8Array(publicKey.excludeCredentials![0]!.id as ArrayBuffer)).toEqual(
      new Uint8Array([4, 5]),
    );
    expect(publicKey.authenticatorSelection).toEqual({
      residentKey: 'required',
      userVerification: 'required',
    });
    expect(JSON.parse(api.calls[1]!.body!)).toEqual({
      name: 'Laptop',
      credential: {
        id: 'AQID',
        rawId: 'AQID',
        type: 'public-key',
        authenticatorAttachment: 'platform',
        clientExtensionResults: {},
        response: { clientDataJSON: 'AQID', attestationObject: '-vv8', transports: ['internal'] },
      },
    });
  });

  it("uses the browser's own JSON helpers where it has them", async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    const parsed = { challenge: bytes(1) };
    class ModernCredential extends OldBrowserCredential {
      static parseCreationOptionsFromJSON = vi.fn(() => parsed);
      toJSON() {
        return { id: 'from-toJSON' };
      }
    }
    vi.stubGlobal('PublicKeyCredential', ModernCredential);
    webauthn.create.mockResolvedValueOnce(
      new ModernCredential('x', bytes(1), { attestationObject: bytes(1) }),
    );
    const api = installFetch((call) =>
      call.path.endsWith('/options/') ? jsonResponse(200, creationOptions) : jsonResponse(201, {}),
    );

    await addPasskey('');

    expect(ModernCredential.parseCreationOptionsFromJSON).toHaveBeenCalledWith(creationOptions.publicKey);
    expect(webauthn.create).toHaveBeenCalledWith({ publicKey: parsed });
    expect(JSON.parse(api.calls[1]!.body!)).toEqual({ credential: { id: 'from-toJSON' } }); // no empty name
  });

  it('sends the same credential again when sign-in lapses during the ceremony: create() runs once', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    const passkey = { id: 5, name: 'Phone', created_at: '2026-01-01T00:00:00Z', last_used_at: null };
    let registers = 0;
    const api = installFetch((call) => {
      if (call.path.endsWith('/options/')) return jsonResponse(200, creationOptions);
      registers += 1;
      return registers === 1 ? jsonResponse(403, REAUTH_403) : jsonResponse(201, passkey);
    });
    const prompt = vi.fn(async () => true);

    expect(await addPasskey('Phone', prompt)).toEqual(passkey);

    expect(prompt).toHaveBeenCalledTimes(1);
    expect(webauthn.create).toHaveBeenCalledTimes(1);
    expect(api.calls.map((c) => c.path)).toEqual([
      '/api/auth/passkeys/register/options/',
      '/api/auth/passkeys/register/',
      '/api/auth/passkeys/register/',
    ]);
    expect(api.calls[2]!.body).toBe(api.calls[1]!.body);
  });

  it('asks before the ceremony when the options need a fresh sign-in, and stops if the user cancels', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    const api = installFetch(() => jsonResponse(403, REAUTH_403));
    const prompt = vi.fn(async () => false);

    await expect(addPasskey('Phone', prompt)).rejects.toBeInstanceOf(ReauthCancelledError);

    expect(prompt).toHaveBeenCalledTimes(1);
    expect(webauthn.create).not.toHaveBeenCalled();
    expect(api.calls.map((c) => c.path)).toEqual(['/api/auth/passkeys/register/options/']);
  });

  it('sends nothing to register when the user closes the browser dialog', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    webauthn.create.mockRejectedValueOnce(new DOMException('closed', 'NotAllowedError'));
    const api = installFetch(() => jsonResponse(200, creationOptions));
    await expect(addPasskey('x')).rejects.toMatchObject({ name: 'NotAllowedError' });
    expect(api.calls.map((c) => c.path)).toEqual(['/api/auth/passkeys/register/options/']);
  });
});

describe('signing in with a passkey', () => {
  it('asks without a session, signs the challenge and stores the new pair with the device name', async () => {
    const pair = tokenPair({ session: { id: 's', device_name: 'Laptop' }, user: { id: 1 } });
    const api = installFetch((call) =>
      call.path.endsWith('/options/') ? jsonResponse(200, requestOptions) : jsonResponse(200, pair),
    );
    const controller = new AbortController();

    await signInWithPasskey({
      deviceName: () => 'Laptop',
      signal: controller.signal,
      mediation: 'conditional',
    });

    expect(api.calls.map((c) => `${c.method} ${c.path} ${c.authorization}`)).toEqual([
      'POST /api/auth/passkeys/login/options/ null',
      'POST /api/auth/passkeys/login/ null',
    ]);
    const request = (webauthn.get.mock.calls[0] as unknown as [CredentialRequestOptions])[0];
    expect(request.mediation).toBe('conditional');
    expect(request.signal).toBe(controller.signal);
    expect(new Uint8Array(request.publicKey!.challenge as ArrayBuffer)).toEqual(new Uint8Array([0, 1, 2]));
    expect(request.publicKey!.allowCredentials).toEqual([]);
    expect(JSON.parse(api.calls[1]!.body!)).toEqual({
      device_name: 'Laptop',
      credential: expect.objectContaining({
        response: { clientDataJSON: 'CQ', authenticatorData: 'CAc', signature: '__4', userHandle: 'dTE' },
      }),
    });
    expect(storedTokens()).toEqual({ access: pair.access, refresh: pair.refresh });
  });

  it('a refused passkey (401) stores nothing', async () => {
    installFetch((call) =>
      call.path.endsWith('/options/')
        ? jsonResponse(200, requestOptions)
        : jsonResponse(401, { detail: 'Passkey sign-in failed.', code: 'authentication_failed' }),
    );
    await expect(signInWithPasskey()).rejects.toBeInstanceOf(UnauthorizedError);
    expect(storedTokens()).toBeNull();
  });

  it('an aborted autofill request never reaches the login endpoint', async () => {
    const controller = new AbortController();
    webauthn.get.mockImplementationOnce(() => {
      controller.abort();
      return Promise.reject(new DOMException('aborted', 'AbortError'));
    });
    const api = installFetch(() => jsonResponse(200, requestOptions));
    await expect(
      signInWithPasskey({ signal: controller.signal, mediation: 'conditional' }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(api.calls.map((c) => c.path)).toEqual(['/api/auth/passkeys/login/options/']);
  });
});

describe('rename and remove', () => {
  beforeEach(() => storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600)));

  it('PATCHes the name and DELETEs by id', async () => {
    const api = installFetch((call) =>
      call.method === 'DELETE' ? jsonResponse(204) : jsonResponse(200, {}),
    );
    await renamePasskey(7, { name: 'Phone' });
    await deletePasskey(7);
    expect(api.calls.map((c) => `${c.method} ${c.path} ${c.body}`)).toEqual([
      'PATCH /api/auth/passkeys/7/ {"name":"Phone"}',
      'DELETE /api/auth/passkeys/7/ null',
    ]);
  });
});

describe('re-authentication', () => {
  it('stores the fresh access token beside the refresh token we hold', async () => {
    const refresh = makeJwt('refresh', 3600);
    storeTokens(makeJwt('access', 300), refresh);
    const fresh = makeJwt('access', 300, { auth_time: 1 });
    const api = installFetch(() =>
      jsonResponse(200, { access: fresh, token_type: 'Bearer', expires_in: 300 }),
    );
    await reauthenticate({ password: 'pw' });
    expect(storedTokens()).toEqual({ access: fresh, refresh });
    expect(JSON.parse(api.calls[0]!.body!)).toEqual({ password: 'pw' });
  });

  it('a wrong password (400) changes nothing', async () => {
    const pair = { access: makeJwt('access', 300), refresh: makeJwt('refresh', 3600) };
    storeTokens(pair.access, pair.refresh);
    installFetch(() => jsonResponse(400, { detail: 'Wrong password.', code: 'reauthentication_failed' }));
    await expect(reauthenticate({ password: 'nope' })).rejects.toBeInstanceOf(ValidationError);
    expect(storedTokens()).toEqual(pair);
  });

  it('a 403 reauthentication_required is answered by the prompt, then the call is sent again with the new token', async () => {
    const stale = makeJwt('access', 300);
    const refresh = makeJwt('refresh', 3600);
    storeTokens(stale, refresh);
    const fresh = makeJwt('access', 300);
    const api = installFetch((call) => {
      if (call.path === '/api/auth/reauthenticate/')
        return jsonResponse(200, { access: fresh, token_type: 'Bearer', expires_in: 300 });
      return call.authorization === `Bearer ${fresh}` ? jsonResponse(204) : jsonResponse(403, REAUTH_403);
    });
    const prompt = vi.fn(async () => {
      await reauthenticate({ password: 'pw' });
      return true;
    });

    await withReauth(() => deletePasskey(3), prompt);

    expect(prompt).toHaveBeenCalledTimes(1);
    expect(api.calls.map((c) => `${c.method} ${c.path} ${c.authorization}`)).toEqual([
      `DELETE /api/auth/passkeys/3/ Bearer ${stale}`,
      `POST /api/auth/reauthenticate/ Bearer ${stale}`,
      `DELETE /api/auth/passkeys/3/ Bearer ${fresh}`,
    ]);
    expect(storedTokens()).toEqual({ access: fresh, refresh });
  });
});

describe('deleting the account', () => {
  it('204: the tokens go and the sign-in page will say the account was deleted', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    const api = installFetch(() => jsonResponse(204));
    await deleteMe();
    expect(api.calls[0]).toMatchObject({ method: 'DELETE', path: '/api/users/me/' });
    expect(storedTokens()).toBeNull();
    expect(JSON.parse(localStorage.getItem(SIGN_OUT_KEY)!).reason).toBe('account_deleted');
  });

  it('403 reauthentication_required: still signed in, nothing recorded', async () => {
    const pair = { access: makeJwt('access', 300), refresh: makeJwt('refresh', 3600) };
    storeTokens(pair.access, pair.refresh);
    installFetch(() => jsonResponse(403, REAUTH_403));
    await expect(deleteMe()).rejects.toBeInstanceOf(ForbiddenError);
    expect(storedTokens()).toEqual(pair);
    expect(localStorage.getItem(SIGN_OUT_KEY)).toBeNull();
  });
});
