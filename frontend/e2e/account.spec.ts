// Profile, password change, and the log-out flows.
import {
  accountLoggedIn,
  cancelThenConfirm,
  clickReload,
  expect,
  expectLoginPage,
  expectRefreshRefused,
  expectSignedOut,
  expectTodosPage,
  login,
  loginToTodos,
  openSessionsPage,
  openTodosTab,
  test,
  tokens,
} from './fixtures';

const NEW_PASSWORD = 'Another-Staple-77-river';

test('profile names, and a password change signs the other devices out and says why', async ({
  page,
  newDevice,
  baseURL,
}) => {
  const user = await accountLoggedIn(page, baseURL!);
  const phone = await newDevice({ viewport: { width: 390, height: 800 } });
  await loginToTodos(phone, user, 'Phone');

  await page.getByRole('link', { name: 'Profile' }).click();
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Last name').fill('Lovelace');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Profile saved.')).toBeVisible();
  await expect(page.getByTestId('user-name')).toHaveText('Ada Lovelace');

  // A wrong current password: the message sits on that field, and goes once it is edited.
  const current = page.getByLabel('Current password');
  await current.fill('not-my-password');
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('Confirm new password').fill('something else');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('The new passwords do not match.')).toBeVisible();
  await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
  await expect(page.getByText('The new passwords do not match.')).toHaveCount(0);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(current).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.field-errors')).toHaveCount(1);
  await current.fill(user.password);
  await expect(current).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.field-errors')).toHaveCount(0);

  const before = await tokens(page);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Password changed. Every other device has been signed out.')).toBeVisible();
  expect((await tokens(page)).refresh).not.toBe(before.refresh);

  await clickReload(phone);
  await expectSignedOut(phone, /password was changed/);
  await login(phone, user, 'Phone');
  await expect(phone.getByRole('alert')).toHaveText('Wrong email or password.');
  await loginToTodos(phone, { ...user, password: NEW_PASSWORD }, 'Phone');

  // This device kept working through the change.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Todos' }).click();
  await expectTodosPage(page);
});

test('sign out everywhere asks first, then signs out every tab and device', async ({
  page,
  context,
  newDevice,
  baseURL,
}) => {
  const user = await accountLoggedIn(page, baseURL!);
  const tab2 = await openTodosTab(context);
  const phone = await newDevice();
  await loginToTodos(phone, user, 'Phone');

  await openSessionsPage(page);
  const everywhere = {
    button: 'Sign out everywhere',
    question: 'Sign out every device, this one included?',
    confirm: 'Yes, sign out everywhere',
  };
  await cancelThenConfirm(page, page, everywhere, 2);

  await expectSignedOut(page, 'You have signed out on every device.');
  // The other tab, same browser: follows through the storage event.
  await expectSignedOut(tab2, 'You have signed out on every device.');
  await clickReload(phone); // another device: on its next call
  await expectLoginPage(phone);
  for (const p of [page, tab2, phone]) expect(await tokens(p)).toEqual({ access: null, refresh: null });
});

test('sign out clears the tokens, revokes the session, and the other tab follows', async ({
  page,
  context,
  baseURL,
}) => {
  await accountLoggedIn(page, baseURL!);
  const tab2 = await openTodosTab(context);
  const { refresh } = await tokens(page);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(page, 'You have signed out.');
  await expectLoginPage(tab2);
  const stored = await page.evaluate(() => Object.entries(localStorage));
  expect(stored.filter(([k, v]) => k === 'auth.tokens' || /eyJ/.test(v))).toEqual([]);
  await expectRefreshRefused(baseURL!, refresh);
});
