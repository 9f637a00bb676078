import { useEffect, useState, type FormEvent } from 'react';
import { useChangePassword } from '../api/resources/auth/hooks';
import { useMe, useUpdateMe } from '../api/resources/users/hooks';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';

function NamesForm() {
  const me = useMe();
  const update = useUpdateMe();
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');

  // Fill the form once the profile has loaded (and after it is saved).
  useEffect(() => {
    if (me.data) {
      setFirstName(me.data.first_name);
      setLastName(me.data.last_name);
    }
  }, [me.data]);

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    update.mutate({ first_name: firstName.trim(), last_name: lastName.trim() });
  }

  return (
    <section className="card">
      <h2>Profile</h2>
      <ErrorMessage error={me.error} />
      <form onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor="profile-email">Email</label>
          <input id="profile-email" value={me.data?.email ?? ''} readOnly disabled />
        </div>
        <div className="row">
          <Field label="First name" name="first_name" autoComplete="given-name" value={firstName}
            onChange={(e) => { setFirstName(e.target.value); update.reset(); }} error={update.error} />
          <Field label="Last name" name="last_name" autoComplete="family-name" value={lastName}
            onChange={(e) => { setLastName(e.target.value); update.reset(); }} error={update.error} />
        </div>
        <ErrorMessage error={update.error} />
        {update.isSuccess && <p className="alert alert-success" role="status">Profile saved.</p>}
        <button type="submit" className="btn btn-primary" disabled={update.isPending || !me.data}>
          Save profile
        </button>
      </form>
    </section>
  );
}

function PasswordForm() {
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const mismatch = confirm !== '' && next !== confirm;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (mismatch) return;
    change.mutate(
      { current_password: current, new_password: next },
      { onSuccess: () => { setCurrent(''); setNext(''); setConfirm(''); } },
    );
  }

  return (
    <section className="card">
      <h2>Change password</h2>
      <form onSubmit={onSubmit}>
        <Field label="Current password" name="current_password" type="password" autoComplete="current-password"
          required value={current} onChange={(e) => setCurrent(e.target.value)} error={change.error} />
        <Field label="New password" name="new_password" type="password" autoComplete="new-password"
          required value={next} onChange={(e) => setNext(e.target.value)} error={change.error} />
        <Field label="Confirm new password" name="confirm_password" type="password" autoComplete="new-password"
          required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        {mismatch && <p className="field-error">The new passwords do not match.</p>}
        <ErrorMessage error={change.error} />
        {change.isSuccess && (
          <p className="alert alert-success" role="status">
            Password changed. Every other device has been logged out.
          </p>
        )}
        <button type="submit" className="btn btn-primary" disabled={change.isPending || mismatch}>
          Change password
        </button>
      </form>
    </section>
  );
}

export function ProfilePage() {
  return (
    <main className="page">
      <h1>Your profile</h1>
      <NamesForm />
      <PasswordForm />
    </main>
  );
}
