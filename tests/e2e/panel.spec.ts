import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "./fixtures";
import { cli, openFilters, signIn } from "./support";

test("a wrong password shows a clear error and keeps the visitor on the sign-in page", async ({ page }) => {
  await page.goto("/patients");
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel("Email").fill("clinician@demo.clinic");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Email or password is incorrect")).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
});

test("a clinician signs in, pages, sorts and filters the panel, and signs out", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await expect(page).toHaveURL(/\/patients$/);
  await expect(page.getByRole("heading", { name: "Patients" })).toBeVisible();
  await expect(page.getByText("Showing 1–25 of 1,000 patients")).toBeVisible();
  await expect(page.getByRole("table").locator("tbody tr")).toHaveCount(25);

  // Worklist order: highest tier first; the tier counts filter the panel.
  await expect(page.getByRole("table").locator("tbody tr").first().locator("td").first()).toHaveText(/High/);
  await page.getByRole("navigation", { name: "Patients by tier" }).getByRole("link", { name: /High/ }).click();
  await expect(page).toHaveURL(/tier=high/);
  for (const tier of await page.locator("tbody tr td:nth-child(1)").allInnerTexts()) expect(tier).toContain("High");
  await expect(page.locator("details.filter-disclosure summary")).toContainText("1 active");
  await openFilters(page);
  await expect(page.getByRole("combobox", { name: "Tier" })).toHaveValue("high");
  await page.getByRole("link", { name: "Clear" }).click();
  await expect(page).toHaveURL(/\/patients$/);
  await expect(page.getByText("Showing 1–25 of 1,000 patients")).toBeVisible();

  await page.getByRole("link", { name: "Next →" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByText("Showing 26–50 of 1,000 patients")).toBeVisible();
  await expect(page.getByText("Page 2 of 40")).toBeVisible();

  // A first click on "Age" lists the oldest first and says so; a second click the youngest first.
  await page.getByRole("link", { name: /^Age/ }).click();
  await expect(page).toHaveURL(/sort=age/);
  await expect(page).toHaveURL(/dir=desc/);
  await expect(page.getByRole("columnheader", { name: /Age/ })).toHaveAttribute("aria-sort", "descending");
  await expect(page.getByRole("columnheader", { name: /Age/ })).toContainText("▼");
  const oldestFirst = (await page.locator("tbody tr td:nth-child(4)").allInnerTexts()).map(Number);
  expect(oldestFirst).toEqual([...oldestFirst].sort((a, b) => b - a));
  await page.getByRole("link", { name: /^Age/ }).click();
  await expect(page.getByRole("columnheader", { name: /Age/ })).toHaveAttribute("aria-sort", "ascending");
  const youngestFirst = (await page.locator("tbody tr td:nth-child(4)").allInnerTexts()).map(Number);
  expect(youngestFirst).toEqual([...youngestFirst].sort((a, b) => a - b));
  expect(youngestFirst[0]).toBeLessThan(oldestFirst[0]!);

  await openFilters(page);
  await page.getByLabel("Sex").selectOption("female");
  await page.getByLabel("Age from").fill("80");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/sex=female/);
  await expect(page).toHaveURL(/ageMin=80/);
  const status = await page.getByText(/^Showing 1–\d+ of [\d,]+ patients$/).innerText();
  const total = Number(/of ([\d,]+) patients/.exec(status)![1]!.replace(/,/g, ""));
  expect(total).toBeGreaterThan(0);
  expect(total).toBeLessThan(1000);
  for (const sex of await page.locator("tbody tr td:nth-child(5)").allInnerTexts()) expect(sex).toBe("female");
  for (const age of await page.locator("tbody tr td:nth-child(4)").allInnerTexts()) expect(Number(age)).toBeGreaterThanOrEqual(80);

  // The view is in the URL: reloading it gives the same filtered panel.
  await page.reload();
  await expect(page.getByText(status)).toBeVisible();
  await openFilters(page);
  await expect(page.getByLabel("Sex")).toHaveValue("female");

  // Save the view, leave it, and reopen it from the saved-views list.
  const viewName = `Women 80+ ${Date.now()}`;
  await page.getByLabel("Save this view as").fill(viewName);
  await page.getByRole("button", { name: "Save view" }).click();
  await expect(page.getByText(`Saved "${viewName}".`)).toBeVisible();
  await page.getByRole("link", { name: "Clear" }).click();
  await expect(page.getByText("Showing 1–25 of 1,000 patients")).toBeVisible();
  await page.getByRole("navigation", { name: "Saved views" }).getByRole("link", { name: viewName }).click();
  await expect(page.getByText(status)).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/patients");
  await expect(page).toHaveURL(/\/login/);
});

test("the panel is keyboard-operable: search by MRN with Tab and Enter", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.getByLabel("Name or MRN").focus();
  await page.keyboard.type("MRN000042");
  await page.keyboard.press("Enter");
  await expect(page.getByText("Showing 1–1 of 1 patient")).toBeVisible();
  await expect(page.getByRole("cell", { name: "MRN000042" })).toBeVisible();
});

test("search finds a patient as the app writes the name, in the other order, without accents, or by birth date", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.goto("/patients?q=muller&sort=name");
  const link = page.locator("tbody tr").first().getByRole("link").first();
  const name = (await link.textContent())!.trim();
  expect(name).toMatch(/^Müller, \S/);
  const href = (await link.getAttribute("href"))!;
  const box = page.getByLabel("Name or MRN");
  const unaccented = name.normalize("NFKD").replace(/\p{M}/gu, "");
  for (const q of [name, name.split(", ").reverse().join(" "), unaccented.toUpperCase()]) {
    await box.fill(q);
    await box.press("Enter");
    await expect(page.locator(`tbody a[href="${href}"]`)).toBeVisible();
  }
  await box.fill(`${unaccented} xyzzy`);
  await box.press("Enter");
  await expect(page.getByText("No patients match these filters.")).toBeVisible();
});

test("an analyst lands on the de-identified summary and may not open the panel", async ({ page }) => {
  await signIn(page, "analyst@demo.clinic");
  await expect(page).toHaveURL(/\/summary$/);
  await expect(page.getByText("no patient is identified")).toBeVisible();
  await page.goto("/patients");
  await expect(page).toHaveURL(/\/forbidden$/);
});

test("the grip column never prints a value on the other side of its cut-off: 26.99 kg beside 'probable', 27.01 kg as 27.0", async ({ page }) => {
  // A clinic of its own ("precision"), so the demo clinic's counts other specs rely on never move.
  // Dates relative to today, the day the server evaluates on: a visit 30 days ago by men of 75.
  const day = (daysAgo: number, yearsAgo = 0) => {
    const d = new Date();
    d.setUTCFullYear(d.getUTCFullYear() - yearsAgo);
    d.setUTCDate(d.getUTCDate() - daysAgo);
    return d.toISOString().slice(0, 10);
  };
  const dir = mkdtempSync(path.join(tmpdir(), "precision-"));
  try {
    const file = path.join(dir, "precision.csv");
    writeFileSync(file, [
      "mrn,family_name,given_name,birth_date,sex,assessed_on,grip_strength_kg",
      `PREC-1,Precision,Below,${day(0, 75)},male,${day(30)},26.99`,
      `PREC-2,Precision,Above,${day(0, 75)},male,${day(30)},27.01`,
    ].join("\n") + "\n");
    cli("seed", "--slug", "precision", "--reset", "--patients", "1", "--seed", "3");
    cli("--clinic", "precision", "import", file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await signIn(page, "clinician@precision.clinic");
  const gripOf = (mrn: string) => page.getByRole("row").filter({ has: page.getByRole("cell", { name: mrn, exact: true }) }).locator('td[data-label="Grip strength"] .measure-value');
  await expect(gripOf("PREC-1")).toHaveText("26.99 kg");
  await expect(gripOf("PREC-2")).toHaveText("27.0 kg");
});
