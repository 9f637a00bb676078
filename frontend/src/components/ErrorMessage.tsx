import {
  ApiError,
  NetworkError,
  RateLimitError,
  statusMessage,
  UnauthorizedError,
  ValidationError,
} from '../api/client';
import { ReauthCancelledError } from '../api/reauth';

/** What went wrong in the browser's passkey dialog (a DOMException of WebAuthn), in words. */
export function passkeyErrorText(error: DOMException): string {
  switch (error.name) {
    case 'NotAllowedError':
    case 'AbortError':
      return 'No passkey was used: the request was cancelled or timed out, or this device has no passkey for this site.';
    case 'InvalidStateError':
      return 'This device already holds a passkey for your account.';
    case 'SecurityError':
      return 'Passkeys do not work at this address: open the app at the address its server names (WEBAUTHN_RP_ID, e.g. localhost).';
    default:
      return 'The browser could not use a passkey here. Try another passkey, or your password.';
  }
}

/** A user-facing sentence for any error thrown by the API client. */
export function describeError(error: unknown, unauthorizedText?: string): string {
  if (error instanceof RateLimitError) {
    return error.retryAfter !== null
      ? `Too many attempts. Try again in ${error.retryAfter} s.`
      : 'Too many attempts. Please wait a moment and try again.';
  }
  if (error instanceof NetworkError || error instanceof ReauthCancelledError) return error.message;
  if (error instanceof DOMException) return passkeyErrorText(error);
  if (error instanceof UnauthorizedError) return unauthorizedText ?? error.message;
  if (error instanceof ValidationError) {
    // Field messages are shown next to their inputs; here only what belongs to no field.
    const general = [...(error.fieldErrors.non_field_errors ?? []), ...(error.fieldErrors.detail ?? [])];
    return general.length ? general.join(' ') : 'Please correct the highlighted fields.';
  }
  // 5xx: whatever the body said, the user can only wait (details are in the server's log).
  if (error instanceof ApiError) return error.status >= 500 ? statusMessage(error.status) : error.message;
  return 'Something went wrong.';
}

interface Props {
  error: unknown;
  /** Text for a 401, e.g. "Wrong email or password." on the login form. */
  unauthorizedText?: string;
}

export function ErrorMessage({ error, unauthorizedText }: Props) {
  if (!error) return null;
  return (
    <p className="alert alert-error" role="alert">
      {describeError(error, unauthorizedText)}
    </p>
  );
}
