// Process plumbing for the e2e run: build, a throwaway Django server, Chromium, cleanup.
// Everything started here is stopped by stopAll(), which run.mjs calls on every exit path.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(FRONTEND, '..');
export const ARTIFACTS = resolve(FRONTEND, 'test-artifacts');
const PYTHON = process.env.E2E_PYTHON ?? resolve(ROOT, '.venv/bin/python');
const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const ACCESS_LIFETIME_SECONDS = 2;

const cleanups = [];
let stopping = null;

export function log(message) {
  console.log(`[e2e ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** Runs every registered cleanup once, newest first; never throws. */
export function stopAll() {
  stopping ??= (async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.error(`[e2e] cleanup failed: ${error?.message ?? error}`);
      }
    }
  })();
  return stopping;
}

export function prepareArtifacts() {
  mkdirSync(ARTIFACTS, { recursive: true });
}

/** `npm run build`, so that Django serves the current frontend/dist. */
export function buildApp() {
  if (process.env.E2E_SKIP_BUILD === '1') {
    log('E2E_SKIP_BUILD=1: using the existing dist/');
    return;
  }
  log('building the app (npm run build)');
  const result = spawnSync('npm', ['run', 'build'], { cwd: FRONTEND, stdio: 'inherit', timeout: 180_000 });
  if (result.status !== 0) throw new Error(`npm run build failed (status ${result.status}, signal ${result.signal})`);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function runManage(args, env, timeout) {
  const result = spawnSync(PYTHON, ['manage.py', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`, status: result.status };
}

/**
 * Starts `manage.py runserver` on a free loopback port against a fresh SQLite file, with a
 * 2-second access token lifetime. Returns its base URL once /api/health/ answers 200.
 */
export async function startDjango() {
  if (!existsSync(resolve(ROOT, 'manage.py'))) throw new Error(`no manage.py in ${ROOT}: the backend is missing`);
  if (!existsSync(PYTHON)) throw new Error(`no Python at ${PYTHON} (set E2E_PYTHON)`);

  const unique = `${process.pid}-${Date.now()}`;
  const dbFile = `/tmp/e2e-frontend-${unique}.sqlite3`;
  cleanups.push(() => {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(dbFile + suffix, { force: true });
  });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite:///${dbFile}`,
    ACCESS_TOKEN_LIFETIME_SECONDS: String(ACCESS_LIFETIME_SECONDS),
    AUTH_THROTTLE_RATE: 'none',
    DJANGO_DEBUG: 'true',
    DJANGO_ALLOWED_HOSTS: '127.0.0.1,localhost',
    CORS_ALLOWED_ORIGINS: baseUrl,
    PYTHONUNBUFFERED: '1',
  };

  log(`migrating ${dbFile}`);
  const migrate = runManage(['migrate', '--noinput'], env, 120_000);
  if (!migrate.ok) throw new Error(`manage.py migrate failed (status ${migrate.status}):\n${migrate.output.slice(-3000)}`);
  // The default cache is the database cache (shared by all server processes); its table is
  // not a migration. Harmless when another cache backend is configured.
  const cacheTable = runManage(['createcachetable'], env, 60_000);
  if (!cacheTable.ok) log(`note: createcachetable failed (ignored): ${cacheTable.output.trim().slice(-300)}`);

  const serverLog = createWriteStream(resolve(ARTIFACTS, 'django-server.log'));
  const server = spawn(PYTHON, ['manage.py', 'runserver', `127.0.0.1:${port}`, '--noreload'], {
    cwd: ROOT,
    env,
    detached: true, // own process group: stopped as a whole below
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.pipe(serverLog);
  server.stderr.pipe(serverLog);
  let exited = false;
  server.on('exit', () => {
    exited = true;
  });
  cleanups.push(async () => {
    if (exited) return;
    log(`stopping Django (pid ${server.pid})`);
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      return; // already gone
    }
    const deadline = Date.now() + 5_000;
    while (!exited && Date.now() < deadline) await sleep(100);
    if (!exited) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });

  log(`starting Django at ${baseUrl}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error('Django exited during start-up: see test-artifacts/django-server.log');
    try {
      const response = await fetch(`${baseUrl}/api/health/`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error('Django did not answer /api/health/ within 60 s');
    await sleep(250);
  }
  return baseUrl;
}

export async function launchBrowser() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  cleanups.push(() => browser.close());
  return browser;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
