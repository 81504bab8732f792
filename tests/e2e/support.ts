import { execFileSync } from "node:child_process";
import { expect, type Page } from "@playwright/test";
import { E2E_AUDIT_HMAC_KEY, E2E_DATABASE_URL, E2E_EHR_SECRET_KEY } from "../../playwright.config";

export const DEMO_PASSWORD = "sarcopenia-demo-2026";

/**
 * Runs an operator CLI command on the demo clinic of the e2e database (how a test seeds its own
 * users). The e2e database also holds a second clinic, "other", for cross-clinic checks.
 */
export function cli(...args: string[]): string {
  return cliWithInput(undefined, ...args);
}

/** As `cli`, with `input` on standard input (e.g. a password for `users add --password-stdin`). */
export function cliWithInput(input: string | undefined, ...args: string[]): string {
  return cliIn("demo", input, ...args);
}

/** As `cliWithInput`, on the clinic `clinic` (see `ensureClinic`). */
export function cliIn(clinic: string, input: string | undefined, ...args: string[]): string {
  return execFileSync("npx", ["tsx", "--conditions=react-server", "--tsconfig", "tsconfig.json", "lib/cli/main.ts", "--clinic", clinic, ...args], {
    env: { ...process.env, DATABASE_URL: E2E_DATABASE_URL, AUDIT_HMAC_KEY: E2E_AUDIT_HMAC_KEY, EHR_SECRET_KEY: E2E_EHR_SECRET_KEY },
    encoding: "utf8",
    input: input ?? "",
  });
}

/**
 * A clinic of its own, with no patients and one user per role (`<role>@<slug>.clinic`, the demo
 * password), for a spec that brings patients in from outside (an EHR): the demo clinic's 1,000
 * patients are counted by other specs. Created once per e2e database.
 */
export function ensureClinic(slug: string): void {
  try {
    cliIn(slug, undefined, "seed", "--patients", "0", "--slug", slug);
  } catch (error) {
    if (!String((error as { stderr?: unknown }).stderr ?? error).includes("already exists")) throw error;
  }
}

export async function signIn(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

/** Opens the panel's "Filters and cohort criteria" disclosure (a <details>) unless it is open. */
export async function openFilters(page: Page): Promise<void> {
  const disclosure = page.locator("details.filter-disclosure");
  if ((await disclosure.getAttribute("open")) === null) await disclosure.locator("summary").click();
  await expect(disclosure).toHaveAttribute("open", "");
}
