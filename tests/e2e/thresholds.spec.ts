import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "./fixtures";
import { signIn } from "./support";

test("a clinician reads the thresholds with their sources but may not edit them", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.getByRole("link", { name: "Thresholds" }).click();
  await expect(page.getByRole("heading", { name: "About these thresholds" })).toBeVisible();
  const gripWomen = page.getByRole("row", { name: /Low strength: grip, women/ }).first();
  await expect(gripWomen).toContainText("16 kg");
  await expect(gripWomen).toContainText("Cruz-Jentoft");
  await expect(page.getByRole("row", { name: /MMA confirms deficiency above/ })).toContainText("unconfirmed");
  await expect(page.getByRole("link", { name: /Edit thresholds/ })).toHaveCount(0);
  await page.goto("/thresholds/edit");
  await expect(page).toHaveURL(/\/forbidden$/);
});

test("a clinician opens the clinical reference from the thresholds page and reads a cited threshold", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.goto("/thresholds");
  await page.getByRole("link", { name: "Clinical reference: EWGSOP2" }).click();
  await expect(page).toHaveURL(/\/thresholds\/reference#ewgsop2$/);
  await expect(page.getByRole("heading", { level: 1, name: "Clinical reference" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: "EWGSOP2" })).toBeInViewport();
  const grip = page.getByRole("row", { name: /low strength: grip .*ewgsop2\.gripKg/ });
  await expect(grip).toContainText("< 27 kg");
  await expect(grip).toContainText("< 16 kg");
  await expect(page.locator("article p").filter({ hasText: "Cruz-Jentoft AJ et al., Age and Ageing 2019;48:16–31, Table 3" })).toBeVisible();
  // The planned guideline updates are on the page, marked as not applied.
  await expect(page.locator("article p").filter({ hasText: "Not yet applied by the engine (planned, see the clinical-currency work)." })).toBeVisible();
  await page.getByRole("navigation", { name: "On this page" }).getByRole("link", { name: "Vitamin B12 status" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "Vitamin B12 status" })).toBeInViewport();
});

test("an analyst may read the clinical reference; signed out, it sends to sign-in", async ({ page, browser }) => {
  await signIn(page, "analyst@demo.clinic");
  const response = await page.goto("/thresholds/reference");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("row", { name: /MMA\) confirms deficiency/ })).toContainText("> 0.45 µmol/L (unconfirmed)");
  const anonymous = await browser.newPage();
  await anonymous.goto("/thresholds/reference");
  await expect(anonymous).toHaveURL(/\/login/);
  await anonymous.close();
});

test("an admin saves a new threshold version, sees a clear error first, and re-evaluates everyone with progress", async ({ page }) => {
  await signIn(page, "admin@demo.clinic");
  await page.goto("/thresholds/edit");
  const womenGrip = page.getByLabel(/^Low strength: grip, women/).first();
  await womenGrip.fill("sixteen");
  await page.getByLabel("Reason for the change").fill("Local dynamometer calibration");
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page.getByText("Some values need attention; nothing was saved.")).toBeVisible();
  await expect(page.getByText(/Enter a number in kg/)).toBeVisible();
  await expect(page.getByLabel("Reason for the change")).toHaveValue("Local dynamometer calibration");

  await womenGrip.fill("17");
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page).toHaveURL(/\/thresholds\?saved=2/);
  await expect(page.getByRole("row", { name: /Local dynamometer calibration/ })).toContainText("2 (in force)");

  await page.getByRole("button", { name: "Recompute now" }).click();
  await expect(page.getByText(/Last run completed: 1,0\d\d of 1,0\d\d patients/)).toBeVisible({ timeout: 60_000 });
});

/** Saves a new threshold version with the AWGS edition setting ticked or not, then re-evaluates everyone. */
async function setAwgsEdition(page: Page, use2025: boolean) {
  await page.goto("/thresholds/edit");
  await page.getByLabel(/^AWGS edition for tiers and flags/).setChecked(use2025);
  await page.getByLabel("Reason for the change").fill(use2025 ? "AWGS 2025 supersedes 2019" : "Back to AWGS 2019");
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page).toHaveURL(/\/thresholds\?saved=\d+/);
  await expect(page.locator(".awgs-edition")).toContainText(`In force: AWGS ${use2025 ? "2025" : "2019"}`);
  await page.getByRole("button", { name: "Recompute now" }).click();
  await expect(page.getByText(/Last run completed: 1,0\d\d of 1,0\d\d patients/)).toBeVisible({ timeout: 60_000 });
}

test("an admin switches the AWGS edition to 2025: everyone is re-evaluated and the patient page says which edition drives the tier", async ({ page }) => {
  await signIn(page, "admin@demo.clinic");
  await page.goto("/thresholds");
  await expect(page.locator(".awgs-edition")).toContainText("AWGS 2025 (Chen et al., Nature Aging 2025) supersedes AWGS 2019");
  await expect(page.locator(".awgs-edition")).toContainText("In force: AWGS 2019");
  await expect(page.getByRole("heading", { level: 2, name: /Global Leadership Initiative in Sarcopenia/ })).toBeVisible();

  await page.goto("/patients");
  await page.getByRole("table").locator("tbody tr").first().getByRole("link").click();
  await expect(page).toHaveURL(/\/patients\/[^/?]+$/);
  const patientUrl = page.url();
  const awgs2025 = page.getByRole("region", { name: "AWGS 2025" });
  await expect(awgs2025).toContainText("Shown for comparison");
  await expect(page.getByRole("region", { name: "AWGS 2019" })).toContainText("This edition drives the tier and flags");

  await setAwgsEdition(page, true);
  await page.goto(patientUrl);
  await expect(awgs2025).toContainText("This edition drives the tier and flags");
  await expect(page.getByRole("region", { name: "AWGS 2019" })).toContainText("Shown for comparison");

  // Leave the demo clinic as the other specs expect it.
  await setAwgsEdition(page, false);
});

/** Serious or critical axe findings on the page as it is now (as tests/e2e/layout.spec.ts runs axe). */
async function seriousAxeFindings(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

test("an admin's change more than 10 % from the guideline is confirmed against the guideline value, audited old → new, compared and restored", async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, "admin@demo.clinic");
  await page.goto("/thresholds");
  // The new settings have sections of their own, each saying what it implements.
  for (const title of ["AWGS edition in force for tiers and flags", "AWGS 2025 (Asian Working Group for Sarcopenia, 2025 update)", "Who to test for B12 (NICE NG239 and the clinic's case-finding policy)", "MMA, homocysteine and kidney function (second-line B12 tests)", "Muscle decline over time (muscle_decline)", "Flag lifecycle windows (due soon, awaiting a result, return after a close)"]) {
    await expect(page.getByRole("heading", { level: 2, name: title })).toBeVisible();
  }
  await expect(page.getByRole("region", { name: "Who to test for B12 (NICE NG239 and the clinic's case-finding policy): thresholds" })).toContainText("b12_test_due again after the last B12 result");
  const before = (await page.getByRole("region", { name: /^EWGSOP2 .*: thresholds$/ }).getByRole("row", { name: /Low strength: grip, women/ }).locator("td").first().innerText()).replace(" kg", "");

  await page.goto("/thresholds/edit");
  const womenGrip = page.getByRole("group", { name: /^EWGSOP2/ }).getByLabel(/^Low strength: grip, women/);
  await womenGrip.fill("-3");
  await page.getByLabel("Reason for the change").fill("Local population norms");
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page.getByText(/^Must be positive: enter a value above 0 to 150 kg/)).toBeVisible();
  await expect(womenGrip).toHaveValue("-3");
  await expect(page.getByLabel("Reason for the change")).toHaveValue("Local population norms");

  await womenGrip.fill("20");
  await page.getByRole("button", { name: "Save as a new version" }).click();
  const step = page.getByRole("region", { name: "Values to confirm" });
  await expect(page.getByRole("heading", { name: "Confirm the value more than 10 % from the guideline" })).toBeFocused();
  const row = step.getByRole("row", { name: /EWGSOP2 · Low strength: grip, women/ });
  await expect(row).toContainText("20 kg");
  await expect(row).toContainText("16 kg");
  await expect(row).toContainText("+25 %");
  await expect(row).toContainText("Cruz-Jentoft");
  expect(await seriousAxeFindings(page)).toEqual([]);
  await page.getByRole("button", { name: "Confirm and save as a new version" }).click();
  await expect(page).toHaveURL(/\/thresholds\?saved=\d+/);
  const saved = Number(/saved=(\d+)/.exec(page.url())![1]);

  await page.goto("/audit?action=thresholds.update");
  await expect(page.getByRole("row").filter({ hasText: `Saved threshold set version ${saved}` })).toContainText(`EWGSOP2 · Low strength: grip, women: ${before} → 20 kg`);

  await page.goto("/thresholds#versions");
  await page.getByRole("link", { name: `Compare version ${saved - 1} with version ${saved} in force` }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Compare threshold versions" })).toBeVisible();
  await expect(page.getByText(`1 value differs between Version ${saved - 1} and Version ${saved} (in force)`)).toBeVisible();
  const compared = page.getByRole("region", { name: /^EWGSOP2 .*: Version/ }).getByRole("row", { name: /Low strength: grip, women/ });
  await expect(compared).toContainText(`${before} kg`);
  await expect(compared).toContainText("20 kg");
  await expect(compared).toContainText("differs");
  expect(await seriousAxeFindings(page)).toEqual([]);

  // Restore the version before: a new version, everyone re-evaluated with progress.
  await page.goto("/thresholds#versions");
  await page.getByRole("link", { name: `Restore version ${saved - 1}` }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Restore threshold version ${saved - 1}` })).toBeVisible();
  await expect(page.getByText(`1 value changes against version ${saved} in force`)).toBeVisible();
  await page.getByLabel(`Reason for restoring version ${saved - 1}`).fill("Back to the guideline cut-off");
  expect(await seriousAxeFindings(page)).toEqual([]);
  await page.getByRole("button", { name: `Restore version ${saved - 1} as version ${saved + 1} and re-evaluate everyone` }).click();
  await expect(page).toHaveURL(new RegExp(`/thresholds\\?restored=${saved + 1}`));
  await expect(page.getByText(`Version ${saved + 1} restored and in force.`)).toBeVisible();
  await expect(page.getByText(/Last run completed: 1,0\d\d of 1,0\d\d patients/)).toBeVisible({ timeout: 90_000 });
  await expect(page.getByRole("region", { name: /^EWGSOP2 .*: thresholds$/ }).getByRole("row", { name: /Low strength: grip, women/ })).toContainText(`${before} kg`);
  await page.goto("/audit?action=thresholds.update");
  await expect(page.getByRole("row").filter({ hasText: `Restored threshold version ${saved - 1} as version ${saved + 1}` })).toContainText(`20 → ${before} kg`);
});
