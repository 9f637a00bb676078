import { useState } from 'react';
import { useRequestPasswordReset } from '../api/resources/auth/hooks';
import { Field, FormErrors, SubmitButton } from '../components/Field';
import { email, useForm } from '../components/useForm';

interface Sent {
  address: string;
  /** A development server prints mail in its terminal instead of sending it. */
  consoleMail: boolean;
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
      <h1 className="brand">Todos</h1>
      <section className="card" aria-labelledby="forgot-title">
        <h2 id="forgot-title">Reset your password</h2>
        {sent !== null ? (
          <div className="alert alert-success" role="status" data-testid="reset-requested">
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
        ) : (
          <form onSubmit={onSubmit} noValidate>
            <p className="muted">Enter the email address of your account: we will mail it a link.</p>
            <Field label="Email" binding={form.field('email')} type="email" autoComplete="email" required />
            <FormErrors messages={form.general} />
            <SubmitButton pending={form.pending} label="Send me a link" />
          </form>
        )}
        <p className="switch">
          Remembered it? <a href="#/login">Log in</a>
        </p>
      </section>
    </main>
  );
}
