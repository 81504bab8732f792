import { readFileSync } from "node:fs";
import { expect, test } from "./fixtures";
import { signIn } from "./support";

const DOCUMENTED_COLUMNS =
  "mrn,family_name,given_name,birth_date,sex,age,tier,ewgsop2,awgs2019,b12_status,b12_on_treatment,flags,grip_strength_kg,gait_speed_m_s,chair_stand_5x_s,asm_kg,asmi_kg_m2,sarc_f_score,b12_pmol_l,mma_umol_l,last_assessed_on,b12_lowering_medications,evaluated_at,rule_set_version";

test("a clinician downloads the cohort CSV of the high tier from the panel", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.getByRole("navigation", { name: "Patients by tier" }).getByRole("link", { name: /High/ }).click();
  await expect(page).toHaveURL(/tier=high/);
  await expect(page.getByRole("link", { name: "Download cohort CSV" })).toHaveAttribute("href", /tier=high/);
  const highCount = Number((await page.getByRole("navigation", { name: "Patients by tier" }).getByRole("link", { name: /High/ }).locator(".tier-count-number").innerText()).replace(/,/g, ""));
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download cohort CSV" }).click()]);
  const text = readFileSync((await download.path())!, "utf8");
  const lines = text.trim().split(/\r?\n/);
  expect(lines[0]!.startsWith(DOCUMENTED_COLUMNS)).toBe(true);
  expect(lines).toHaveLength(highCount + 1);
  for (const line of lines.slice(1)) expect(line.split(",")[6]).toBe("high");
});

test("several tiers in the export URL select any of them (not only the last)", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  const tierCount = async (name: RegExp) =>
    Number((await page.getByRole("navigation", { name: "Patients by tier" }).getByRole("link", { name }).locator(".tier-count-number").innerText()).replace(/,/g, ""));
  const expected = (await tierCount(/High/)) + (await tierCount(/Elevated/));
  const text = await (await page.request.get("/api/export/cohort?tier=high&tier=elevated")).text();
  const lines = text.trim().split(/\r?\n/).slice(1);
  expect(lines).toHaveLength(expected);
  expect(new Set(lines.map((line) => line.split(",")[6]))).toEqual(new Set(["high", "elevated"]));
});
