import { readFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Locator, type Page } from "./fixtures";
import { fixturePath } from "../support/fixtures";
import { cli, DEMO_PASSWORD, signIn } from "./support";

/**
 * The in-app upload (/import) on its own clinic ("upload", seeded here), so the demo clinic's
 * counts that other specs rely on never move: template, spreadsheet preview → import with
 * progress, FHIR preview → import with rejections, the origin check, accessibility.
 */

const SAMPLE = readFileSync(fixturePath("contract", "sample-assessments.csv"), "utf8");
const SYNTHEA = "Andy_Schaden_d630c6ca-046c-470a-8f3a-4dbc3850e7ae.json";
const PITFALL = "Augustina561_Gibson10_7cffc0c9-6c87-70d6-09a4-6ede378e9b0a.json";
const CLINICIAN = "clinician@upload.clinic";

/** docs/design.md#assessment-spreadsheet-csv-import, column by column, in its order. */
const CONTRACT_HEADER = [
  "mrn", "family_name", "given_name", "birth_date", "sex", "diet", "conditions", "assessed_on",
  "grip_strength_kg", "grip_strength_lb", "gait_speed_m_s", "walk_4m_s", "chair_stand_5x_s",
  "sppb_score", "tug_s", "walk_400m_s", "asm_kg", "asm_method",
  "height_cm", "weight_kg", "calf_circumference_cm", "sarc_f_score",
  "b12_value", "b12_unit", "holotc_pmol_l", "mma_umol_l", "homocysteine_umol_l", "egfr", "medications",
  "yubi_wakka", "b12_symptoms", "medications_stopped", "mma_nmol_l",
].join(",");

/** The contract sample with EX-003's grip (spreadsheet row 4) made impossible. */
const WITH_BAD_ROW = SAMPLE.replace(/^(EX-003,Example,Cleo,1951-11-30,female,vegan,,2026-10-01,)15\.0,/m, "$1250,");

test.beforeAll(async ({ browser }) => {
  expect(WITH_BAD_ROW).not.toBe(SAMPLE);
  cli("seed", "--slug", "upload", "--reset", "--patients", "3", "--seed", "5");
  // The first sign-in on a fresh server renders cold pages; let it take its time here, once.
  const page = await browser.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(CLINICIAN);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible({ timeout: 60_000 });
  await page.goto("/import");
  await page.close();
});

async function panelTotal(page: Page): Promise<number> {
  const response = await page.request.get("/api/patients");
  expect(response.status()).toBe(200);
  return ((await response.json()) as { total: number }).total;
}

async function importJobCount(page: Page): Promise<number> {
  const [csv, fhir] = await Promise.all([page.request.get("/api/import/assessments"), page.request.get("/api/import/fhir")]);
  return ((await csv.json()) as { imports: unknown[] }).imports.length + ((await fhir.json()) as { imports: unknown[] }).imports.length;
}

/** The value beside a label in a preview's or result's facts (`<dt>label</dt><dd>value</dd>`). */
const fact = (scope: Locator, label: string) => scope.locator("dl > div").filter({ has: scope.page().locator("dt").getByText(label, { exact: true }) }).locator("dd");

const spreadsheet = (page: Page) => page.getByRole("region", { name: "Assessment spreadsheet (CSV)" });
const fhirSection = (page: Page) => page.getByRole("region", { name: "FHIR R4 files" });

test("a clinician downloads the template: the header is the contract of docs/design.md", async ({ page }) => {
  await signIn(page, CLINICIAN);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Import" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Import data" })).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download the template (CSV)" }).click()]);
  expect(download.suggestedFilename()).toBe("assessment-template.csv");
  const lines = readFileSync((await download.path())!, "utf8").trim().split(/\r?\n/);
  expect(lines[0]).toBe(CONTRACT_HEADER);
  expect(lines.length).toBe(3);
  expect(lines[1]).toMatch(/^EXAMPLE-001,/);
});

test("a spreadsheet with a bad row: the preview names row and column and writes nothing; skipping it imports the rest with progress", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, CLINICIAN);
  await page.goto("/import");
  const section = spreadsheet(page);
  const before = await panelTotal(page);

  // Not a CSV: refused at once, with what to do.
  await section.getByLabel(/Spreadsheet \(CSV/).setInputFiles({ name: "visits.xlsx", mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buffer: Buffer.from("PK") });
  await expect(section.getByText(/is a spreadsheet workbook, not CSV\. In your spreadsheet choose "Save as… CSV UTF-8/)).toBeVisible();
  await expect(section.getByRole("button", { name: "Preview" })).toBeDisabled();

  await section.getByLabel(/Spreadsheet \(CSV/).setInputFiles({ name: "visits.csv", mimeType: "text/csv", buffer: Buffer.from(WITH_BAD_ROW) });
  await section.getByRole("button", { name: "Preview" }).click();
  const preview = section.getByRole("region", { name: /Preview of visits\.csv/ });
  await expect(preview).toBeVisible();
  await expect(fact(preview, "Rows read")).toHaveText("6");
  await expect(fact(preview, "Valid rows")).toHaveText("5");
  await expect(fact(preview, "Invalid rows")).toHaveText("1");
  await expect(fact(preview, "New patients")).toHaveText("5");
  await expect(preview.getByText(/1 row has problems, so nothing would be imported/)).toBeVisible();
  const problem = preview.getByRole("table", { name: "Problems to fix" }).getByRole("row").nth(1);
  await expect(problem.getByRole("cell").nth(0)).toHaveText("4");
  await expect(problem.getByRole("cell").nth(1)).toHaveText("grip_strength_kg");
  await expect(problem.getByRole("cell").nth(2)).toContainText("250");
  await expect(section.getByRole("button", { name: /^Import / })).toHaveCount(0);
  expect(await panelTotal(page)).toBe(before);

  // The full list downloads as CSV.
  const [download] = await Promise.all([page.waitForEvent("download"), preview.getByRole("button", { name: /Download all .* \(CSV\)/ }).click()]);
  const problemsCsv = readFileSync((await download.path())!, "utf8");
  expect(problemsCsv.split(/\r?\n/)[0]).toBe("severity,row,column,message");
  expect(problemsCsv).toMatch(/^error,4,grip_strength_kg,/m);

  await section.getByLabel(/Skip invalid rows/).check();
  await section.getByRole("button", { name: "Preview" }).click();
  await expect(section.getByText("Ready to import 5 rows (the 1 invalid row will be skipped).")).toBeVisible();
  expect(await panelTotal(page)).toBe(before);

  await section.getByRole("button", { name: "Import 5 rows" }).click();
  await expect(section.getByRole("heading", { name: "Import finished" })).toBeVisible({ timeout: 60_000 });
  const bar = section.getByRole("progressbar", { name: "Importing" });
  await expect(bar).toBeVisible();
  const max = await bar.getAttribute("max");
  expect(Number(max)).toBeGreaterThan(0);
  await expect(bar).toHaveAttribute("value", max!);
  await expect(section.getByRole("status").filter({ hasText: "Importing: 100%" })).toBeVisible();
  await expect(section.getByText(/Imported 5 rows: 5 new patients, \d+ new observations, \d+ new medicines; 0 patients changed, 0 rows were already there; 1 invalid row was skipped\./)).toBeVisible();
  expect(await panelTotal(page)).toBe(before + 5);
  await section.getByRole("link", { name: "Open the patient panel" }).click();
  await expect(page).toHaveURL(/\/patients$/);
});

test("FHIR: a Synthea bundle imports; a pitfall bundle's mislabelled codes are rejected with the reason", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, CLINICIAN);
  await page.goto("/import");
  const section = fhirSection(page);
  const before = await panelTotal(page);
  const input = section.getByLabel(/FHIR files/);

  await input.setInputFiles(fixturePath("synthea", SYNTHEA));
  await section.getByRole("button", { name: "Preview FHIR import" }).click();
  const preview = section.getByRole("region", { name: "Preview (nothing has been written)" });
  await expect(fact(preview, "Patients")).toContainText("1 new");
  // Ordinary observations (blood pressure, HbA1c…) are ignored, counted by code and collapsed — not rejected.
  await expect(fact(preview, "Rejected (problems)")).toHaveText("0");
  await expect(fact(preview, "Ignored (not used by screening)")).toHaveText("154 observations");
  await expect(preview.getByRole("table", { name: "Rejected resources" })).toHaveCount(0);
  const ignored = preview.locator("details.import-ignored");
  await expect(ignored.getByRole("table", { name: "Ignored observations by code" })).toBeHidden();
  await ignored.locator("summary").click();
  await expect(ignored.getByRole("table", { name: "Ignored observations by code" }).getByRole("row").filter({ hasText: "4548-4" })).toContainText("Hemoglobin A1c");
  expect(await panelTotal(page)).toBe(before);
  await section.getByRole("button", { name: /^Import \d+ resources$/ }).click();
  await expect(section.getByRole("region", { name: "Import finished" })).toBeVisible({ timeout: 60_000 });
  await expect(fact(section.getByRole("region", { name: "Import finished" }), "Patients")).toContainText("1 new");
  expect(await panelTotal(page)).toBe(before + 1);

  await input.setInputFiles(fixturePath("fhir-pitfalls", PITFALL));
  await section.getByRole("button", { name: "Preview FHIR import" }).click();
  const rejected = section.getByRole("table", { name: "Rejected resources" });
  await expect(rejected).toBeVisible();
  const mislabelled = rejected.getByRole("row").filter({ hasText: "mislabelled" }).first();
  await expect(mislabelled).toContainText("http://loinc.org");
  await expect(mislabelled).toContainText(PITFALL);

  // Not FHIR: refused before upload.
  await input.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
  await expect(section.getByText(/"notes.txt" is not a FHIR JSON or NDJSON file/)).toBeVisible();
});

test("the upload routes refuse a cross-origin POST with 403 and write nothing", async ({ page }) => {
  await signIn(page, CLINICIAN);
  const patients = await panelTotal(page);
  const jobs = await importJobCount(page);
  const evil = { Origin: "http://evil.example" };
  const csv = { name: "visits.csv", mimeType: "text/csv", buffer: Buffer.from(SAMPLE) };
  for (const mode of ["preview", "import"]) {
    const response = await page.request.post("/api/import/assessments", { headers: evil, multipart: { file: csv, mode, skipInvalid: "true", previewJobId: "x" } });
    expect(response.status(), mode).toBe(403);
    expect(((await response.json()) as { error: string }).error).toBe("forbidden");
  }
  const bundle = { name: SYNTHEA, mimeType: "application/json", buffer: readFileSync(fixturePath("synthea", SYNTHEA)) };
  const fhir = await page.request.post("/api/import/fhir", { headers: evil, multipart: { files: bundle, mode: "preview" } });
  expect(fhir.status()).toBe(403);
  expect(await panelTotal(page)).toBe(patients);
  expect(await importJobCount(page)).toBe(jobs);

  // The same request from the site itself is accepted (so the 403 above is the origin check).
  const origin = new URL(page.url()).origin;
  const ok = await page.request.post("/api/import/assessments", { headers: { Origin: origin }, multipart: { file: csv, mode: "preview" } });
  expect(ok.status()).toBe(200);
  expect(await ok.text()).toMatch(/"type":"result"/);
  expect(await importJobCount(page)).toBe(jobs + 1);
  expect(await panelTotal(page)).toBe(patients);

  // Importing without a matching preview is refused with what to do.
  const unpreviewed = await page.request.post("/api/import/assessments", { headers: { Origin: origin }, multipart: { file: csv, mode: "import", previewJobId: "not-a-preview" } });
  expect(unpreviewed.status()).toBe(404);
  expect(((await unpreviewed.json()) as { message: string }).message).toMatch(/Preview the file again/);
  expect(await panelTotal(page)).toBe(patients);
});

test("the import page, with a preview's problems on it, passes axe", async ({ page }) => {
  await signIn(page, CLINICIAN);
  await page.goto("/import");
  const section = spreadsheet(page);
  await section.getByLabel(/Spreadsheet \(CSV/).setInputFiles({ name: "visits.csv", mimeType: "text/csv", buffer: Buffer.from(WITH_BAD_ROW) });
  await section.getByRole("button", { name: "Preview" }).click();
  await expect(section.getByRole("table", { name: "Problems to fix" })).toBeVisible();
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
});

interface TimedEvent {
  at: number;
  type: string;
  phase?: string;
  done?: number;
  total?: number;
}

/** Posts a spreadsheet from the page itself and notes when each NDJSON line arrives. */
async function postTimed(page: Page, csv: string, fields: Record<string, string>): Promise<{ events: TimedEvent[]; result: { importJobId: string; rowsValid: number; created: { patients: number } } }> {
  return page.evaluate(
    async ({ csv, fields }) => {
      const body = new FormData();
      body.set("file", new File([csv], "large.csv", { type: "text/csv" }));
      for (const [key, value] of Object.entries(fields)) body.set(key, value);
      const started = performance.now();
      const response = await fetch("/api/import/assessments", { method: "POST", body });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      const events: TimedEvent[] = [];
      let result: unknown = null;
      let buffered = "";
      for (;;) {
        const { value, done } = await reader.read();
        buffered += value ?? "";
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines.filter(Boolean)) {
          const event = JSON.parse(line);
          events.push({ at: performance.now() - started, type: event.type, phase: event.phase, done: event.done, total: event.total });
          if (event.type === "result") result = event.result;
        }
        if (done) break;
      }
      return { events, result: result as { importJobId: string; rowsValid: number; created: { patients: number } } };
    },
    { csv, fields },
  );
}

test("a large spreadsheet streams its progress while it is written", async ({ page }) => {
  test.setTimeout(180_000);
  const rows = 6_000;
  const csv = [
    "mrn,family_name,given_name,birth_date,sex,assessed_on,grip_strength_kg,gait_speed_m_s",
    ...Array.from({ length: rows }, (_, i) => `BIG-${String(i).padStart(6, "0")},Large,File,1950-01-01,${i % 2 ? "male" : "female"},2026-10-01,${20 + (i % 15)},0.9`),
  ].join("\n");
  await signIn(page, CLINICIAN);
  await page.goto("/import");
  const before = await panelTotal(page);

  const preview = await postTimed(page, csv, { mode: "preview" });
  expect(preview.result.rowsValid).toBe(rows);
  expect(await panelTotal(page)).toBe(before);

  const run = await postTimed(page, csv, { mode: "import", previewJobId: preview.result.importJobId });
  const writing = run.events.filter((e) => e.type === "progress" && e.phase === "writing");
  // Rows are written, then patients re-evaluated, in batches: several events, counting up to the total.
  expect(writing.length).toBeGreaterThanOrEqual(3);
  for (let i = 1; i < writing.length; i += 1) expect(writing[i]!.done!).toBeGreaterThan(writing[i - 1]!.done!);
  expect(writing.at(-1)!.done).toBe(writing.at(-1)!.total);
  // They arrive as the work happens, not all at once with the result.
  const last = run.events.at(-1)!;
  expect(last.type).toBe("result");
  expect(last.at - writing[0]!.at).toBeGreaterThan(100);
  expect(run.result.created.patients).toBe(rows);
  expect(await panelTotal(page)).toBe(before + rows);
  const seconds = (e: TimedEvent | undefined) => ((e?.at ?? 0) / 1000).toFixed(1);
  console.log(
    `[upload] ${rows} rows (${(csv.length / 1e6).toFixed(2)} MB): preview ${seconds(preview.events.at(-1))} s; import ${seconds(last)} s, ` +
      `${writing.length} progress events, first at ${seconds(writing[0])} s`,
  );
});
