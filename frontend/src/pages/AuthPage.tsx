import { useEffect, useEffectEvent, useRef, useState } from 'react';
import { tokenStorage } from '../api/client';
import { useLogin, useRegister } from '../api/resources/auth/hooks';
import { usePasskeyLogin } from '../api/resources/passkeys/hooks';
import { conditionalMediationAvailable, passkeysSupported } from '../api/webauthn';
import { ErrorMessage } from '../components/ErrorMessage';
import { fieldLimits } from '../api/types/schema.gen';
import { Field, FormErrors, NameFields, SubmitButton } from '../components/Field';
import { email, required, useForm } from '../components/useForm';
import { defaultDeviceName, rememberDeviceName, rememberedDeviceName } from '../deviceName';
import { navigate } from '../hooks/useHashRoute';
import { offerPasskeyAfterSignIn } from '../passkeyOffer';

interface Props {
  mode: 'login' | 'register';
  /** Why we are here, e.g. "You were signed out because your password was changed." */
  notice: string | null;
  /** A new attempt starts: the notice is about the last session, not this attempt. */
  onAttempt: () => void;
}

const LIMITS = fieldLimits.RegisterRequest;
const PASSKEY_REFUSED = 'That passkey was not accepted. Try another one, or your password.';

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

  const passkeyLogin = usePasskeyLogin(); // the button's
  const autofillLogin = usePasskeyLogin(); // the email field's autofill
  const [passkeyError, setPasskeyError] = useState<unknown>(null);
  // The passkey request waiting in the email field's autofill (conditional mediation), if any.
  const autofill = useRef<{ controller: AbortController; done: Promise<unknown> } | null>(null);
  const [autofillRound, setAutofillRound] = useState(0);

  /** Ends the autofill request and waits until the browser has let it go (one request at a time). */
  async function stopAutofill() {
    const current = autofill.current;
    autofill.current = null;
    if (!current) return;
    current.controller.abort();
    await current.done.catch(() => undefined);
  }

  // Left empty: named from the User-Agent by the function that describes it in "Your sessions".
  const nameFor = (typed: string) => typed.trim() || unnamed;
  // What the device name field holds now, for a passkey picked after the request started.
  const typedName = useRef(form.values.device_name);
  useEffect(() => {
    typedName.current = form.values.device_name;
  });
  const passkeyDeviceName = () => nameFor(typedName.current);
  function signedIn() {
    rememberDeviceName(typedName.current.trim());
    navigate('todos');
  }

  const startAutofill = useEffectEvent((controller: AbortController) => {
    const done = (async () => {
      if (!(await conditionalMediationAvailable()) || controller.signal.aborted) return;
      // The autofill is a quiet offer: until the user picks a passkey in it, nothing it meets
      // (options refused by the throttle, the network, the browser) is theirs to be told about.
      let chosen = false;
      try {
        await autofillLogin.mutateAsync({
          deviceName: passkeyDeviceName,
          signal: controller.signal,
          mediation: 'conditional',
          onChosen: () => {
            chosen = true;
          },
        });
        signedIn();
      } catch (error) {
        if (chosen && !controller.signal.aborted) setPasskeyError(error);
      }
    })();
    autofill.current = { controller, done };
  });
  useEffect(() => {
    if (mode !== 'login') return;
    const controller = new AbortController();
    startAutofill(controller);
    return () => controller.abort();
  }, [mode, autofillRound]);

  const submit = form.onSubmit(async (values) => {
    const typed = values.device_name.trim();
    const name = nameFor(values.device_name);
    const device = name ? { device_name: name } : {};
    if (mode === 'login') {
      const response = await login.mutateAsync({
        email: values.email.trim(),
        password: values.password,
        ...device,
      });
      offerPasskeyAfterSignIn(response.user.id);
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
  const onSubmit: typeof submit = async (event) => {
    onAttempt();
    setPasskeyError(null);
    void stopAutofill(); // the password is the way in now
    await submit(event);
    // Not signed in (a wrong password, a field to fix): the passkey stays on offer in the field.
    if (mode === 'login' && !tokenStorage.hasSession()) setAutofillRound((n) => n + 1);
  };

  async function onPasskey() {
    if (passkeyLogin.isPending) return;
    onAttempt();
    setPasskeyError(null);
    form.reset(form.values); // the password's errors are not about this attempt
    await stopAutofill();
    try {
      await passkeyLogin.mutateAsync({ deviceName: passkeyDeviceName });
      signedIn();
    } catch (error) {
      // Closed or timed out dialogs are said too: the browser gives the same error when this
      // device holds no passkey for the site, which the user should hear about.
      setPasskeyError(error);
      setAutofillRound((n) => n + 1);
    }
  }
  const buttonPending = passkeyLogin.isPending;

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
            autoComplete={mode === 'login' ? 'username webauthn' : 'email'}
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
        {mode === 'login' && passkeysSupported() && (
          <div className="passkey-signin">
            <p className="divider" aria-hidden="true">
              or
            </p>
            <ErrorMessage error={passkeyError} unauthorizedText={PASSKEY_REFUSED} />
            <button
              type="button"
              className="btn btn-block"
              aria-disabled={buttonPending || undefined}
              onClick={() => void onPasskey()}
            >
              {buttonPending ? 'Waiting for the passkey…' : 'Sign in with a passkey'}
            </button>
          </div>
        )}
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
