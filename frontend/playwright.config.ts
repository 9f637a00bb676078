// Browser tests: @playwright/test against the built app served by a throwaway Django server.
// Debian's Chromium (/usr/bin/chromium, or E2E_CHROMIUM) is used; Playwright's downloads are not.
// Traces, failure screenshots, the server log and the page screenshots go to test-artifacts/.
import { defineConfig } from '@playwright/test';

// One port for the run, chosen by the main process and inherited by the workers.
process.env.E2E_PORT ??= String(20000 + (process.pid % 20000));
// `localhost`, not 127.0.0.1: passkeys work only on a page whose host matches the server's
// WEBAUTHN_RP_ID (default `localhost`), and e2e/server.mjs lists this origin in WEBAUTHN_ORIGINS.
const baseURL = `http://localhost:${process.env.E2E_PORT}`;
// Where the test server writes its mails (one file each), read by the specs (e2e/mail.ts).
process.env.E2E_MAIL_DIR ??= `/tmp/e2e-frontend-mail-${process.pid}`;

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-artifacts/results',
  timeout: 90_000,
  expect: { timeout: 10_000 },
  // One worker: the machine is small and the specs share one server with 2-second access tokens.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['html', { outputFolder: 'test-artifacts/report', open: 'never' }]],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    viewport: { width: 1280, height: 800 },
    actionTimeout: 10_000,
    launchOptions: {
      executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: 'node e2e/server.mjs',
    // The server listens on 127.0.0.1 (which `localhost` names here): asked there, the readiness
    // check cannot stall on an IPv6 `localhost` that nothing answers.
    url: `http://127.0.0.1:${process.env.E2E_PORT}/api/health/`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: 'ignore',
    stderr: 'pipe',
    // SIGTERM (not Playwright's default SIGKILL), so e2e/server.mjs stops Django and removes
    // the database and the mail directory it made in /tmp.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
  },
});
