import { useChangePassword } from '../api/resources/auth/hooks';
import { useDeleteAccount } from '../api/resources/passkeys/hooks';
import { useMe, useUpdateMe } from '../api/resources/users/hooks';
import type { User } from '../api/types/user';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorMessage } from '../components/ErrorMessage';
import { useReauthPrompt } from '../components/Reauth';
import { Field, FormErrors, NameFields, NewPasswordFields, SubmitButton } from '../components/Field';
import { required, useForm } from '../components/useForm';
import { PasskeysSection } from './PasskeysSection';

function NamesForm({ user }: { user: User }) {
  const update = useUpdateMe();
  const form = useForm({ first_name: user.first_name, last_name: user.last_name });

  const onSubmit = form.onSubmit(async (values) => {
    const updated = await update.mutateAsync({
      first_name: values.first_name.trim(),
      last_name: values.last_name.trim(),
    });
    form.reset({ first_name: updated.first_name, last_name: updated.last_name });
  });

  return (
    <form onSubmit={onSubmit} noValidate>
      <div className="field">
        <label htmlFor="profile-email">Email</label>
        <input id="profile-email" value={user.email} readOnly />
      </div>
      <NameFields first={form.field('first_name')} last={form.field('last_name')} />
      <FormErrors messages={form.general} />
      {/* Until the names are edited again: then it would no longer be true. */}
      {form.done && (
        <p className="alert alert-success" role="status">
          Profile saved.
        </p>
      )}
      <SubmitButton pending={form.pending} label="Save profile" className="btn btn-primary" />
    </form>
  );
}

const NO_PASSWORDS = { current_password: '', new_password: '', confirm_password: '' };

function PasswordForm() {
  const change = useChangePassword();
  const form = useForm(NO_PASSWORDS, {
    validate: (v) => ({
      current_password: required(v.current_password, 'Enter your current password.'),
      new_password: required(v.new_password, 'Enter a new password.'),
      confirm_password: v.confirm_password !== v.new_password ? ['The new passwords do not match.'] : [],
    }),
  });

  const onSubmit = form.onSubmit(async (values) => {
    await change.mutateAsync({
      current_password: values.current_password,
      new_password: values.new_password,
    });
    form.reset(NO_PASSWORDS);
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
        {form.done && (
          <p className="alert alert-success" role="status">
            Password changed. Every other device has been signed out.
          </p>
        )}
        <SubmitButton pending={form.pending} label="Change password" className="btn btn-primary" />
      </form>
    </section>
  );
}

/**
 * "Delete my account": asks first, then (when the last sign-in is not recent) asks for the
 * password or a passkey. Afterwards this device is signed out and the sign-in page says why.
 */
function DeleteAccount() {
  const remove = useDeleteAccount(useReauthPrompt());
  return (
    <section className="card danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete my account</h2>
      <p>
        Deletes your account with its todos, passkeys and every session: you are signed out on every device.
        This cannot be undone.
      </p>
      <ErrorMessage error={remove.error} />
      <ConfirmButton
        label="Delete my account"
        className="btn btn-danger"
        question="Delete your account and everything in it, for good?"
        confirmLabel="Yes, delete my account"
        pending={remove.isPending}
        onConfirm={() => remove.mutate()}
      />
    </section>
  );
}

export function ProfilePage() {
  const me = useMe();
  return (
    <main className="page">
      <h1 tabIndex={-1}>Your profile</h1>
      <section className="card" aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        <ErrorMessage error={me.error} />
        {me.isPending && <p className="muted">Loading…</p>}
        {/* Keyed by the user: the form starts from the loaded names, and again for another user. */}
        {me.data && <NamesForm key={me.data.id} user={me.data} />}
      </section>
      <PasskeysSection />
      <PasswordForm />
      <DeleteAccount />
    </main>
  );
}
