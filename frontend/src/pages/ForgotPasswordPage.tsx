import { useState } from 'react';
import { useRequestPasswordReset } from '../api/resources/auth/hooks';
import { Field, FormErrors, SubmitButton } from '../components/Field';
import { useFocusOnMount } from '../components/focus';
import { email, useForm } from '../components/useForm';

interface Sent {
  address: string;
  /** A development server prints mail in its terminal instead of sending it. */
  consoleMail: boolean;
}

/** What happened, in place of the form: it takes the focus, which was on the form's gone button. */
function Requested({ sent }: { sent: Sent }) {
  const ref = useFocusOnMount<HTMLDivElement>();
  return (
    <div ref={ref} tabIndex={-1} className="alert alert-success" role="status" data-testid="reset-requested">
      <p>
        If an account exists for <strong>{sent.address}</strong>, we have sent it a link to set a new
        password.
      </p>
      {sent.consoleMail ? (
        <p data-testid="console-mail">
          This is a development server: it sends no mail, it prints it in the terminal running{' '}
          <code>make run</code>. Open the link from there; it works once, and for a limited time.
        </p>
      ) : (
        <p>Check your inbox (and spam folder). The link works once, and for a limited time.</p>
      )}
    </div>
  );
}

/**
 * "Forgot password?": asks for the address and posts a reset request. The server answers 202
 * whether or not the address has an account, so the confirmation never says which it was
 * (`console_mail` depends on the server's configuration alone).
 */
export function ForgotPasswordPage() {
  const request = useRequestPasswordReset();
  const [sent, setSent] = useState<Sent | null>(null);
  const form = useForm({ email: '' }, { validate: (v) => ({ email: email(v.email) }) });

  const onSubmit = form.onSubmit(async (values) => {
    const address = values.email.trim();
    const answer = await request.mutateAsync({ email: address });
    setSent({ address, consoleMail: answer.console_mail === true });
  });

  return (
    <main className="auth">
      <p className="brand">Todos</p>
      <section className="card" aria-labelledby="forgot-title">
        <h1 id="forgot-title" tabIndex={-1}>
          Reset your password
        </h1>
        {sent !== null ? (
          <Requested sent={sent} />
        ) : (
          <form onSubmit={onSubmit} noValidate>
            <p className="muted">Enter the email address of your account: we will mail it a link.</p>
            <Field label="Email" binding={form.field('email')} type="email" autoComplete="email" required />
            <FormErrors messages={form.general} />
            <SubmitButton pending={form.pending} label="Send me a link" />
          </form>
        )}
        <p className="switch">
          Remembered it? <a href="#/login">Sign in</a>
        </p>
      </section>
    </main>
  );
}
