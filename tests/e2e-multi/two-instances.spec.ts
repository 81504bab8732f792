import { expect, test, type Browser, type Page } from "../e2e/fixtures";
import { DEMO_PASSWORD } from "../e2e/support";
import { INSTANCE_A, INSTANCE_B } from "../../playwright.multi.config";

/**
 * Two app instances on one PostgreSQL database (playwright.multi.config.ts), as behind a load
 * balancer (docs/deployment.md): a session from one is valid on the other (JWT, no sticky routing),
 * a change made through one is what the other shows, and a recompute started on both runs once.
 */

async function signInOn(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

async function newPage(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

test("a session and a change made through instance A are seen on instance B", async ({ browser }) => {
  const page = await newPage(browser);
  await signInOn(page, INSTANCE_A, "clinician@demo.clinic");
  await expect(page).toHaveURL(`${INSTANCE_A}/patients`);
  const link = page.getByRole("table").locator("tbody tr").first().getByRole("link");
  await link.click();
  await expect(page).toHaveURL(/\/patients\/[^/?]+$/);
  const patientPath = new URL(page.url()).pathname;

  const flag = page.getByRole("region", { name: /Open flags/ }).getByRole("article").first();
  const flagName = (await flag.getByRole("heading", { level: 3 }).innerText()).trim();
  const outreach = flag.getByRole("form", { name: `Outreach: ${flagName}` });
  await outreach.getByLabel("Outreach").selectOption("scheduled");
  await outreach.getByRole("button", { name: "Save outreach" }).click();
  await expect(outreach.getByText("Outreach saved: Scheduled.")).toBeVisible();

  // Instance B: the same browser session (the cookie is per host, not per port), no new sign-in.
  await page.goto(`${INSTANCE_B}${patientPath}`);
  await expect(page).toHaveURL(`${INSTANCE_B}${patientPath}`);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  const flagOnB = page.getByRole("region", { name: /Open flags/ }).getByRole("article").filter({ has: page.getByRole("heading", { level: 3, name: flagName }) });
  await expect(flagOnB.getByText("Outreach: Scheduled")).toBeVisible();

  // And the panel on B, filtered to that outreach state, lists the patient (its counts were not cached stale).
  await page.goto(`${INSTANCE_B}/patients?outreach=scheduled`);
  await expect(page.getByRole("table").locator(`a[href="${patientPath}"]`)).toBeVisible();
});

test("a recompute started on both instances at once runs once", async ({ browser }) => {
  const [a, b] = [await newPage(browser), await newPage(browser)];
  await signInOn(a, INSTANCE_A, "admin@demo.clinic");
  await signInOn(b, INSTANCE_B, "admin@demo.clinic");
  await Promise.all([a.goto(`${INSTANCE_A}/thresholds`), b.goto(`${INSTANCE_B}/thresholds`)]);
  const buttons = [a, b].map((p) => p.getByRole("button", { name: "Recompute now" }));
  for (const button of buttons) await expect(button).toBeEnabled();
  await Promise.all(buttons.map((button) => button.click()));

  const statuses = await Promise.all(
    [a, b].map(async (p) => {
      const status = p.getByRole("region", { name: "Re-evaluate all patients" }).getByRole("status");
      await expect(status).toHaveText(/Re-evaluation (started|finished)\.|already running/);
      return status.innerText();
    }),
  );
  const started = statuses.filter((s) => /Re-evaluation (started|finished)\./.test(s));
  const refused = statuses.filter((s) => s.includes("A recompute of this clinic is already running"));
  expect({ started: started.length, refused: refused.length }).toEqual({ started: 1, refused: 1 });

  // Both instances report the same single job, which completes.
  for (const [p, base] of [[a, INSTANCE_A], [b, INSTANCE_B]] as const) {
    await expect(async () => {
      const body = (await (await p.request.get(`${base}/api/jobs/recompute`)).json()) as { job: { status: string; done: number; total: number } };
      expect(body.job.status).toBe("completed");
      expect(body.job.done).toBe(body.job.total);
    }).toPass({ timeout: 60_000 });
  }
});

test("signing out through instance A ends the session on instance B too", async ({ browser, playwright }) => {
  const page = await newPage(browser);
  await signInOn(page, INSTANCE_A, "analyst@demo.clinic");
  const session = (await page.context().cookies()).find((c) => c.name === "next-auth.session-token");
  expect(session).toBeDefined();
  const onB = await playwright.request.newContext({ baseURL: INSTANCE_B, extraHTTPHeaders: { Cookie: `${session!.name}=${session!.value}` } });
  try {
    expect((await onB.get("/api/export/summary")).status()).toBe(200);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
    expect((await onB.get("/api/export/summary")).status()).toBe(401);
  } finally {
    await onB.dispose();
  }
});
