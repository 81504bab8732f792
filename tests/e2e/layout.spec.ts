import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "./fixtures";
import { signIn } from "./support";
import { FLAG_EXPLANATIONS, FLAG_LABELS, TIER_EXPLANATIONS, TIER_LABELS } from "../../lib/domain/labels";
import { FLAG_CODES, TIER_RANK } from "../../lib/domain/types";

/**
 * Every page a clinician uses, at a phone (390 px), a tablet (768 px) and a desktop (1440 px)
 * width, in the light and the dark colour scheme: no sideways scrolling, and no serious or
 * critical axe finding (contrast included). Screenshots of the panel, a patient and the
 * assessment form at each width are kept with the test's results (test-results/), never in the
 * checkout.
 */

const WIDTHS = [390, 768, 1440] as const;
const SCHEMES = ["light", "dark"] as const;

/** Paths of the pages, `:id` being a patient of the demo clinic. */
const PAGES = [
  ["panel", "/patients"],
  ["patient", "/patients/:id"],
  ["assessment form", "/patients/:id/assess"],
  ["medicines", "/patients/:id/medicines"],
  ["observations", "/patients/:id/observations"],
  ["new patient", "/patients/new"],
  ["edit patient details", "/patients/:id/edit"],
  ["summary", "/summary"],
  ["report", "/report?tier=high"],
  ["import", "/import"],
  ["thresholds", "/thresholds"],
  ["edit thresholds", "/thresholds/edit"],
  ["compare thresholds", "/thresholds/compare?left=1&right=1"],
  ["restore thresholds", "/thresholds/restore?version=1"],
  ["audit", "/audit"],
  ["users", "/users"],
  ["EHR", "/ehr"],
  ["help", "/help"],
] as const;

const SCREENSHOTS = new Set(["panel", "patient", "assessment form", "EHR"]);

/**
 * Serious or critical axe findings. The dark scheme changes colours only, so there only the
 * colour rules run (every other rule has run on the same markup in the light scheme): a third of
 * the time on these pages.
 */
async function seriousViolations(page: Page, scheme: (typeof SCHEMES)[number]): Promise<string[]> {
  const axe = new AxeBuilder({ page });
  if (scheme === "dark") axe.withRules(["color-contrast", "link-in-text-block"]);
  const results = await axe.analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 4).join(", ")}`);
}

/** A patient with open flags, medicines and results: the first of the worklist. */
async function firstPatientId(page: Page): Promise<string> {
  await page.goto("/patients");
  const href = await page.getByRole("table").locator("tbody tr").first().getByRole("link").first().getAttribute("href");
  return href!.split("/").pop()!;
}

for (const scheme of SCHEMES) {
  for (const width of WIDTHS) {
    test(`every page at ${width} px in the ${scheme} scheme: no sideways scrolling, no serious axe finding`, async ({ browser }, testInfo) => {
      test.setTimeout(300_000);
      const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
      const page = await context.newPage();
      // An admin reaches every page a clinician uses, and the audit page besides.
      await signIn(page, "admin@demo.clinic");
      const id = await firstPatientId(page);
      const findings: Record<string, string[]> = {};
      for (const [name, path] of PAGES) {
        await page.goto(path.replace(":id", id));
        await expect(page.locator("main h1").first()).toBeVisible();
        await page.waitForLoadState("networkidle");
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${name} at ${width} px scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
        const violations = await seriousViolations(page, scheme);
        if (violations.length > 0) findings[name] = violations;
        if (scheme === "light" && SCREENSHOTS.has(name)) {
          await page.screenshot({ path: testInfo.outputPath(`${name.replace(/ /g, "-")}-${width}.png`), fullPage: width !== 1440 });
        }
      }
      testInfo.annotations.push({ type: "axe", description: `${width} px ${scheme}: ${Object.keys(findings).length} pages with serious findings` });
      expect(findings).toEqual({});
      await context.close();
    });
  }
}

test("at 1440×900 the worklist comes first: ten patients in view, the search box, the folded filters and the saved views at the top", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, "clinician@demo.clinic");
  await expect(page.getByText("Showing 1–25 of 1,000 patients")).toBeVisible();
  const bottoms = await page.getByRole("table").locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().bottom));
  expect(bottoms.filter((b) => b <= 900).length).toBeGreaterThanOrEqual(10);
  await expect(page.getByRole("searchbox", { name: "Name or MRN" })).toBeInViewport();
  await expect(page.getByRole("navigation", { name: "Saved views" })).toBeInViewport();
  const disclosure = page.locator("details.filter-disclosure");
  await expect(disclosure).not.toHaveAttribute("open", "");
  await expect(disclosure.locator("summary")).toHaveText(/Filters and cohort criteria\s*none active/);
  await expect(page.getByRole("combobox", { name: "Sex" })).toBeHidden();
  await context.close();
});

test("the panel sorts by next due date, soonest first, patients with nothing due last", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.getByRole("link", { name: /^Open flags, next due/ }).click();
  await expect(page).toHaveURL(/sort=next_due/);
  await expect(page.getByRole("columnheader", { name: /Open flags, next due/ })).toHaveAttribute("aria-sort", "ascending");
  const firstDue = await page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => /\d{4}-\d{2}-\d{2}/.exec(r.querySelector(".flag-list li")?.textContent ?? "")?.[0] ?? null));
  const dated = firstDue.filter((d): d is string => d !== null);
  expect(dated.length).toBeGreaterThan(0);
  expect(dated).toEqual([...dated].sort());
  // Descending: the latest due first.
  await page.getByRole("link", { name: /^Open flags, next due/ }).click();
  await expect(page.getByRole("columnheader", { name: /Open flags, next due/ })).toHaveAttribute("aria-sort", "descending");
  const latestFirst = await page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => /\d{4}-\d{2}-\d{2}/.exec(r.querySelector(".flag-list li")?.textContent ?? "")?.[0] ?? null));
  expect(latestFirst[0]! >= dated.at(-1)!).toBe(true);
});

test("results outside the look-back window are marked as not used on the panel and the patient page; explanations give each result's date", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  const marked = page.locator("tbody td .not-used").first();
  await expect(marked).toBeVisible();
  await expect(marked).toHaveText("not used (older than 12 months)");
  const cellText = await marked.locator("xpath=ancestor::td[1]").innerText();
  const date = /\d{4}-\d{2}-\d{2}/.exec(cellText)![0];
  const yearAgo = new Date();
  yearAgo.setUTCFullYear(yearAgo.getUTCFullYear() - 1);
  expect(date < yearAgo.toISOString().slice(0, 10)).toBe(true);

  // The same patient's page lists that result with its date, marked the same way, and each
  // sentence of the explanation gives the date of the result it used.
  await marked.locator("xpath=ancestor::tr[1]").getByRole("link").first().click();
  const latest = page.locator("details.latest-results");
  await expect(latest).toHaveAttribute("open", "");
  await expect(latest.getByRole("listitem").filter({ hasText: date })).toContainText("not used (older than 12 months)");
  const ewgsop2 = page.getByRole("region", { name: "Current assessment" }).getByRole("region", { name: "EWGSOP2" });
  for (const reason of await ewgsop2.getByRole("listitem").filter({ hasText: /\(EWGSOP2, Table 3\)/ }).allInnerTexts()) {
    expect(reason).toMatch(/\d{4}-\d{2}-\d{2}/);
  }
});

test("on a phone the main menu folds behind a keyboard-operable button; on a desktop it is always shown", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  await signIn(page, "clinician@demo.clinic");
  const menu = page.getByRole("button", { name: "Menu" });
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav).toBeHidden();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeInViewport();
  await menu.focus();
  await page.keyboard.press("Enter");
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(nav.getByRole("link", { name: "Summary" })).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(nav.getByRole("link", { name: "Patients" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeFocused();
  await menu.press("Space");
  await nav.getByRole("link", { name: "Help" }).click();
  await expect(page).toHaveURL(/\/help$/);
  await expect(nav).toBeHidden();
  await page.setViewportSize({ width: 1440, height: 900 });
  await expect(menu).toBeHidden();
  await expect(nav.getByRole("link", { name: "Summary" })).toBeVisible();
  await context.close();
});

test("“/” takes the keyboard to the search box, but never from a box being typed in", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  const search = page.getByRole("searchbox", { name: "Name or MRN" });
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  await page.keyboard.press("/");
  await expect(search).toBeFocused();
  await expect(search).toHaveValue("");
  await page.keyboard.type("MRN/1");
  await expect(search).toHaveValue("MRN/1");
  await page.locator("details.filter-disclosure summary").click();
  const ageFrom = page.getByLabel("Age from");
  await ageFrom.focus();
  await page.keyboard.press("/");
  await expect(ageFrom).toBeFocused();
});

test("the help page explains every tier and every flag, new ones included", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.getByRole("link", { name: "Help" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /Help/ })).toBeVisible();
  const tiers = page.getByRole("region", { name: "Risk tiers" });
  for (const tier of Object.keys(TIER_RANK) as (keyof typeof TIER_LABELS)[]) {
    await expect(tiers).toContainText(TIER_LABELS[tier]);
    await expect(tiers).toContainText(TIER_EXPLANATIONS[tier]);
  }
  const flags = page.getByRole("region", { name: "Flags" });
  expect(FLAG_CODES).toContain("muscle_decline");
  for (const code of FLAG_CODES) {
    await expect(flags.locator(`#flag-${code} dt`)).toHaveText(FLAG_LABELS[code]);
    await expect(flags.locator(`#flag-${code} dd`)).toHaveText(FLAG_EXPLANATIONS[code]);
  }
});

test("the forbidden page answers 403, the favicon loads for anyone, and a patient's tab names the patient", async ({ page, playwright }) => {
  const anonymous = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  expect((await anonymous.get("/forbidden")).status()).toBe(403);
  const icon = await anonymous.get("/icon.svg");
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toContain("image/svg+xml");
  await anonymous.dispose();

  await signIn(page, "analyst@demo.clinic");
  const refused = await page.goto("/patients");
  expect(page.url()).toMatch(/\/forbidden$/);
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await expect(page.locator('head link[rel="icon"]')).toHaveAttribute("href", /icon\.svg/);

  await page.context().clearCookies();
  await signIn(page, "clinician@demo.clinic");
  const row = page.getByRole("table").locator("tbody tr").first();
  const name = (await row.getByRole("link").first().innerText()).trim();
  const mrn = (await row.locator("td").nth(2).innerText()).trim();
  await row.getByRole("link").first().click();
  await expect(page).toHaveTitle(`${name} (${mrn}) · Sarcopenia screening`);
});

test("looking at the panel opens no record: the patients in sight are not audited as viewed until one is opened", async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, "admin@demo.clinic");
  // The top of the worklist, read through the API (a page would be a look at the panel itself).
  const top = ((await (await admin.request.get("/api/patients?size=25")).json()) as { rows: { mrn: string }[] }).rows[0]!;
  /** The clinician's "viewed the record" events for that patient, from the audit CSV. */
  const views = async () => {
    const csv = await (await admin.request.get(`/api/audit/export?action=patient.view&mrn=${top.mrn}`)).text();
    return csv.split(/\r?\n/).filter((line) => line.includes("clinician@demo.clinic")).length;
  };
  const before = await views();
  const clinician = await (await browser.newContext()).newPage();
  await signIn(clinician, "clinician@demo.clinic");
  const row = clinician.getByRole("table").locator("tbody tr").filter({ hasText: top.mrn });
  await expect(row).toBeVisible();
  // Every patient link in sight, and then the rest of the page: Next.js prefetches links in view.
  await clinician.mouse.wheel(0, 4000);
  await clinician.waitForLoadState("networkidle");
  await clinician.waitForTimeout(1500);
  expect(await views()).toBe(before);
  await row.getByRole("link").first().click();
  await expect(clinician.getByRole("heading", { level: 1 })).toBeVisible();
  await expect.poll(views).toBe(before + 1);
});
