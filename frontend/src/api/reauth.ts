/**
 * Recent authentication (RFC 9470): adding or deleting a passkey and deleting the account need a
 * password or passkey entered within the server's `REAUTH_MAX_AGE_SECONDS`. Otherwise the API
 * answers 403 `reauthentication_required`; the user is asked to confirm it is them
 * (`/api/auth/reauthenticate/` stores a fresh access token of the same session), and the action
 * is tried again, once.
 */
import { ForbiddenError } from './errors';
import { REAUTH_REQUIRED } from './types/passkey';

/** The API's 403 asking for a fresh password or passkey (not any other 403). */
export function isReauthRequired(error: unknown): boolean {
  return error instanceof ForbiddenError && error.code === REAUTH_REQUIRED;
}

/** Asks the user to confirm it is them: true once re-authenticated, false when they cancelled. */
export type ReauthPrompt = () => Promise<boolean>;

/** The user closed the re-authentication prompt: the action was not done. */
export class ReauthCancelledError extends Error {
  override name = 'ReauthCancelledError';
  constructor() {
    super('Not done: it needs you to confirm it is you.');
  }
}

/**
 * Runs `action`; when the API asks for re-authentication, prompts once and retries once. A
 * second refusal (the retry asked again) is the caller's error to show, never another prompt.
 */
export async function withReauth<T>(action: () => Promise<T>, prompt: ReauthPrompt): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!isReauthRequired(error)) throw error;
    if (!(await prompt())) throw new ReauthCancelledError();
    return action();
  }
}
