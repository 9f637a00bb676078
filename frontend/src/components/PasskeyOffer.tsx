import { useEffect, useRef, useState } from 'react';
import { useSessionUserId } from '../api/resources/auth/hooks';
import { useAddPasskey, usePasskeys } from '../api/resources/passkeys/hooks';
import { platformAuthenticatorAvailable } from '../api/webauthn';
import { declinePasskeyOffer, endPasskeyOffer, passkeyOfferPending } from '../passkeyOffer';
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
  const [offered, setOffered] = useState(() => passkeyOfferPending(userId));
  const [capable, setCapable] = useState(false);
  useEffect(() => {
    if (!offered) return;
    let live = true;
    void platformAuthenticatorAvailable().then((yes) => live && setCapable(yes));
    return () => {
      live = false;
    };
  }, [offered]);
  const passkeys = usePasskeys({ page_size: 1 }, offered && capable);
  const add = useAddPasskey(useReauthPrompt());
  const doneRef = useRef<HTMLParagraphElement>(null);
  const hasPasskeys = (passkeys.data?.count ?? 0) > 0;

  useEffect(() => {
    if (add.isSuccess) {
      endPasskeyOffer();
      doneRef.current?.focus();
    }
  }, [add.isSuccess]);
  // Nothing to offer to a user who has a passkey already.
  const needless = hasPasskeys && !add.isSuccess;
  useEffect(() => {
    if (needless) endPasskeyOffer();
  }, [needless]);

  if (!offered || !capable || !passkeys.data || needless) return null;

  function decline() {
    if (userId) declinePasskeyOffer(userId);
    setOffered(false);
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
            <button type="button" className="btn btn-small" onClick={() => setOffered(false)}>
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
