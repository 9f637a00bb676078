/**
 * Raw calls to /api/auth/passkeys/*, /api/auth/reauthenticate/, and the three ceremonies built
 * on them: add a passkey, sign in with one, confirm it is you with one.
 */
import { apiRequest, tokenStorage, UnauthorizedError } from '../../client';
import { withReauth, type ReauthPrompt } from '../../reauth';
import type { TokenResponse } from '../../types/auth';
import type { Paginated, PageParams } from '../../types/common';
import type {
  CreationOptionsResponse,
  Passkey,
  PasskeyLoginRequest,
  PasskeyRegisterRequest,
  PasskeyRenameRequest,
  ReauthenticateRequest,
  ReauthenticateResponse,
  RequestOptionsResponse,
} from '../../types/passkey';
import { createCredential, getAssertion } from '../../webauthn';
import { startSession } from '../auth/api';

const PASSKEYS = '/api/auth/passkeys/';
const itemPath = (id: Passkey['id']) => `${PASSKEYS}${encodeURIComponent(String(id))}/`;

/** POST register/options/ → 200 `{publicKey}`; 403 `reauthentication_required` without recent sign-in. */
export function registerOptions(): Promise<CreationOptionsResponse> {
  return apiRequest<CreationOptionsResponse>(`${PASSKEYS}register/options/`, { method: 'POST' });
}

/** POST register/ `{credential, name?}` → 201 the new passkey. */
export function registerPasskey(body: PasskeyRegisterRequest): Promise<Passkey> {
  return apiRequest<Passkey>(`${PASSKEYS}register/`, { method: 'POST', body });
}

export function listPasskeys(params: PageParams = {}): Promise<Paginated<Passkey>> {
  return apiRequest<Paginated<Passkey>>(PASSKEYS, { query: { ...params } });
}

/** PATCH {id}/ `{name}` → 200 the renamed passkey (needs no recent sign-in). */
export function renamePasskey(id: Passkey['id'], body: PasskeyRenameRequest): Promise<Passkey> {
  return apiRequest<Passkey>(itemPath(id), { method: 'PATCH', body });
}

/** DELETE {id}/ → 204; 403 `reauthentication_required` without recent sign-in. */
export function deletePasskey(id: Passkey['id']): Promise<void> {
  return apiRequest<void>(itemPath(id), { method: 'DELETE' });
}

/** POST login/options/ (no session) → 200 `{publicKey}` with an empty `allowCredentials`. */
export function loginOptions(signal?: AbortSignal): Promise<RequestOptionsResponse> {
  return apiRequest<RequestOptionsResponse>(`${PASSKEYS}login/options/`, {
    method: 'POST',
    auth: 'none',
    ...(signal ? { signal } : {}),
  });
}

/**
 * POST login/ `{credential, device_name?}` → 200 token response, stored like a password
 * sign-in's. The request carries a DPoP proof where the browser has a key (client.ts signs
 * every request), which binds the new session to it.
 */
export async function passkeyLogin(body: PasskeyLoginRequest): Promise<TokenResponse> {
  return startSession(
    await apiRequest<TokenResponse>(`${PASSKEYS}login/`, { method: 'POST', body, auth: 'none' }),
  );
}

/**
 * POST /api/auth/reauthenticate/ → 200 `{access, ...}`: an access token of this same session
 * with a fresh `auth_time`, stored beside the refresh token we hold. 400 for a wrong password
 * or assertion.
 */
export async function reauthenticate(body: ReauthenticateRequest): Promise<ReauthenticateResponse> {
  const response = await apiRequest<ReauthenticateResponse>('/api/auth/reauthenticate/', {
    method: 'POST',
    body,
  });
  const refresh = tokenStorage.getRefresh();
  if (!refresh) throw new UnauthorizedError('You are not signed in.', 401, 'not_authenticated');
  tokenStorage.set({ access: response.access, refresh });
  return response;
}

/**
 * Options, the browser's create() (the user verifies), then register: the new passkey.
 *
 * With `prompt`, each of the two requests asks the user to confirm it is them when the API wants
 * that, then is sent again; the browser's create() runs once. Recent sign-in can lapse during the
 * ceremony: the register step is then sent again with the same credential (a refused request does
 * not use up its challenge), where running the whole ceremony again would leave the first new
 * credential on the authenticator, unknown to the server.
 */
export async function addPasskey(name?: string, prompt?: ReauthPrompt): Promise<Passkey> {
  const send = <T>(request: () => Promise<T>) => (prompt ? withReauth(request, prompt) : request());
  const { publicKey } = await send(registerOptions);
  const credential = await createCredential(publicKey);
  const trimmed = name?.trim();
  return send(() => registerPasskey({ credential, ...(trimmed ? { name: trimmed } : {}) }));
}

interface SignInOptions {
  /** The session's device name, asked for once a passkey is picked (the form may change meanwhile). */
  deviceName?: () => string;
  /** Aborts the wait (a conditional request lasts until the user picks a passkey). */
  signal?: AbortSignal;
  /** 'conditional': the passkey is picked in the email field's autofill. */
  mediation?: CredentialMediationRequirement;
  /** Called once the user has picked a passkey (before it is sent). */
  onChosen?: () => void;
}

/** Options, the browser's get() (any discoverable passkey of this site), then login. */
export async function signInWithPasskey({ deviceName, signal, mediation, onChosen }: SignInOptions = {}) {
  const { publicKey } = await loginOptions(signal);
  const credential = await getAssertion(publicKey, {
    ...(signal ? { signal } : {}),
    ...(mediation ? { mediation } : {}),
  });
  onChosen?.();
  const device_name = deviceName?.();
  return passkeyLogin({ credential, ...(device_name ? { device_name } : {}) });
}

/** Confirms it is you with a passkey: an assertion to a login challenge, sent to reauthenticate. */
export async function reauthenticateWithPasskey(): Promise<ReauthenticateResponse> {
  const { publicKey } = await loginOptions();
  return reauthenticate({ credential: await getAssertion(publicKey) });
}
