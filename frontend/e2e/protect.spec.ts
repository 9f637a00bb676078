// Account protection in the browser: forgot / reset password through the mailed link, log out
// all other devices, and renaming a session in place.
import {
  accountLoggedIn,
  addTodo,
  cancelThenConfirm,
  expect,
  expectSignedOut,
  expectTodosPage,
  login,
  loginApi,
  loginToTodos,
  newAccount,
  newUser,
  openSessionsPage,
  resetLinkFor,
  resetMailCount,
  test,
  waitForAccessExpiry,
} from './fixtures';

const NEW_PASSWORD = 'Fresh-Lantern-93-orchard';

test('forgot password: the mailed link sets a new password and signs every device out', async ({
  page,
  baseURL,
  newDevice,
}) => {
  const user = await newAccount(baseURL!);
  const phone = await newDevice();
  await loginToTodos(phone, user, 'Phone');

  // An unknown address gets the same answer, and no mail.
  await page.goto('/#/login');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
  const stranger = newUser();
  await page.getByLabel('Email').fill(stranger.email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByTestId('reset-requested')).toContainText(
    `If an account exists for ${stranger.email}, we have sent it a link`,
  );
  expect(resetMailCount(stranger.email)).toBe(0);

  await page.goto('/#/login');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.getByLabel('Email').fill(user.email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByTestId('reset-requested')).toContainText(`If an account exists for ${user.email}`);

  // The mailed link is the client's reset page at this server, with uid and token after the '#'.
  const link = await resetLinkFor(user.email);
  const mailed = new URL(link);
  expect([mailed.origin, mailed.pathname, mailed.search]).toEqual([new URL(baseURL!).origin, '/', '']);
  expect(mailed.hash).toMatch(/^#\/reset-password\?uid=[\w-]+&token=[\w-]+$/);
  const token = new URLSearchParams(mailed.hash.split('?')[1]).get('token')!;
  // What the browser sends a server: each request's URL up to its '#', and its Referer.
  const sent: string[] = [];
  page.on('request', (request) =>
    sent.push(request.url().split('#')[0]!, request.headers()['referer'] ?? ''),
  );
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Set a new password' })).toBeVisible();
  expect(page.url()).toBe(link);

  // Client checks, then the server's validators: the link stays usable after a weak password.
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('Confirm new password').fill(`${NEW_PASSWORD}x`);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByText('The new passwords do not match.')).toBeVisible();
  await page.getByLabel('New password', { exact: true }).fill('12345678');
  await page.getByLabel('Confirm new password').fill('12345678');
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByText('This password is entirely numeric.')).toBeVisible();
  await expect(page.getByLabel('New password', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expectSignedOut(page, /Your password was changed with a reset link/);
  expect(page.url()).toMatch(/#\/login$/);
  // Following the link and setting the password sent the token to no server but in the POST's body.
  expect(sent.length).toBeGreaterThan(2);
  expect(sent.filter((text) => text.includes(token))).toEqual([]);

  // The old password is refused, the new one works.
  await login(page, user);
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
  await loginToTodos(page, { ...user, password: NEW_PASSWORD }, 'Laptop');
  await expect(page.getByTestId('sign-out-notice')).toHaveCount(0);

  // The reset ended the phone's session: it is told why.
  await phone.reload();
  await expectSignedOut(phone, /Your password was changed with a reset link/);

  // The link worked once.
  const other = await newDevice();
  await other.goto(link);
  await other.getByLabel('New password', { exact: true }).fill('Another-Fresh-Password-5');
  await other.getByLabel('Confirm new password').fill('Another-Fresh-Password-5');
  await other.getByRole('button', { name: 'Set password' }).click();
  await expect(other.getByTestId('reset-link-invalid')).toContainText('invalid or has expired');
  await other.getByRole('link', { name: 'Request a new link' }).click();
  await expect(other.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
});

test('reset links at /reset-password: the fragment follows the redirect, an older query link is outdated', async ({
  page,
}) => {
  // PASSWORD_RESET_URL set to /reset-password: Django redirects to the client, the browser keeps '#...'.
  await page.goto('/reset-password#uid=MQ&token=abc-1');
  await expect(page.getByRole('heading', { name: 'Set a new password' })).toBeVisible();
  expect(new URL(page.url()).pathname + new URL(page.url()).hash).toBe(
    '/#/reset-password?uid=MQ&token=abc-1',
  );
  await expect(page.getByRole('button', { name: 'Set password' })).toBeVisible();

  // A link from a mail sent before the secrets moved after the '#': they are not passed on.
  await page.goto('/reset-password?uid=MQ&token=abc-1');
  await expect(page.getByTestId('reset-link-invalid')).toContainText('comes from an older mail');
  expect(page.url()).not.toContain('abc-1');
  await page.getByRole('link', { name: 'Request a new link' }).click();
  await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
});

test('log out all other devices: they are told why, this one keeps working', async ({
  page,
  baseURL,
  newDevice,
}) => {
  const user = await accountLoggedIn(page, baseURL!, 'Laptop');
  const phone = await newDevice();
  await loginToTodos(phone, user, 'Phone');
  const tablet = await newDevice();
  await loginToTodos(tablet, user, 'Tablet');

  await openSessionsPage(page);
  await expect(page.getByTestId('session')).toHaveCount(3);
  const section = page.getByRole('region', { name: 'Log out all other devices' });
  await cancelThenConfirm(
    page,
    section,
    {
      button: 'Log out all other devices',
      question: 'Sign out 2 other devices? This device stays signed in.',
      confirm: 'Yes, log them out',
    },
    3,
  );
  await expect(section.getByRole('status')).toHaveText('Every other device has been signed out.');
  await expect(page.getByTestId('session')).toHaveCount(1);
  await expect(page.getByTestId('session').first()).toContainText('This device');
  await expect(section.getByText('No other device is signed in.')).toHaveCount(0);

  for (const device of [phone, tablet]) {
    await device.reload();
    await expectSignedOut(device, /“Log out all other devices” was chosen on another of your devices/);
  }

  // This device still refreshes and works.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Todos' }).click();
  await expectTodosPage(page);
  await waitForAccessExpiry(page);
  await addTodo(page, 'Still signed in');
  await page.reload();
  await openSessionsPage(page);
  await expect(page.getByText('No other device is signed in.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Log out all other devices' })).toHaveCount(0);
});

test('rename a session in place; the name survives a reload', async ({ page, baseURL }) => {
  const user = await accountLoggedIn(page, baseURL!, 'Laptop');
  await loginApi(baseURL!, user, 'Old desktop');
  await openSessionsPage(page);
  await expect(page.getByTestId('session')).toHaveCount(2);

  // This device, through the form's checks.
  await page.getByRole('button', { name: 'Rename Laptop (this device)' }).click();
  const input = page.getByLabel('New name for Laptop');
  await expect(input).toBeFocused();
  await input.fill('   ');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Give the device a name.')).toBeVisible();
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await input.fill('x'.repeat(101));
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Use at most 100 characters (now 101).')).toBeVisible();
  await input.fill('  Work laptop ');
  await page.getByRole('button', { name: 'Save' }).click();
  const current = page.getByTestId('session').first();
  await expect(current.locator('.session-device')).toHaveText('Work laptop');
  await expect(page.getByRole('button', { name: 'Rename Work laptop (this device)' })).toBeFocused();

  // Another device: Escape cancels, then a real rename.
  await page.getByRole('button', { name: 'Rename Old desktop' }).click();
  await page.getByLabel('New name for Old desktop').fill('Gone');
  await page.getByLabel('New name for Old desktop').press('Escape');
  await expect(page.getByRole('button', { name: 'Rename Old desktop' })).toBeFocused();
  await page.getByRole('button', { name: 'Rename Old desktop' }).click();
  await page.getByLabel('New name for Old desktop').fill('Kitchen PC');
  await page.getByLabel('New name for Old desktop').press('Enter');
  await expect(page.getByRole('button', { name: 'Rename Kitchen PC' })).toBeVisible();

  await page.reload();
  await expect(page.getByTestId('session')).toHaveCount(2);
  await expect(page.getByTestId('session').first().locator('.session-device')).toHaveText('Work laptop');
  await expect(page.getByTestId('session').first()).toContainText('This device');
  await expect(page.getByTestId('session').nth(1).locator('.session-device')).toHaveText('Kitchen PC');
  await expect(page.getByText('Gone')).toHaveCount(0);
});
