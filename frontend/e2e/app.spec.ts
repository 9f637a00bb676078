import {
  addTodo,
  expect,
  expectCount,
  expectTodosPage,
  newUser,
  registerApi,
  registerUi,
  test,
  todoItem,
  tokens,
  jwtPayload,
} from './fixtures';

test('serves the built app under a strict CSP', async ({ request }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
  expect(html).not.toMatch(/<style|style="/); // no inline style
  const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)![1]!;
  const js = await request.get(asset);
  expect(js.status()).toBe(200);
  expect(js.headers()['content-type']).toMatch(/javascript/);
  expect(response.headers()['content-security-policy']).toMatch(/script-src 'self'/);
});

test('register and manage todos; deleting asks first', async ({ page }) => {
  const user = newUser();
  await registerUi(page, user, { first: 'Edith', last: 'Tester' }, 'Laptop');
  await expect(page.getByTestId('user-name')).toHaveText('Edith Tester');
  const { access } = await tokens(page);
  const claims = jwtPayload(access!);
  expect(claims.exp - claims.iat, 'the server ignored ACCESS_TOKEN_LIFETIME_SECONDS').toBe(2);

  for (const title of ['Buy milk', 'Write report', 'Call Alice']) await addTodo(page, title);
  await expectCount(page, 'all', 3);

  await todoItem(page, 'Buy milk').getByRole('checkbox').check();
  await expectCount(page, 'done', 1);
  await page.getByRole('button', { name: /^Done/ }).click();
  await expect(page.getByTestId('todo')).toHaveCount(1);
  await page.getByRole('button', { name: /^Active/ }).click();
  await expect(page.getByTestId('todo')).toHaveCount(2);
  await page.getByRole('button', { name: /^All/ }).click();

  await todoItem(page, 'Write report').getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Title', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Give the todo a title.')).toBeVisible();
  await expect(page.getByLabel('Title', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Title', { exact: true }).fill('Write the report');
  await expect(page.getByText('Give the todo a title.')).toHaveCount(0); // stale message gone on edit
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(todoItem(page, 'Write the report')).toBeVisible();

  // Delete asks first: Cancel keeps the todo (and gives focus back), confirming deletes it.
  const alice = todoItem(page, 'Call Alice');
  await alice.getByRole('button', { name: 'Delete “Call Alice”' }).click();
  await expect(alice.getByText('Delete “Call Alice”? This cannot be undone.')).toBeVisible();
  await expect(alice.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await alice.getByRole('button', { name: 'Cancel' }).click();
  await expect(alice.getByRole('button', { name: 'Delete “Call Alice”' })).toBeFocused();
  await expectCount(page, 'all', 3);
  await alice.getByRole('button', { name: 'Delete “Call Alice”' }).click();
  await page.keyboard.press('Escape');
  await expect(alice.getByRole('button', { name: 'Yes, delete' })).toHaveCount(0);
  await alice.getByRole('button', { name: 'Delete “Call Alice”' }).click();
  await alice.getByRole('button', { name: 'Yes, delete' }).click();
  await expect(alice).toHaveCount(0);
  await expectCount(page, 'all', 2);

  await page.getByLabel('Search todos').fill('milk');
  await expect(page.getByTestId('todo')).toHaveCount(1);
  await expect(page.locator('[data-testid=todo] .todo-title')).toHaveText(['Buy milk']);
  await page.getByLabel('Search todos').fill('');
  await expect(page.getByTestId('todo')).toHaveCount(2);
  // Relative dates with the exact time on hover.
  await expect(todoItem(page, 'Buy milk').locator('time')).toHaveText(/just now|minute/);
  await expect(todoItem(page, 'Buy milk').locator('time')).toHaveAttribute('title', /\d/);
});

test('register shows every error at once, and a field’s stale error goes when it is edited', async ({
  page,
  baseURL,
}) => {
  await page.goto('/#/register');
  await page.getByRole('button', { name: 'Create account' }).click();
  const email = page.getByLabel('Email');
  const password = page.getByLabel('Password', { exact: true });
  await expect(email).toHaveAttribute('aria-invalid', 'true');
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Enter your email address.')).toBeVisible();
  await expect(page.getByText('Enter your password.')).toBeVisible();
  // The message is what describes the input.
  const describedBy = (await email.getAttribute('aria-describedby'))!.split(' ');
  const texts = await Promise.all(describedBy.map((id) => page.locator(`[id="${id}"]`).textContent()));
  expect(texts).toContain('Enter your email address.');

  await email.fill('someone@example.com');
  await expect(page.getByText('Enter your email address.')).toHaveCount(0);
  await expect(email).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Enter your password.')).toBeVisible(); // the other field keeps its own

  // The server's answer lands on its field, and goes when that field is edited.
  const taken = newUser();
  await registerApi(baseURL!, taken);
  await email.fill(taken.email);
  await password.fill('Another-Staple-77-river');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('A user with this email already exists.')).toBeVisible();
  await expect(email).toHaveAttribute('aria-invalid', 'true');
  await expect(password).not.toHaveAttribute('aria-invalid', 'true');

  await email.fill(newUser().email);
  await expect(page.getByText('A user with this email already exists.')).toHaveCount(0);
  await password.fill('password123');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('This password is too common.')).toBeVisible();
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await password.fill('Another-Staple-77-river');
  await expect(page.getByText('This password is too common.')).toHaveCount(0);

  await page.getByRole('button', { name: 'Create account' }).click();
  await expectTodosPage(page);
});
