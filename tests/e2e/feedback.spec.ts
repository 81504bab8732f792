import { expect, test, type Page } from "./fixtures";
import { signIn } from "./support";

/**
 * What a clinician is told, and the small things that keep entry safe: a saved assessment says
 * what changed (tier before → after, flags opened and closed) with a link to correct it; every
 * date box shows and takes YYYY-MM-DD whatever the browser's language; the B12 unit must be
 * chosen; stopping a medicine asks to confirm it.
 */

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A low-tier patient without sarcopenia, away from the ones other specs edit. */
async function openLowRiskPatient(page: Page, index: number): Promise<{ name: string; id: string }> {
  await page.goto("/patients?tier=low&ewgsop2=none&sort=name&dir=desc");
  const link = page.getByRole("table").locator("tbody tr").nth(index).getByRole("link").first();
  const name = (await link.innerText()).trim();
  const href = (await link.getAttribute("href"))!;
  await link.click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  return { name, id: href.split("/").pop()! };
}

test("after saving an assessment the patient page says what changed, with a link to correct it; dates are ISO in an en-US browser; the B12 unit must be chosen", async ({ browser }) => {
  const context = await browser.newContext({ locale: "en-US", timezoneId: "America/New_York" });
  const page = await context.newPage();
  await signIn(page, "clinician@demo.clinic");
  const { id } = await openLowRiskPatient(page, 3);
  await expect(page.locator(".patient-header")).toContainText("Low");
  await page.getByRole("link", { name: "Enter assessment" }).click();

  // The visit date is a text box showing YYYY-MM-DD, with the format beside it, even in en-US.
  const visitDate = page.getByLabel("Visit date");
  await expect(visitDate).toHaveAttribute("type", "text");
  const today = await visitDate.inputValue();
  expect(today).toMatch(ISO_DATE);
  await expect(page.locator("#f-visitDate-hint")).toHaveText("YYYY-MM-DD");
  await expect(page.locator("#f-b12Date")).toHaveValue(today);

  // A US-style date is refused with what to write instead; so is a B12 result without its unit.
  await visitDate.fill("12/06/2026");
  await page.locator("#f-gripRight1").fill("9");
  await page.getByRole("button", { name: "Save assessment" }).click();
  await expect(page.locator("#f-visitDate-error")).toHaveText('Visit date "12/06/2026" must be a date written YYYY-MM-DD.');
  await page.getByLabel("Visit date").fill(today);
  await expect(page.locator("#f-b12Date")).toHaveValue(today);
  await page.locator("#f-b12").fill("400");
  await expect(page.locator("input[name=b12Unit]:checked")).toHaveCount(0);
  await page.getByRole("button", { name: "Save assessment" }).click();
  await expect(page.locator("#f-b12Unit-error")).toContainText("Choose the unit for serum B12");
  await page.locator("#f-b12Unit-pmol\\/L").check();
  await page.getByRole("button", { name: "Save assessment" }).click();

  // A grip of 9 kg is low strength: the tier rises from Low, and the page says so.
  await expect(page).toHaveURL(new RegExp(`/patients/${id}$`));
  const notice = page.getByRole("status").filter({ hasText: "Assessment saved." });
  await expect(notice).toContainText(/Tier Low → (Elevated|High)\./);
  await expect(notice).toContainText("Flags opened:");
  await expect(notice).toContainText("Flags closed:");
  await expect(notice).toBeFocused();
  const after = /Tier Low → (Elevated|High)\./.exec(await notice.innerText())![1]!;
  await expect(page.locator(".patient-header .badge").first()).toContainText(after);
  await notice.getByRole("link", { name: "Correct a result you entered" }).click();
  await expect(page).toHaveURL(new RegExp(`/patients/${id}/observations$`));
  // Back on the patient page, the notice is gone (it was for that save only).
  await page.goto(`/patients/${id}`);
  await expect(page.getByRole("status").filter({ hasText: "Assessment saved." })).toHaveCount(0);
  await context.close();
});

test("a notice in the URL that the record does not bear out is not shown", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  const { id } = await openLowRiskPatient(page, 6);
  await page.goto(`/patients/${id}?saved=assessment&tier=low.high&opened=b12_follow_up`);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Assessment saved." })).toHaveCount(0);
  await page.goto(`/patients/${id}?saved=assessment&tier=high.low`);
  await expect(page.getByRole("status").filter({ hasText: "Assessment saved." })).toContainText("Tier High → Low.");
});

test("stopping a medicine takes a second, confirming step that names the medicine and the date", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.goto("/patients?med=ppi&sort=name");
  await page.getByRole("table").locator("tbody tr").first().getByRole("link").first().click();
  await page.getByRole("link", { name: "Medicines and conditions" }).click();
  const current = page.getByRole("table", { name: "Current medicines" });
  const stop = current.locator("details.stop-medicine").first();
  const summary = (await stop.locator("summary").innerText()).trim();
  const name = /^Stop (.+)…$/.exec(summary)![1]!;
  await expect(stop.getByRole("button", { name: /^Yes, stop/ })).toBeHidden();
  await stop.locator("summary").click();
  const date = stop.getByLabel("Stop date");
  await expect(date).toHaveValue(ISO_DATE);
  const defaultDate = await date.inputValue();
  const confirm = stop.getByRole("button", { name: `Yes, stop ${name} from ${defaultDate}` });
  await expect(confirm).toBeVisible();
  await date.fill("2026-01-31");
  await expect(stop.getByRole("button", { name: `Yes, stop ${name} from 2026-01-31` })).toBeVisible();
  await date.fill(defaultDate);
  await stop.getByRole("button", { name: /^Yes, stop/ }).click();
  await expect(page.getByRole("table", { name: "Past medicines" }).getByRole("rowheader", { name: new RegExp(`^${name.replace(/[()]/g, "\\$&")}`) }).first()).toBeVisible();
});
