// Silent refresh: one refresh for a burst of calls, per tab and across tabs.
import {
  addTodo,
  clickReload,
  clickReloadTogether,
  expect,
  expectLoginPage,
  expectTodosPage,
  loginToTodos,
  newAccount,
  openTodosTab,
  test,
  todoItem,
  tokens,
  trackApi,
  waitForAccessExpiry,
  waitForApiIdle,
} from './fixtures';

test('expired access token: a burst of parallel calls makes exactly one refresh', async ({
  page,
  context,
  baseURL,
}) => {
  const user = await newAccount(baseURL!);
  const api = trackApi(context);
  await loginToTodos(page, user, 'Laptop');
  await waitForApiIdle(api);
  const before = await tokens(page);
  await waitForAccessExpiry(page);
  api.reset();

  await clickReload(page); // the profile, the list and three counts at once
  await waitForApiIdle(api);

  const burst = api.calls.filter((c) => c.path !== '/api/auth/refresh/');
  expect(burst.length, api.timeline()).toBeGreaterThanOrEqual(4);
  expect(api.refreshRequests, api.timeline()).toBe(1);
  expect(
    burst.filter((c) => c.status >= 400),
    api.timeline(),
  ).toEqual([]);
  expect((await tokens(page)).refresh).not.toBe(before.refresh);
  await addTodo(page, 'Added after the refresh');
});

test('server 401s (client clock behind): one refresh, each call retried once', async ({
  newDevice,
  baseURL,
}) => {
  const user = await newAccount(baseURL!);
  const page = await newDevice();
  const api = trackApi(page.context());
  // A device whose clock runs a minute late believes an expired access token still valid.
  await page.clock.setSystemTime(Date.now() - 60_000);
  await loginToTodos(page, user, 'Late clock');
  await waitForApiIdle(api);
  await waitForAccessExpiry(page);
  api.reset();

  await clickReload(page);
  await waitForApiIdle(api);

  const calls = api.calls.filter((c) => c.path !== '/api/auth/refresh/');
  const rejected = calls.filter((c) => c.status === 401);
  const retried = calls.filter((c) => c.status === 200);
  expect(rejected.length, api.timeline()).toBeGreaterThanOrEqual(4);
  expect(retried.length, api.timeline()).toBe(rejected.length);
  expect(api.refreshRequests, api.timeline()).toBe(1);
  await expectTodosPage(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectLoginPage(page);
});

test('two tabs refreshing at the same moment keep the session', async ({ page, context, baseURL }) => {
  const user = await newAccount(baseURL!);
  const api = trackApi(context);
  await loginToTodos(page, user, 'Laptop');
  const page2 = await openTodosTab(context);
  expect(await page2.evaluate(() => typeof navigator.locks?.request)).toBe('function');

  for (let round = 1; round <= 2; round += 1) {
    await waitForApiIdle(api);
    await waitForAccessExpiry(page);
    await waitForApiIdle(api);
    api.reset();
    await clickReloadTogether([page, page2]);
    await waitForApiIdle(api);
    expect(api.calls.filter((c) => c.path === '/api/users/me/').length).toBeGreaterThanOrEqual(2);
    expect(api.refreshRequests, `round ${round}:\n${api.timeline()}`).toBe(1);
    expect(
      api.calls.filter((c) => c.status === 401),
      `round ${round}`,
    ).toEqual([]);
  }

  await addTodo(page2, 'From tab two');
  await clickReload(page);
  await expect(todoItem(page, 'From tab two')).toBeVisible();
  await page.goto('/#/sessions');
  await expect(page.getByTestId('session')).toHaveCount(1); // two tabs, one session
});
