// Passkeys (issue 23) with Chromium's virtual authenticator (CDP WebAuthn domain: ctap2, internal
// transport, resident keys, user verification): register, add a passkey, sign out and back in
// with it (the button and the email field's autofill), rename, remove, the re-authentication
// prompt and its retry, Delete my account, the offer after a password sign-in, and axe.
//
// The server (e2e/server.mjs) has REAUTH_MAX_AGE_SECONDS=20: a sign-in older than that meets the
// prompt, so the tests that want it wait that long, and the others act well within it.
import type { CDPSession, Page } from '@playwright/test';
import {
  expect,
  expectLoginPage,
  expectSignedOut,
  expectTodosPage,
  jwtPayload,
  login,
  loginToTodos,
  newAccount,
  newUser,
  openSessionsPage,
  registerUi,
  scanAndShoot,
  sleep,
  test,
  tokens,
  trackApi,
  waitForApiIdle,
  type User,
} from './fixtures';

const REAUTH_MAX_AGE_MS = 20_000;

interface Authenticator {
  cdp: CDPSession;
  id: string;
  /** The credentials the authenticator holds (each with its user handle and sign count). */
  credentials: () => Promise<{ credentialId: string; isResidentCredential: boolean; signCount: number }[]>;
}

/** A platform authenticator (like a laptop's fingerprint reader) for the page's browser context. */
async function addAuthenticator(page: Page): Promise<Authenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    id: authenticatorId,
    credentials: async () =>
      (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as Awaited<
        ReturnType<Authenticator['credentials']>
      >,
  };
}

/**
 * Chromium's virtual authenticator answers a conditional (autofill) request by itself, which
 * signs in as soon as the sign-in page opens. Tests of the button make the browser say it has no
 * autofill for passkeys, as many browsers do.
 */
async function withoutPasskeyAutofill(page: Page) {
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
}

async function openProfile(page: Page) {
  await page.getByRole('link', { name: 'Profile' }).click();
  await expect(page.getByRole('heading', { name: 'Passkeys' })).toBeVisible();
}

/** On the profile page: adds a passkey named `name` (the browser's part is the authenticator's). */
async function addPasskeyUi(page: Page, name: string) {
  const section = page.getByRole('region', { name: 'Passkeys' });
  await section.getByLabel('Name of the new passkey (optional)').fill(name);
  await section.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(page.getByText('Passkey added. You can now sign in with it.')).toBeVisible();
  await expect(passkeyRow(page, name)).toBeVisible();
}

function passkeyRow(page: Page, name: string) {
  return page.getByTestId('passkey').filter({ has: page.locator('.session-device', { hasText: name }) });
}

/** A new account registered in the browser, holding one passkey named `name`. */
async function accountWithPasskey(page: Page, name = 'Laptop key'): Promise<User> {
  const user = newUser();
  await registerUi(page, user, undefined, 'Laptop');
  await openProfile(page);
  await addPasskeyUi(page, name);
  return user;
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectLoginPage(page);
}

async function signInWithPasskeyButton(page: Page) {
  await expectLoginPage(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
}

/** The stored access token's claims: signed in with a passkey (RFC 8176 `amr`), bound to the DPoP key. */
async function expectPasskeySession(page: Page) {
  const { access } = await tokens(page);
  const claims = jwtPayload(access!) as unknown as { amr: string[]; cnf?: { jkt?: string } };
  expect(claims.amr).toEqual(['hwk', 'user']);
  expect(claims.cnf?.jkt, 'the passkey sign-in bound the session to the DPoP key').toBeTruthy();
}

async function amr(page: Page): Promise<string[] | null> {
  const { access } = await tokens(page);
  return access ? (jwtPayload(access) as unknown as { amr: string[] }).amr : null;
}

const dialog = (page: Page) => page.getByRole('dialog', { name: 'Confirm it’s you' });

test('register, add a passkey, sign out, and sign back in with it', async ({ page }) => {
  await withoutPasskeyAutofill(page);
  const authenticator = await addAuthenticator(page);
  const user = newUser();
  await registerUi(page, user, undefined, 'Laptop');
  await openProfile(page);
  await expect(page.getByText('You have no passkey yet.')).toBeVisible();
  await addPasskeyUi(page, 'Laptop key');
  await expect(passkeyRow(page, 'Laptop key')).toContainText('Never');
  const [credential] = await authenticator.credentials();
  expect(credential?.isResidentCredential, 'a discoverable credential').toBe(true);

  await signOut(page);
  // The device name the browser last used is offered, and sent with the passkey sign-in.
  await expect(page.getByLabel('Device name (optional)')).toHaveValue('Laptop');
  await signInWithPasskeyButton(page);
  await expectTodosPage(page);
  await expect(page.getByTestId('user-name')).toHaveText('Edith Tester');
  await expectPasskeySession(page);

  await openSessionsPage(page);
  await expect(page.getByTestId('session').filter({ hasText: 'This device' })).toContainText('Laptop');
  await openProfile(page);
  await expect(passkeyRow(page, 'Laptop key')).not.toContainText('Never');
  expect((await authenticator.credentials())[0]?.signCount).toBeGreaterThan(0);
});

test('the email field offers the passkey (autofill); a password sign-in ends that wait cleanly', async ({
  page,
  newDevice,
  baseURL,
}) => {
  await addAuthenticator(page);
  await accountWithPasskey(page);
  expect(await amr(page)).toEqual(['pwd']);
  // Signed out, the sign-in page asks for a passkey in the email field's autofill, which
  // Chromium's virtual authenticator answers at once: signed in again, with the passkey.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect.poll(() => amr(page)).toEqual(['hwk', 'user']);
  await expectTodosPage(page);
  await expectPasskeySession(page);

  // A browser whose authenticator has no passkey for this site: the autofill request waits,
  // and a password sign-in aborts it without an error.
  const other = await newDevice();
  await addAuthenticator(other);
  const api = trackApi(other.context());
  const user = await newAccount(baseURL!);
  await other.goto('/#/login');
  await expect(other.getByLabel('Email')).toHaveAttribute('autocomplete', 'username webauthn');
  await expect.poll(() => api.calls.some((c) => c.path === '/api/auth/passkeys/login/options/')).toBe(true);
  await loginToTodos(other, user, 'Desk');
  await waitForApiIdle(api);
  expect(
    api.calls.filter((c) => c.path.startsWith('/api/auth/passkeys/login/') && c.method === 'POST'),
  ).toEqual([expect.objectContaining({ path: '/api/auth/passkeys/login/options/', status: 200 })]);
  await expect(other.getByRole('alert')).toHaveCount(0);
});

test('rename and remove a passkey; a removed passkey no longer signs in', async ({ page }) => {
  await withoutPasskeyAutofill(page);
  await addAuthenticator(page);
  await accountWithPasskey(page, 'Old name');

  await page.getByRole('button', { name: 'Rename passkey Old name' }).click();
  const field = page.getByLabel('New name for Old name');
  await expect(field).toBeFocused();
  const save = page.getByTestId('passkey').getByRole('button', { name: 'Save' });
  await field.fill('   ');
  await save.click();
  await expect(page.getByText('Give the passkey a name.')).toBeVisible();
  await field.fill('Work laptop');
  await save.click();
  await expect(passkeyRow(page, 'Work laptop')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Rename passkey Work laptop' })).toBeFocused();
  await page.reload();
  await expect(passkeyRow(page, 'Work laptop')).toBeVisible();

  const remove = page.getByRole('button', { name: 'Remove passkey Work laptop' });
  await remove.click();
  await expect(page.getByText('Remove the passkey “Work laptop”?')).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(remove).toBeFocused();
  await remove.click();
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await expect(page.getByText('You have no passkey yet.')).toBeVisible();
  await expect(page.getByLabel('Name of the new passkey (optional)')).toBeFocused();
  await expect(dialog(page)).toHaveCount(0); // a fresh sign-in needs no prompt

  // The authenticator still holds the credential, but the server no longer knows it.
  await signOut(page);
  await signInWithPasskeyButton(page);
  await expect(page.getByRole('alert')).toHaveText(
    'That passkey was not accepted. Try another one, or your password.',
  );
  expect((await tokens(page)).access).toBeNull();
});

test('an old sign-in is asked to confirm before removing a passkey, and the removal is retried once', async ({
  page,
}) => {
  await withoutPasskeyAutofill(page);
  await addAuthenticator(page);
  const user = await accountWithPasskey(page, 'First key');
  const api = trackApi(page.context());
  await sleep(REAUTH_MAX_AGE_MS + 1_000);

  // Cancelled (Escape): nothing removed, the focus back on the button.
  const remove = page.getByRole('button', { name: 'Remove passkey First key' });
  await remove.click();
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await expect(dialog(page)).toBeVisible();
  await expect(dialog(page).getByLabel('Your password')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog(page)).toHaveCount(0);
  await expect(page.getByRole('alert')).toHaveText('Not done: it needs you to confirm it is you.');
  await expect(passkeyRow(page, 'First key')).toBeVisible();
  await expect(remove).toBeFocused();

  // A wrong password is said in the prompt; the right one removes the passkey without asking again.
  await remove.click();
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await dialog(page).getByLabel('Your password').fill('not-my-password');
  await dialog(page).getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog(page).getByLabel('Your password')).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog(page).getByText('Wrong password.')).toBeVisible();
  api.reset();
  await dialog(page).getByLabel('Your password').fill(user.password);
  await dialog(page).getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog(page)).toHaveCount(0);
  await expect(page.getByText('You have no passkey yet.')).toBeVisible();
  await waitForApiIdle(api);
  const paths = api.calls.map((c) => `${c.method} ${c.path} ${c.status}`);
  expect(paths.filter((p) => p.startsWith('POST /api/auth/reauthenticate/'))).toEqual([
    'POST /api/auth/reauthenticate/ 200',
  ]);
  expect(paths.filter((p) => p.startsWith('DELETE /api/auth/passkeys/'))).toHaveLength(1);
  expect(paths.filter((p) => p.startsWith('DELETE /api/auth/passkeys/'))[0]).toMatch(/ 204$/);
  // The session was kept: a new access token of it, not a new sign-in.
  await expect(page.getByTestId('user-name')).toHaveText('Edith Tester');
});

test('Delete my account: asks first, then for a passkey, and signs out saying so', async ({ page }) => {
  await withoutPasskeyAutofill(page);
  await addAuthenticator(page);
  const user = await accountWithPasskey(page);
  const { refresh } = await tokens(page);
  await sleep(REAUTH_MAX_AGE_MS + 1_000);

  const danger = page.getByRole('region', { name: 'Delete my account' });
  await danger.getByRole('button', { name: 'Delete my account' }).click();
  await expect(danger.getByText('Delete your account and everything in it, for good?')).toBeVisible();
  await danger.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog(page)).toHaveCount(0);
  await danger.getByRole('button', { name: 'Delete my account' }).click();
  await danger.getByRole('button', { name: 'Yes, delete my account' }).click();
  await expect(dialog(page)).toBeVisible();
  await dialog(page).getByRole('button', { name: 'Use a passkey' }).click();

  await expectSignedOut(page, /Your account has been deleted/);
  expect((await tokens(page)).refresh).toBeNull();
  const refused = await page.request.post('/api/auth/refresh/', {
    headers: { Authorization: `Bearer ${refresh}` },
  });
  expect(refused.status()).toBe(401);
  await login(page, user);
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'That passkey was not accepted. Try another one, or your password.',
  );
});

test('after a password sign-in a passkey is offered; “Not now” is kept, and one added ends the offer', async ({
  page,
  baseURL,
}) => {
  await withoutPasskeyAutofill(page);
  await addAuthenticator(page);
  const declining = await newAccount(baseURL!);
  await loginToTodos(page, declining, 'Laptop');
  const offer = page.getByRole('complementary', { name: 'Sign in faster with a passkey' });
  await expect(offer).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Your todos' })).toBeFocused(); // it takes no focus
  await offer.getByRole('button', { name: 'Not now' }).click();
  await expect(offer).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Your todos' })).toBeFocused();
  await signOut(page);
  await loginToTodos(page, declining, 'Laptop');
  await page.getByRole('link', { name: 'Profile' }).click(); // time for an offer to show, were it wrong
  await expect(page.getByRole('heading', { name: 'Passkeys' })).toBeVisible();
  await expect(offer).toHaveCount(0);
  await signOut(page);

  const accepting = await newAccount(baseURL!);
  await loginToTodos(page, accepting, 'Laptop');
  await offer.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(offer.getByRole('status')).toHaveText(/Passkey added/);
  await expect(offer.getByRole('status')).toBeFocused();
  await signOut(page);
  await loginToTodos(page, accepting, 'Laptop');
  await openProfile(page);
  await expect(page.getByTestId('passkey')).toHaveCount(1);
  await expect(offer).toHaveCount(0);
});

for (const theme of ['light', 'dark'] as const) {
  test.describe(`${theme} theme`, () => {
    test.use({ colorScheme: theme });
    test(`passkey pages pass axe (${theme})`, async ({ page, baseURL }) => {
      await withoutPasskeyAutofill(page);
      await addAuthenticator(page);
      const user = await newAccount(baseURL!);
      await page.goto('/#/login');
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click(); // no passkey yet
      await expect(page.getByRole('alert')).toBeVisible();
      await scanAndShoot(page, 'login-passkey-error', theme);

      await loginToTodos(page, user, 'Laptop');
      await expect(page.getByRole('complementary', { name: 'Sign in faster with a passkey' })).toBeVisible();
      await scanAndShoot(page, 'passkey-offer', theme);

      await openProfile(page);
      await addPasskeyUi(page, 'Laptop key');
      await page.getByRole('button', { name: 'Remove passkey Laptop key' }).click();
      await scanAndShoot(page, 'profile-passkeys', theme);

      await sleep(REAUTH_MAX_AGE_MS + 1_000);
      await page.getByRole('button', { name: 'Yes, remove it' }).click();
      await dialog(page).getByRole('button', { name: 'Confirm' }).click(); // its error on show
      await expect(dialog(page).getByText('Enter your password.')).toBeVisible();
      await scanAndShoot(page, 'reauth-prompt', theme);
    });
  });
}
