import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "./fixtures";
import { signIn } from "./support";

/**
 * The care-gap loop as a clinician walks it (docs/design.md#flag-lifecycle): a B12 test is due,
 * the clinician marks it ordered, the result is entered, and the flag closes itself — its history
 * says by which result.
 */

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
}

test("a clinician marks a B12 test ordered, enters the result, and the flag closes itself with the result in its history", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  // A patient with an open "B12 test due" (a few rows down the list, away from other specs' patients).
  await page.goto("/patients?flag=b12_test_due&sort=name&dir=desc");
  const link = page.getByRole("table").locator("tbody tr").nth(4).getByRole("link").first();
  const name = (await link.innerText()).trim();
  await link.click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();

  const openFlags = page.getByRole("region", { name: /Open flags/ });
  const card = openFlags.getByRole("article", { name: "B12 test due" });
  await expect(card).toBeVisible();

  // The close form says, for the chosen reason, whether and when the flag can return.
  await card.getByLabel("Close reason").selectOption("deceased");
  await expect(card.locator(".flag-return")).toHaveText("This flag will not come back unless someone reopens it.");
  await card.getByLabel("Close reason").selectOption("patient_declined");
  await expect(card.locator(".flag-return")).toContainText(/comes back on \d{4}-\d{2}-\d{2}/);

  // Ordered: awaiting the result, not overdue.
  await card.getByRole("button", { name: "Mark ordered" }).click();
  await expect(card.locator(".flag-state")).toHaveText(/^Ordered \d{4}-\d{2}-\d{2} — awaiting the result until \d{4}-\d{2}-\d{2}$/);
  await expect(card.getByText("Ordered — awaiting result", { exact: true })).toBeVisible();
  await expect(card).toContainText("ordered");
  await expect(card.getByRole("button", { name: "Mark ordered" })).toHaveCount(0);
  expect(await seriousViolations(page)).toEqual([]);

  // The result arrives: serum B12 310 pmol/L, dated the visit (today).
  await page.getByRole("link", { name: "Enter assessment" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Enter assessment:/ })).toBeVisible();
  const visitDate = await page.locator("#f-visitDate").inputValue();
  await page.locator("#f-b12").fill("310");
  await page.locator("#f-b12Unit-pmol\\/L").check();
  await page.getByRole("button", { name: "Save assessment" }).click();
  await expect(page).toHaveURL(/\/patients\/[^/]+$/);

  // The flag closed itself; the history says why.
  await expect(openFlags.getByRole("article", { name: "B12 test due" })).toHaveCount(0);
  const history = page.getByRole("region", { name: "Flag history" });
  const row = history.getByRole("row").filter({ hasText: "B12 test due" }).filter({ hasText: "Closed by a result" });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(`Closed by Serum total B12 310 pmol/L, ${visitDate}`);
  await expect(row).toContainText("Engine");
  await expect(row).toContainText(/Ordered \d{4}-\d{2}-\d{2} by /);
  expect(await seriousViolations(page)).toEqual([]);
});

test("the panel filters by flag state: an ordered flag is listed as ordered, not as overdue", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.goto("/patients?flag=b12_test_due&state=overdue&sort=name");
  const link = page.getByRole("table").locator("tbody tr").nth(2).getByRole("link").first();
  const name = (await link.innerText()).trim();
  await link.click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  const card = page.getByRole("region", { name: /Open flags/ }).getByRole("article", { name: "B12 test due" });
  await card.getByRole("button", { name: "Mark ordered" }).click();
  await expect(card.locator(".flag-state")).toHaveText(/^Ordered /);

  await page.goto("/patients?flag=b12_test_due&state=ordered&sort=name&size=100");
  await expect(page.getByRole("table").getByRole("link", { name })).toBeVisible();
  await page.goto("/patients?flag=b12_test_due&state=overdue&sort=name&size=100");
  await expect(page.getByRole("table").getByRole("link", { name })).toHaveCount(0);
});
