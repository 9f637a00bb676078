import { useState } from 'react';
import { useChangePassword } from '../api/resources/auth/hooks';
import { useMe, useUpdateMe } from '../api/resources/users/hooks';
import type { User } from '../api/types/user';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field, FormErrors, NewPasswordFields } from '../components/Field';
import { required, useForm } from '../components/useForm';

function NamesForm({ user }: { user: User }) {
  const update = useUpdateMe();
  const form = useForm({ first_name: user.first_name, last_name: user.last_name });
  const [saved, setSaved] = useState(false);

  const onSubmit = form.onSubmit(async (values) => {
    setSaved(false);
    const updated = await update.mutateAsync({
      first_name: values.first_name.trim(),
      last_name: values.last_name.trim(),
    });
    form.reset({ first_name: updated.first_name, last_name: updated.last_name });
    setSaved(true);
  });

  return (
    <form onSubmit={onSubmit} noValidate>
      <div className="field">
        <label htmlFor="profile-email">Email</label>
        <input id="profile-email" value={user.email} readOnly />
      </div>
      <div className="row">
        <Field label="First name" binding={form.field('first_name')} autoComplete="given-name" />
        <Field label="Last name" binding={form.field('last_name')} autoComplete="family-name" />
      </div>
      <FormErrors messages={form.general} />
      {saved && !form.invalid && (
        <p className="alert alert-success" role="status">
          Profile saved.
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={form.pending}>
        Save profile
      </button>
    </form>
  );
}

const NO_PASSWORDS = { current_password: '', new_password: '', confirm_password: '' };

function PasswordForm() {
  const change = useChangePassword();
  const [done, setDone] = useState(false);
  const form = useForm(NO_PASSWORDS, {
    validate: (v) => ({
      current_password: required(v.current_password, 'Enter your current password.'),
      new_password: required(v.new_password, 'Enter a new password.'),
      confirm_password: v.confirm_password !== v.new_password ? ['The new passwords do not match.'] : [],
    }),
  });

  const onSubmit = form.onSubmit(async (values) => {
    setDone(false);
    await change.mutateAsync({
      current_password: values.current_password,
      new_password: values.new_password,
    });
    form.reset(NO_PASSWORDS);
    setDone(true);
  });

  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">Change password</h2>
      <p className="muted">Every other device is signed out; this one stays signed in.</p>
      <form onSubmit={onSubmit} noValidate>
        <Field
          label="Current password"
          binding={form.field('current_password')}
          type="password"
          autoComplete="current-password"
          required
        />
        <NewPasswordFields
          binding={form.field('new_password')}
          confirmBinding={form.field('confirm_password')}
        />
        <FormErrors messages={form.general} />
        {done && !form.invalid && (
          <p className="alert alert-success" role="status">
            Password changed. Every other device has been signed out.
          </p>
        )}
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          Change password
        </button>
      </form>
    </section>
  );
}

export function ProfilePage() {
  const me = useMe();
  return (
    <main className="page">
      <h1>Your profile</h1>
      <section className="card" aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        <ErrorMessage error={me.error} />
        {me.isPending && <p className="muted">Loading…</p>}
        {/* Keyed by the user: the form starts from the loaded names, and again for another user. */}
        {me.data && <NamesForm key={me.data.id} user={me.data} />}
      </section>
      <PasswordForm />
    </main>
  );
}
