// Every page, in light and dark: no axe-core violation (WCAG 2.1 A/AA, colour contrast
// included), and screenshots at 1280 px and 390 px kept in test-artifacts/screenshots/.
import {
  addTodo,
  expect,
  expectLoginPage,
  login,
  loginToTodos,
  newUser,
  openSessionsPage,
  registerApi,
  scanAndShoot,
  test,
} from './fixtures';

const THEMES = ['light', 'dark'] as const;

for (const theme of THEMES) {
  test.describe(`${theme} theme`, () => {
    test.use({ colorScheme: theme });

    test(`signed-out pages pass axe (${theme})`, async ({ page, baseURL }) => {
      await page.goto('/#/login');
      await expectLoginPage(page);
      await scanAndShoot(page, 'login', theme);

      // With messages on show: a sign-out notice and a form-wide error.
      await page.evaluate(() =>
        localStorage.setItem(
          'auth.signedOut',
          JSON.stringify({ reason: 'password_changed', at: Date.now() }),
        ),
      );
      await page.reload();
      await expect(page.getByTestId('sign-out-notice')).toBeVisible();
      await login(page, { email: 'nobody@example.com', password: 'wrong-password' });
      await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
      await scanAndShoot(page, 'login-notice-error', theme);

      await page.goto('/#/register');
      const taken = newUser();
      await registerApi(baseURL!, taken);
      await page.getByLabel('Email').fill(taken.email);
      await page.getByLabel('Password', { exact: true }).fill('password123');
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect(page.getByText('A user with this email already exists.')).toBeVisible();
      await scanAndShoot(page, 'register-errors', theme);

      // Forgot password: the form with its error, then the neutral confirmation.
      await page.goto('/#/forgot-password');
      await page.getByRole('button', { name: 'Send me a link' }).click();
      await expect(page.getByText('Enter your email address.')).toBeVisible();
      await scanAndShoot(page, 'forgot-password-error', theme);
      await page.getByLabel('Email').fill('nobody@example.com');
      await page.getByRole('button', { name: 'Send me a link' }).click();
      await expect(page.getByTestId('reset-requested')).toBeVisible();
      await scanAndShoot(page, 'forgot-password-sent', theme);

      // Set a new password: the client's errors, then a dead link.
      await page.goto('/#/reset-password?uid=MQ&token=not-a-token');
      await page.getByLabel('New password', { exact: true }).fill('short');
      await page.getByRole('button', { name: 'Set password' }).click();
      await expect(page.getByText('Use at least 8 characters.')).toBeVisible();
      await scanAndShoot(page, 'reset-password-errors', theme);
      await page.getByLabel('New password', { exact: true }).fill('Long-enough-password-1');
      await page.getByLabel('Confirm new password').fill('Long-enough-password-1');
      await page.getByRole('button', { name: 'Set password' }).click();
      await expect(page.getByTestId('reset-link-invalid')).toBeVisible();
      await scanAndShoot(page, 'reset-password-invalid-link', theme);
    });

    test(`signed-in pages pass axe (${theme})`, async ({ page, baseURL }) => {
      const user = newUser();
      await registerApi(baseURL!, user, 'Old desktop');
      await loginToTodos(page, user, 'Laptop');
      await addTodo(page, 'Buy milk');
      await addTodo(page, 'Write the report');
      await page.getByRole('checkbox', { name: /Buy milk/ }).check();
      await expect(page.getByTestId('count-done')).toHaveText('1');
      await page.getByRole('button', { name: 'Delete “Write the report”' }).click(); // a question on show
      await page.getByLabel('New todo', { exact: true }).fill('x'.repeat(190)); // its length counter too
      await expect(page.getByTestId('char-count')).toBeVisible();
      await scanAndShoot(page, 'todos', theme);

      await page.getByRole('link', { name: 'Profile' }).click();
      await expect(page.getByLabel('First name')).toBeVisible();
      await page.getByRole('button', { name: 'Change password' }).click(); // client errors on show
      await expect(page.getByText('Enter your current password.')).toBeVisible();
      await scanAndShoot(page, 'profile', theme);

      await openSessionsPage(page);
      await expect(page.getByTestId('session')).toHaveCount(2);
      await page.getByRole('button', { name: 'End session on Old desktop' }).click();
      await scanAndShoot(page, 'sessions', theme);

      // Renaming in place (with the form's error) and the log-out-others question.
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: 'Rename Laptop (this device)' }).click();
      await page.getByLabel('New name for Laptop').fill('');
      await page.getByRole('button', { name: 'Save' }).click();
      await expect(page.getByText('Give the device a name.')).toBeVisible();
      await page.getByRole('button', { name: 'Sign out all other devices' }).click();
      await expect(page.getByText('Sign out 1 other device? This device stays signed in.')).toBeVisible();
      await scanAndShoot(page, 'sessions-rename-others', theme);
    });
  });
}
