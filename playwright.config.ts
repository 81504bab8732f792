import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests in real Chromium (Debian's, since browser downloads are unreachable here)
 * against the production build, on a freshly migrated and seeded SQLite database
 * (scripts/e2e-server.sh). Set E2E_DATABASE_URL to run them against PostgreSQL instead.
 */
const port = Number(process.env.E2E_PORT ?? 3210);
export const E2E_DATABASE_URL = process.env.E2E_DATABASE_URL ?? "file:./data/e2e/app.db";
/**
 * The audit key of the e2e database: the server and every CLI command a spec runs must sign the
 * audit chain with the same key, or verify rightly reports their events as forged.
 */
export const E2E_AUDIT_HMAC_KEY = process.env.AUDIT_HMAC_KEY ?? "e2e-only-audit-key-e2e-only-audit-key-0123456789";
/** The key encrypting EHR client secrets: the server and a spec's CLI commands must share it. */
export const E2E_EHR_SECRET_KEY = process.env.EHR_SECRET_KEY ?? "e2e-only-ehr-secret-key-e2e-only-ehr-secret-key-0123";

/**
 * Chromium's environment: the runner's, without libfaketime (scripts/test-shifted.sh), which
 * Chromium does not survive; tests/e2e/fixtures.ts puts the browser on the runner's clock instead.
 */
function browserEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[0] !== "LD_PRELOAD" && !entry[0].startsWith("FAKETIME")),
  );
}

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  timeout: 60_000,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      env: browserEnvironment(),
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  webServer: {
    command: `bash scripts/e2e-server.sh ${port}`,
    url: `http://127.0.0.1:${port}/login`,
    timeout: 240_000,
    reuseExistingServer: !process.env.CI,
    stdout: "pipe",
    stderr: "pipe",
    env: { DATABASE_URL: E2E_DATABASE_URL, AUDIT_HMAC_KEY: E2E_AUDIT_HMAC_KEY, EHR_SECRET_KEY: E2E_EHR_SECRET_KEY },
  },
});
