import { useState } from 'react';
import { tokenStorage, ValidationError } from '../api/client';
import { useConfirmPasswordReset } from '../api/resources/auth/hooks';
import { FormErrors, NewPasswordFields, SubmitButton } from '../components/Field';
import { useFocusOnMount } from '../components/focus';
import { required, useForm } from '../components/useForm';
import { hashQuery } from '../hooks/useHashRoute';
import { notePasswordReset } from '../signOutNotice';

const EMPTY = { new_password: '', confirm_password: '' };
type ResetValues = typeof EMPTY;

/** Client checks: a password is typed, at least 8 characters, and typed the same twice. */
export function validateNewPassword(values: ResetValues) {
  return {
    new_password:
      values.new_password && values.new_password.length < 8
        ? ['Use at least 8 characters.']
        : required(values.new_password, 'Enter a new password.'),
    confirm_password: !values.confirm_password
      ? ['Type the new password again.']
      : values.confirm_password !== values.new_password
        ? ['The new passwords do not match.']
        : [],
  };
}

/** Whether a 400 is about the link itself (invalid, used or expired) rather than the password. */
export function isDeadLink(error: unknown): boolean {
  return error instanceof ValidationError && ('token' in error.fieldErrors || 'uid' in error.fieldErrors);
}

/** Why a link cannot set a password: cut short, from an older mail, or refused by the server. */
type DeadLinkReason = 'incomplete' | 'outdated' | 'invalid';

const DEAD_LINK_MESSAGES: Record<DeadLinkReason, string> = {
  incomplete: 'This reset link is incomplete: open the whole link from the mail.',
  outdated: 'This reset link comes from an older mail and no longer works.',
  invalid: 'This reset link is invalid or has expired. A link works once, for a limited time.',
};

/** Takes the focus: on a link opened from a mail, and after a submit the server refused as dead. */
function DeadLink({ reason }: { reason: DeadLinkReason }) {
  const ref = useFocusOnMount<HTMLDivElement>();
  return (
    <div
      ref={ref}
      tabIndex={-1}
      data-page-focus
      className="alert alert-error"
      role="alert"
      data-testid="reset-link-invalid"
    >
      <p>{DEAD_LINK_MESSAGES[reason]}</p>
      <p>
        <a href="#/forgot-password">Request a new link</a>
      </p>
    </div>
  );
}

interface Props {
  /** The password is set (every session ended): on to the sign-in page, with its notice. */
  onDone: () => void;
}

/**
 * "Set a new password", reached from the mailed link: uid and token are in the route's query, in
 * the URL's fragment, which the browser never sends to a server (`?outdated`: an older mail's link).
 */
export function ResetPasswordPage({ onDone }: Props) {
  const [{ link, outdated }] = useState(() => {
    const query = hashQuery();
    return {
      link: { uid: query.get('uid') ?? '', token: query.get('token') ?? '' },
      outdated: query.has('outdated'),
    };
  });
  const [dead, setDead] = useState(false);
  const confirm = useConfirmPasswordReset();
  const form = useForm(EMPTY, { validate: validateNewPassword });
  const deadReason: DeadLinkReason | null = outdated
    ? 'outdated'
    : !link.uid || !link.token
      ? 'incomplete'
      : dead
        ? 'invalid'
        : null;

  const onSubmit = form.onSubmit(async (values) => {
    try {
      await confirm.mutateAsync({ ...link, new_password: values.new_password });
    } catch (error) {
      if (!isDeadLink(error)) throw error; // a weak password: its messages go under the field
      setDead(true);
      return;
    }
    // The server ended every session of the account, this browser's too if it had one.
    notePasswordReset();
    tokenStorage.clear();
    onDone();
  });

  return (
    <main className="auth">
      <p className="brand">Todos</p>
      <section className="card" aria-labelledby="reset-title">
        <h1 id="reset-title" tabIndex={-1}>
          Set a new password
        </h1>
        {deadReason ? (
          <DeadLink reason={deadReason} />
        ) : (
          <form onSubmit={onSubmit} noValidate>
            <NewPasswordFields
              binding={form.field('new_password')}
              confirmBinding={form.field('confirm_password')}
              hint="At least 8 characters, not too common. Every device will be signed out."
            />
            <FormErrors messages={form.general} />
            <SubmitButton pending={form.pending} label="Set password" />
          </form>
        )}
        <p className="switch">
          <a href="#/login">Back to sign in</a>
        </p>
      </section>
    </main>
  );
}
