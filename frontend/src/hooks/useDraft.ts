/**
 * Keeps what the user typed in localStorage, per user, until it is saved: a session that ends
 * mid-typing (revoked elsewhere, expired) sends the app to the sign-in page, and after logging
 * in again the form comes back as it was.
 */
const PREFIX = 'draft.';

export function draftKey(name: string, userId: string | null): string {
  return `${PREFIX}${name}.${userId ?? 'anonymous'}`;
}

export function readDraft<V extends Record<string, string>>(key: string, empty: V): V {
  try {
    const value: unknown = JSON.parse(window.localStorage.getItem(key) ?? 'null');
    if (value && typeof value === 'object') {
      const draft = { ...empty };
      for (const name of Object.keys(empty) as (keyof V)[]) {
        const stored = (value as Record<string, unknown>)[name as string];
        if (typeof stored === 'string') draft[name] = stored as V[keyof V];
      }
      return draft;
    }
  } catch {
    /* unreadable: start empty */
  }
  return empty;
}

/** Stores the draft, or removes it when every value is empty. */
export function writeDraft(key: string, values: Record<string, string>): void {
  try {
    if (Object.values(values).every((v) => !v.trim())) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, JSON.stringify(values));
  } catch {
    /* storage full or disabled: the draft just is not kept */
  }
}
