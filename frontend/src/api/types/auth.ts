/** Authentication and session types: thin names over the generated schema types. */
import type { Schemas } from './common';

/** Body of POST /api/auth/refresh/ (200). */
export type RefreshResponse = Schemas['TokenPair'];
/** The two JWTs the client keeps in localStorage. */
export type TokenPair = Pick<RefreshResponse, 'access' | 'refresh'>;
/** Body of login (200), register (201) and password change (200): a new session. */
export type TokenResponse = Schemas['TokenResponse'];
export type LoginRequest = Schemas['LoginRequest'];
export type RegisterRequest = Schemas['RegisterRequest'];
export type PasswordChangeRequest = Schemas['PasswordChangeRequest'];
/** One item of GET /api/auth/sessions/: a device login (`current` is the caller's). */
export type Session = Schemas['DeviceSession'];
/** Body of POST /api/auth/password/reset/ (202 whatever the address). */
export type PasswordResetRequest = Schemas['PasswordResetRequestRequest'];
export type PasswordResetAccepted = Schemas['PasswordResetAccepted'];
/** Body of POST /api/auth/password/reset/confirm/: the link's uid and token, and the new password. */
export type PasswordResetConfirmRequest = Schemas['PasswordResetConfirmRequest'];
/** Body of PATCH /api/auth/sessions/{id}/. */
export type SessionRenameRequest = Schemas['PatchedSessionRenameRequest'];
