/**
 * Why this device left the logged-in state, told on the sign-in page.
 *
 * The reason is written to localStorage before the tokens are cleared, so every tab of the
 * browser (they follow the token change through the `storage` event) and a reload show it too.
 * It is dropped on the next login, and not shown once it is a day old.
 *
 * What the server says: an access token of an ended session gets 401 `session_revoked`, and a
 * refused refresh gets 401 `token_not_valid`, whatever ended the session. The server knows the
 * revoke reason (logout, password change, reuse...) and may send it as a more specific `code`,
 * or as `reason` beside the code: both are understood below. Without one, an expired refresh
 * token (its `exp` has passed) means the session expired; a refused refresh token that had not
 * expired, or `session_revoked`, means the session was ended elsewhere (another device, a
 * password change, an administrator: the server does not say which today).
 */
import { decodeJwtPayload } from './api/tokens';

export type SignOutReason =
  | 'logged_out'
  | 'logged_out_everywhere'
  | 'session_deleted'
  | 'password_changed'
  | 'password_reset'
  | 'others_logged_out'
  | 'session_limit'
  | 'reuse_detected'
  | 'expired'
  | 'admin'
  | 'revoked'
  | 'ended'
  | 'account_deleted';

export const SIGN_OUT_KEY = 'auth.signedOut';
const MAX_AGE_MS = 24 * 60 * 60 * 1000;

const MESSAGES: Record<SignOutReason, string> = {
  logged_out: 'You have signed out.',
  logged_out_everywhere: 'You have signed out on every device.',
  session_deleted: 'You were signed out: this device’s session was ended from another device.',
  password_changed: 'You were signed out because your password was changed. Sign in with the new password.',
  password_reset:
    'Your password was changed with a reset link, which signs out every device. Sign in with the new password.',
  others_logged_out:
    'You were signed out: “Sign out all other devices” was chosen on another of your devices.',
  session_limit:
    'You were signed out: your account has more devices signed in than it may, and this one was used least recently.',
  reuse_detected:
    'You were signed out for safety: an old sign-in token of this device was used again, which can mean it was copied. Sign in again, and change your password if this was not you.',
  expired: 'Your session expired. Please sign in again.',
  admin: 'You were signed out by an administrator.',
  revoked:
    'You were signed out: this device’s session was ended elsewhere (from another device, by a password change, or by an administrator).',
  ended: 'Your session has ended. Please sign in again.',
  account_deleted:
    'Your account has been deleted, with its sessions, passkeys and todos. You have been signed out everywhere.',
};

/** Server words (error `code`, or a revoke `reason`) and what they tell the user. */
const BY_SERVER_WORD: Record<string, SignOutReason> = {
  session_deleted: 'session_deleted',
  session_revoked: 'revoked',
  password_changed: 'password_changed',
  password_reset: 'password_reset',
  logout_others: 'others_logged_out',
  session_limit: 'session_limit',
  reuse_detected: 'reuse_detected',
  refresh_token_reused: 'reuse_detected',
  session_expired: 'expired',
  token_expired: 'expired',
  logout_all: 'logged_out_everywhere',
  logout: 'logged_out',
  admin: 'admin',
  user_deactivated: 'admin',
  command: 'admin',
};

export interface SessionEndEvidence {
  /** `code` of the 401 bodies seen, most specific first (the resource call's, then the refresh's). */
  codes: (string | undefined)[];
  /** `reason` of a 401 body, when the server sends one. */
  reason?: string | undefined;
  /** The refresh token that was refused, to tell an expired session from an ended one. */
  refreshToken?: string | null | undefined;
  now?: number;
}

/** What a server 401 that ended the session means for the user. */
export function reasonFromServer({
  codes,
  reason,
  refreshToken,
  now = Date.now(),
}: SessionEndEvidence): SignOutReason {
  if (reason && BY_SERVER_WORD[reason]) return BY_SERVER_WORD[reason];
  for (const code of codes) {
    // `session_revoked` only says "ended somehow": a more specific word later wins over it.
    if (code && code !== 'session_revoked' && BY_SERVER_WORD[code]) return BY_SERVER_WORD[code];
  }
  const exp = refreshToken ? decodeJwtPayload(refreshToken)?.exp : undefined;
  if (typeof exp === 'number' && exp * 1000 <= now) return 'expired';
  if (codes.includes('session_revoked')) return 'revoked';
  // Refused though not expired: revoked (or rotated past, which revokes too).
  if (typeof exp === 'number') return 'revoked';
  return 'ended';
}

export function signOutMessage(reason: SignOutReason): string {
  return MESSAGES[reason];
}

interface Stored {
  reason: SignOutReason;
  at: number;
}

function write(reason: SignOutReason): void {
  try {
    window.localStorage.setItem(SIGN_OUT_KEY, JSON.stringify({ reason, at: Date.now() } satisfies Stored));
  } catch {
    /* storage disabled: the generic notice will do */
  }
}

function read(): Stored | null {
  try {
    const value: unknown = JSON.parse(window.localStorage.getItem(SIGN_OUT_KEY) ?? 'null');
    if (value && typeof value === 'object' && 'reason' in value && 'at' in value) {
      const { reason, at } = value as Stored;
      if (reason in MESSAGES && typeof at === 'number') return { reason, at };
    }
  } catch {
    /* unreadable: none */
  }
  return null;
}

/** Called just before logging out on purpose (this device, or every device). */
export function expectSignOut(reason: 'logged_out' | 'logged_out_everywhere'): void {
  write(reason);
}

/** The password was just set from a reset link: every session ended, this device's included. */
export function notePasswordReset(): void {
  write('password_reset');
}

/** The account was just deleted: every session with it. */
export function noteAccountDeleted(): void {
  write('account_deleted');
}

/** The purposeful logout did not happen (the call failed): forget its reason. */
export function cancelExpectedSignOut(): void {
  clearSignOutNotice();
}

/** Called by the API client when the server ended the session, just before it clears the tokens. */
export function recordSessionEnd(evidence: SessionEndEvidence): void {
  const pending = read();
  // A logout (or the account's deletion) this tab asked for a moment ago explains the 401s that follow it.
  const asked = pending && (pending.reason.startsWith('logged_out') || pending.reason === 'account_deleted');
  if (asked && Date.now() - pending.at < 10_000) return;
  write(reasonFromServer(evidence));
}

/** The message for the sign-in page; a generic one when the tokens vanished with no reason recorded. */
export function signOutNotice(now: number = Date.now()): string {
  const stored = read();
  if (!stored || now - stored.at > MAX_AGE_MS) return MESSAGES.ended;
  return MESSAGES[stored.reason];
}

/** A notice to show on a fresh load of the sign-in page (null when none, or too old). */
export function pendingSignOutNotice(now: number = Date.now()): string | null {
  const stored = read();
  return stored && now - stored.at <= MAX_AGE_MS ? MESSAGES[stored.reason] : null;
}

export function clearSignOutNotice(): void {
  try {
    window.localStorage.removeItem(SIGN_OUT_KEY);
  } catch {
    /* nothing to clear */
  }
}
