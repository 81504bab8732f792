import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "./fixtures";
import { signIn } from "./support";

/** Opens the top patient of the worklist (highest tier, most overdue flag) by clicking the name. */
async function openTopPatient(page: Page): Promise<string> {
  await signIn(page, "clinician@demo.clinic");
  await expect(page).toHaveURL(/\/patients$/);
  const link = page.getByRole("table").locator("tbody tr").first().getByRole("link");
  const name = (await link.innerText()).trim();
  await link.click();
  await expect(page).toHaveURL(/\/patients\/[^/?]+$/);
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  return name;
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
}

test("a clinician opens a patient from the panel and reads why each category and flag fired", async ({ page }) => {
  await openTopPatient(page);

  // The header carries the tier as a word, not colour alone.
  await expect(page.locator(".patient-header")).toContainText(/High|Elevated|Low|Unassessed/);
  await expect(page.locator(".patient-header")).toContainText("MRN");

  // Categories with the engine's explanation sentences, the rule-set version and evaluated-at.
  const assessment = page.getByRole("region", { name: "Current assessment" });
  await expect(assessment.getByText(/Rule set version \d+, evaluated \d{4}-\d{2}-\d{2}/)).toBeVisible();
  const ewgsop2 = assessment.getByRole("region", { name: "EWGSOP2" });
  await expect(ewgsop2.getByRole("listitem").filter({ hasText: /\(EWGSOP2, Table 3\) → / }).first()).toBeVisible();
  await expect(assessment.getByRole("region", { name: "AWGS 2019" })).toBeVisible();
  await expect(assessment.getByRole("region", { name: "Vitamin B12" })).toBeVisible();

  // Open flags with their state (overdue first: the worklist's top patient has one) and reasons.
  const flags = page.getByRole("region", { name: /Open flags/ });
  const firstFlag = flags.getByRole("article").first();
  await expect(firstFlag.locator(".flag-state")).toHaveText(/^(Overdue since \d{4}-\d{2}-\d{2}|Due today|Due soon: \d{4}-\d{2}-\d{2} \(in \d+ days?\)|Due \d{4}-\d{2}-\d{2})$/);

  // A chart, its accessible name and description, and its data-table fallback.
  const grip = page.getByRole("figure", { name: /Grip strength/ });
  await expect(grip.locator("svg[role='img']").first()).toBeVisible();
  await expect(grip.locator("svg[role='img'] title").first()).toHaveText("Grip strength over time");
  await expect(grip.getByRole("list", { name: "Guideline cut-off lines" })).toContainText("EWGSOP2");
  const table = grip.getByRole("table");
  await expect(table).toBeHidden();
  await grip.getByText("Data table: grip strength").click();
  await expect(table).toBeVisible();
  expect(await table.locator("tbody tr").count()).toBeGreaterThan(0);
  await expect(table.locator("tbody tr").first().locator("td").first()).toHaveText(/^\d{4}-\d{2}-\d{2}$/);

  // Medicines that bear on B12 or on muscle/falls say so in words.
  await expect(page.getByRole("table", { name: "Current medicines" })).toBeVisible();
});

test("a clinician records outreach, closes a flag with a reason, sees it in the history and reopens it", async ({ page }) => {
  await openTopPatient(page);
  const flags = page.getByRole("region", { name: /Open flags/ });
  const flag = flags.getByRole("article").first();
  const flagName = (await flag.getByRole("heading", { level: 3 }).innerText()).trim();

  // Outreach, with the keyboard.
  const outreach = flag.getByRole("form", { name: `Outreach: ${flagName}` });
  await outreach.getByLabel("Outreach").selectOption("contacted");
  await outreach.getByRole("button", { name: "Save outreach" }).focus();
  await page.keyboard.press("Enter");
  await expect(outreach.getByText("Outreach saved: Contacted.")).toBeVisible();
  // The page's status message says what changed, and stays when the flag's card goes.
  const notice = page.getByRole("status").filter({ hasText: "outreach" });
  await expect(notice).toContainText(`${flagName}: outreach `);
  await expect(notice).toContainText("→ Contacted. Tier and flags unchanged.");
  await expect(flag.getByText("Outreach: Contacted")).toBeVisible();
  await expect(outreach.getByLabel("Outreach")).toHaveValue("contacted");

  // Close with reason "done elsewhere" and a note; the form says when the flag can return.
  const note = `B12 ordered ${Date.now()}`;
  const close = flag.getByRole("form", { name: `Close: ${flagName}` });
  await close.getByLabel("Close reason").selectOption("done_elsewhere");
  await expect(close.getByText(/comes back on \d{4}-\d{2}-\d{2}/)).toBeVisible();
  await close.getByLabel(/Note/).fill(note);
  await close.getByRole("button", { name: "Close flag" }).click();

  await expect(page.getByRole("status").filter({ hasText: "Flag closed" })).toContainText(`Flag closed: ${flagName} (done elsewhere).`);
  await expect(page.getByRole("status").getByRole("link", { name: "Go to the flag history" })).toBeVisible();
  const history = page.getByRole("region", { name: "Flag history" });
  const row = history.getByRole("row").filter({ hasText: note });
  await expect(row).toBeVisible();
  await expect(row).toContainText(flagName);
  await expect(row).toContainText("Done elsewhere");
  await expect(row).toContainText(/May return \d{4}-\d{2}-\d{2}/);
  await expect(row).toContainText("Contacted");
  await expect(flags.getByRole("heading", { level: 3, name: flagName })).toHaveCount(0);

  // Reopen it from the history.
  await row.getByRole("button", { name: `Reopen ${flagName}` }).click();
  await expect(flags.getByRole("heading", { level: 3, name: flagName })).toBeVisible();
  await expect(history.getByRole("row").filter({ hasText: note })).toHaveCount(0);
});

test("an unknown patient id shows 'not found'", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  const response = await page.goto("/patients/no-such-patient");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Patient not found" })).toBeVisible();
});

test("the panel and the patient page have no serious or critical accessibility violations (axe)", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await expect(page.getByRole("table")).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByRole("table").locator("tbody tr").first().getByRole("link").click();
  await expect(page.getByRole("heading", { name: "Trends" })).toBeVisible();
  await expect(page.getByRole("figure", { name: /Grip strength/ }).locator("svg[role='img']").first()).toBeVisible();
  // Open every disclosure so the data tables are checked too.
  await page.locator("details").evaluateAll((all) => all.forEach((d) => ((d as HTMLDetailsElement).open = true)));
  expect(await seriousViolations(page)).toEqual([]);
});
