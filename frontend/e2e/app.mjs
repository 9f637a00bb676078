// Browser-side helpers: drive the app like a person, watch its API traffic.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ARTIFACTS, sleep } from './harness.mjs';

/** The app keeps both tokens in this one localStorage item (see src/api/tokens.ts). */
export const TOKENS_KEY = 'auth.tokens';

/**
 * Counts the API traffic of a browser context (every tab of it): all /api/ calls with their
 * status, how many hit /api/auth/refresh/, and how many are still in flight.
 */
export function trackApi(context, problems, label) {
  const tracker = {
    calls: [],
    inflight: 0,
    refreshRequests: 0,
    reset() {
      this.calls = [];
      this.refreshRequests = 0;
    },
    refreshResponses() {
      return this.calls.filter((c) => c.path === '/api/auth/refresh/');
    },
    /** The calls since the last reset, one line each, for failure messages. */
    timeline() {
      const t0 = Math.min(...this.calls.map((c) => c.start));
      return this.calls
        .map((c) => `  +${c.start - t0}ms..+${c.end - t0}ms ${c.method} ${c.path} -> ${c.status}`)
        .join('\n');
    },
  };
  const isApi = (request) => new URL(request.url()).pathname.startsWith('/api/');
  const startedAt = new WeakMap();
  context.on('request', (request) => {
    if (!isApi(request)) return;
    startedAt.set(request, Date.now());
    tracker.inflight += 1;
    if (new URL(request.url()).pathname === '/api/auth/refresh/') tracker.refreshRequests += 1;
  });
  const done = async (request, failed) => {
    if (!isApi(request)) return;
    const response = failed ? null : await request.response().catch(() => null);
    tracker.calls.push({
      method: request.method(),
      path: new URL(request.url()).pathname,
      status: response?.status() ?? 0,
      start: startedAt.get(request),
      end: Date.now(),
    });
    tracker.inflight -= 1;
  };
  context.on('requestfinished', (request) => void done(request, false));
  context.on('requestfailed', (request) => void done(request, true));
  // The app must run under Django's strict CSP with no script errors.
  context.on('page', (page) => watchPage(page, problems, label));
  return tracker;
}

function watchPage(page, problems, label) {
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => problems.push(`${label}: page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(text)) {
      problems.push(`${label}: CSP violation: ${text}`);
    }
  });
}

/** Waits until no API call of the context has been in flight for 300 ms. */
export async function waitForApiIdle(tracker, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let quietSince = null;
  for (;;) {
    if (tracker.inflight === 0) {
      quietSince ??= Date.now();
      if (Date.now() - quietSince >= 300) return;
    } else {
      quietSince = null;
    }
    if (Date.now() > deadline) throw new Error(`API calls still in flight after ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** The stored pair as {access, refresh}, nulls when logged out. */
export async function tokens(page) {
  const raw = await page.evaluate((key) => localStorage.getItem(key), TOKENS_KEY);
  const pair = raw ? JSON.parse(raw) : {};
  return { access: pair.access ?? null, refresh: pair.refresh ?? null };
}

export function jwtPayload(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

/** Sleeps until the stored access token's `exp` has passed (plus a margin). */
export async function waitForAccessExpiry(page) {
  const { access } = await tokens(page);
  assert.ok(access, 'no access token stored');
  const waitMs = jwtPayload(access).exp * 1000 + 1_000 - Date.now();
  if (waitMs > 0) await sleep(waitMs);
}

export async function expectTodosPage(page) {
  await page.getByRole('heading', { name: 'Your todos' }).waitFor();
}

export async function expectLoginPage(page, timeout = 10_000) {
  await page.getByRole('heading', { name: 'Log in' }).waitFor({ timeout });
}

export async function register(page, baseUrl, user) {
  await page.goto(`${baseUrl}/#/register`);
  await page.getByRole('heading', { name: 'Create an account' }).waitFor();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByLabel('First name').fill(user.firstName ?? '');
  await page.getByLabel('Last name').fill(user.lastName ?? '');
  if (user.device) await page.getByLabel('Device name (optional)').fill(user.device);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expectTodosPage(page);
}

export async function login(page, baseUrl, { email, password, device }, { expectSuccess = true } = {}) {
  if (!page.url().startsWith(baseUrl)) await page.goto(`${baseUrl}/#/login`);
  await expectLoginPage(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Device name (optional)').fill(device ?? '');
  await page.getByRole('button', { name: 'Log in' }).click();
  if (expectSuccess) await expectTodosPage(page);
}

export function todoItem(page, title) {
  return page.getByTestId('todo').filter({ has: page.locator('.todo-title', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) });
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function addTodo(page, title, description = '') {
  await page.getByLabel('New todo', { exact: true }).fill(title);
  await page.getByLabel('New todo description').fill(description);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await todoItem(page, title).waitFor();
}

export async function visibleTodoTitles(page) {
  await page.locator('.todos:not(.stale), .empty').first().waitFor();
  return page.locator('[data-testid=todo] .todo-title').allTextContents();
}

export async function expectCount(page, filter, value) {
  await page.getByTestId(`count-${filter}`).filter({ hasText: new RegExp(`^${value}$`) }).waitFor();
}

export async function clickReload(page) {
  await page.getByTestId('reload').click();
}

/**
 * Clicks "Reload" in several tabs at one agreed instant (a timer in each page, same clock),
 * rather than one after the other through the automation channel.
 */
export async function clickReloadTogether(pages) {
  const at = Date.now() + 400;
  await Promise.all(
    pages.map((page) =>
      page.evaluate((when) => {
        setTimeout(() => document.querySelector('[data-testid=reload]')?.click(), Math.max(0, when - Date.now()));
      }, at),
    ),
  );
  await sleep(Math.max(0, at - Date.now()) + 50);
}

export async function screenshot(page, name) {
  await page.screenshot({ path: resolve(ARTIFACTS, `${name}.png`), fullPage: true }).catch(() => undefined);
}
