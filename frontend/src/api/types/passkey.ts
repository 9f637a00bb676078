/** Passkey and re-authentication types (see "Passkeys and re-authentication" in the contract). */
import type { CreationOptionsJSON, CredentialJSON, RequestOptionsJSON } from '../webauthn';

/** One item of GET /api/auth/passkeys/, and the answer of register (201) and rename (200). */
export interface Passkey {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

/** POST /api/auth/passkeys/register/options/ and /login/options/ (200). */
export interface CreationOptionsResponse {
  publicKey: CreationOptionsJSON;
}
export interface RequestOptionsResponse {
  publicKey: RequestOptionsJSON;
}

export interface PasskeyRegisterRequest {
  credential: CredentialJSON;
  name?: string;
}
export interface PasskeyRenameRequest {
  name: string;
}
export interface PasskeyLoginRequest {
  credential: CredentialJSON;
  device_name?: string;
}

/** POST /api/auth/reauthenticate/: the password, or an assertion by one of the caller's passkeys. */
export type ReauthenticateRequest = { password: string } | { credential: CredentialJSON };
/** Its 200: an access token of the same session with a fresh `auth_time`. */
export interface ReauthenticateResponse {
  access: string;
  token_type: string;
  expires_in: number;
}

/** The 403 body that asks for re-authentication (RFC 9470's insufficient_user_authentication). */
export const REAUTH_REQUIRED = 'reauthentication_required';
