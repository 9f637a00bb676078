/**
 * "Sign in faster with a passkey", offered once after a password sign-in, and never again on this
 * browser to a user who said "Not now" (the profile page still adds one at any time). Kept in
 * localStorage (user ids only, nothing secret).
 */
const OFFER_KEY = 'passkey.offer';
const DISMISSED_KEY = 'passkey.offerDismissed';

function dismissedUsers(): string[] {
  try {
    const value: unknown = JSON.parse(window.localStorage.getItem(DISMISSED_KEY) ?? '[]');
    return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

const listeners = new Set<() => void>();

/** Called whenever the offer changes in this tab (for useSyncExternalStore). */
export function subscribePasskeyOffer(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

function store(key: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    /* storage disabled: no offer, which is the quiet choice */
  }
  for (const listener of [...listeners]) listener();
}

/** After a password sign-in: offer a passkey on the next page, unless this user declined before. */
export function offerPasskeyAfterSignIn(userId: string | number): void {
  const id = String(userId);
  store(OFFER_KEY, dismissedUsers().includes(id) ? null : id);
}

/** Whether an offer waits for this user. */
export function passkeyOfferPending(userId: string | null): boolean {
  if (userId === null) return false;
  try {
    return window.localStorage.getItem(OFFER_KEY) === userId && !dismissedUsers().includes(userId);
  } catch {
    return false;
  }
}

/** The offer was answered (a passkey added, or nothing to offer): gone until the next sign-in. */
export function endPasskeyOffer(): void {
  store(OFFER_KEY, null);
}

/** "Not now": never offered again to this user on this browser. */
export function declinePasskeyOffer(userId: string): void {
  store(DISMISSED_KEY, JSON.stringify([...new Set([...dismissedUsers(), userId])]));
  endPasskeyOffer();
}
