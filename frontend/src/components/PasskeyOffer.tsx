import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useSessionUserId } from '../api/resources/auth/hooks';
import { useAddPasskey, usePasskeys } from '../api/resources/passkeys/hooks';
import { platformAuthenticatorAvailable } from '../api/webauthn';
import {
  declinePasskeyOffer,
  endPasskeyOffer,
  passkeyOfferPending,
  subscribePasskeyOffer,
} from '../passkeyOffer';
import { ErrorMessage } from './ErrorMessage';
import { focusMainHeading } from './focus';
import { useReauthPrompt } from './Reauth';

/**
 * Offered right after a password sign-in, on a device that can hold a passkey (a platform
 * authenticator), to a user who has none yet: add one now, or "Not now" for good. It never takes
 * the focus on its own.
 */
export function PasskeyOffer() {
  const userId = useSessionUserId();
  const pending = useSyncExternalStore(
    subscribePasskeyOffer,
    () => passkeyOfferPending(userId),
    () => false,
  );
  const [capable, setCapable] = useState(false);
  useEffect(() => {
    if (!pending) return;
    let live = true;
    void platformAuthenticatorAvailable().then((yes) => live && setCapable(yes));
    return () => {
      live = false;
    };
  }, [pending]);
  const passkeys = usePasskeys({ page_size: 1 }, pending && capable);
  const add = useAddPasskey(useReauthPrompt());
  const [closed, setClosed] = useState(false);
  const doneRef = useRef<HTMLParagraphElement>(null);
  const hasPasskeys = (passkeys.data?.count ?? 0) > 0;

  useEffect(() => {
    if (!add.isSuccess) return;
    endPasskeyOffer();
    doneRef.current?.focus();
  }, [add.isSuccess]);
  // Nothing to offer to a user who has a passkey already.
  useEffect(() => {
    if (pending && hasPasskeys) endPasskeyOffer();
  }, [pending, hasPasskeys]);

  if (add.isSuccess) {
    if (closed) return null;
  } else if (!pending || !capable || !passkeys.data || hasPasskeys) return null;

  function decline() {
    if (userId) declinePasskeyOffer(userId);
    focusMainHeading();
  }

  return (
    <aside className="page offer" aria-labelledby="offer-title">
      <div className="card">
        <h2 id="offer-title">Sign in faster with a passkey</h2>
        {add.isSuccess ? (
          <>
            <p ref={doneRef} tabIndex={-1} className="alert alert-success" role="status">
              Passkey added. Next time choose “Sign in with a passkey”, or pick it in the email field.
            </p>
            <button
              type="button"
              className="btn btn-small"
              onClick={() => {
                setClosed(true);
                focusMainHeading();
              }}
            >
              Close
            </button>
          </>
        ) : (
          <>
            <p>
              A passkey signs you in on this device with its screen lock or fingerprint, without your
              password, and cannot be given away to a fake site.
            </p>
            <ErrorMessage error={add.error} />
            <div className="actions">
              <button
                type="button"
                className="btn btn-primary"
                aria-disabled={add.isPending || undefined}
                onClick={() => !add.isPending && add.mutate('')}
              >
                {add.isPending ? 'Waiting for the passkey…' : 'Add a passkey'}
              </button>
              <button type="button" className="btn" onClick={decline}>
                Not now
              </button>
            </div>
          </>
        )}
      </div>
    </aside>
  );
}
