import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeError } from '../components/ErrorMessage';
import {
  base64urlToBuffer,
  bufferToBase64url,
  conditionalMediationAvailable,
  isCeremonyCancelled,
  parseRequestOptions,
  passkeysSupported,
  platformAuthenticatorAvailable,
} from './webauthn';

afterEach(() => {
  vi.unstubAllGlobals();
  delete (navigator as { credentials?: unknown }).credentials;
});

describe('base64url', () => {
  it('round-trips every length (no padding, URL alphabet)', () => {
    for (let length = 0; length < 8; length += 1) {
      const bytes = Uint8Array.from({ length }, (_, i) => 250 + i);
      const text = bufferToBase64url(bytes);
      expect(text).not.toMatch(/[=+/]/);
      expect(new Uint8Array(base64urlToBuffer(text))).toEqual(bytes);
    }
    expect(bufferToBase64url(new Uint8Array([251, 255]))).toBe('-_8');
  });

  it('reads a view into a larger buffer as only its own bytes', () => {
    const whole = new Uint8Array([1, 2, 3, 4]);
    expect(bufferToBase64url(new Uint8Array(whole.buffer, 1, 2))).toBe(
      bufferToBase64url(new Uint8Array([2, 3])),
    );
  });
});

describe('what the browser can do', () => {
  it('without the WebAuthn API: no passkeys, no autofill, no platform authenticator', async () => {
    expect(passkeysSupported()).toBe(false);
    expect(await conditionalMediationAvailable()).toBe(false);
    expect(await platformAuthenticatorAvailable()).toBe(false);
  });

  it('a capability check that is missing or throws counts as no', async () => {
    vi.stubGlobal(
      'PublicKeyCredential',
      Object.assign(function PublicKeyCredential() {}, {
        isUserVerifyingPlatformAuthenticatorAvailable: () => Promise.reject(new Error('boom')),
      }),
    );
    Object.defineProperty(navigator, 'credentials', { configurable: true, value: { get: vi.fn() } });
    expect(passkeysSupported()).toBe(true);
    expect(await conditionalMediationAvailable()).toBe(false);
    expect(await platformAuthenticatorAvailable()).toBe(false);
  });
});

describe('request options without the browser parser', () => {
  it('turns the challenge and allowed ids into bytes and keeps the rest', () => {
    const options = parseRequestOptions({
      challenge: 'AAEC',
      rpId: 'localhost',
      userVerification: 'required',
      allowCredentials: [{ type: 'public-key', id: 'BAU' }],
    });
    expect(new Uint8Array(options.challenge as ArrayBuffer)).toEqual(new Uint8Array([0, 1, 2]));
    expect(new Uint8Array(options.allowCredentials![0]!.id as ArrayBuffer)).toEqual(new Uint8Array([4, 5]));
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
  });
});

describe('the browser dialog', () => {
  it('closed, timed out or aborted is a cancellation; other failures are not', () => {
    expect(isCeremonyCancelled(new DOMException('x', 'NotAllowedError'))).toBe(true);
    expect(isCeremonyCancelled(new DOMException('x', 'AbortError'))).toBe(true);
    expect(isCeremonyCancelled(new DOMException('x', 'InvalidStateError'))).toBe(false);
    expect(isCeremonyCancelled(new Error('x'))).toBe(false);
  });

  it('each failure is said in words of the app, never the browser’s', () => {
    expect(describeError(new DOMException('browser words', 'NotAllowedError'))).toMatch(
      /^No passkey was used/,
    );
    expect(describeError(new DOMException('browser words', 'InvalidStateError'))).toBe(
      'This device already holds a passkey for your account.',
    );
    expect(describeError(new DOMException('browser words', 'SecurityError'))).toMatch(/WEBAUTHN_RP_ID/);
    expect(describeError(new DOMException('browser words', 'UnknownError'))).not.toMatch(/browser words/);
  });
});
