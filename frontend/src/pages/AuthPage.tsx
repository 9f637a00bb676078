import { useState, type FormEvent } from 'react';
import { useLogin, useRegister } from '../api/resources/auth/hooks';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { navigate } from '../hooks/useHashRoute';

interface Props {
  mode: 'login' | 'register';
  /** Why we are here, e.g. "Your session has ended." */
  notice: string | null;
}

/** Login and registration. On success the token store changes and App shows the todos. */
export function AuthPage({ mode, notice }: Props) {
  const login = useLogin();
  const register = useRegister();
  const mutation = mode === 'login' ? login : register;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [deviceName, setDeviceName] = useState('');

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const device = deviceName.trim() ? { device_name: deviceName.trim() } : {};
    const onSuccess = () => navigate('todos');
    if (mode === 'login') {
      login.mutate({ email, password, ...device }, { onSuccess });
    } else {
      register.mutate(
        { email, password, first_name: firstName, last_name: lastName, ...device },
        { onSuccess },
      );
    }
  }

  const error = mutation.error;
  return (
    <main className="auth">
      <h1 className="brand">Todos</h1>
      <section className="card">
        <h2>{mode === 'login' ? 'Log in' : 'Create an account'}</h2>
        {notice && (
          <p className="alert alert-info" role="status">
            {notice}
          </p>
        )}
        <form onSubmit={onSubmit} noValidate={false}>
          <Field label="Email" name="email" type="email" autoComplete="email" required
            value={email} onChange={(e) => setEmail(e.target.value)} error={error} />
          <Field label="Password" name="password" type="password" required
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            value={password} onChange={(e) => setPassword(e.target.value)} error={error} />
          {mode === 'register' && (
            <div className="row">
              <Field label="First name" name="first_name" autoComplete="given-name"
                value={firstName} onChange={(e) => setFirstName(e.target.value)} error={error} />
              <Field label="Last name" name="last_name" autoComplete="family-name"
                value={lastName} onChange={(e) => setLastName(e.target.value)} error={error} />
            </div>
          )}
          <Field label="Device name (optional)" name="device_name" placeholder="e.g. Work laptop"
            hint="Shown in “Your sessions”." value={deviceName}
            onChange={(e) => setDeviceName(e.target.value)} error={error} />
          <ErrorMessage error={error} unauthorizedText="Wrong email or password." />
          <button type="submit" className="btn btn-primary btn-block" disabled={mutation.isPending}>
            {mutation.isPending ? 'Please wait…' : mode === 'login' ? 'Log in' : 'Create account'}
          </button>
        </form>
        <p className="switch">
          {mode === 'login' ? (
            <>No account yet? <a href="#/register">Create one</a></>
          ) : (
            <>Already registered? <a href="#/login">Log in</a></>
          )}
        </p>
      </section>
    </main>
  );
}
