import { readFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { parse } from "csv-parse/sync";
import { expect, test, type Page } from "./fixtures";
import { signIn } from "./support";

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
}

test("a clinician sees the summary charts with exact numbers beside them", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.goto("/summary");
  await expect(page.getByRole("heading", { name: "Clinic summary", level: 1 })).toBeVisible();
  const tiers = page.getByRole("figure", { name: "Risk tier" });
  await expect(tiers.getByRole("img").first()).toBeVisible();
  await expect(tiers.locator(".recharts-bar-rectangle").first()).toBeVisible();
  const table = tiers.getByRole("table", { name: "Risk tier" });
  await expect(table.getByRole("row", { name: /All patients/ }).getByRole("cell").first()).toHaveText("1,000");
  // Each tier's count and percentage sit beside the chart.
  await expect(table.getByRole("row", { name: /^High/ }).getByRole("cell").first()).toHaveText(/^\d+ \(\d+\.\d %\)$/);
  for (const name of ["Prevalence by age band and sex", "Open flags: due and overdue", "B12 status by B12-lowering medicine"]) {
    await expect(page.getByRole("figure", { name }).getByRole("img").first()).toBeVisible();
  }
  await expect(page.locator("td[data-suppressed]")).toHaveCount(0);
  expect(await seriousViolations(page)).toEqual([]);
});

test("an analyst sees small cells as <5 and downloads a de-identified CSV without names or MRNs", async ({ page, browser }) => {
  await signIn(page, "analyst@demo.clinic");
  await expect(page).toHaveURL(/\/summary/);
  await expect(page.getByText(/Small counts are suppressed/)).toBeVisible();
  await expect(page.getByRole("cell", { name: "<5", exact: true }).first()).toBeVisible();

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download de-identified patient CSV" }).click()]);
  const rows = parse(readFileSync((await download.path())!, "utf8"), { columns: true }) as Record<string, string>[];
  // The documented columns first (docs/deidentified-export.md), the measure bands after them.
  expect(Object.keys(rows[0]!)).toEqual([
    "pseudonym", "age_band", "sex", "tier", "ewgsop2", "awgs2019", "b12_status", "b12_on_treatment", "flags", "b12_lowering_medications",
    "grip_strength_band", "gait_speed_band", "serum_b12_band",
  ]);
  // k-anonymity: only combinations shared by at least 5 of the 1,000 demo patients are written,
  // rare ones after giving up cells ("*"); a clear majority of the clinic is in the file.
  expect(rows.length).toBeGreaterThan(600);
  expect(rows.length).toBeLessThan(1000);
  expect(rows.some((r) => r.flags === "*")).toBe(true);
  const sharing = new Map<string, number>();
  for (const row of rows) {
    const key = Object.entries(row).filter(([column]) => column !== "pseudonym").map(([, value]) => value).join("|");
    sharing.set(key, (sharing.get(key) ?? 0) + 1);
  }
  for (const n of sharing.values()) expect(n).toBeGreaterThanOrEqual(5);
  for (const row of rows) expect(row.pseudonym).toMatch(/^P[0-9a-f]{16}$/);

  // The clinic's identified export, fetched as a clinician, shares no MRN or name with it.
  const clinician = await browser.newContext();
  const clinicianPage = await clinician.newPage();
  await signIn(clinicianPage, "clinician@demo.clinic");
  const identified = parse(await (await clinicianPage.request.get("/api/export/cohort")).text(), { columns: true }) as Record<string, string>[];
  await clinician.close();
  const text = JSON.stringify(rows);
  for (const p of identified) {
    expect(text).not.toContain(p.mrn);
    expect(text).not.toContain(p.birth_date);
  }
  const names = new Set(identified.flatMap((p) => [p.family_name, p.given_name]));
  expect(Object.values(rows[0]!).some((cell) => names.has(cell))).toBe(false);
  expect(rows.flatMap((r) => Object.values(r)).filter((cell) => names.has(cell))).toEqual([]);

  const summaryCsv = await (await page.request.get("/api/export/summary")).text();
  expect(summaryCsv).toContain(",<5,");
  expect(summaryCsv.split("\n").slice(1).some((line) => /,[1-4],[\d.]*\r?$/.test(line))).toBe(false);
});

test("an analyst sees withheld numbers drawn hatched and labelled, never as zero, with a legend saying what they mean", async ({ page }) => {
  await signIn(page, "analyst@demo.clinic");
  await page.goto("/summary");
  const withheld = page.locator(".withheld-bar");
  await expect(withheld.first()).toBeVisible();
  // Each withheld bar has length and an outline, and some carry the word.
  for (const bar of await withheld.all()) {
    const box = (await bar.boundingBox())!;
    expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(5);
  }
  await expect(page.locator(".recharts-label-list text", { hasText: /^withheld$/ }).first()).toBeVisible();
  await expect(page.getByText(/Hatched, “withheld”:/).first()).toBeVisible();
  // The men of the clinic are counted (exactly, or as the range the table implies), not "*".
  const prevalence = page.getByRole("table", { name: "Prevalence by age band and sex" });
  const men = prevalence.getByRole("row", { name: /^All ages Male/ }).getByRole("cell").first();
  await expect(men).toHaveText(/^[\d,]+(–[\d,]+)?$/);
  expect(await seriousViolations(page)).toEqual([]);
});

for (const email of ["analyst@demo.clinic", "clinician@demo.clinic"]) {
  test(`every summary table fits its card at 390, 768 and 1440 px (${email.split("@")[0]})`, async ({ page }) => {
    await signIn(page, email);
    for (const width of [390, 768, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto("/summary");
      // tier, EWGSOP2, AWGS 2019, AWGS 2025, B12 status, prevalence, flags, B12 by medicine
      await expect(page.locator(".summary-table-wrap")).toHaveCount(8);
      const cutOff = await page.locator(".summary-table-wrap").evaluateAll((wraps) =>
        wraps.filter((w) => w.scrollWidth > w.clientWidth + 1).map((w) => `${w.getAttribute("aria-label")}: ${w.scrollWidth} > ${w.clientWidth}`),
      );
      expect(cutOff, `at ${width} px`).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), `page at ${width} px`).toBeLessThanOrEqual(0);
    }
  });
}

test("the printable report hides the navigation in print, repeats table headers and passes axe", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.goto("/report?tier=high");
  await expect(page.getByRole("heading", { name: "Cohort report", level: 1 })).toBeVisible();
  await expect(page.getByText(/Cohort:.*high tier/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Print / save as PDF" })).toBeVisible();
  const patients = page.getByRole("table", { name: "Patients in the cohort" });
  await expect(patients.locator("tbody tr").first()).toBeVisible();
  for (const badge of await patients.locator("tbody .badge").allInnerTexts()) expect(badge).toContain("High");
  expect(await seriousViolations(page)).toEqual([]);

  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("navigation")).toBeHidden();
  await expect(page.getByRole("button", { name: "Print / save as PDF" })).toBeHidden();
  expect(await patients.locator("thead").evaluate((el) => getComputedStyle(el).display)).toBe("table-header-group");
  const pdf = await page.pdf({ format: "A4" });
  expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
  expect(pdf.length).toBeGreaterThan(10_000);
});

test("an analyst's report is the whole clinic, suppressed, without a patient list", async ({ page }) => {
  await signIn(page, "analyst@demo.clinic");
  await page.goto("/report?tier=high&q=a");
  await expect(page.getByRole("heading", { name: "Clinic report", level: 1 })).toBeVisible();
  await expect(page.getByText(/Cohort:.*all patients of the clinic/)).toBeVisible();
  await expect(page.getByRole("table", { name: "Patients in the cohort" })).toHaveCount(0);
  await expect(page.getByRole("cell", { name: "<5", exact: true }).first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test("a cohort report built on a guideline cut-off describes its criteria and lists only that cohort", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  const cohort = "c1.field=grip_strength&c1.op=low_ewgsop2&c1.within=6";
  await page.goto(`/patients?${cohort}`);
  const status = (await page.getByRole("status").filter({ hasText: /^Showing/ }).textContent()) ?? "";
  const total = Number(/of ([\d,]+) patient/.exec(status)?.[1]?.replace(/,/g, ""));
  expect(total).toBeGreaterThan(0);
  await page.goto(`/report?${cohort}`);
  await expect(page.getByRole("heading", { name: "Cohort report", level: 1 })).toBeVisible();
  await expect(page.getByText(/Grip strength .*last 6 months/).first()).toBeVisible();
  await expect(page.locator(".report-patients tbody tr")).toHaveCount(Math.min(total, 500));
});
