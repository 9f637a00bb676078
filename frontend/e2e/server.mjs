// The server the browser tests run against (started by playwright.config.ts's webServer):
// builds the app (skip with E2E_SKIP_BUILD=1), migrates a fresh SQLite file in /tmp and runs
// `manage.py runserver` on E2E_PORT with 2-second access tokens and no login throttling; the
// browser opens it as http://localhost:E2E_PORT, the passkeys' rp id and origin.
// Mails are written, one file each and before the request answers, to E2E_MAIL_DIR (set by
// playwright.config.ts), and reset links point at this server's web client (PASSWORD_RESET_URL unset).
// The database and the mails go when the server is stopped; the log is test-artifacts/django-server.log.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(FRONTEND, '..');
const ARTIFACTS = resolve(FRONTEND, 'test-artifacts');
const PYTHON = process.env.E2E_PYTHON ?? resolve(ROOT, '.venv/bin/python');
const PORT = process.env.E2E_PORT;
if (!PORT) throw new Error('E2E_PORT is not set (playwright.config.ts sets it)');
const MAIL_DIR = process.env.E2E_MAIL_DIR;
if (!MAIL_DIR?.startsWith('/'))
  throw new Error('E2E_MAIL_DIR is not an absolute path (playwright.config.ts sets it)');
if (!existsSync(PYTHON)) throw new Error(`no Python at ${PYTHON} (run \`make install\`, or set E2E_PYTHON)`);
mkdirSync(ARTIFACTS, { recursive: true });

if (process.env.E2E_SKIP_BUILD !== '1') {
  const build = spawnSync('npm', ['run', 'build'], { cwd: FRONTEND, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const dbFile = `/tmp/e2e-frontend-${process.pid}-${Date.now()}.sqlite3`;
mkdirSync(MAIL_DIR, { recursive: true });
const removeDb = () => {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(dbFile + suffix, { force: true });
  rmSync(MAIL_DIR, { recursive: true, force: true });
};
const env = {
  ...process.env,
  DATABASE_URL: `sqlite:///${dbFile}`,
  ACCESS_TOKEN_LIFETIME_SECONDS: '2',
  AUTH_THROTTLE_RATE: 'none',
  DJANGO_DEBUG: 'true',
  DJANGO_ALLOWED_HOSTS: '127.0.0.1,localhost',
  CORS_ALLOWED_ORIGINS: `http://127.0.0.1:${PORT}`,
  // The browser opens the app at http://localhost:PORT (playwright.config.ts): the passkey
  // ceremonies check that origin and the rp id `localhost`.
  WEBAUTHN_RP_ID: 'localhost',
  WEBAUTHN_ORIGINS: `http://localhost:${PORT}`,
  // Short, so that e2e/passkeys.spec.ts can let a sign-in grow old and meet the re-authentication prompt.
  REAUTH_MAX_AGE_SECONDS: '20',
  // django-environ's form: filemail:// then the absolute path (hence the four slashes).
  EMAIL_URL: `filemail:///${MAIL_DIR}`,
  EMAIL_SEND_IN_BACKGROUND: 'false',
  // Unset (whatever the shell has): the link is the client's page at the origin the request came to.
  PASSWORD_RESET_URL: '',
  PYTHONUNBUFFERED: '1',
};
for (const args of [['migrate', '--noinput'], ['createcachetable']]) {
  const result = spawnSync(PYTHON, ['manage.py', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 2],
  });
  if (result.status !== 0) {
    removeDb();
    process.exit(result.status ?? 1);
  }
}

const log = createWriteStream(resolve(ARTIFACTS, 'django-server.log'));
const server = spawn(PYTHON, ['manage.py', 'runserver', `127.0.0.1:${PORT}`, '--noreload'], {
  cwd: ROOT,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
server.stdout.pipe(log);
server.stderr.pipe(log);
server.on('exit', (code) => {
  removeDb();
  process.exit(code ?? 0);
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => server.kill('SIGTERM'));
}
