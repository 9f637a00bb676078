import { useLogin, useRegister } from '../api/resources/auth/hooks';
import { fieldLimits } from '../api/types/schema.gen';
import { Field, FormErrors, NameFields, SubmitButton } from '../components/Field';
import { email, required, useForm } from '../components/useForm';
import { defaultDeviceName, rememberDeviceName, rememberedDeviceName } from '../deviceName';
import { navigate } from '../hooks/useHashRoute';

interface Props {
  mode: 'login' | 'register';
  /** Why we are here, e.g. "You were signed out because your password was changed." */
  notice: string | null;
  /** A new attempt starts: the notice is about the last session, not this attempt. */
  onAttempt: () => void;
}

const LIMITS = fieldLimits.RegisterRequest;

function validate(mode: Props['mode']) {
  return (values: { email: string; password: string }) => ({
    email: email(values.email),
    password:
      mode === 'register' && values.password && values.password.length < 8
        ? ['Use at least 8 characters.']
        : required(values.password, 'Enter your password.'),
  });
}

/** Sign-in and registration. On success the token store changes and App shows the todos. */
export function AuthPage({ mode, notice, onAttempt }: Props) {
  const login = useLogin();
  const register = useRegister();
  const form = useForm(
    { email: '', password: '', first_name: '', last_name: '', device_name: rememberedDeviceName() },
    { validate: validate(mode), unauthorizedText: 'Wrong email or password.' },
  );
  const unnamed = defaultDeviceName();

  const submit = form.onSubmit(async (values) => {
    const typed = values.device_name.trim();
    // Left empty: named from the User-Agent by the function that describes it in "Your sessions".
    const deviceName = typed || unnamed;
    const device = deviceName ? { device_name: deviceName } : {};
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
    rememberDeviceName(typed);
    navigate('todos');
  });
  const onSubmit: typeof submit = (event) => {
    onAttempt();
    return submit(event);
  };

  return (
    <main className="auth">
      <p className="brand">Todos</p>
      <section className="card" aria-labelledby="auth-title">
        <h1 id="auth-title" tabIndex={-1}>
          {mode === 'login' ? 'Sign in' : 'Create an account'}
        </h1>
        {notice && (
          <p className="alert alert-info" role="status" data-testid="sign-out-notice">
            {notice}
          </p>
        )}
        <form onSubmit={onSubmit} noValidate>
          <Field
            label="Email"
            binding={form.field('email')}
            type="email"
            autoComplete="email"
            required
            maxLength={LIMITS.email.maxLength}
          />
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
            <NameFields first={form.field('first_name')} last={form.field('last_name')} />
          )}
          <Field
            label="Device name (optional)"
            binding={form.field('device_name')}
            placeholder="e.g. Work laptop"
            maxLength={LIMITS.device_name.maxLength}
            hint={
              unnamed
                ? `Shown in “Your sessions”; left empty, this browser is “${unnamed}”.`
                : 'Shown in “Your sessions”.'
            }
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
