import { useState } from 'react';
import { useRequestPasswordReset } from '../api/resources/auth/hooks';
import { Field, FormErrors, SubmitButton } from '../components/Field';
import { email, useForm } from '../components/useForm';

/**
 * "Forgot password?": asks for the address and posts a reset request. The server answers 202
 * whether or not the address has an account, so the confirmation never says which it was.
 */
export function ForgotPasswordPage() {
  const request = useRequestPasswordReset();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useForm({ email: '' }, { validate: (v) => ({ email: email(v.email) }) });

  const onSubmit = form.onSubmit(async (values) => {
    const address = values.email.trim();
    await request.mutateAsync({ email: address });
    setSentTo(address);
  });

  return (
    <main className="auth">
      <p className="brand">Todos</p>
      <section className="card" aria-labelledby="forgot-title">
        <h1 id="forgot-title" tabIndex={-1}>
          Reset your password
        </h1>
        {sentTo !== null ? (
          <div className="alert alert-success" role="status" data-testid="reset-requested">
            <p>
              If an account exists for <strong>{sentTo}</strong>, we have sent it a link to set a new
              password.
            </p>
            <p>Check your inbox (and spam folder). The link works once, and for a limited time.</p>
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
          Remembered it? <a href="#/login">Sign in</a>
        </p>
      </section>
    </main>
  );
}
