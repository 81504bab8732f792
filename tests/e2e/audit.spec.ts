import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "./fixtures";
import { signIn } from "./support";

/**
 * The audit pages as people use them: the attributed clinician opens "who has seen or changed
 * this record" from the patient page and sees their own visit; an admin finds the same events on
 * the audit page by MRN, pages on, downloads them and verifies the chain. Both pages pass axe.
 */

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => ({ id: v.id, help: v.help }));
}

test("the attributed clinician and an admin see who opened a record; the admin searches, pages, downloads and verifies", async ({ browser }) => {
  test.setTimeout(120_000);
  const clinician = await (await browser.newContext()).newPage();
  await signIn(clinician, "clinician@demo.clinic");
  await clinician.goto("/patients?mine=1&sort=name");
  const link = clinician.getByRole("table").locator("tbody tr").first().getByRole("link").first();
  const name = (await link.innerText()).trim();
  await link.click();
  await expect(clinician.getByRole("heading", { level: 1, name })).toBeVisible();
  const mrn = (await clinician.locator(".facts div").filter({ hasText: "MRN" }).locator("dd").innerText()).trim();

  await clinician.getByRole("link", { name: "Who has seen or changed this record" }).click();
  await expect(clinician.getByRole("heading", { level: 1, name: "Who has seen or changed this record" })).toBeVisible();
  const events = clinician.getByRole("table", { name: "Audit events for this patient" });
  await expect(events.locator("tbody tr").first()).toContainText("clinician@demo.clinic");
  await expect(events.locator("tbody tr").first()).toContainText("Viewed the record");
  await expect(events).toContainText("The patient was listed in the results of a panel search");
  expect(await seriousViolations(clinician)).toEqual([]);

  // A clinician has no audit page and no nav link to one.
  await expect(clinician.getByRole("link", { name: "Audit" })).toHaveCount(0);
  const refused = await clinician.request.get("/audit", { maxRedirects: 0 });
  expect(refused.headers()["location"]).toContain("/forbidden");

  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, "admin@demo.clinic");
  await admin.getByRole("link", { name: "Audit" }).click();
  await expect(admin.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
  await admin.getByLabel("Patient MRN").fill(mrn);
  await admin.getByLabel("Action").selectOption("patient.view");
  await admin.getByRole("button", { name: "Search" }).click();
  await expect(admin).toHaveURL(new RegExp(`mrn=${mrn}`));
  const table = admin.getByRole("table", { name: "Audit events, newest first" });
  await expect(table.locator("tbody tr").first()).toContainText("clinician@demo.clinic");
  await expect(table.locator("tbody tr").first()).toContainText(mrn);
  expect(await seriousViolations(admin)).toEqual([]);

  // Paging: make sure the log holds more than a page (each panel read is one audited search).
  for (let page = 1; page <= 55; page += 1) expect((await admin.request.get(`/api/patients?size=25&page=${page}`)).status()).toBe(200);
  await admin.goto("/audit");
  const firstSeqs = await admin.getByRole("table").locator("tbody tr td:first-child").allInnerTexts();
  await admin.getByRole("link", { name: "Older →" }).click();
  await expect(admin.getByRole("link", { name: "← Newest" })).toBeVisible();
  const olderSeqs = await admin.getByRole("table").locator("tbody tr td:first-child").allInnerTexts();
  expect(olderSeqs.length).toBeGreaterThan(0);
  expect(olderSeqs.at(0)! <= firstSeqs.at(-1)!).toBe(true);

  const download = admin.waitForEvent("download");
  await admin.goto(`/audit?mrn=${mrn}`);
  await admin.getByRole("link", { name: "Download these events (CSV)" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^audit-\d{4}-\d{2}-\d{2}\.csv$/);

  await admin.getByRole("button", { name: "Verify the audit chain" }).click();
  const verdict = admin.getByRole("status").filter({ hasText: "The audit chain is intact" });
  await expect(verdict).toBeVisible();
  // The admin's own clinic only (the e2e database holds a second clinic), and it says what the anchors covered.
  await expect(verdict).toContainText(/events of this clinic checked against the audit key/);
  await expect(verdict).toContainText(/No anchor file is configured for this app \(AUDIT_ANCHOR_DIR\)/);
});
