import { useLogin, useRegister } from '../api/resources/auth/hooks';
import { Field, FormErrors, SubmitButton } from '../components/Field';
import { email, required, useForm } from '../components/useForm';
import { navigate } from '../hooks/useHashRoute';

interface Props {
  mode: 'login' | 'register';
  /** Why we are here, e.g. "You were signed out because your password was changed." */
  notice: string | null;
}

const EMPTY = { email: '', password: '', first_name: '', last_name: '', device_name: '' };
type AuthValues = typeof EMPTY;

function validate(mode: Props['mode']) {
  return (values: AuthValues) => ({
    email: email(values.email),
    password:
      mode === 'register' && values.password && values.password.length < 8
        ? ['Use at least 8 characters.']
        : required(values.password, 'Enter your password.'),
  });
}

/** Login and registration. On success the token store changes and App shows the todos. */
export function AuthPage({ mode, notice }: Props) {
  const login = useLogin();
  const register = useRegister();
  const form = useForm(EMPTY, { validate: validate(mode), unauthorizedText: 'Wrong email or password.' });

  const onSubmit = form.onSubmit(async (values) => {
    const device = values.device_name.trim() ? { device_name: values.device_name.trim() } : {};
    if (mode === 'login') {
      await login.mutateAsync({ email: values.email.trim(), password: values.password, ...device });
    } else {
      await register.mutateAsync({
        email: values.email.trim(),
        password: values.password,
        first_name: values.first_name.trim(),
        last_name: values.last_name.trim(),
        ...device,
      });
    }
    navigate('todos');
  });

  return (
    <main className="auth">
      <h1 className="brand">Todos</h1>
      <section className="card" aria-labelledby="auth-title">
        <h2 id="auth-title">{mode === 'login' ? 'Sign in' : 'Create an account'}</h2>
        {notice && (
          <p className="alert alert-info" role="status" data-testid="sign-out-notice">
            {notice}
          </p>
        )}
        <form onSubmit={onSubmit} noValidate>
          <Field label="Email" binding={form.field('email')} type="email" autoComplete="email" required />
          <Field
            label="Password"
            binding={form.field('password')}
            type="password"
            required
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            hint={mode === 'register' ? 'At least 8 characters, not too common.' : undefined}
          />
          {mode === 'login' && (
            <p className="forgot">
              <a href="#/forgot-password">Forgot password?</a>
            </p>
          )}
          {mode === 'register' && (
            <div className="row">
              <Field label="First name" binding={form.field('first_name')} autoComplete="given-name" />
              <Field label="Last name" binding={form.field('last_name')} autoComplete="family-name" />
            </div>
          )}
          <Field
            label="Device name (optional)"
            binding={form.field('device_name')}
            placeholder="e.g. Work laptop"
            hint="Shown in “Your sessions”."
          />
          <FormErrors messages={form.general} />
          <SubmitButton pending={form.pending} label={mode === 'login' ? 'Sign in' : 'Create account'} />
        </form>
        <p className="switch">
          {mode === 'login' ? (
            <>
              No account yet? <a href="#/register">Create one</a>
            </>
          ) : (
            <>
              Already registered? <a href="#/login">Sign in</a>
            </>
          )}
        </p>
      </section>
    </main>
  );
}
