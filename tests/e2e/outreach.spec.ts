import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "./fixtures";
import { signIn } from "./support";

/**
 * The outreach log as a clinician uses it (docs/design.md#outreach-log): log a phone attempt on a
 * flag with the next attempt tomorrow (not due today), then a letter with the next attempt today —
 * the patient is under the panel's "Outreach due today", the flag's history lists both attempts.
 * Dates are relative to the moment the test runs (the server's clock), on UTC days as the app counts them.
 */

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
}

const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

test("a clinician logs outreach attempts on a flag and finds the patient under 'Outreach due today' on the day of the next attempt", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, "clinician@demo.clinic");
  // A patient with an open "B12 test due", away from the rows other specs act on.
  await page.goto("/patients?flag=b12_test_due&sort=name&size=50");
  const link = page.getByRole("table").locator("tbody tr").nth(11).getByRole("link").first();
  const name = (await link.innerText()).trim();
  await link.click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  const patientUrl = page.url();

  const card = page.getByRole("region", { name: /Open flags/ }).getByRole("article", { name: "B12 test due" });
  const form = card.getByRole("form", { name: "Log outreach: B12 test due" });
  await expect(card).toContainText("No outreach attempts logged.");

  // A next attempt date in the past is refused, with what to do; nothing is logged.
  await form.getByLabel("Channel").selectOption("phone");
  await form.getByLabel("Outcome").selectOption("no_answer");
  await form.getByLabel(/Next attempt/).fill(isoDay(-1));
  await form.getByRole("button", { name: "Log attempt" }).click();
  await expect(form.getByRole("alert")).toContainText("in the past");
  await expect(card).toContainText("No outreach attempts logged.");

  // Attempt 1, by keyboard: phone, no answer, try again tomorrow — Enter in the note submits.
  await form.getByLabel("Channel").selectOption("phone");
  await form.getByLabel("Outcome").selectOption("no_answer");
  await form.getByLabel(/Next attempt/).fill(isoDay(1));
  await form.getByLabel(/Note/).fill("Rang at 10:00");
  await form.getByLabel(/Note/).press("Enter");
  const status = page.getByRole("status").filter({ hasText: "outreach attempt 1 logged" });
  await expect(status).toContainText("B12 test due: outreach attempt 1 logged (phone, no answer).");
  await expect(status).toContainText(`Next attempt ${isoDay(1)}`);
  const history = card.getByRole("table", { name: /Outreach attempts for B12 test due/ });
  await expect(history.getByRole("row").nth(1)).toContainText("Phone");
  await expect(history.getByRole("row").nth(1)).toContainText("No answer");
  await expect(history.getByRole("row").nth(1)).toContainText("Rang at 10:00");
  await expect(card).toContainText(`Next outreach ${isoDay(1)}`);

  // Planned for tomorrow: not under "Outreach due today" today.
  await page.goto("/patients?outreachDue=1&flag=b12_test_due&sort=name&size=100");
  await expect(page.getByRole("table").getByRole("link", { name })).toHaveCount(0);

  // Attempt 2: a letter, with the next attempt today — due today.
  await page.goto(patientUrl);
  const form2 = page.getByRole("form", { name: "Log outreach: B12 test due" });
  await form2.getByLabel("Channel").selectOption("letter");
  // The outcomes follow the channel: a letter is sent (or comes back), it does not go unanswered.
  await expect(form2.getByLabel("Outcome").locator("option", { hasText: "No answer" })).toHaveCount(0);
  await form2.getByLabel("Outcome").selectOption("letter_sent");
  await form2.getByLabel(/Next attempt/).fill(isoDay(0));
  await form2.getByRole("button", { name: "Log attempt" }).click();
  await expect(page.getByRole("status").filter({ hasText: "outreach attempt 2 logged" })).toContainText("(letter, letter sent)");
  const card2 = page.getByRole("region", { name: /Open flags/ }).getByRole("article", { name: "B12 test due" });
  await expect(card2.getByText(/^Outreach due today/)).toBeVisible();
  await expect(card2).toContainText("Outreach: Contacted");
  await expect(card2.getByRole("table", { name: /Outreach attempts for B12 test due/ }).getByRole("row")).toHaveCount(3);
  expect(await seriousViolations(page)).toEqual([]);

  // The panel's filter, ticked in the form as a clinician would.
  await page.goto("/patients?flag=b12_test_due&sort=name&size=100");
  await page.getByText("Filters and cohort criteria").click();
  await page.getByLabel("Outreach due today").check();
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/outreachDue=1/);
  await expect(page.getByRole("table").getByRole("link", { name })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});
