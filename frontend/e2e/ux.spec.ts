// What a newcomer meets: error pages that are not the API's, notices that outlive their truth,
// where the keyboard focus goes, one word for signing out, device names, length limits, and
// the layout of the questions that ask before destroying. Screenshots of each page at 1280 px
// and 390 px go to E2E_SCREENSHOT_DIR (test-artifacts/screenshots by default).
import { request as httpRequest } from 'node:http';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import {
  accountLoggedIn,
  addTodo,
  expect,
  expectLoginPage,
  expectSignedOut,
  expectTodosPage,
  loginApi,
  loginToTodos,
  newAccount,
  newUser,
  openSessionsPage,
  registerApi,
  registerUi,
  test,
  todoItem,
} from './fixtures';

const SHOTS = process.env.E2E_SCREENSHOT_DIR ?? 'test-artifacts/screenshots';

async function shoot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header at the top of the picture
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 800 });
    await page.screenshot({ path: `${SHOTS}/ux-${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** What Django itself answers `path` with when the Host header is not in DJANGO_ALLOWED_HOSTS. */
function answerForStrangeHost(baseURL: string, path: string, body: string) {
  const url = new URL(path, baseURL);
  return new Promise<{ status: number; contentType: string; body: string }>((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: { Host: 'not-allowed.example', 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            body: text,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function expectFocused(locator: Locator) {
  await expect(locator).toBeFocused();
}

const mainHeading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name });

test('an error body that is not the API’s JSON never reaches the page: its status says what happened', async ({
  page,
  baseURL,
}) => {
  // The register form opened under a host Django does not serve: its debug page, a 400 in HTML.
  const strange = await answerForStrangeHost(baseURL!, '/api/auth/register/', '{}');
  expect(strange.status).toBe(400);
  expect(strange.contentType).toMatch(/text\/html/);
  expect(strange.body).toMatch(/DisallowedHost/);
  await page.route('**/api/auth/register/', (route) =>
    route.fulfill({ status: strange.status, contentType: strange.contentType, body: strange.body }),
  );
  await page.goto('/#/register');
  const user = newUser();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'The server refused the request (error 400). Try again later.',
  );
  await expect(page.locator('body')).not.toContainText('DisallowedHost');
  await expect(page.locator('body')).not.toContainText('ALLOWED_HOSTS');
  // No invalid field: the focus stays on the button, and the alert is announced.
  await expectFocused(page.getByRole('button', { name: 'Create account' }));
  await shoot(page, 'register-html-400');

  // A 500 in HTML (a proxy's page) on the todo list: the server's trouble, in our words.
  await page.unroute('**/api/auth/register/');
  await registerUi(page, newUser());
  await page.route(
    (url) => url.pathname === '/api/todos/',
    (route) =>
      route.fulfill({
        status: 500,
        contentType: 'text/html',
        body: '<html><body><h1>Server Error (500)</h1><pre>Traceback: secret stuff</pre></body></html>',
      }),
  );
  await page.getByTestId('reload').click();
  await expect(page.getByRole('alert').first()).toHaveText('The server had a problem. Try again later.');
  await expect(page.locator('body')).not.toContainText('Traceback');
});

test('a sign-out notice goes when a new attempt starts, and does not come back', async ({
  page,
  baseURL,
}) => {
  const user = await newAccount(baseURL!);
  await page.goto('/#/login');
  await page.evaluate(() =>
    localStorage.setItem('auth.signedOut', JSON.stringify({ reason: 'password_reset', at: Date.now() })),
  );
  await page.reload();
  await expect(page.getByTestId('sign-out-notice')).toHaveText(/changed with a reset link/);

  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
  await expect(page.getByTestId('sign-out-notice')).toHaveCount(0); // the error stands alone
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
  await expect(page.getByTestId('sign-out-notice')).toHaveCount(0);
  await page.reload();
  await expectLoginPage(page);
  await expect(page.getByTestId('sign-out-notice')).toHaveCount(0);
});

test('focus: the opened field, back to its button, the next item after a delete, the new-todo field when none is left', async ({
  page,
}) => {
  await registerUi(page, newUser());
  // Registering is a navigation: the focus is on the new page's heading, not <body>.
  await expectFocused(mainHeading(page, 'Your todos'));
  for (const title of ['First', 'Second', 'Third']) await addTodo(page, title);

  // Opening the editor focuses its title field; an invalid save focuses it again.
  await todoItem(page, 'Second').getByRole('button', { name: 'Edit', exact: true }).click();
  const title = page.getByLabel('Title', { exact: true });
  await expectFocused(title);
  await title.fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(title).toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Save' }).focus();
  await page.getByRole('button', { name: 'Save' }).click();
  await expectFocused(title);
  // Saving hands the focus back to the item's Edit button; so does Escape.
  await title.fill('Second, edited');
  await page.getByRole('button', { name: 'Save' }).click();
  await expectFocused(todoItem(page, 'Second, edited').getByRole('button', { name: 'Edit', exact: true }));
  await page.keyboard.press('Enter');
  await expectFocused(page.getByLabel('Title', { exact: true }));
  await page.keyboard.press('Escape');
  await expectFocused(todoItem(page, 'Second, edited').getByRole('button', { name: 'Edit', exact: true }));

  // Newest first: Third, Second, First. Deleting the middle one focuses the one after it.
  const second = todoItem(page, 'Second, edited');
  await second.getByRole('button', { name: 'Delete “Second, edited”' }).click();
  await expectFocused(second.getByRole('button', { name: 'Cancel' }));
  await second.getByRole('button', { name: 'Yes, delete' }).click();
  await expect(second).toHaveCount(0);
  await expectFocused(todoItem(page, 'First').getByRole('checkbox'));
  // The last one: the one before it.
  await todoItem(page, 'First').getByRole('button', { name: 'Delete “First”' }).click();
  await todoItem(page, 'First').getByRole('button', { name: 'Yes, delete' }).click();
  await expectFocused(todoItem(page, 'Third').getByRole('checkbox'));
  // None left: the field that adds one.
  await todoItem(page, 'Third').getByRole('button', { name: 'Delete “Third”' }).click();
  await todoItem(page, 'Third').getByRole('button', { name: 'Yes, delete' }).click();
  await expect(page.getByTestId('todo')).toHaveCount(0);
  await expectFocused(page.getByLabel('New todo', { exact: true }));

  // A todo that leaves the list because of the filter moves the focus on too.
  for (const t of ['Alpha', 'Beta']) await addTodo(page, t);
  await page.getByRole('button', { name: /^Active/ }).click();
  await todoItem(page, 'Beta').getByRole('checkbox').check();
  await expect(todoItem(page, 'Beta')).toHaveCount(0);
  await expectFocused(todoItem(page, 'Alpha').getByRole('checkbox'));

  // Navigation: each page's main heading.
  await page.getByRole('link', { name: 'Profile' }).click();
  await expectFocused(mainHeading(page, 'Your profile'));
  await page.getByRole('link', { name: 'Sessions' }).click();
  await expectFocused(mainHeading(page, 'Your sessions'));
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expectFocused(mainHeading(page, 'Sign in'));
  await page.getByRole('link', { name: 'Create one' }).click();
  await expectFocused(mainHeading(page, 'Create an account'));
});

test('focus after a failed submit: the first invalid field, for the client’s checks and the server’s', async ({
  page,
  baseURL,
}) => {
  await page.goto('/#/register');
  const create = page.getByRole('button', { name: 'Create account' });
  await create.focus();
  await page.keyboard.press('Enter');
  await expectFocused(page.getByLabel('Email'));
  await page.getByLabel('Email').fill('someone@example.com');
  await create.click();
  await expectFocused(page.getByLabel('Password', { exact: true })); // the first one still invalid

  const taken = newUser();
  await registerApi(baseURL!, taken);
  await page.getByLabel('Email').fill(taken.email);
  await page.getByLabel('Password', { exact: true }).fill('Another-Staple-77-river');
  await create.click();
  await expect(page.getByText('A user with this email already exists.')).toBeVisible();
  await expectFocused(page.getByLabel('Email'));

  // The profile's password form: the server's answer is about the current password.
  await registerUi(page, newUser());
  await page.getByRole('link', { name: 'Profile' }).click();
  await page.getByLabel('Current password').fill('not-my-password');
  await page.getByLabel('New password', { exact: true }).fill('Another-Staple-77-river');
  await page.getByLabel('Confirm new password').fill('Another-Staple-77-river');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByLabel('Current password')).toHaveAttribute('aria-invalid', 'true');
  await expectFocused(page.getByLabel('Current password'));
});

/** An account with three sessions: 'Old desktop' and 'Tablet' through the API, then `page` unnamed. */
async function threeSessions(page: Page, baseURL: string) {
  const user = newUser();
  await registerApi(baseURL, user, 'Old desktop');
  await loginApi(baseURL, user, 'Tablet');
  await loginToTodos(page, user, ''); // no name typed
  await openSessionsPage(page);
  await expect(page.getByTestId('session')).toHaveCount(3);
  return page.getByTestId('session');
}

test('devices: an unnamed one is named from its User-Agent like the named ones are described; renaming this one is remembered', async ({
  page,
  baseURL,
}) => {
  const rows = await threeSessions(page, baseURL!);
  const mine = rows.first();
  await expect(mine.locator('.session-device')).toHaveText('Chrome on Linux');
  await expect(mine.locator('.session-ua')).toHaveCount(0); // nothing to add to the name
  await expect(page.locator('main')).not.toContainText('Mozilla/5.0');
  await shoot(page, 'sessions');

  await mine.getByRole('button', { name: 'Rename Chrome on Linux (this device)' }).click();
  await page.getByLabel('New name for Chrome on Linux').fill('Kitchen computer');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(mine.locator('.session-device')).toHaveText('Kitchen computer');
  await expect(mine.locator('.session-ua')).toHaveText('Chrome on Linux');
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expectSignedOut(page, 'You have signed out.');
  await expect(page.getByLabel('Device name (optional)')).toHaveValue('Kitchen computer');
});

test('the questions that ask first are one block under their action, at 1280 px and 390 px', async ({
  page,
  baseURL,
}) => {
  const rows = await threeSessions(page, baseURL!);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const others = page.getByRole('region', { name: 'Sign out all other devices' });
    const othersButton = others.getByRole('button', { name: 'Sign out all other devices', exact: true });
    await othersButton.click();
    await expectQuestionUnder(othersButton, others);
    const everywhere = page.getByRole('region', { name: 'Sign out everywhere' });
    const everywhereButton = everywhere.getByRole('button', { name: 'Sign out everywhere', exact: true });
    await everywhereButton.click();
    await expectQuestionUnder(everywhereButton, everywhere);
    const tablet = rows.filter({ hasText: 'Tablet' });
    const end = tablet.getByRole('button', { name: 'End session on Tablet' });
    // "End session" keeps the size of its label, whatever the width.
    expect((await end.boundingBox())!.width).toBeLessThan((await tablet.boundingBox())!.width / 2);
    await end.click();
    await expectQuestionUnder(end, tablet);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SHOTS}/ux-sessions-questions-${width}.png`, fullPage: true });
    const cancels = page.getByRole('button', { name: 'Cancel' });
    while ((await cancels.count()) > 0) await cancels.first().click();
  }
});

test('ending a session focuses the next one; every word for leaving is "sign out"', async ({
  page,
  baseURL,
}) => {
  const rows = await threeSessions(page, baseURL!);
  const names = await rows.locator('.session-device').allTextContents();
  const [middle, next] = [names[1]!, names[2]!];
  await rows
    .filter({ hasText: middle })
    .getByRole('button', { name: `End session on ${middle}` })
    .click();
  await rows.filter({ hasText: middle }).getByRole('button', { name: 'Yes, end it' }).click();
  await expect(rows).toHaveCount(2);
  await expectFocused(rows.filter({ hasText: next }).getByRole('button', { name: `Rename ${next}` }));

  // Signing the others out removes its own button: the focus goes to what happened.
  await page.getByRole('button', { name: 'Sign out all other devices', exact: true }).click();
  await page.getByRole('button', { name: 'Yes, sign them out' }).click();
  await expectFocused(page.getByText('Every other device has been signed out.'));

  const noLog = /\blog(ged)? ?(out|in)\b/i;
  await expect(page.locator('body')).not.toContainText(noLog);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expectSignedOut(page, 'You have signed out.');
  await expect(page.locator('body')).not.toContainText(noLog);
});

/** The question of a ConfirmButton: as wide as its card or row, left-aligned, under `opener`. */
async function expectQuestionUnder(opener: Locator, scope: Locator) {
  const question = scope.getByRole('group');
  await expect(question).toBeVisible();
  const q = (await question.boundingBox())!;
  const s = (await scope.boundingBox())!;
  expect(q.width, 'the question spans its card or row').toBeGreaterThan(s.width * 0.8);
  const text = question.locator('.confirm-question');
  expect(await text.evaluate((el) => getComputedStyle(el).textAlign)).toMatch(/start|left/);
  const a = (await opener.boundingBox())!;
  expect(q.y, 'the question starts below its button').toBeGreaterThanOrEqual(a.y + a.height - 1);
}

test('the device name is remembered between sign-ins on this browser', async ({ page, baseURL }) => {
  const user = await accountLoggedIn(page, baseURL!, 'Work laptop');
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expectLoginPage(page);
  await expect(page.getByLabel('Device name (optional)')).toHaveValue('Work laptop');
  await page.reload();
  await expect(page.getByLabel('Device name (optional)')).toHaveValue('Work laptop');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expectTodosPage(page);
  await openSessionsPage(page);
  await expect(page.getByTestId('session').first().locator('.session-device')).toHaveText('Work laptop');
  await shoot(page, 'sessions-named');
});

test('length limits show before they cut: a counter near the limit, then the limit itself', async ({
  page,
}) => {
  await registerUi(page, newUser());
  const field = page.getByLabel('New todo', { exact: true });
  await field.fill('x'.repeat(150));
  await expect(page.getByTestId('char-count')).toHaveCount(0); // far from the limit: nothing
  await field.fill('x'.repeat(170));
  await expect(page.getByTestId('char-count')).toHaveText('170 of 200 characters');
  await expect(field).toHaveAttribute('aria-describedby', 'new-todo-title-count');
  await field.fill('y'.repeat(260)); // a paste longer than the limit
  await expect(field).toHaveValue('y'.repeat(200));
  await expect(page.getByTestId('char-count')).toHaveText('200 of 200 characters: the limit.');
  await shoot(page, 'todos-limit');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.locator('.todo-title')).toHaveText('y'.repeat(200));
  await expect(page.getByTestId('char-count')).toHaveCount(0);

  // The editor and the sign-in form read their limits from the same schema.
  await page.getByTestId('todo').getByRole('button', { name: 'Edit', exact: true }).click();
  await expect(page.getByLabel('Title', { exact: true })).toHaveAttribute('maxlength', '200');
  await expect(page.getByTestId('char-count')).toHaveText('200 of 200 characters: the limit.');
  await expect(page.getByTestId('todo-editor').getByLabel('Description')).toHaveAttribute(
    'maxlength',
    '5000',
  );
  await shoot(page, 'todos-editor');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByLabel('Device name (optional)')).toHaveAttribute('maxlength', '100');
  await page.getByLabel('Device name (optional)').fill('d'.repeat(90));
  await expect(page.getByTestId('char-count')).toHaveText('90 of 100 characters');
  await shoot(page, 'sign-in-counter');
});

test('screenshots of the other changed pages', async ({ page, baseURL }) => {
  await page.goto('/#/login');
  await shoot(page, 'sign-in');
  await page.goto('/#/forgot-password');
  await shoot(page, 'forgot-password');
  await page.goto('/#/reset-password?uid=MQ&token=x');
  await shoot(page, 'reset-password');
  await accountLoggedIn(page, baseURL!);
  await addTodo(page, 'Buy milk');
  await addTodo(page, 'Write the report');
  await todoItem(page, 'Write the report').getByRole('button', { name: 'Delete “Write the report”' }).click();
  await shoot(page, 'todos-question');
  await page.getByRole('link', { name: 'Profile' }).click();
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Profile saved.')).toBeVisible();
  await shoot(page, 'profile-saved');
  // The notice is about what was saved: an edit makes it false, so it goes.
  await page.getByLabel('First name').fill('Grace');
  await expect(page.getByText('Profile saved.')).toHaveCount(0);
});

test('focus on the reset pages: the confirmation after "Send me a link", the explanation of a dead link', async ({
  page,
  baseURL,
}) => {
  const user = await newAccount(baseURL!);
  await page.goto('/#/forgot-password');
  await page.getByLabel('Email').fill(user.email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  // The form and its button are gone: the focus is on what happened, not on <body>.
  await expect(page.getByTestId('reset-requested')).toBeFocused();
  await expect(page.locator(':focus')).toContainText(`If an account exists for ${user.email}`);

  // A link the server refuses: after the submit, the explanation takes the focus.
  await page.goto('/#/reset-password?uid=MQ&token=not-a-token');
  await page.getByLabel('New password', { exact: true }).fill('a-Strong-passw0rd-9');
  await page.getByLabel('Confirm new password').fill('a-Strong-passw0rd-9');
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByTestId('reset-link-invalid')).toBeFocused();
  await expect(page.locator(':focus')).toContainText('invalid or has expired');

  // A link dead from the start, opened from a mail (a fresh load) ...
  await page.goto('about:blank');
  await page.goto('/#/reset-password?uid=MQ&token=abc-1&outdated');
  await expect(page.getByTestId('reset-link-invalid')).toBeFocused();
  await expect(page.locator(':focus')).toContainText('comes from an older mail');
  // ... and reached from another page of the client: the explanation, not the heading.
  await page.goto('/#/login');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.evaluate(() => {
    window.location.hash = '#/reset-password';
  });
  await expect(page.getByTestId('reset-link-invalid')).toBeFocused();
  await expect(page.locator(':focus')).toContainText('incomplete');

  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  expect(results.violations.map((v) => v.id)).toEqual([]);
});
