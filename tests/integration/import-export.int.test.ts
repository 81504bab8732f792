import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../support/fixtures";
import { createTestDatabase, testProvider, type TestDatabase } from "../support/test-db";
import { assessmentCsv, createSystemClinic } from "../support/import-data";
import type { SystemActor } from "@/lib/data/access/actor";
import { verifyAuditChain } from "@/lib/data/audit/log";
import { streamCohortCsv, type CohortExportOptions } from "@/lib/data/export/cohort-csv";
import { importAssessments, type ImportOptions } from "@/lib/data/import/assessments";
import { recomputeClinic, recomputeLockKey } from "@/lib/data/jobs/recompute";

const NOW = new Date("2026-11-21T00:00:00Z");
const CONTRACT = fixturePath("contract");
const SAMPLE = readFileSync(path.join(CONTRACT, "sample-assessments.csv"));
const EXPECTED = parse(readFileSync(path.join(CONTRACT, "expected-export.csv")), { columns: true }) as Record<string, string>[];
const COMPARED = ["ewgsop2", "awgs2019", "b12_status", "b12_on_treatment", "flags", "b12_lowering_medications"] as const;

const exec = promisify(execFile);

let t: TestDatabase;
let clinicA: SystemActor;
let clinicB: SystemActor;

function newPatientRow(mrn: string, extra: Record<string, string> = {}): Record<string, string> {
  return { mrn, family_name: "Test", given_name: mrn, birth_date: "1950-05-05", sex: "female", assessed_on: "2026-09-01", grip_strength_kg: "14.0", ...extra };
}

function run(actor: SystemActor, content: Buffer, options: Partial<ImportOptions> = {}, name = "test.csv") {
  return importAssessments(t.db, actor, { name, content }, { now: NOW, ...options });
}

async function exportRows(actor: SystemActor, options: Partial<CohortExportOptions> = {}): Promise<Record<string, string>[]> {
  let text = "";
  for await (const chunk of streamCohortCsv(t.db, actor, { now: NOW, batchSize: 2, ...options })) text += chunk;
  return parse(text, { columns: true }) as Record<string, string>[];
}

/** Everything an import can write, for "nothing changed" assertions. */
async function dataCounts() {
  const db = t.db;
  const [patients, observations, medications, conditions, snapshots, flags] = await Promise.all([
    db.patient.count(), db.observation.count(), db.patientMedication.count(), db.patientCondition.count(), db.riskSnapshot.count(), db.flag.count(),
  ]);
  return { patients, observations, medications, conditions, snapshots, flags };
}

function expectMatchesContract(rows: Record<string, string>[]) {
  for (const expected of EXPECTED) {
    const actual = rows.find((r) => r.mrn === expected.mrn);
    expect(actual, `export row for ${expected.mrn}`).toBeDefined();
    for (const column of COMPARED) expect(actual?.[column], `${expected.mrn} ${column}`).toBe(expected[column]);
    if (expected.tier) expect(actual?.tier, `${expected.mrn} tier`).toBe(expected.tier);
  }
}

beforeAll(async () => {
  t = await createTestDatabase();
  clinicA = await createSystemClinic(t.db, "clinic-a");
  clinicB = await createSystemClinic(t.db, "clinic-b");
});
afterAll(async () => t?.drop());

describe(`assessment import, cohort export and recompute (${process.env.TEST_DATABASE ?? "sqlite"})`, () => {
  it("reports an unknown column by name and writes nothing", async () => {
    const content = assessmentCsv([{ ...newPatientRow("U-1"), grip_kg: "20" }]);
    const result = await run(clinicA, content, { skipInvalid: true });
    expect(result.blocked).toBe(true);
    expect(result.errors).toContainEqual(expect.objectContaining({ row: 1, column: "grip_kg", message: expect.stringContaining('"grip_kg"') }));
    expect((await dataCounts()).patients).toBe(0);
  });

  it("writes nothing when one row is invalid, and lists row, column and reason", async () => {
    const content = assessmentCsv([newPatientRow("T-1"), newPatientRow("T-2", { grip_strength_kg: "250" }), newPatientRow("T-3", { birth_date: "" })]);
    const result = await run(clinicA, content);
    expect(result.blocked).toBe(true);
    expect(result.rowsTotal).toBe(3);
    expect(result.rowsValid).toBe(1);
    expect(result.errors.map((e) => [e.row, e.column])).toEqual([[3, "grip_strength_kg"], [4, "birth_date"]]);
    expect(result.errors[1]?.message).toMatch(/T-3 is not yet a patient/);
    expect(await dataCounts()).toEqual({ patients: 0, observations: 0, medications: 0, conditions: 0, snapshots: 0, flags: 0 });
  });

  it("dry run reports what would change and writes nothing", async () => {
    const result = await run(clinicA, SAMPLE, { dryRun: true });
    expect(result).toMatchObject({ dryRun: true, blocked: false, rowsTotal: 6, rowsValid: 6, errors: [], updatedPatients: 0, unchanged: 0 });
    expect(result.created.patients).toBe(6);
    expect(result.created.observations).toBeGreaterThan(40);
    expect(result.created.medications).toBe(5);
    expect(await dataCounts()).toEqual({ patients: 0, observations: 0, medications: 0, conditions: 0, snapshots: 0, flags: 0 });
    const job = await t.db.importJob.findUniqueOrThrow({ where: { id: result.importJobId } });
    expect(job).toMatchObject({ dryRun: true, status: "validated" });
  });

  it("imports the contract sample and the export matches expected-export.csv", async () => {
    const progress: number[] = [];
    const result = await run(clinicA, SAMPLE, { onProgress: (done) => progress.push(done) }, "sample-assessments.csv");
    expect(result).toMatchObject({ blocked: false, rowsValid: 6, errors: [], warnings: [], updatedPatients: 0, unchanged: 0 });
    expect(result.created.patients).toBe(6);
    expect(progress.at(-1)).toBe(12);
    expect(await t.db.riskSnapshot.count({ where: { clinicId: clinicA.clinicId } })).toBe(6);

    const rows = await exportRows(clinicA);
    expect(Object.keys(rows[0] ?? {}).slice(0, 3)).toEqual(["mrn", "family_name", "given_name"]);
    expectMatchesContract(rows);
    const ex002 = rows.find((r) => r.mrn === "EX-002");
    expect(ex002).toMatchObject({ grip_strength_kg: "23.6", gait_speed_m_s: "0.74", last_assessed_on: "2026-10-01" });
    expect(rows.find((r) => r.mrn === "EX-004")?.chair_stand_5x_s).toBe("unable");

    const patient = await t.db.patient.findFirstOrThrow({ where: { clinicId: clinicA.clinicId, mrn: "EX-002" } });
    expect(patient.latestGripKg).toBeCloseTo(23.59, 1);
    expect(patient.medicationClasses).toBe(";metformin;ppi;");
    expect(patient.lastAssessedAt).toEqual(new Date("2026-10-01T00:00:00Z"));
    const grip = await t.db.observation.findFirstOrThrow({ where: { patientId: patient.id, kind: "grip_strength" } });
    expect(grip).toMatchObject({ observedAt: new Date("2026-10-01T00:00:00Z"), reportedValue: "52", reportedUnit: "lb", isUnable: false, status: "final", source: "csv" });
    const metformin = await t.db.patientMedication.findFirstOrThrow({ where: { patientId: patient.id, catalogueId: "metformin" } });
    expect(metformin).toMatchObject({ startedOn: new Date("2015-05-01T00:00:00Z"), atcCode: "A10BA02", stoppedOn: null });
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "import.run", entityId: result.importJobId } });
    expect(JSON.parse(audit.detailJson)).toMatchObject({ status: "completed", rowsValid: 6, created: { patients: 6 } });
    expect(JSON.parse(audit.detailJson).patients.created).toHaveLength(6);
  });

  it("re-importing the same file changes nothing", async () => {
    const before = await dataCounts();
    const result = await run(clinicA, SAMPLE);
    expect(result).toMatchObject({ blocked: false, created: { patients: 0, observations: 0, medications: 0 }, updatedPatients: 0, unchanged: 6 });
    expect(await dataCounts()).toEqual(before);
  });

  it("rejects a birth date that differs from the clinic's record, naming both", async () => {
    const content = assessmentCsv([{ mrn: "EX-001", birth_date: "1948-03-03", assessed_on: "2026-11-01", grip_strength_kg: "21" }, { mrn: "EX-002", assessed_on: "2026-11-01", grip_strength_kg: "20" }]);
    const before = await dataCounts();
    const result = await run(clinicA, content);
    expect(result.blocked).toBe(true);
    expect(result.errors).toEqual([{ row: 2, column: "birth_date", message: expect.stringMatching(/1948-03-03 differs from 1948-03-02/) }]);
    expect(await dataCounts()).toEqual(before);
  });

  it("rejects rows of one MRN that disagree with each other", async () => {
    const content = assessmentCsv([newPatientRow("C-1"), newPatientRow("C-1", { sex: "male", assessed_on: "2026-10-01" })]);
    const result = await run(clinicA, content);
    expect(result.errors).toEqual([
      { row: 2, column: "mrn", message: "Not imported: patient C-1 has a problem reported in row 3." },
      { row: 3, column: "sex", message: expect.stringMatching(/^Sex male differs from female given for MRN C-1 in row 2/) },
    ]);
  });

  it("with skipInvalid writes the valid rows, lists the rest, and keeps unknown medicines as free text", async () => {
    const content = assessmentCsv([
      newPatientRow("S-1", { medications: "metformin@2020-01-01;herbal tonic" }),
      newPatientRow("S-2", { gait_speed_m_s: "12,5" }),
      { mrn: "EX-003", assessed_on: "2026-11-01", grip_strength_kg: "15.5" },
    ]);
    const result = await run(clinicA, content, { skipInvalid: true });
    expect(result).toMatchObject({ blocked: false, rowsTotal: 3, rowsValid: 2, created: { patients: 1, observations: 2, medications: 2 }, updatedPatients: 1 });
    expect(result.errors).toEqual([expect.objectContaining({ row: 3, column: "gait_speed_m_s" })]);
    expect(result.warnings).toEqual([expect.objectContaining({ row: 2, column: "medications", message: expect.stringContaining("herbal tonic") })]);
    const s1 = await t.db.patient.findFirstOrThrow({ where: { clinicId: clinicA.clinicId, mrn: "S-1" }, include: { medications: true, snapshot: true } });
    expect(s1.medications.map((m) => [m.name, m.catalogueId]).sort()).toEqual([["herbal tonic", null], ["metformin", "metformin"]]);
    expect(s1.snapshot).toMatchObject({ tier: "elevated", ewgsop2: "probable" });
    expect(await t.db.patient.count({ where: { mrn: "S-2" } })).toBe(0);
    const ex003 = await t.db.patient.findFirstOrThrow({ where: { clinicId: clinicA.clinicId, mrn: "EX-003" } });
    expect(ex003.latestGripKg).toBe(15.5);
  });

  it("exports a formula-like name neutralised", async () => {
    const content = assessmentCsv([newPatientRow("N-1", { family_name: '=HYPERLINK("http://evil","x")', given_name: "-cmd" })]);
    expect((await run(clinicA, content)).blocked).toBe(false);
    const row = (await exportRows(clinicA)).find((r) => r.mrn === "N-1");
    expect(row?.family_name).toBe(`'=HYPERLINK("http://evil","x")`);
    expect(row?.given_name).toBe("'-cmd");
  });

  it("filters the export by tier and flag", async () => {
    const high = await exportRows(clinicA, { tiers: ["high"] });
    expect(high.length).toBeGreaterThan(0);
    expect(high.every((r) => r.tier === "high")).toBe(true);
    const due = await exportRows(clinicA, { flags: ["b12_test_due"] });
    expect(due.map((r) => r.mrn)).toContain("EX-005");
    expect(due.every((r) => r.flags?.split(";").includes("b12_test_due"))).toBe(true);
  });

  it("keeps clinics apart: the same MRN in another clinic is another patient, never exported by the first", async () => {
    const result = await run(clinicB, assessmentCsv([newPatientRow("EX-001", { family_name: "OtherClinic", birth_date: "1960-01-01" }), newPatientRow("B-ONLY")]));
    expect(result).toMatchObject({ blocked: false, created: { patients: 2 } });
    const a = await exportRows(clinicA);
    expect(a.some((r) => r.mrn === "B-ONLY" || r.family_name === "OtherClinic")).toBe(false);
    expect(a.find((r) => r.mrn === "EX-001")?.birth_date).toBe("1948-03-02");
    const b = await exportRows(clinicB);
    expect(b.map((r) => r.mrn).sort()).toEqual(["B-ONLY", "EX-001"]);
    const audit = await t.db.auditEvent.findMany({ where: { action: "export.run", clinicId: clinicB.clinicId } });
    expect(JSON.parse(audit.at(-1)!.detailJson)).toMatchObject({ rows: 2, completed: true });
  });

  it("handles batches larger than the database's bind-parameter limit", async () => {
    const rows = Array.from({ length: 1_200 }, (_, i) => newPatientRow(`L-${String(i).padStart(4, "0")}`, { medications: "omeprazole" }));
    const content = assessmentCsv(rows);
    const first = await run(clinicB, content, { batchSize: 5_000 });
    expect(first).toMatchObject({ blocked: false, created: { patients: 1_200, observations: 1_200, medications: 1_200 } });
    const again = await run(clinicB, content, { batchSize: 5_000 });
    expect(again).toMatchObject({ created: { patients: 0, observations: 0, medications: 0 }, unchanged: 1_200 });
    const exported = await exportRows(clinicB, { batchSize: 1_000 });
    expect(exported.filter((r) => r.mrn?.startsWith("L-"))).toHaveLength(1_200);
    expect(exported.find((r) => r.mrn === "L-1199")).toMatchObject({ grip_strength_kg: "14", b12_lowering_medications: "omeprazole" });
  });

  it("leaves the database unchanged when the import fails midway", async () => {
    const before = await dataCounts();
    const auditBefore = await t.db.auditEvent.count();
    const content = assessmentCsv(["F-1", "F-2", "F-3", "F-4", "F-5"].map((mrn) => newPatientRow(mrn)));
    let calls = 0;
    await expect(
      run(clinicA, content, {
        batchSize: 2,
        onProgress: () => {
          calls += 1;
          if (calls === 2) throw new Error("simulated crash");
        },
      }),
    ).rejects.toThrow("simulated crash");
    expect(await dataCounts()).toEqual(before);
    expect(await t.db.patient.count({ where: { mrn: { startsWith: "F-" } } })).toBe(0);
    const job = await t.db.importJob.findFirstOrThrow({ where: { clinicId: clinicA.clinicId }, orderBy: { startedAt: "desc" } });
    expect(job.status).toBe("failed");
    expect(await t.db.auditEvent.count()).toBe(auditBefore + 1);
  });

  it("recomputes the clinic in batches under a lock, and refuses a second concurrent run", async () => {
    const progress: number[] = [];
    const patients = await t.db.patient.count({ where: { clinicId: clinicA.clinicId } });
    await t.db.riskSnapshot.deleteMany({ where: { clinicId: clinicA.clinicId } });
    const result = await recomputeClinic(t.db, clinicA, { now: NOW, batchSize: 3, onProgress: (done) => progress.push(done) });
    expect(result.evaluated).toBe(patients);
    expect(progress.at(-1)).toBe(patients);
    expect(await t.db.riskSnapshot.count({ where: { clinicId: clinicA.clinicId } })).toBe(patients);
    expect(await t.db.jobRun.findUniqueOrThrow({ where: { id: result.jobRunId } })).toMatchObject({ status: "completed", lockKey: null, done: patients });
    expectMatchesContract(await exportRows(clinicA));

    const held = await t.db.jobRun.create({ data: { kind: "recompute", clinicId: clinicA.clinicId, lockKey: recomputeLockKey(clinicA.clinicId), status: "running" } });
    await expect(recomputeClinic(t.db, clinicA, { now: NOW })).rejects.toThrow(/already running/);
    // A run whose heartbeat stopped long ago is taken over.
    await t.db.jobRun.update({ where: { id: held.id }, data: { heartbeatAt: new Date(Date.now() - 60 * 60_000) } });
    await expect(recomputeClinic(t.db, clinicA, { now: NOW })).resolves.toMatchObject({ evaluated: patients });
    expect(await t.db.jobRun.findUniqueOrThrow({ where: { id: held.id } })).toMatchObject({ status: "failed", lockKey: null });
  });

  it("a batch that fails ends the run as failed, with every other finished batch kept and counted", async () => {
    const patients = await t.db.patient.findMany({ where: { clinicId: clinicA.clinicId }, orderBy: { mrn: "asc" }, select: { id: true, sex: true } });
    expect(patients.length).toBeGreaterThanOrEqual(7);
    // The fourth patient, in the second batch of three, has a stored value the engine cannot read.
    const broken = patients[3]!;
    await t.db.patient.update({ where: { id: broken.id }, data: { sex: "not-a-sex" } });
    await t.db.riskSnapshot.deleteMany({ where: { clinicId: clinicA.clinicId } });
    try {
      await expect(recomputeClinic(t.db, clinicA, { now: NOW, batchSize: 3 })).rejects.toThrow(/not-a-sex/);
      const job = await t.db.jobRun.findFirstOrThrow({ where: { clinicId: clinicA.clinicId, kind: "recompute" }, orderBy: { startedAt: "desc" } });
      expect(job).toMatchObject({ status: "failed", lockKey: null });
      // The first batch committed. On PostgreSQL the third was already in flight (two batches at a
      // time) and the run waited for it before recording the failure, so it is written and counted.
      const snapshotsOf = (from: number, to: number) => t.db.riskSnapshot.count({ where: { patientId: { in: patients.slice(from, to).map((p) => p.id) } } });
      expect(await snapshotsOf(0, 3)).toBe(3);
      expect(await snapshotsOf(3, 6)).toBe(0);
      const third = Math.min(3, patients.length - 6);
      expect(await snapshotsOf(6, 9)).toBe(testProvider() === "postgresql" ? third : 0);
      expect(await snapshotsOf(9, patients.length)).toBe(0);
      expect(job.done).toBe(testProvider() === "postgresql" ? 3 + third : 3);
    } finally {
      await t.db.patient.update({ where: { id: broken.id }, data: { sex: broken.sex } });
    }
    await expect(recomputeClinic(t.db, clinicA, { now: NOW, batchSize: 3 })).resolves.toMatchObject({ evaluated: patients.length });
  });

  it("imports and exports through the CLI", async () => {
    const cliClinic = await createSystemClinic(t.db, "cli");
    const dir = mkdtempSync(path.join(tmpdir(), "sarc-cli-"));
    try {
      const env = { ...process.env, DATABASE_URL: t.url, NODE_ENV: "test" as const };
      const cli = (...args: string[]) =>
        exec("npx", ["tsx", "--conditions=react-server", "--tsconfig", "tsconfig.json", "lib/cli/main.ts", "--clinic", "cli", ...args], { env, cwd: process.cwd() });
      const imported = await cli("import", path.join(CONTRACT, "sample-assessments.csv"), "--as-of", "2026-11-21");
      expect(imported.stdout).toMatch(/Imported: 6 new patients/);
      const out = path.join(dir, "cohort.csv");
      const exported = await cli("export", "--as-of", "2026-11-21", "--out", out);
      expect(exported.stderr).toMatch(/Exported 6 patients/);
      const rows = parse(readFileSync(out), { columns: true }) as Record<string, string>[];
      expect(rows.map((r) => r.mrn)).toEqual(EXPECTED.map((r) => r.mrn));
      expectMatchesContract(rows);
      expect(await t.db.patient.count({ where: { clinicId: cliClinic.clinicId } })).toBe(6);

      const bad = path.join(dir, "bad.csv");
      writeFileSync(bad, assessmentCsv([newPatientRow("Z-1", { grip_strength_kg: "abc" })]));
      const failed = await cli("import", bad).then(
        () => null,
        (error: { code: number; stdout: string }) => error,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stdout).toMatch(/row 2, column grip_strength_kg: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("kept the audit chain intact", async () => {
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });
});
