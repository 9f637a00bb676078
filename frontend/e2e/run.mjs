// End-to-end test: the built app, served by the real Django backend, in real Chromium.
//
//   npm run e2e      (from frontend/; needs ../manage.py and ../.venv/bin/python)
//
// Builds the app, starts `manage.py runserver` on a free loopback port with a fresh SQLite
// database and 2-second access tokens, runs the scenarios below in order (each builds on the
// previous one's state), stops the server whatever happens, and prints
// "e2e: N passed, N failed[, N skipped]". Screenshots and the server log go to test-artifacts/.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import {
  ACCESS_LIFETIME_SECONDS,
  ARTIFACTS,
  buildApp,
  launchBrowser,
  log,
  prepareArtifacts,
  startDjango,
  stopAll,
} from './harness.mjs';
import {
  addTodo,
  clickReload,
  clickReloadTogether,
  expectCount,
  expectLoginPage,
  expectTodosPage,
  jwtPayload,
  login,
  register,
  screenshot,
  todoItem,
  tokens,
  trackApi,
  visibleTodoTitles,
  waitForAccessExpiry,
  waitForApiIdle,
} from './app.mjs';
import { dpopStolenTokensAreUselessElsewhere } from './dpop.mjs';

const TOTAL_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 300_000);

const results = [];
const problems = []; // CSP violations and page errors, collected from every page
const state = {};

const user = {
  email: `e2e-${Date.now()}@example.com`,
  password: 'Correct-Horse-42-battery',
  newPassword: 'Another-Staple-77-river',
  firstName: 'Edith',
  lastName: 'Tester',
};

// Each scenario: a name and a function. A failure skips the rest (they depend on its state).
const scenarios = [
  ['serves the built app under a strict CSP', async ({ baseUrl }) => {
    const response = await fetch(`${baseUrl}/`);
    const html = await response.text();
    assert.equal(response.status, 200, 'GET / must return the app');
    assert.match(html, /<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/, 'GET / is not frontend/dist/index.html');
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'inline <script> in the served page');
    assert.doesNotMatch(html, /<style\b/, 'inline <style> in the served page');
    const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)[1];
    const js = await fetch(`${baseUrl}${asset}`);
    assert.equal(js.status, 200, `${asset} is not served`);
    assert.match(js.headers.get('content-type') ?? '', /javascript/, `${asset} has the wrong Content-Type`);
    const csp = response.headers.get('content-security-policy');
    if (!csp) log('WARNING: GET / has no Content-Security-Policy header (the Django side should send it)');
    else {
      log(`CSP: ${csp}`);
      assert.match(csp, /script-src 'self'/);
    }
  }],

  ['register and manage todos', async ({ browser, baseUrl }) => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    state.ctx1 = context;
    state.api1 = trackApi(context, problems, 'device 1');
    const page = await context.newPage();
    state.page1 = page;
    await register(page, baseUrl, { ...user, device: 'Laptop' });
    await page.getByTestId('user-name').filter({ hasText: `${user.firstName} ${user.lastName}` }).waitFor();

    const { access } = await tokens(page);
    const claims = jwtPayload(access);
    assert.equal(claims.exp - claims.iat, ACCESS_LIFETIME_SECONDS, 'the backend ignored ACCESS_TOKEN_LIFETIME_SECONDS');

    for (const title of ['Buy milk', 'Write report', 'Call Alice']) await addTodo(page, title);
    await expectCount(page, 'all', 3);

    await todoItem(page, 'Buy milk').getByRole('checkbox').check();
    await expectCount(page, 'done', 1);
    await page.getByRole('button', { name: /^Done/ }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=todo]').length === 1);
    assert.deepEqual(await visibleTodoTitles(page), ['Buy milk']);
    await page.getByRole('button', { name: /^Active/ }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=todo]').length === 2);
    await page.getByRole('button', { name: /^All/ }).click();

    const report = todoItem(page, 'Write report');
    await report.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Write the report');
    await page.getByRole('button', { name: 'Save' }).click();
    await todoItem(page, 'Write the report').waitFor();

    await todoItem(page, 'Call Alice').getByRole('button', { name: 'Delete' }).click();
    await todoItem(page, 'Call Alice').waitFor({ state: 'detached' });
    await expectCount(page, 'all', 2);

    await page.getByLabel('Search todos').fill('milk');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=todo]').length === 1);
    assert.deepEqual(await visibleTodoTitles(page), ['Buy milk']);
    await page.getByLabel('Search todos').fill('');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=todo]').length === 2);
    await screenshot(page, '01-todos');
  }],

  ['expired access token: a burst of parallel calls makes exactly one refresh', async () => {
    const { page1: page, api1: api } = state;
    await waitForApiIdle(api);
    const before = await tokens(page);
    await waitForAccessExpiry(page);
    await waitForApiIdle(api);
    api.reset();

    await clickReload(page); // refetches the profile, the list and three counts at once
    await waitForApiIdle(api);

    const burst = api.calls.filter((c) => c.path !== '/api/auth/refresh/');
    assert.ok(burst.length >= 4, `expected a burst of at least 4 API calls, saw ${burst.length}`);
    assert.equal(api.refreshRequests, 1, `expected exactly 1 refresh, saw ${api.refreshRequests}:\n${api.timeline()}`);
    assert.deepEqual(api.refreshResponses().map((c) => c.status), [200]);
    assert.deepEqual(burst.filter((c) => c.status >= 400), [], 'a call of the burst failed');
    const after = await tokens(page);
    assert.notEqual(after.refresh, before.refresh, 'the refresh token was not rotated');

    await addTodo(page, 'Added after the refresh');
    await expectTodosPage(page);
    log(`burst: ${burst.length} calls, ${api.refreshRequests} refresh`);
  }],

  ['server 401s (client clock behind): one refresh, each call retried once', async ({ browser, baseUrl }) => {
    // A device whose clock runs a minute late believes an expired access token is still
    // valid, so the server's 401 (not the exp check) has to trigger the refresh. Playwright's
    // clock is per browser context, hence a context of its own.
    const context = await browser.newContext();
    const api = trackApi(context, problems, 'late clock');
    await context.clock.setSystemTime(Date.now() - 60_000);
    const page = await context.newPage();
    await login(page, baseUrl, { email: user.email, password: user.password, device: 'Late clock' });
    await waitForApiIdle(api);
    await waitForAccessExpiry(page); // compares exp with the real time
    api.reset();

    await clickReload(page);
    await waitForApiIdle(api);

    const calls = api.calls.filter((c) => c.path !== '/api/auth/refresh/');
    const rejected = calls.filter((c) => c.status === 401);
    const retried = calls.filter((c) => c.status === 200);
    assert.ok(rejected.length >= 4, `expected the burst to meet 401s, saw:\n${api.timeline()}`);
    assert.equal(retried.length, rejected.length, `each 401 must be retried once:\n${api.timeline()}`);
    assert.equal(api.refreshRequests, 1, `expected exactly 1 refresh, saw ${api.refreshRequests}:\n${api.timeline()}`);
    assert.deepEqual(api.refreshResponses().map((c) => c.status), [200]);
    await expectTodosPage(page);
    log(`401 burst: ${rejected.length} rejected, ${retried.length} retried, ${api.refreshRequests} refresh`);

    await page.getByRole('button', { name: 'Log out' }).click(); // ends this extra session
    await expectLoginPage(page);
    await context.close();
  }],

  ['two tabs refreshing at the same moment keep the session', async ({ baseUrl }) => {
    const { ctx1: context, page1, api1: api } = state;
    const page2 = await context.newPage();
    state.page2 = page2;
    await page2.goto(`${baseUrl}/#/todos`);
    await expectTodosPage(page2);
    // The cross-tab single flight relies on Web Locks (secure contexts only; 127.0.0.1 is one).
    assert.equal(await page2.evaluate(() => typeof navigator.locks?.request), 'function', 'navigator.locks is missing');

    for (let round = 1; round <= 2; round += 1) {
      await waitForApiIdle(api); // page loads may still be refreshing: wait for the newest token
      await waitForAccessExpiry(page1);
      await waitForApiIdle(api);
      api.reset();
      await clickReloadTogether([page1, page2]);
      await waitForApiIdle(api);
      const perTab = api.calls.filter((c) => c.path === '/api/users/me/').length;
      assert.ok(perTab >= 2, `both tabs should have reloaded (saw ${perTab} profile calls)`);
      assert.equal(api.refreshRequests, 1, `round ${round}: expected exactly 1 refresh for two tabs, saw ${api.refreshRequests}:\n${api.timeline()}`);
      assert.deepEqual(api.calls.filter((c) => c.status === 401), [], `round ${round}: got a 401`);
      log(`two tabs, round ${round}: ${api.calls.length} calls, ${api.refreshRequests} refresh`);
    }

    // Both tabs keep working on the same session.
    await addTodo(page2, 'From tab two');
    await clickReload(page1);
    await todoItem(page1, 'From tab two').waitFor();
    await expectTodosPage(page2);
    await page1.goto(`${baseUrl}/#/sessions`);
    await page1.getByTestId('session').first().waitFor();
    assert.equal(await page1.getByTestId('session').count(), 1, 'two tabs must share one session');
    await screenshot(page2, '02-second-tab');
  }],

  ['revoking another device sends it to the login screen', async ({ browser, baseUrl }) => {
    const { page1 } = state;
    // A phone: another browser context (own localStorage), so another session.
    const phone = await browser.newContext({ viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true });
    state.ctx2 = phone;
    state.api2 = trackApi(phone, problems, 'device 2');
    const page3 = await phone.newPage();
    state.page3 = page3;
    await login(page3, baseUrl, { email: user.email, password: user.password, device: 'Second device' });
    await todoItem(page3, 'From tab two').waitFor();
    await screenshot(page3, '03-mobile-todos');

    await clickReload(page1);
    const row = page1.getByTestId('session').filter({ hasText: 'Second device' });
    await row.waitFor();
    assert.equal(await page1.getByTestId('session').filter({ hasText: 'This device' }).count(), 1);
    await screenshot(page1, '04-sessions');
    await row.getByRole('button', { name: /^Revoke/ }).click();
    await row.waitFor({ state: 'detached' });

    await clickReload(page3); // its next call: 401, refresh refused, login screen
    await expectLoginPage(page3);
    await page3.getByText('Your session has ended').waitFor();
    assert.deepEqual(await tokens(page3), { access: null, refresh: null });
    await screenshot(page3, '05-revoked-device');

    await clickReload(page1);
    await page1.getByTestId('session').first().waitFor();
    await expectLoginPage(page1, 1_000).then(
      () => assert.fail('the revoking device was logged out too'),
      () => undefined,
    );
  }],

  ['profile names and password change (other devices logged out)', async ({ baseUrl }) => {
    const { page1, page3 } = state;
    await login(page3, baseUrl, { email: user.email, password: user.password, device: 'Second device' });

    await page1.goto(`${baseUrl}/#/profile`);
    await page1.getByLabel('First name').fill('Ada');
    await page1.getByLabel('Last name').fill('Lovelace');
    await page1.getByRole('button', { name: 'Save profile' }).click();
    await page1.getByText('Profile saved.').waitFor();
    await page1.getByTestId('user-name').filter({ hasText: 'Ada Lovelace' }).waitFor();

    const before = await tokens(page1);
    await page1.getByLabel('Current password').fill(user.password);
    await page1.getByLabel('New password', { exact: true }).fill(user.newPassword);
    await page1.getByLabel('Confirm new password').fill(user.newPassword);
    await page1.getByRole('button', { name: 'Change password' }).click();
    await page1.getByText('Password changed.').waitFor();
    const after = await tokens(page1);
    assert.notEqual(after.refresh, before.refresh, 'password change must store the new session pair');
    await screenshot(page1, '06-profile');

    await clickReload(page3);
    await expectLoginPage(page3);
    await login(page3, baseUrl, { email: user.email, password: user.password, device: 'Second device' }, { expectSuccess: false });
    await page3.getByText('Wrong email or password.').waitFor();
    await login(page3, baseUrl, { email: user.email, password: user.newPassword, device: 'Second device' });

    // This device kept working through the change, in both of its tabs.
    await page1.goto(`${baseUrl}/#/todos`);
    await todoItem(page1, 'Buy milk').waitFor();
    await clickReload(state.page2);
    await expectTodosPage(state.page2);
  }],

  ['log out everywhere', async () => {
    const { page1, page2, page3 } = state;
    await page1.getByRole('link', { name: 'Sessions' }).click();
    await page1.getByTestId('session').filter({ hasText: 'Second device' }).waitFor();
    await page1.getByRole('button', { name: 'Log out everywhere' }).click();
    await page1.getByRole('button', { name: 'Yes, log out everywhere' }).click();
    await expectLoginPage(page1);
    await page1.getByText('You have been logged out on every device.').waitFor();
    await expectLoginPage(page2); // same browser: follows through the storage event
    await clickReload(page3); // another device: on its next call
    await expectLoginPage(page3);
    for (const page of [page1, page2, page3]) assert.deepEqual(await tokens(page), { access: null, refresh: null });
  }],

  ['log out clears the tokens and revokes the session', async ({ baseUrl }) => {
    const { page1, page2 } = state;
    await login(page1, baseUrl, { email: user.email, password: user.newPassword, device: 'Laptop' });
    await expectTodosPage(page2); // the other tab follows the login too
    const { refresh } = await tokens(page1);
    await page1.getByRole('button', { name: 'Log out' }).click();
    await expectLoginPage(page1);
    await expectLoginPage(page2);
    const stored = await page1.evaluate(() => Object.entries(localStorage));
    assert.deepEqual(stored.filter(([k, v]) => k.startsWith('auth') || /eyJ/.test(v)), [], 'a token is left in localStorage');
    const reuse = await fetch(`${baseUrl}/api/auth/refresh/`, { method: 'POST', headers: { Authorization: `Bearer ${refresh}` } });
    assert.equal(reuse.status, 401, 'the logged-out refresh token still works');
    await screenshot(page1, '07-logged-out');
  }],

  ['DPoP: tokens copied out of the page are refused elsewhere; the page keeps working', ({ browser, baseUrl }) =>
    dpopStolenTokensAreUselessElsewhere({ browser, baseUrl, problems })],

  ['no CSP violations or page errors', async () => {
    assert.deepEqual(problems, []);
  }],
];

async function main() {
  const hardStop = setTimeout(async () => {
    console.error(`[e2e] total time limit (${TOTAL_TIMEOUT_MS} ms) reached: stopping`);
    await stopAll();
    const passed = results.filter((r) => r.status === 'passed').length;
    console.log(`e2e: ${passed} passed, 1 failed`); // the scenario cut short
    process.exit(1);
  }, TOTAL_TIMEOUT_MS);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, async () => {
      await stopAll();
      process.exit(130);
    });
  }

  let setupError = null;
  try {
    prepareArtifacts();
    buildApp();
    const baseUrl = await startDjango();
    const browser = await launchBrowser();
    let failed = false;
    for (const [name, run] of scenarios) {
      if (failed) {
        results.push({ name, status: 'skipped' });
        continue;
      }
      const started = Date.now();
      try {
        await run({ browser, baseUrl });
        results.push({ name, status: 'passed' });
        log(`PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (error) {
        failed = true;
        results.push({ name, status: 'failed' });
        log(`FAIL ${name}: ${error?.stack ?? error}`);
        for (const [key, page] of Object.entries(state)) {
          if (key.startsWith('page')) await page.screenshot({ path: resolve(ARTIFACTS, `failure-${key}.png`) }).catch(() => undefined);
        }
      }
    }
  } catch (error) {
    setupError = error;
    console.error(`[e2e] setup failed: ${error?.stack ?? error}`);
  } finally {
    await stopAll();
    clearTimeout(hardStop);
  }

  const count = (status) => results.filter((r) => r.status === status).length;
  const failedCount = count('failed') + (setupError ? 1 : 0);
  const skipped = count('skipped');
  if (problems.length) console.error(`[e2e] browser problems:\n  ${problems.join('\n  ')}`);
  console.log(`e2e: ${count('passed')} passed, ${failedCount} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failedCount ? 1 : 0);
}

await main();
