/**
 * Passkey and re-authentication types (see "Passkeys and re-authentication" in the contract):
 * thin names over the generated schema types. The schema leaves the WebAuthn JSON open
 * (`{[key: string]: unknown}`); the options are typed here with the DOM's own JSON forms.
 */
import type { CreationOptionsJSON, RequestOptionsJSON } from '../webauthn';
import type { Schemas } from './common';

/** One item of GET /api/auth/passkeys/, and the answer of register (201) and rename (200). */
export type Passkey = Schemas['Passkey'];

/** POST /api/auth/passkeys/register/options/ and /login/options/ (200). */
export interface CreationOptionsResponse {
  publicKey: CreationOptionsJSON;
}
export interface RequestOptionsResponse {
  publicKey: RequestOptionsJSON;
}

export type PasskeyRegisterRequest = Schemas['PasskeyRegisterRequest'];
export type PasskeyRenameRequest = Required<Schemas['PatchedPasskeyRenameRequest']>;
export type PasskeyLoginRequest = Schemas['PasskeyLoginRequest'];

/** POST /api/auth/reauthenticate/: the password, or an assertion by one of the caller's passkeys. */
export type ReauthenticateRequest = Schemas['ReauthenticateRequest'];
/** Its 200: an access token of the same session with a fresh `auth_time`. */
export type ReauthenticateResponse = Schemas['AccessToken'];

/** The 403 body that asks for re-authentication (RFC 9470's insufficient_user_authentication). */
export const REAUTH_REQUIRED = 'reauthentication_required';
