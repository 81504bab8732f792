import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Locator, type Page } from "./fixtures";
import { signIn } from "./support";

/**
 * Assessment entry, corrections and medicines, as a clinician walks them in real Chromium. The
 * visit is entered with the keyboard only: Tab to move, type, arrow keys and Space to choose,
 * Enter to save.
 */

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
}

/** Presses Tab (forwards only, a few times at most) until the focused element matches `selector`. */
async function tabTo(page: Page, selector: string, maxPresses = 12): Promise<void> {
  for (let i = 0; i < maxPresses; i += 1) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`${selector} was not reached within ${maxPresses} presses of Tab`);
}

async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await tabTo(page, selector);
  await page.keyboard.type(text);
}

/** Opens a patient from the panel: low tier, EWGSOP2 "no sarcopenia", the `index`-th by name. */
async function openLowRiskPatient(page: Page, index = 0): Promise<string> {
  await page.goto("/patients?tier=low&ewgsop2=none&sort=name");
  const link = page.getByRole("table").locator("tbody tr").nth(index).getByRole("link").first();
  const name = (await link.innerText()).trim();
  await link.click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  return name;
}

function category(page: Page, title: string): Locator {
  return page.getByRole("region", { name: "Current assessment" }).getByRole("region", { name: title }).getByRole("heading", { level: 3 });
}

test("a clinician enters a full visit by keyboard only, sees the category and tier change, then withdraws a wrong entry and sees it change back", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await openLowRiskPatient(page);
  const header = page.locator(".patient-header");
  await expect(header).toContainText("Low");
  const ewgsop2Before = (await category(page, "EWGSOP2").innerText()).trim();
  expect(ewgsop2Before).toBe("EWGSOP2: No sarcopenia");

  // From the patient page to the form, by keyboard.
  await page.getByRole("link", { name: "Enter assessment" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: /^Enter assessment:/ })).toBeVisible();
  await expect(page.locator("#f-visitDate")).toBeFocused();

  // Grip strength in pounds: three trials, the best (24 lb = 10.9 kg) is saved.
  await tabTo(page, "input[name=gripUnit]");
  await page.keyboard.press("ArrowRight");
  await expect(page.locator("#f-gripUnit-lb")).toBeChecked();
  await typeInto(page, "#f-gripRight1", "22");
  await typeInto(page, "#f-gripRight2", "24");
  await typeInto(page, "#f-gripLeft1", "20");
  await expect(page.getByText("Best of the trials: 24 lb (10.9 kg)")).toBeVisible();

  // Performance: a 4 m walk in 3.5 s (1.14 m/s), chair stand 10 s, TUG 12 s, 400 m walk "unable" (Space).
  await typeInto(page, "#f-gaitValue", "3.5");
  await expect(page.getByText("= 1.14 m/s")).toBeVisible();
  await typeInto(page, "#f-chairStand", "10");
  await typeInto(page, "#f-tug", "12");
  await tabTo(page, "#f-walk400Unable");
  await page.keyboard.press("Space");
  await expect(page.locator("#f-walk400Unable")).toBeChecked();

  // Muscle mass 9 kg by DXA (Space chooses the focused option), height, weight, calf.
  await typeInto(page, "#f-asm", "9");
  await tabTo(page, "input[name=asmMethod]");
  await page.keyboard.press("Space");
  await expect(page.locator("#f-asmMethod-dxa")).toBeChecked();
  await typeInto(page, "#f-height", "160");
  await typeInto(page, "#f-weight", "58");
  await typeInto(page, "#f-calf", "30");

  // SARC-F: 2, 1, 0, 2, 1 = 6 (positive), totalled as the answers are given.
  for (const [item, presses] of [["sarcF1", 2], ["sarcF2", 1], ["sarcF3", 0], ["sarcF4", 2], ["sarcF5", 1]] as const) {
    await tabTo(page, `input[name=${item}]`);
    if (presses === 0) await page.keyboard.press("Space");
    for (let i = 0; i < presses; i += 1) await page.keyboard.press("ArrowRight");
  }
  await expect(page.locator(".sarc-total")).toHaveText("SARC-F total: 6 of 10 — positive (≥ 4): sarcopenia suspected");

  // Serum B12 150 pg/mL (deficient: < 180 ng/L), dated the visit date; Enter saves.
  await typeInto(page, "#f-b12", "150");
  await tabTo(page, "input[name=b12Unit]");
  await page.keyboard.press("ArrowRight");
  await expect(page.locator("#f-b12Unit-pg\\/mL")).toBeChecked();
  await tabTo(page, "#f-holotc", 8);
  await page.keyboard.press("Enter");

  // Back on the patient page: the new evaluation at once.
  await expect(page).toHaveURL(/\/patients\/[^/]+$/);
  await expect(category(page, "EWGSOP2")).toHaveText("EWGSOP2: Severe sarcopenia");
  await expect(category(page, "Vitamin B12")).toHaveText(/^Vitamin B12: Deficient/);
  await expect(header.locator(".badge").first()).toHaveText(/High/);
  await expect(page.getByRole("region", { name: /Open flags/ }).getByRole("heading", { level: 3, name: "Sarcopenia follow-up" })).toBeVisible();
  const gripReason = page.getByRole("region", { name: "EWGSOP2" }).getByRole("listitem").filter({ hasText: "reported 24 lb" });
  await expect(gripReason).toBeVisible();

  // Correct an entry: the grip was typed wrong → mark it entered in error.
  await page.getByRole("link", { name: "Correct a result", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Results:/ })).toBeVisible();
  const gripRow = page.getByRole("row").filter({ hasText: "Grip strength" }).filter({ hasText: "24 lb" });
  await expect(gripRow).toContainText("Grip trials (lb): right 22, 24; left 20");
  // Who entered it and when.
  await expect(gripRow.getByRole("cell").nth(4)).toHaveText(/^Dr Casey Clinician\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  await gripRow.getByRole("link", { name: /^Correct Grip strength 24 lb/ }).click();
  await page.getByLabel("Reason").fill("Typed 24 for 42 lb");
  await page.getByRole("button", { name: "Mark entered in error" }).click();
  await expect(page.getByRole("status")).toContainText("marked entered in error");
  const withdrawn = page.getByRole("row").filter({ hasText: "Typed 24 for 42 lb" });
  await expect(withdrawn).toContainText("Entered in error");
  await expect(withdrawn).toContainText(/Marked in error by .+, \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);

  // Without the grip, strength is normal again: EWGSOP2 stops at "no sarcopenia", AWGS finds no
  // low strength or performance, and the tier drops from high (B12 and SARC-F still count).
  await page.getByRole("status").getByRole("link", { name: "Back to the patient" }).click();
  await expect(category(page, "EWGSOP2")).toHaveText(ewgsop2Before);
  await expect(header.locator(".badge").first()).not.toHaveText(/High/);
  await expect(category(page, "Vitamin B12")).toHaveText(/^Vitamin B12: Deficient/);
});

test("an impossible value gets a clear error beside its field and nothing typed is lost", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await openLowRiskPatient(page, 1);
  const patientUrl = page.url();
  await page.getByRole("link", { name: "Enter assessment" }).click();
  await page.locator("#f-gripRight1").fill("250");
  await page.locator("#f-gripRight2").fill("31");
  await page.locator("#f-tug").fill("14");
  await page.locator("#f-walk400Unable").check();
  await page.locator("#f-sarcF2-1").check();
  await page.locator("#f-b12").fill("300");
  await page.locator("#f-b12Unit-ng\\/L").check();
  await page.locator("#f-b12").press("Enter");

  const grip = page.locator("#f-gripRight1");
  const grip250 = "Grip strength 250 kg is outside the plausible range 0–150 kg; check the value and unit.";
  await expect(page.locator("#f-gripRight1-error")).toHaveText(grip250);
  await expect(grip).toHaveAttribute("aria-invalid", "true");
  await expect(grip).toHaveAttribute("aria-describedby", "f-gripRight1-error");
  await expect(grip).toBeFocused();
  await expect(page.getByRole("alert").filter({ hasText: "Check the highlighted fields." })).toContainText(grip250);
  // The incomplete SARC-F is reported too, on each unanswered question.
  await expect(page.locator("#f-sarcF1-error")).toContainText("not answered");

  // Everything typed is still there.
  await expect(grip).toHaveValue("250");
  await expect(page.locator("#f-gripRight2")).toHaveValue("31");
  await expect(page.locator("#f-tug")).toHaveValue("14");
  await expect(page.locator("#f-walk400Unable")).toBeChecked();
  await expect(page.locator("#f-sarcF2-1")).toBeChecked();
  await expect(page.locator("#f-b12")).toHaveValue("300");
  await expect(page.locator("#f-b12Unit-ng\\/L")).toBeChecked();

  // Fix the two problems and save.
  await grip.fill("25");
  await page.getByRole("button", { name: "Clear SARC-F answers" }).click();
  await page.getByRole("button", { name: "Save assessment" }).click();
  await expect(page).toHaveURL(patientUrl);
  await expect(page.getByRole("region", { name: "EWGSOP2" }).getByRole("listitem").first()).toBeVisible();
});

test("two clinicians saving the same patient: the second is told, shown the new values, and keeps what they typed", async ({ browser }) => {
  const first = await (await browser.newContext()).newPage();
  const second = await (await browser.newContext()).newPage();
  await signIn(first, "clinician@demo.clinic");
  await signIn(second, "admin@demo.clinic");
  await openLowRiskPatient(first, 12);
  const patientUrl = first.url();
  await first.goto(`${patientUrl}/assess`);
  await second.goto(`${patientUrl}/assess`);
  const versionBefore = await second.locator("#on-record-heading").innerText();

  await first.locator("#f-tug").fill("13");
  await first.locator("#f-tug").press("Enter");
  await expect(first).toHaveURL(patientUrl);

  await second.locator("#f-sppb").fill("7");
  await second.locator("#f-sppb").press("Enter");
  const message = second.getByRole("alert").filter({ hasText: "Dr Casey Clinician saved changes to this patient's record" });
  await expect(message).toContainText("Nothing of yours was saved");
  await expect(message).toBeFocused();
  await expect(second.locator("#f-sppb")).toHaveValue("7");
  // The first clinician's result is now shown beside the form, with a new version.
  await expect(second.locator("#on-record-heading")).not.toHaveText(versionBefore);
  await expect(second.locator(".assess-record").getByRole("row").filter({ hasText: "Timed up-and-go" })).toContainText("13 s");
  await expect(second.locator(".assess-record").getByRole("row").filter({ hasText: "Timed up-and-go" })).toContainText("Dr Casey Clinician");

  // Having checked, the second clinician saves again and it goes through.
  await second.getByRole("button", { name: "Save assessment" }).click();
  await expect(second).toHaveURL(patientUrl);
});

test("a clinician adds metformin by its brand name and sees it marked B12-lowering", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  // A patient not already on metformin.
  let found = false;
  for (let i = 2; i < 8 && !found; i += 1) {
    await openLowRiskPatient(page, i);
    found = (await page.getByRole("table", { name: "Current medicines" }).getByText(/metformin|Glucophage/i).count()) === 0;
  }
  expect(found).toBe(true);
  await page.getByRole("link", { name: "Medicines and conditions" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Medicines and conditions:/ })).toBeVisible();

  const search = page.getByLabel("Generic or brand name");
  await expect(search).toBeFocused();
  await page.keyboard.type("Glucophage");
  await page.keyboard.press("Enter");
  const choice = page.getByRole("radio", { name: /metformin/ });
  await expect(choice).toBeChecked();
  await expect(choice).toBeFocused();
  await expect(page.locator("label[for='med-metformin']")).toContainText("B12-lowering");
  await page.keyboard.press("Tab");
  await expect(page.getByLabel(/Start date/)).toBeFocused();
  await page.getByRole("button", { name: "Add medicine" }).press("Enter");

  await expect(page.getByRole("status")).toContainText("Added Glucophage");
  const row = page.getByRole("table", { name: "Current medicines" }).getByRole("row").filter({ hasText: "Glucophage" });
  await expect(row).toContainText("(metformin)");
  await expect(row).toContainText("B12-lowering");

  // A name the catalogue does not know is kept, and marked as not counting.
  await page.getByLabel("Generic or brand name").fill("Turmeric capsules");
  await page.getByLabel("Generic or brand name").press("Enter");
  await expect(page.getByRole("radio", { name: /Keep “Turmeric capsules” as free text/ })).toBeChecked();
  await page.getByRole("button", { name: "Add medicine" }).click();
  const free = page.getByRole("table", { name: "Current medicines" }).getByRole("row").filter({ hasText: "Turmeric capsules" });
  await expect(free).toContainText("Not matched — does not count for the rules");

  // The patient page shows it with its role.
  await page.getByRole("status").getByRole("link", { name: "Back to the patient" }).click();
  const medicines = page.getByRole("table", { name: "Current medicines" });
  await expect(medicines.getByRole("row").filter({ hasText: "Glucophage" })).toContainText("B12-lowering");
});

test("the entry form is in a logical Tab order and has no serious or critical accessibility violations (axe)", async ({ page }) => {
  await page.setViewportSize({ width: 1360, height: 900 });
  await signIn(page, "clinician@demo.clinic");
  await openLowRiskPatient(page, 9);
  await page.getByRole("link", { name: "Enter assessment" }).click();
  await expect(page.locator("#f-visitDate")).toBeFocused();

  // Tab from the visit date to Save: every field once, in reading order.
  const order: string[] = [];
  for (let i = 0; i < 150; i += 1) {
    const name = await page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement | HTMLButtonElement | null;
      return el?.getAttribute("name") ?? el?.textContent?.trim() ?? "";
    });
    if (order.at(-1) !== name) order.push(name);
    if (name === "Save assessment") break;
    await page.keyboard.press("Tab");
  }
  expect(order).toEqual([
    "visitDate", "gripUnit", "gripRight1", "gripRight2", "gripRight3", "gripLeft1", "gripLeft2", "gripLeft3",
    "gaitMode", "gaitValue", "chairStand", "chairStandUnable", "sppb", "tug", "walk400", "walk400Unit", "walk400Unable",
    "asm", "asmMethod", "height", "weight", "weightUnit", "calf", "yubiWakka",
    "sarcF1", "sarcF2", "sarcF3", "sarcF4", "sarcF5", "Clear SARC-F answers",
    "b12Symptom_fatigue", "b12Symptom_pins_and_needles", "b12Symptom_glossitis_mouth_ulcers", "b12Symptom_memory_concentration",
    "b12Symptom_low_mood", "b12Symptom_unsteady_gait_falls", "b12Symptom_visual_disturbance", "b12Symptom_anaemia_macrocytosis",
    "b12", "b12Unit", "b12Date", "holotc", "holotcDate", "mma", "mmaDate", "homocysteine", "homocysteineDate", "egfr", "egfrDate",
    "Save assessment",
  ]);

  expect(await seriousViolations(page)).toEqual([]);

  // With some values typed (the live best grip and SARC-F total showing) and with errors shown.
  await page.locator("#f-gripUnit-lb").check();
  await page.locator("#f-gripRight1").fill("58");
  await page.locator("#f-gripRight2").fill("61.5");
  await page.locator("#f-gripLeft1").fill("55");
  await page.locator("#f-gaitValue").fill("4.6");
  for (const [item, value] of [["sarcF1", "1"], ["sarcF2", "0"], ["sarcF3", "1"], ["sarcF4", "1"], ["sarcF5", "0"]] as const) await page.locator(`#f-${item}-${value}`).check();
  await page.locator("#f-visitDate").focus();
  await page.evaluate(() => window.scrollTo(0, 0));
  // Kept with the test's results, not in the checkout (docs/screenshots is refreshed by hand).
  await page.screenshot({ path: test.info().outputPath("assessment-form.png") });

  await page.locator("#f-tug").fill("12,5");
  await page.locator("#f-asm").fill("18");
  await page.getByRole("button", { name: "Save assessment" }).click();
  await expect(page.locator("#f-tug-error")).toContainText("use a point for decimals (12.5)");
  await expect(page.locator("#f-asmMethod-error")).toHaveText("Choose how muscle mass was measured: DXA or BIA.");
  expect(await seriousViolations(page)).toEqual([]);
});
