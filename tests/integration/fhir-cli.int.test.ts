import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../support/fixtures";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import type { Evaluation } from "@/lib/domain/types";

/**
 * The issue's acceptance through the CLI, as an operator runs it (a child process of
 * `npm run cli`, against this test's database): every Synthea bundle imported by
 * `import-fhir tests/fixtures/synthea/*` gives one patient per bundle; the pitfall bundles are
 * reported as mislabelled; `export-fhir` writes the NDJSON and manifest, and importing that
 * directory into another clinic reproduces the cohort, twice without change.
 */
const execFileAsync = promisify(execFile);
const SYNTHEA = fixturePath("synthea");
const PITFALLS = fixturePath("fhir-pitfalls");
const AS_OF = "2026-11-21";

let t: TestDatabase;
let work: string;

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync("npm", ["run", "-s", "cli", "--", ...args], {
    cwd: process.cwd(),
    env: { ...process.env, DATABASE_URL: t.url },
    maxBuffer: 20 * 1024 * 1024,
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  work = mkdtempSync(path.join(tmpdir(), "fhir-cli-"));
  await cli("seed", "--patients", "0", "--slug", "fhir", "--as-of", AS_OF);
  await cli("seed", "--patients", "0", "--slug", "copy", "--as-of", AS_OF);
}, 120_000);

afterAll(async () => {
  await t?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe(`npm run cli -- import-fhir / export-fhir (${process.env.TEST_DATABASE ?? "sqlite"})`, () => {
  it("imports every Synthea bundle: one patient each, weights, heights, medicines, B12 flags; reports the time", async () => {
    const files = readdirSync(SYNTHEA).filter((n) => n.endsWith(".json")).map((n) => path.join(SYNTHEA, n));
    expect(files).toHaveLength(6);
    const { stdout } = await cli("--clinic", "fhir", "import-fhir", ...files, "--as-of", AS_OF);
    expect(stdout).toMatch(/^Imported: 6 new patients, 0 updated, 0 unchanged; \d+ observations/m);
    const seconds = Number(/; ([\d.]+) s \(import job/.exec(stdout)?.[1]);
    expect(seconds).toBeGreaterThan(0);
    console.log(`[${t.provider}] CLI import-fhir of 6 Synthea bundles: ${seconds} s (as printed); last lines:\n${stdout.trim().split("\n").slice(-2).join("\n")}`);

    const clinic = await t.db.clinic.findUniqueOrThrow({ where: { slug: "fhir" } });
    const patients = await t.db.patient.findMany({ where: { clinicId: clinic.id }, include: { snapshot: true, medications: true } });
    expect(patients).toHaveLength(6);
    expect(await t.db.observation.count({ where: { clinicId: clinic.id, kind: "weight" } })).toBe(59);
    expect(await t.db.observation.count({ where: { clinicId: clinic.id, kind: "height" } })).toBe(59);
    const evaluations = patients.map((p) => JSON.parse(p.snapshot!.detailJson) as Evaluation);
    const onMetformin = evaluations.filter((e) => e.medicines.b12Lowering.includes("metformin"));
    const onReplacement = evaluations.filter((e) => e.b12.onTreatment);
    expect(onMetformin).toHaveLength(2);
    expect(onReplacement).toHaveLength(3);
    // b12_test_due (docs/design.md#flags): no B12 result, not on replacement, a risk factor — and alive.
    for (const [i, e] of evaluations.entries()) {
      const patient = patients[i]!;
      const due = e.flags.some((f) => f.code === "b12_test_due");
      const alive = patient.deceasedAt === null;
      const age = (Date.parse(AS_OF) - patient.birthDate.getTime()) / (365.2425 * 86_400_000);
      // Synthea has no B12 results, so every living patient not on replacement with age ≥ 65 or metformin is due.
      if (alive && !e.b12.onTreatment && (age >= 65 || e.medicines.b12Lowering.length > 0)) expect(due, patient.mrn).toBe(true);
      expect(due, patient.mrn).toBe(alive && !e.b12.onTreatment && e.b12.status === "not_tested" && e.riskFactors.codes.length > 0);
    }
    expect(evaluations.filter((e) => e.flags.some((f) => f.code === "b12_test_due")).length).toBe(2);
  });

  it("reports the pitfall bundles' mislabelled LOINC codes", async () => {
    const { stdout } = await cli("--clinic", "fhir", "import-fhir", PITFALLS, "--as-of", AS_OF);
    const mislabelled = stdout.split("\n").filter((l) => l.startsWith("rejected: ") && l.includes("http://loinc.org") && l.includes("mislabelled"));
    // All 118 Observations of the trimmed bundles are mislabelled: the first 50 listed, the rest counted.
    expect(mislabelled.length).toBe(50);
    expect(stdout).toContain("… and 68 more rejected");
    expect(stdout).toContain("5089AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    expect(stdout).toMatch(/^Imported: 2 new patients/m);
  });

  it("exports NDJSON and a manifest, and the directory re-imports into another clinic unchanged, twice", async () => {
    const out = path.join(work, "export");
    const { stderr } = await cli("--clinic", "fhir", "export-fhir", "--out", out, "--as-of", AS_OF);
    expect(stderr).toMatch(/Exported 8 patients/);
    const manifest = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")) as { output: { type: string; url: string; count: number }[]; error: unknown[] };
    expect(manifest.output.map((o) => o.type)).toEqual(["Patient", "Observation", "MedicationStatement", "Flag", "RiskAssessment"]);
    for (const o of manifest.output) {
      const text = readFileSync(path.join(out, o.url), "utf8");
      expect(text.split("\n").filter((l) => l !== "")).toHaveLength(o.count);
    }
    expect(manifest.output[0]!.count).toBe(8);

    const first = await cli("--clinic", "copy", "import-fhir", out, "--as-of", AS_OF);
    expect(first.stdout).toMatch(/^Imported: 8 new patients/m);
    expect(first.stdout).toMatch(/, 0 rejected, 0 ignored;/);
    const again = await cli("--clinic", "copy", "import-fhir", out, "--as-of", AS_OF);
    expect(again.stdout).toMatch(/^Imported: 0 new patients, 0 updated, 8 unchanged; 0 observations \(\d+ already imported\); 0 medications/m);
  });

  it("refuses an unknown tier with a sentence naming the choices", async () => {
    await expect(cli("--clinic", "fhir", "export-fhir", "--out", path.join(work, "x"), "--tier", "severe")).rejects.toMatchObject({
      stderr: expect.stringContaining('"severe" is not a tier; use high, elevated, low, unassessed.'),
    });
  });
});
