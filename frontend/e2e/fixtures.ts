/**
 * Shared helpers of the browser specs: users and devices, the app's API traffic, tokens.
 *
 * `test` here fails any test during which a page of its browser contexts reported a script
 * error or a Content-Security-Policy violation (the app runs under Django's strict CSP).
 */
import AxeBuilder from '@axe-core/playwright';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  expect,
  test as base,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
} from '@playwright/test';

export { expect };

/** The app keeps both tokens in this one localStorage item (see src/api/tokens.ts). */
export const TOKENS_KEY = 'auth.tokens';
export const PASSWORD = 'Correct-Horse-42-battery';

export interface User {
  email: string;
  password: string;
}

let serial = 0;
export function newUser(): User {
  serial += 1;
  return { email: `e2e-${Date.now()}-${serial}@example.com`, password: PASSWORD };
}

function watch(context: BrowserContext, problems: string[]) {
  const onPage = (page: Page) => {
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to (load|execute|apply)/i.test(message.text())) {
        problems.push(`CSP violation: ${message.text()}`);
      }
    });
  };
  context.pages().forEach(onPage);
  context.on('page', onPage);
}

interface Fixtures {
  problems: string[];
  /** Another device: a new browser context (own localStorage, so its own session). */
  newDevice: (options?: Parameters<Browser['newContext']>[0]) => Promise<Page>;
}

export const test = base.extend<Fixtures>({
  problems: [
    async ({ context }, use) => {
      const problems: string[] = [];
      watch(context, problems);
      await use(problems);
      expect(problems, 'script errors or CSP violations in the page').toEqual([]);
    },
    { auto: true },
  ],
  newDevice: async ({ browser, baseURL, problems }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (options) => {
      const context = await browser.newContext({ baseURL, ...options });
      watch(context, problems);
      contexts.push(context);
      return context.newPage();
    });
    for (const context of contexts) await context.close();
  },
});

/** Registers through the API; returns the token response. */
export async function registerApi(baseURL: string, user: User, device = 'API device', userAgent?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (userAgent) headers['User-Agent'] = userAgent;
  const response = await fetch(`${baseURL}/api/auth/register/`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ ...user, device_name: device }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { access: string; refresh: string; session: { id: string } };
}

/** An account with no session left (registering logs in: that session is logged out here). */
export async function newAccount(baseURL: string): Promise<User> {
  const user = newUser();
  const { refresh } = await registerApi(baseURL, user);
  const response = await fetch(`${baseURL}/api/auth/logout/`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${refresh}` },
  });
  expect(response.status).toBe(204);
  return user;
}

/** Logs in through the API (another device); returns the token response. */
export async function loginApi(baseURL: string, user: User, device?: string, userAgent?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (userAgent) headers['User-Agent'] = userAgent;
  const response = await fetch(`${baseURL}/api/auth/login/`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ ...user, ...(device ? { device_name: device } : {}) }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { access: string; refresh: string; session: { id: string } };
}

function postRefresh(baseURL: string, refresh: string | null) {
  return fetch(`${baseURL}/api/auth/refresh/`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${refresh}` },
  });
}

/** Rotates a pair through the API; returns the new token response. */
export async function refreshApi(baseURL: string, refresh: string) {
  const response = await postRefresh(baseURL, refresh);
  expect(response.status).toBe(200);
  return (await response.json()) as { access: string; refresh: string };
}

/** The server refuses this refresh token: its session has ended. */
export async function expectRefreshRefused(baseURL: string, refresh: string | null) {
  expect((await postRefresh(baseURL, refresh)).status).toBe(401);
}

export async function expectTodosPage(page: Page) {
  await expect(page.getByRole('heading', { name: 'Your todos' })).toBeVisible();
}

export async function expectLoginPage(page: Page) {
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
}

export async function login(page: Page, user: User, device = '') {
  if (!page.url().includes('#/login')) await page.goto('/#/login');
  await expectLoginPage(page);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByLabel('Device name (optional)').fill(device);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Logs in through the form, which must succeed: waits for the todo list. */
export async function loginToTodos(page: Page, user: User, device = '') {
  await login(page, user, device);
  await expectTodosPage(page);
}

/** A new account (see newAccount) logged in on `page` as the device `device`. */
export async function accountLoggedIn(page: Page, baseURL: string, device = 'Laptop'): Promise<User> {
  const user = await newAccount(baseURL);
  await loginToTodos(page, user, device);
  return user;
}

/** Another tab of the same browser (same localStorage, so the same session), on the todo list. */
export async function openTodosTab(context: BrowserContext): Promise<Page> {
  const tab = await context.newPage();
  await tab.goto('/#/todos');
  await expectTodosPage(tab);
  return tab;
}

/** The sign-in page, telling why the device was signed out. */
export async function expectSignedOut(page: Page, notice: string | RegExp) {
  await expectLoginPage(page);
  await expect(page.getByTestId('sign-out-notice')).toHaveText(notice);
}

export async function openSessionsPage(page: Page) {
  await page.getByRole('link', { name: 'Sessions' }).click();
}

/**
 * On the sessions page, a button that asks first (ConfirmButton, inside `scope`): asks, checks
 * the question, cancels (nothing happens: `sessions` sessions still listed), asks again, confirms.
 */
export async function cancelThenConfirm(
  page: Page,
  scope: Page | Locator,
  labels: { button: string; question: string; confirm: string },
  sessions: number,
) {
  await scope.getByRole('button', { name: labels.button }).click();
  await expect(scope.getByText(labels.question)).toBeVisible();
  await scope.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('session')).toHaveCount(sessions);
  await scope.getByRole('button', { name: labels.button }).click();
  await scope.getByRole('button', { name: labels.confirm }).click();
}

export async function registerUi(
  page: Page,
  user: User,
  names = { first: 'Edith', last: 'Tester' },
  device = '',
) {
  await page.goto('/#/register');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByLabel('First name').fill(names.first);
  await page.getByLabel('Last name').fill(names.last);
  await page.getByLabel('Device name (optional)').fill(device);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expectTodosPage(page);
}

export async function tokens(page: Page): Promise<{ access: string | null; refresh: string | null }> {
  const raw = await page.evaluate((key) => localStorage.getItem(key), TOKENS_KEY);
  const pair = raw ? (JSON.parse(raw) as { access?: string; refresh?: string }) : {};
  return { access: pair.access ?? null, refresh: pair.refresh ?? null };
}

export function jwtPayload(token: string): { exp: number; iat: number } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sleeps until the stored access token's `exp` has passed (plus a margin). */
export async function waitForAccessExpiry(page: Page) {
  const { access } = await tokens(page);
  expect(access, 'no access token stored').toBeTruthy();
  const waitMs = jwtPayload(access!).exp * 1000 + 1_000 - Date.now();
  if (waitMs > 0) await sleep(waitMs);
}

export function todoItem(page: Page, title: string) {
  return page
    .getByTestId('todo')
    .filter({ has: page.locator('.todo-title', { hasText: new RegExp(`^${escape(title)}$`) }) });
}

function escape(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function addTodo(page: Page, title: string) {
  await page.getByLabel('New todo', { exact: true }).fill(title);
  // While the previous todo is saved the button is aria-disabled (it keeps the focus), and a
  // press is ignored: wait for it, as a user would.
  const add = page.getByRole('button', { name: 'Add', exact: true });
  await expect(add).not.toHaveAttribute('aria-disabled', 'true');
  await add.click();
  await expect(todoItem(page, title)).toBeVisible();
}

export async function expectCount(page: Page, filter: 'all' | 'active' | 'done', value: number) {
  await expect(page.getByTestId(`count-${filter}`)).toHaveText(String(value));
}

/** Counts the /api/ traffic of a context (every tab of it). */
export function trackApi(context: BrowserContext) {
  const tracker = {
    calls: [] as { method: string; path: string; status: number }[],
    inflight: 0,
    refreshRequests: 0,
    reset() {
      this.calls = [];
      this.refreshRequests = 0;
    },
    timeline() {
      return this.calls.map((c) => `  ${c.method} ${c.path} -> ${c.status}`).join('\n');
    },
  };
  const isApi = (url: string) => new URL(url).pathname.startsWith('/api/');
  context.on('request', (request) => {
    if (!isApi(request.url())) return;
    tracker.inflight += 1;
    if (new URL(request.url()).pathname === '/api/auth/refresh/') tracker.refreshRequests += 1;
  });
  const done = async (request: import('@playwright/test').Request, failed: boolean) => {
    if (!isApi(request.url())) return;
    const response = failed ? null : await request.response().catch(() => null);
    tracker.calls.push({
      method: request.method(),
      path: new URL(request.url()).pathname,
      status: response?.status() ?? 0,
    });
    tracker.inflight -= 1;
  };
  context.on('requestfinished', (request) => void done(request, false));
  context.on('requestfailed', (request) => void done(request, true));
  return tracker;
}

/** Waits until no API call of the context has been in flight for 300 ms. */
export async function waitForApiIdle(tracker: { inflight: number }, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let quietSince: number | null = null;
  for (;;) {
    if (tracker.inflight === 0) {
      quietSince ??= Date.now();
      if (Date.now() - quietSince >= 300) return;
    } else quietSince = null;
    if (Date.now() > deadline) throw new Error(`API calls still in flight after ${timeoutMs} ms`);
    await sleep(25);
  }
}

export async function clickReload(page: Page) {
  await page.getByTestId('reload').click();
}

/** Clicks "Reload" in several tabs at one agreed instant (a timer in each page, same clock). */
export async function clickReloadTogether(pages: Page[]) {
  const at = Date.now() + 400;
  await Promise.all(
    pages.map((page) =>
      page.evaluate((when) => {
        setTimeout(
          () => (document.querySelector('[data-testid=reload]') as HTMLElement | null)?.click(),
          Math.max(0, when - Date.now()),
        );
      }, at),
    ),
  );
  await sleep(Math.max(0, at - Date.now()) + 50);
}

// --- Mail -------------------------------------------------------------------------------------
// The test server writes every mail to a file of E2E_MAIL_DIR (Django's file backend, several
// mails per file possible), synchronously, before the request answers.

function mailsTo(address: string): { file: string; text: string; mtime: number }[] {
  const dir = process.env.E2E_MAIL_DIR;
  if (!dir) throw new Error('E2E_MAIL_DIR is not set (playwright.config.ts sets it)');
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((file) => ({ file, text: readFileSync(file, 'utf8'), mtime: statSync(file).mtimeMs }))
    .filter((mail) => mail.text.includes(address));
}

/** The link of the newest password-reset mail sent to `address` (waits a little for it). */
export async function resetLinkFor(address: string, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const links = mailsTo(address)
      .sort((a, b) => b.mtime - a.mtime || b.file.localeCompare(a.file))
      .map(
        (mail) => mail.text.match(/https?:\/\/\S+\/#\/reset-password\?uid=[^\s&"<>]+&token=[^\s"<>&]+/)?.[0],
      )
      .filter((link): link is string => !!link);
    if (links[0]) return links[0];
    if (Date.now() > deadline) throw new Error(`no reset mail to ${address} in ${process.env.E2E_MAIL_DIR}`);
    await sleep(100);
  }
}

/** How many mails with a reset link went to `address`. */
export function resetMailCount(address: string): number {
  return mailsTo(address).filter((mail) => mail.text.includes('#/reset-password?uid=')).length;
}

/** Lets the page's access token expire, then adds a todo, which makes the page refresh first. */
export async function addTodoAfterAccessExpiry(page: Page, api: ReturnType<typeof trackApi>, title: string) {
  await waitForApiIdle(api);
  api.reset();
  await waitForAccessExpiry(page);
  await addTodo(page, title);
  await waitForApiIdle(api);
}

// --- Accessibility ----------------------------------------------------------------------------

const SHOTS = process.env.E2E_SCREENSHOT_DIR ?? 'test-artifacts/screenshots';
const WIDTHS = [1280, 390] as const;

/** No axe-core violation (WCAG 2.1 A/AA) on the page as it is; screenshots at 1280 and 390 px. */
export async function scanAndShoot(page: Page, name: string, theme: string) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const summary = results.violations.map(
    (v) =>
      `${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')} ${n.failureSummary ?? ''}`).join('\n')}`,
  );
  expect(summary, `${name} (${theme})`).toEqual([]);
  await page.evaluate(() => window.scrollTo(0, 0)); // a focused field may have scrolled the page
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    await page.screenshot({
      path: `${SHOTS}/${name}-${theme}-${width}.png`,
      fullPage: true,
    });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}
