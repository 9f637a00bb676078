/**
 * Why this tab left the logged-in state. Logging out on purpose sets a reason first; when the
 * tokens vanish without one (refused refresh, revoked session, logout in another tab) the
 * login screen explains that the session ended.
 */
let pending: string | null = null;

export function expectSignOut(message: string): void {
  pending = message;
}

export function takeSignOutNotice(): string {
  const message = pending ?? 'Your session has ended. Please log in again.';
  pending = null;
  return message;
}

export function cancelExpectedSignOut(): void {
  pending = null;
}
