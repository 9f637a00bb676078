/**
 * The re-authentication prompt. Actions that the API guards with recent authentication (add or
 * remove a passkey, delete the account) run through `withReauth(action, prompt)`: on 403
 * `reauthentication_required` the prompt below asks for the password, or a passkey, calls
 * `/api/auth/reauthenticate/` (which stores a fresh access token), and the action runs again once.
 * Adding a passkey retries its refused request, not the browser's dialog (`addPasskey`).
 *
 * It is a modal <dialog>: the rest of the page is inert while it is open, its password field has
 * the focus, Escape or Cancel close it (the action is then not done), and the focus goes back to
 * the control that started the action.
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { ValidationError } from '../api/errors';
import { reauthenticate, reauthenticateWithPasskey } from '../api/resources/passkeys/api';
import type { ReauthPrompt } from '../api/reauth';
import { passkeysSupported } from '../api/webauthn';
import { ErrorMessage } from './ErrorMessage';
import { Field, FormErrors, SubmitButton } from './Field';
import { required, useForm } from './useForm';

const ReauthContext = createContext<ReauthPrompt | null>(null);

/** The prompt of the nearest ReauthProvider. */
export function useReauthPrompt(): ReauthPrompt {
  const prompt = useContext(ReauthContext);
  if (!prompt) throw new Error('useReauthPrompt needs a <ReauthProvider> above it');
  return prompt;
}

/** Holds the prompt for the signed-in pages; asks once even when two actions want it together. */
export function ReauthProvider({ children }: { children: ReactNode }) {
  const [waiting, setWaiting] = useState<((done: boolean) => void)[]>([]);
  const prompt = useCallback<ReauthPrompt>(
    () => new Promise<boolean>((resolve) => setWaiting((current) => [...current, resolve])),
    [],
  );
  const finish = useCallback(
    (done: boolean) => {
      for (const resolve of waiting) resolve(done);
      setWaiting([]);
    },
    [waiting],
  );
  return (
    <ReauthContext.Provider value={prompt}>
      {children}
      {waiting.length > 0 && <ReauthDialog onDone={finish} />}
    </ReauthContext.Provider>
  );
}

export function ReauthDialog({ onDone }: { onDone: (reauthenticated: boolean) => void }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [passkeyError, setPasskeyError] = useState<unknown>(null);
  const [passkeyPending, setPasskeyPending] = useState(false);
  const form = useForm(
    { password: '' },
    { validate: (v) => ({ password: required(v.password, 'Enter your password.') }) },
  );

  // Modal where the browser has it (the page behind is inert), else an open dialog; the focus
  // returns where it was when the prompt closes.
  useEffect(() => {
    const dialog = dialogRef.current;
    const previous = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    }
    dialog?.querySelector<HTMLInputElement>('input')?.focus();
    return () => previous?.focus();
  }, []);

  const onSubmit = form.onSubmit(async ({ password }) => {
    setPasskeyError(null);
    try {
      await reauthenticate({ password });
    } catch (error) {
      // The server's 400 `reauthentication_failed` is about what was typed: say it at the field.
      if (error instanceof ValidationError && !error.fieldErrors.password)
        throw new ValidationError({ password: ['Wrong password.'] }, error.body);
      throw error;
    }
    onDone(true);
  });

  async function confirmWithPasskey() {
    if (passkeyPending) return;
    setPasskeyError(null);
    setPasskeyPending(true);
    try {
      await reauthenticateWithPasskey();
      onDone(true);
    } catch (error) {
      setPasskeyError(error);
      setPasskeyPending(false);
    }
  }

  return (
    <dialog
      ref={dialogRef}
      className="reauth"
      aria-labelledby="reauth-title"
      aria-describedby="reauth-why"
      onCancel={(event) => {
        event.preventDefault(); // Escape: closed by React state, so the focus is restored once
        onDone(false);
      }}
    >
      <h2 id="reauth-title">Confirm it’s you</h2>
      <p id="reauth-why" className="muted">
        You last signed in a while ago. Enter your password, or use a passkey, to continue.
      </p>
      <form onSubmit={onSubmit} noValidate>
        <Field
          label="Your password"
          binding={form.field('password')}
          type="password"
          autoComplete="current-password"
          required
        />
        <FormErrors messages={form.general} />
        <ErrorMessage error={passkeyError} unauthorizedText="That passkey was not accepted." />
        <div className="actions">
          <SubmitButton
            pending={form.pending}
            label="Confirm"
            pendingLabel="Checking…"
            className="btn btn-primary"
          />
          {passkeysSupported() && (
            <button
              type="button"
              className="btn"
              aria-disabled={passkeyPending || undefined}
              onClick={() => void confirmWithPasskey()}
            >
              {passkeyPending ? 'Waiting for the passkey…' : 'Use a passkey'}
            </button>
          )}
          <button type="button" className="btn" onClick={() => onDone(false)}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
