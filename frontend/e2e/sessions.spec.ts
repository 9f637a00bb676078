// The sessions page, ending sessions, and what a signed-out device is told.
import {
  accountLoggedIn,
  cancelThenConfirm,
  clickReload,
  expect,
  expectRefreshRefused,
  expectSignedOut,
  expectTodosPage,
  loginApi,
  loginToTodos,
  newUser,
  openSessionsPage,
  refreshApi,
  registerApi,
  test,
  tokens,
} from './fixtures';

const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';

test('sessions page: current device first and labelled, readable device, relative times', async ({
  page,
  baseURL,
}) => {
  const user = newUser();
  await registerApi(baseURL!, user, 'Old desktop', FIREFOX_WINDOWS);
  await loginApi(baseURL!, user, undefined, FIREFOX_WINDOWS); // no name: the server derives one
  await loginToTodos(page, user, 'Laptop');
  await openSessionsPage(page);

  const rows = page.getByTestId('session');
  await expect(rows).toHaveCount(3);
  // The newest session is this one, yet the list pins it first whatever the server's order.
  await expect(rows.first()).toContainText('Laptop');
  await expect(rows.first().locator('.badge')).toHaveText('This device');
  await expect(rows.filter({ hasText: 'This device' })).toHaveCount(1);
  await expect(rows.first().locator('.session-ua')).toHaveText(/^Chrome on Linux$/);
  const old = rows.filter({ hasText: 'Old desktop' });
  await expect(old.locator('.session-ua')).toHaveText('Firefox on Windows');
  await expect(old.locator('.session-ua')).toHaveAttribute('title', FIREFOX_WINDOWS);
  const lastUsed = rows.first().locator('dd time').nth(1);
  await expect(lastUsed).toHaveText(/just now|minute/);
  await expect(lastUsed).toHaveAttribute('title', /\d{1,2}:\d{2}/); // the exact time on hover
  await expect(rows.first().locator('dd time').nth(2)).toHaveText(/^in \d+ days?$|^next week$/);
});

test('a revoked device is told why on the sign-in page, and keeps its unsaved todo', async ({
  page,
  newDevice,
  baseURL,
}) => {
  const user = await accountLoggedIn(page, baseURL!);

  const phone = await newDevice({ viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true });
  await loginToTodos(phone, user, 'Phone');
  await phone.getByLabel('New todo', { exact: true }).fill('Call the plumber');
  await phone.getByLabel('New todo description').fill('before Friday');

  // The laptop ends the phone's session, after saying what that does (Cancel first: nothing happens).
  await openSessionsPage(page);
  const row = page.getByTestId('session').filter({ hasText: 'Phone' });
  const endPhone = {
    button: 'End session on Phone',
    question: 'Sign out Phone? That device will have to sign in again.',
    confirm: 'Yes, end it',
  };
  await cancelThenConfirm(page, row, endPhone, 2);
  await expect(row).toHaveCount(0);

  // The phone learns on its next action, and says why.
  await phone.getByRole('button', { name: 'Add', exact: true }).click();
  await expectSignedOut(phone, /ended from another device/);
  expect(await tokens(phone)).toEqual({ access: null, refresh: null });
  await phone.reload(); // still said after a reload
  await expect(phone.getByTestId('sign-out-notice')).toHaveText(/ended from another device/);

  await loginToTodos(phone, user, 'Phone');
  await expect(phone.getByTestId('sign-out-notice')).toHaveCount(0);
  await expect(phone.getByLabel('New todo', { exact: true })).toHaveValue('Call the plumber');
  await expect(phone.getByLabel('New todo description')).toHaveValue('before Friday');
  await phone.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(phone.getByTestId('todo')).toHaveCount(1);
  await expect(phone.getByLabel('New todo', { exact: true })).toHaveValue('');
  await phone.reload();
  await expectTodosPage(phone);
  await expect(phone.getByLabel('New todo', { exact: true })).toHaveValue(''); // saved: no draft left

  // The revoking device was not logged out.
  await clickReload(page);
  await expect(page.getByTestId('session')).toHaveCount(2);
});

test('a session revoked through the API from elsewhere: the device says so', async ({ page, baseURL }) => {
  const user = newUser();
  const other = await registerApi(baseURL!, user, 'Script');
  await loginToTodos(page, user, 'Laptop');
  // The script's 2-second access token may have expired during the login above: refresh it first.
  const { access } = await refreshApi(baseURL!, other.refresh);
  const mine = (await (
    await fetch(`${baseURL}/api/auth/sessions/`, { headers: { Authorization: `Bearer ${access}` } })
  ).json()) as { results: { id: string; device_name: string }[] };
  const laptop = mine.results.find((s) => s.device_name === 'Laptop')!;
  const revoked = await fetch(`${baseURL}/api/auth/sessions/${laptop.id}/`, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${access}` },
  });
  expect(revoked.status).toBe(204);

  await clickReload(page);
  await expectSignedOut(page, /ended from another device/);
});

test('ending the current device’s session warns that it signs you out, then does', async ({
  page,
  baseURL,
}) => {
  await accountLoggedIn(page, baseURL!);
  await openSessionsPage(page);
  const row = page.getByTestId('session').filter({ hasText: 'This device' });
  const { refresh } = await tokens(page);

  await row.getByRole('button', { name: 'End session on Laptop (this device)' }).click();
  await expect(
    row.getByText('This is the device you are using: ending its session signs you out here.'),
  ).toBeVisible();
  await row.getByRole('button', { name: 'Sign me out' }).click();
  await expectSignedOut(page, 'You have signed out.');
  await expectRefreshRefused(baseURL!, refresh);
});
