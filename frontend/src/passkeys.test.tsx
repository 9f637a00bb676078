/** The passkey UI in jsdom: the re-authentication prompt and its retry, and the autofill request's end. */
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from './App';
import { deletePasskey } from './api/resources/passkeys/api';
import { withReauth } from './api/reauth';
import { ReauthProvider, useReauthPrompt } from './components/Reauth';
import { PasskeysSection } from './pages/PasskeysSection';
import { describeError } from './components/ErrorMessage';
import {
  installFetch,
  jsonResponse,
  makeJwt,
  pagedResponse,
  storedTokens,
  storeTokens,
  tokenResponse,
} from './test/helpers';
import { createTestQueryClient, startEachTestOnACleanPage } from './test/render';

startEachTestOnACleanPage();
afterEach(() => {
  vi.unstubAllGlobals();
  delete (navigator as { credentials?: unknown }).credentials;
});

const REAUTH_403 = { detail: 'Authenticate again.', code: 'reauthentication_required', max_age: 300 };

/** A button whose action the API guards with recent authentication. */
function RemoveButton() {
  const prompt = useReauthPrompt();
  const [result, setResult] = useState('');
  return (
    <>
      <button
        type="button"
        onClick={() =>
          withReauth(() => deletePasskey(3), prompt).then(
            () => setResult('removed'),
            (error: unknown) => setResult(describeError(error)),
          )
        }
      >
        Remove
      </button>
      <p data-testid="result">{result}</p>
    </>
  );
}

function renderGuarded() {
  const { wrapper } = createTestQueryClient();
  return render(
    <ReauthProvider>
      <RemoveButton />
    </ReauthProvider>,
    { wrapper },
  );
}

describe('the re-authentication prompt', () => {
  it('asks for the password, says when it is wrong, and retries the action once with the new token', async () => {
    const refresh = makeJwt('refresh', 3600);
    storeTokens(makeJwt('access', 300), refresh);
    const fresh = makeJwt('access', 300);
    const api = installFetch((call) => {
      if (call.path === '/api/auth/reauthenticate/')
        return JSON.parse(call.body!).password === 'right'
          ? jsonResponse(200, { access: fresh, token_type: 'Bearer', expires_in: 300 })
          : jsonResponse(400, { detail: 'Authentication failed.', code: 'reauthentication_failed' });
      return call.authorization === `Bearer ${fresh}` ? jsonResponse(204) : jsonResponse(403, REAUTH_403);
    });
    renderGuarded();
    const opener = screen.getByRole('button', { name: 'Remove' });
    opener.focus();
    fireEvent.click(opener);

    const dialog = await screen.findByRole('dialog', { name: 'Confirm it’s you' });
    const password = screen.getByLabelText('Your password');
    expect(document.activeElement).toBe(password);
    fireEvent.change(password, { target: { value: 'wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    await screen.findByText('Wrong password.');
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(dialog.isConnected).toBe(true);

    fireEvent.change(password, { target: { value: 'right' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    await waitFor(() => expect(screen.getByTestId('result').textContent).toBe('removed'));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener); // back where the action started
    expect(storedTokens()).toEqual({ access: fresh, refresh });
    expect(api.callsTo('/api/auth/passkeys/3/')).toHaveLength(2);
  });

  it('Escape cancels: the action is not retried, and the user is told it was not done', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    const api = installFetch(() => jsonResponse(403, REAUTH_403));
    renderGuarded();
    fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent(dialog, new Event('cancel', { cancelable: true })); // what Escape fires on a modal dialog
    await waitFor(() =>
      expect(screen.getByTestId('result').textContent).toBe('Not done: it needs you to confirm it is you.'),
    );
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api.calls.map((c) => c.path)).toEqual(['/api/auth/passkeys/3/']);
  });
});

/** A browser with passkey autofill whose get() answers with `answer` (or waits until aborted). */
function installAutofillBrowser(answer?: () => Promise<unknown>) {
  const state: { signal?: AbortSignal | undefined } = {};
  const get = vi.fn(
    (options: CredentialRequestOptions) =>
      answer?.() ??
      new Promise((_resolve, reject) => {
        state.signal = options.signal ?? undefined;
        state.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      }),
  );
  class PublicKeyCredential {
    static isConditionalMediationAvailable = () => Promise.resolve(true);
    static isUserVerifyingPlatformAuthenticatorAvailable = () => Promise.resolve(false);
    readonly id = 'AQID';
    readonly rawId = new Uint8Array([1, 2, 3]).buffer;
    readonly type = 'public-key';
    readonly authenticatorAttachment = 'platform';
    readonly response = {
      clientDataJSON: new Uint8Array([1]).buffer,
      authenticatorData: new Uint8Array([2]).buffer,
      signature: new Uint8Array([3]).buffer,
      userHandle: null,
    };
    getClientExtensionResults() {
      return {};
    }
  }
  vi.stubGlobal('PublicKeyCredential', PublicKeyCredential);
  Object.defineProperty(navigator, 'credentials', { configurable: true, value: { get, create: vi.fn() } });
  return { get, state, credential: () => new PublicKeyCredential() };
}

const OPTIONS = { publicKey: { challenge: 'AAEC', rpId: 'localhost', allowCredentials: [] } };

const USER = { id: 1, email: 'ada@example.com', first_name: 'Ada', last_name: '' };

/** A server whose `signInPath` opens a session, and whose signed-in pages are empty. */
function installSignInServer(signInPath: string) {
  return installFetch((call) => {
    if (call.path === '/api/auth/passkeys/login/options/') return jsonResponse(200, OPTIONS);
    if (call.path === signInPath) return tokenResponse({ session: { id: 1, device_name: 'x' }, user: USER });
    return jsonResponse(200, call.path === '/api/users/me/' ? USER : { count: 0, results: [] });
  });
}

function renderSignIn() {
  const { wrapper } = createTestQueryClient();
  render(<App />, { wrapper });
}

describe('the sign-in page and the autofill request', () => {
  it('a password sign-in aborts the waiting passkey request, which shows no error', async () => {
    const browser = installAutofillBrowser();
    const api = installSignInServer('/api/auth/login/');
    renderSignIn();

    expect(screen.getByLabelText('Email').getAttribute('autocomplete')).toBe('username webauthn');
    await waitFor(() => expect(browser.get).toHaveBeenCalledTimes(1));
    expect((browser.get.mock.calls[0]![0] as CredentialRequestOptions).mediation).toBe('conditional');
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: USER.email } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'secret-pass-123' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    await screen.findByRole('heading', { name: 'Your todos' });
    expect(browser.state.signal?.aborted).toBe(true);
    expect(api.callsTo('/api/auth/passkeys/login/')).toEqual([]);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(browser.get).toHaveBeenCalledTimes(1); // not asked again once signed in
  });

  it('says nothing when the autofill cannot start (options throttled), and the button still reports', async () => {
    installAutofillBrowser();
    const api = installFetch(() =>
      jsonResponse(429, { detail: 'Slow down.', code: 'throttled' }, { 'Retry-After': '30' }),
    );
    renderSignIn();
    await waitFor(() => expect(api.callsTo('/api/auth/passkeys/login/options/')).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(screen.queryByRole('alert')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Sign in with a passkey' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Too many attempts. Try again in 30 s.');
  });

  it('a passkey picked in the autofill but refused by the server is said, and nothing is stored', async () => {
    const browser = installAutofillBrowser(() => Promise.resolve(browser.credential()));
    const api = installFetch((call) =>
      call.path === '/api/auth/passkeys/login/options/'
        ? jsonResponse(200, OPTIONS)
        : jsonResponse(401, { detail: 'Passkey sign-in failed.', code: 'authentication_failed' }),
    );
    renderSignIn();
    expect((await screen.findByRole('alert')).textContent).toBe(
      'That passkey was not accepted. Try another one, or your password.',
    );
    expect(api.callsTo('/api/auth/passkeys/login/')).toHaveLength(1);
    expect(storedTokens()).toBeNull();
  });

  it('sends the device name the field holds when the passkey is picked, not when the request began', async () => {
    let pick = () => {};
    const browser = installAutofillBrowser(
      () => new Promise((resolve) => (pick = () => resolve(browser.credential()))),
    );
    const api = installSignInServer('/api/auth/passkeys/login/');
    renderSignIn();
    await waitFor(() => expect(browser.get).toHaveBeenCalledTimes(1));
    fireEvent.change(screen.getByLabelText('Device name (optional)'), {
      target: { value: 'Kitchen tablet' },
    });
    pick();

    await screen.findByRole('heading', { name: 'Your todos' });
    expect(JSON.parse(api.callsTo('/api/auth/passkeys/login/')[0]!.body!).device_name).toBe('Kitchen tablet');
    expect(localStorage.getItem('device.name')).toBe('Kitchen tablet');
  });
});

describe('the passkeys list', () => {
  /** A server holding `count` passkeys, paged as DRF does: a page past the last is a 404. */
  function installPasskeys(count: number) {
    let passkeys = Array.from({ length: count }, (_, i) => ({
      id: i + 1,
      name: `Key ${i + 1}`,
      created_at: '2026-01-01T00:00:00Z',
      last_used_at: null,
    }));
    return installFetch((call) => {
      const match = /^\/api\/auth\/passkeys\/(\d+)\/$/.exec(call.path);
      if (match && call.method === 'DELETE') {
        passkeys = passkeys.filter((p) => p.id !== Number(match[1]));
        return jsonResponse(204);
      }
      return pagedResponse(passkeys, call);
    });
  }

  it('pages past twenty, and removing the last one of the last page shows the page before', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    installPasskeys(21);
    const { wrapper } = createTestQueryClient();
    render(
      <ReauthProvider>
        <PasskeysSection />
      </ReauthProvider>,
      { wrapper },
    );
    await screen.findByText('Key 20');
    expect(screen.queryByText('Key 21')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('Key 21');

    fireEvent.click(screen.getByRole('button', { name: 'Remove passkey Key 21' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, remove it' }));

    await screen.findByText('Key 1');
    expect(screen.queryByText('Key 21')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    // One page left, once page 1 is fetched again.
    await waitFor(() => expect(screen.queryByRole('navigation', { name: 'Pages' })).toBeNull());
  });
});
