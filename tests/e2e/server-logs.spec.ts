import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "./fixtures";
import { parse } from "csv-parse/sync";
import { DEMO_PASSWORD, signIn } from "./support";

/**
 * "No patient data in server logs": a production server of its own (server.mjs, stdout and
 * stderr to a file) on a freshly seeded database is walked through sign-in (a failed one too),
 * the panel, a name search, a patient page and its access trail, an assessment with an
 * implausible value, the cohort export and the admins' audit page. The log must then hold none of
 * the patients' MRNs or names and none of the passwords typed.
 *
 * Its port is E2E_PORT + 100 (the shared e2e server keeps E2E_PORT).
 */
const PORT = Number(process.env.E2E_PORT ?? 3210) + 100;
const BASE = `http://127.0.0.1:${PORT}`;
const WRONG_PASSWORD = "not-the-password-7731-zq";
const ROOT = process.cwd();

/** The audit key of this spec: the CLI that seeds and the server must sign the audit log alike. */
const AUDIT_KEY = "logs-spec-only-audit-key-logs-spec-only-audit-key-01";

function cliOn(url: string, ...args: string[]): void {
  execFileSync(join(ROOT, "node_modules/.bin/tsx"), ["--conditions=react-server", "--tsconfig", "tsconfig.json", "lib/cli/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, AUDIT_HMAC_KEY: AUDIT_KEY },
    stdio: "ignore",
  });
}

test("the server log names no patient and shows no password", async ({ browser }) => {
  test.setTimeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), "sarc-logs-"));
  const url = `file:${join(dir, "app.db")}`;
  const logFile = join(dir, "server.log");
  let server: ChildProcess | undefined;
  let patients: { mrn: string; familyName: string; givenName: string }[] = [];
  try {
    cliOn(url, "db", "migrate");
    cliOn(url, "seed", "--patients", "150", "--seed", "424242");
    const out = createWriteStream(logFile);
    await once(out, "open");
    server = spawn(process.execPath, [join(ROOT, "server.mjs"), "-p", String(PORT), "-H", "127.0.0.1"], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: "production", DATABASE_URL: url, NEXTAUTH_URL: BASE, NEXTAUTH_SECRET: "logs-spec-only-secret-logs-spec-only-secret-01", AUDIT_HMAC_KEY: AUDIT_KEY, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", out, out],
      detached: true,
    });
    await expect.poll(async () => (await fetch(`${BASE}/login`).catch(() => null))?.status ?? 0, { timeout: 60_000 }).toBe(200);

    // Every patient's MRN and names, read with the operator's export (no server involved).
    cliOn(url, "--clinic", "demo", "export", "--out", join(dir, "cohort.csv"));
    patients = (parse(readFileSync(join(dir, "cohort.csv")), { columns: true }) as Record<string, string>[]).map((r) => ({ mrn: r.mrn!, familyName: r.family_name!, givenName: r.given_name! }));

    const context = await browser.newContext({ baseURL: BASE });
    const page = await context.newPage();
    // A failed sign-in: the typed password must not reach the log.
    await page.goto("/login");
    await page.getByLabel("Email").fill("clinician@demo.clinic");
    await page.getByLabel("Password").fill(WRONG_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText(/did not match|not recognised|incorrect|invalid/i).first()).toBeVisible();
    await signIn(page, "clinician@demo.clinic");
    const subject = (await (await page.request.get("/api/patients?mine=1&sort=name")).json()).rows[0] as { id: string; mrn: string; familyName: string; givenName: string };

    await page.goto("/patients");
    await page.getByLabel("Name or MRN").fill(subject.familyName);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("link", { name: `${subject.familyName}, ${subject.givenName}` }).first().click();
    await expect(page.getByRole("heading", { level: 1, name: `${subject.familyName}, ${subject.givenName}` })).toBeVisible();
    await page.getByRole("link", { name: "Who has seen or changed this record" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Who has seen or changed this record" })).toBeVisible();

    await page.goto(`/patients/${subject.id}/assess`);
    await page.locator("#f-gripRight1").fill("999");
    await page.locator("#f-gripRight1").press("Enter");
    await expect(page.locator("#f-gripRight1-error")).toContainText("outside the plausible range");

    const csv = await page.request.get("/api/export/cohort");
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain(subject.mrn);
    expect((await page.request.get("/patients/no-such-patient")).status()).toBe(404);

    const admin = await (await browser.newContext({ baseURL: BASE })).newPage();
    await signIn(admin, "admin@demo.clinic");
    await admin.goto(`/audit?mrn=${encodeURIComponent(subject.mrn)}`);
    await expect(admin.getByRole("table")).toContainText(subject.mrn);
    await admin.getByRole("button", { name: "Verify the audit chain" }).click();
    await expect(admin.getByText(/The audit chain is intact/)).toBeVisible();
    expect((await admin.request.get(`/api/audit/export?mrn=${encodeURIComponent(subject.mrn)}`)).status()).toBe(200);
    await context.close();
  } finally {
    if (server?.pid && server.exitCode === null) {
      process.kill(-server.pid, "SIGTERM");
      await once(server, "exit");
    }
  }

  const log = readFileSync(logFile, "utf8");
  rmSync(dir, { recursive: true, force: true });
  // The capture works: the server's start-up line is there.
  expect(log).toMatch(/Ready on http:/);
  expect(patients.length).toBe(150);
  expect(log).not.toContain(DEMO_PASSWORD);
  expect(log).not.toContain(WRONG_PASSWORD);
  const leaks = patients.filter((p) => log.includes(p.mrn) || log.includes(`${p.familyName}, ${p.givenName}`) || log.includes(`${p.givenName} ${p.familyName}`));
  expect(leaks.map((p) => p.mrn), `patients named in the server log:\n${log.slice(0, 3_000)}`).toEqual([]);
});
