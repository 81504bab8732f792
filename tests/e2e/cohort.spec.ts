import { readFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "./fixtures";
import { openFilters, signIn } from "./support";

const DOCUMENTED_COLUMNS =
  "mrn,family_name,given_name,birth_date,sex,age,tier,ewgsop2,awgs2019,b12_status,b12_on_treatment,flags,grip_strength_kg,gait_speed_m_s,chair_stand_5x_s,asm_kg,asmi_kg_m2,sarc_f_score,b12_pmol_l,mma_umol_l,last_assessed_on,b12_lowering_medications,evaluated_at,rule_set_version";

async function shownTotal(page: Page): Promise<{ status: string; total: number }> {
  const status = await page.getByText(/^Showing \d+–\d+ of [\d,]+ patients?$/).innerText();
  return { status, total: Number(/of ([\d,]+) patient/.exec(status)![1]!.replace(/,/g, "")) };
}

const criterion = (page: Page, n: number) => page.getByRole("group", { name: new RegExp(`^Criterion ${n}\\b`) });

test("a clinician builds a cohort, saves it, reopens it from its URL, edits it and downloads exactly its CSV", async ({ page, context }) => {
  await signIn(page, "clinician@demo.clinic");
  await expect(page.getByText("Showing 1–25 of 1,000 patients")).toBeVisible();
  await openFilters(page);

  // Criterion 1: grip below the EWGSOP2 cut-off within 6 months; criterion 2: age at least 70.
  await criterion(page, 1).getByLabel("Field").selectOption("grip_strength");
  await criterion(page, 1).getByLabel("Comparison").selectOption("low_ewgsop2");
  await criterion(page, 1).getByLabel("Within the last (months)").fill("6");
  await page.getByRole("button", { name: "Add criterion" }).click();
  await criterion(page, 2).getByLabel("Field").selectOption("age");
  await criterion(page, 2).getByLabel("Comparison").selectOption("gte");
  await criterion(page, 2).getByLabel("Value (years)").fill("70");
  await page.getByLabel("Match all criteria (AND)").check();
  await page.getByRole("button", { name: "Apply filters" }).click();

  await expect(page).toHaveURL(/c1\.field=grip_strength&c1\.op=low_ewgsop2&c1\.within=6&c2\.field=age&c2\.op=gte&c2\.value=70/);
  await expect(page.getByRole("heading", { name: "Cohort: all of these criteria" })).toBeVisible();
  await expect(page.getByText("Grip strength low by the EWGSOP2 cut-off in the last 6 months")).toBeVisible();
  await expect(page.getByText(/< 16 kg \(women\), < 27 kg \(men\); EWGSOP2, Table 3, threshold set v\d+/)).toBeVisible();
  const built = await shownTotal(page);
  expect(built.total).toBeGreaterThan(0);
  expect(built.total).toBeLessThan(1000);
  for (const age of await page.locator("tbody tr td:nth-child(4)").allInnerTexts()) expect(Number(age)).toBeGreaterThanOrEqual(70);

  // Save it.
  const name = `Weak grip 70+ ${Date.now()}`;
  await page.getByLabel("Save this view as").fill(name);
  await page.getByRole("button", { name: "Save view" }).click();
  await expect(page.getByText(`Saved "${name}".`)).toBeVisible();
  const viewLink = page.getByRole("navigation", { name: "Saved views" }).getByRole("link", { name });
  const viewHref = (await viewLink.getAttribute("href"))!;
  expect(viewHref).toMatch(/c1\.field=grip_strength.*view=/);

  // Reopen it from its URL in a fresh page: same cohort, same rows in the builder.
  const fresh = await context.newPage();
  await fresh.goto(viewHref);
  await expect(fresh.getByText(built.status)).toBeVisible();
  // The closed disclosure says how many criteria are in force.
  await expect(fresh.locator("details.filter-disclosure summary")).toContainText("2 active");
  await openFilters(fresh);
  await expect(criterion(fresh, 1).getByLabel("Field")).toHaveValue("grip_strength");
  await expect(criterion(fresh, 1).getByLabel("Comparison")).toHaveValue("low_ewgsop2");
  await expect(criterion(fresh, 2).getByLabel("Value (years)")).toHaveValue("70");

  // Edit it: narrow to 75+, add a third criterion, remove it again, rename and share.
  await criterion(fresh, 2).getByLabel("Value (years)").fill("75");
  await fresh.getByRole("button", { name: "Add criterion" }).click();
  await criterion(fresh, 4).getByLabel("Field").selectOption("diet");
  await fresh.getByRole("button", { name: "Remove criterion 4" }).click();
  await expect(criterion(fresh, 4)).toHaveCount(0);
  await fresh.getByRole("button", { name: "Apply filters" }).click();
  await expect(fresh).toHaveURL(/c2\.value=75.*view=|view=.*c2\.value=75/);
  const edited = await shownTotal(fresh);
  expect(edited.total).toBeLessThanOrEqual(built.total);
  const editForm = fresh.getByRole("form", { name: `Edit view ${name}` });
  await expect(editForm.getByLabel("Replace its filters and criteria with the ones on screen")).toBeChecked();
  await editForm.getByLabel("View name").fill(`${name} edited`);
  await editForm.getByLabel("Shared with the clinic").check();
  await editForm.getByRole("button", { name: "Update view" }).click();
  await expect(fresh.getByText(`Updated "${name} edited".`)).toBeVisible();
  const editedLink = fresh.getByRole("navigation", { name: "Saved views" }).getByRole("link", { name: `${name} edited` });
  await expect(editedLink.locator("xpath=..")).toContainText("(shared)");
  const editedHref = (await editedLink.getAttribute("href"))!;
  await fresh.close();

  const again = await context.newPage();
  await again.goto(editedHref);
  await expect(again.getByText(edited.status)).toBeVisible();
  await openFilters(again);
  await expect(criterion(again, 2).getByLabel("Value (years)")).toHaveValue("75");

  // The CSV is exactly this cohort: every patient (not one page), documented columns first,
  // and the patients on the first page are in it.
  await expect(again.getByRole("link", { name: "Download cohort CSV" })).toHaveAttribute("href", /c2\.value=75/);
  const [download] = await Promise.all([again.waitForEvent("download"), again.getByRole("link", { name: "Download cohort CSV" }).click()]);
  const lines = readFileSync((await download.path())!, "utf8").trim().split(/\r?\n/);
  expect(lines[0]!.startsWith(DOCUMENTED_COLUMNS)).toBe(true);
  expect(lines).toHaveLength(edited.total + 1);
  await expect(again.getByText(`Downloaded ${edited.total.toLocaleString("en")} rows.`)).toBeVisible();
  const csvByMrn = new Map(lines.slice(1).map((line) => [line.split(",")[0]!, line]));
  const rows = again.getByRole("table").locator("tbody tr");
  for (let i = 0; i < (await rows.count()); i++) {
    const mrn = await rows.nth(i).locator("td").nth(2).innerText();
    const [family, given] = (await rows.nth(i).locator("td").nth(1).innerText()).split(", ");
    const line = csvByMrn.get(mrn);
    expect(line, `${mrn} on screen but not in the CSV`).toBeDefined();
    expect(line!.split(",").slice(1, 3)).toEqual([family, given]);
  }

  // The owner deletes it.
  await again.getByRole("button", { name: `Delete view “${name} edited”` }).click();
  await expect(again.getByText(`Deleted "${name} edited".`)).toBeVisible();
  await expect(again.getByRole("navigation", { name: "Saved views" }).getByRole("link", { name: `${name} edited` })).toHaveCount(0);
  await again.close();
});

test("the cohort builder explains bad criteria in the URL instead of guessing, and works with the keyboard", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.goto("/patients?c1.field=grip_strength&c1.op=lt&c2.field=shoe_size&c2.op=is&c2.value=9");
  const alert = page.getByRole("alert").filter({ hasText: "These criteria need fixing" });
  await expect(alert).toContainText("Criterion 1 (Grip strength): enter a number in kg.");
  await expect(alert).toContainText("Criterion 2: “shoe_size” is not a field the cohort builder knows.");
  await expect(page.getByRole("table")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Download cohort CSV" })).toHaveCount(0);
  const api = await page.request.get("/api/export/cohort?c1.field=grip_strength&c1.op=lt");
  expect(api.status()).toBe(422);
  expect((await api.json()).message).toContain("enter a number in kg");

  // Fix it from the keyboard: type the value, press Enter (applies; does not remove a row).
  await criterion(page, 1).getByLabel("Value (kg)").fill("20");
  await criterion(page, 2).getByRole("button", { name: "Remove criterion 2" }).click();
  await criterion(page, 1).getByLabel("Value (kg)").press("Enter");
  await expect(page).toHaveURL(/\/patients\?c1\.field=grip_strength&c1\.op=lt&c1\.value=20$/);
  await expect(page.getByText(/^Showing 1–\d+ of [\d,]+ patients?$/)).toBeVisible();

  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
});

test("without JavaScript the builder still adds a criterion (blank row) and removes one (submit button)", async ({ browser, page: signInPage }) => {
  // Sign in with JavaScript (the sign-in page needs it), then browse the panel without.
  await signIn(signInPage, "clinician@demo.clinic");
  const context = await browser.newContext({ javaScriptEnabled: false, storageState: await signInPage.context().storageState() });
  const page = await context.newPage();
  await page.goto("/patients?c1.field=sex&c1.op=is&c1.value=female");
  await openFilters(page);
  // The blank row: choose a field and apply; the page asks for the comparison, with the row adapted.
  await criterion(page, 2).getByLabel("Field").selectOption("medicine");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page.getByRole("alert")).toContainText("Criterion 2 (Medicine class): choose how to compare, then apply.");
  await openFilters(page);
  await criterion(page, 2).getByLabel("Comparison").selectOption("taking");
  await criterion(page, 2).getByLabel("Value").selectOption("metformin");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/c1\.field=sex&c1\.op=is&c1\.value=female&c2\.field=medicine&c2\.op=taking&c2\.value=metformin$/);
  await openFilters(page);
  await page.getByRole("button", { name: "Remove criterion 1" }).click();
  await expect(page).toHaveURL(/\/patients\?c1\.field=medicine&c1\.op=taking&c1\.value=metformin$/);
  await context.close();
});
