import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { importAssessments } from "@/lib/data/import/assessments";
import { findStoredPatients } from "@/lib/data/import/plan";
import { readSpreadsheet, spreadsheetPatients } from "@/lib/data/import/read-csv";
import { runImport, type ImportJobStatus } from "@/lib/data/import/run";
import { AppError } from "@/lib/errors";

/**
 * The look-up an import makes for every batch (and the reading for the whole file): the clinic's
 * patients with the given MRNs (plan.ts `findStoredPatients`), whole, in chunks of 900 MRNs, and
 * never another clinic's patient with the same MRN.
 */
describe("the stored patients an import compares against", () => {
  let t: TestDatabase;
  let clinic: TestClinic;
  let other: TestClinic;
  beforeAll(async () => {
    t = await createTestDatabase();
    // The same MRNs in two clinics: only the asking clinic's patients are found.
    clinic = await createTestClinic(t.db, { slug: "stored-a", patients: 3, mrnPrefix: "S-" });
    other = await createTestClinic(t.db, { slug: "stored-b", patients: 5, mrnPrefix: "S-" });
  });
  afterAll(async () => t?.drop());

  it("are the clinic's own patients with those MRNs, whole, and nothing for an unknown MRN", async () => {
    const stored = await t.db.patient.findMany({
      where: { clinicId: clinic.clinicId },
      select: { id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true, diet: true, deceasedAt: true, lastAssessedAt: true },
      orderBy: { mrn: "asc" },
    });
    expect(stored).toHaveLength(3);
    const otherOnly = await t.db.patient.findFirstOrThrow({ where: { clinicId: other.clinicId, mrn: { notIn: stored.map((p) => p.mrn) } } });

    const asked = [stored[2]!.mrn, "S-NOT-STORED", otherOnly.mrn, stored[0]!.mrn, stored[1]!.mrn];
    const found = await findStoredPatients(t.db, clinic.clinicId, asked);

    expect([...found.keys()].sort()).toEqual(stored.map((p) => p.mrn));
    for (const patient of stored) {
      const got = found.get(patient.mrn);
      expect(got).toEqual(patient);
      expect(got?.birthDate).toBeInstanceOf(Date);
      expect(got?.lastAssessedAt).toBeInstanceOf(Date);
    }
    expect(await findStoredPatients(t.db, clinic.clinicId, [])).toEqual(new Map());
  });

  it("are found however many MRNs are asked at once (several look-ups of 900)", async () => {
    const mrns = Array.from({ length: 2_000 }, (_, i) => `S-NONE-${i}`);
    const stored = await t.db.patient.findMany({ where: { clinicId: clinic.clinicId }, select: { mrn: true } });
    mrns.splice(1_500, 0, ...stored.map((p) => p.mrn));
    const found = await findStoredPatients(t.db, clinic.clinicId, mrns);
    expect([...found.keys()].sort()).toEqual(stored.map((p) => p.mrn).sort());
  });
});

/**
 * A patient created under one of the file's new MRNs after the file was read (by another import,
 * here): the batch's look-up finds it stored where the reading found it new (plan.ts `planBatch`),
 * and the import stops as the conflict it is, writes nothing, and the job records why.
 */
describe("a patient created after the file was read", () => {
  let t: TestDatabase;
  let clinic: TestClinic;
  beforeAll(async () => {
    t = await createTestDatabase();
    clinic = await createTestClinic(t.db, { slug: "meanwhile", patients: 2 });
  });
  afterAll(async () => t?.drop());

  it("stops the import as a conflict, and nothing of the file is written", async () => {
    const header = "mrn,family_name,given_name,birth_date,sex,assessed_on,grip_strength_kg";
    const csv = [header, "MW-1,Doe,Jo,1950-01-01,female,2026-01-01,20", "MW-2,Roe,Al,1948-05-05,male,2026-01-02,31"].join("\n");
    const reading = await readSpreadsheet(t.db, clinic.clinicId, csv, TEST_NOW);
    expect(reading.errors).toEqual([]);

    const other = await importAssessments(t.db, clinic.actors.clinician, { name: "other.csv", content: [header, "MW-2,Roe,Al,1948-05-05,male,2026-01-03,30"].join("\n") }, { now: TEST_NOW });
    expect(other.created.patients).toBe(1);

    const recorded: { status: ImportJobStatus; failure?: string }[] = [];
    const run = runImport(t.db, {
      patients: spreadsheetPatients(reading, "00000000-0000-4000-8000-000000000001"),
      rules: { identity: "content", updatesDemographics: false, evaluatesNewPatientsFromPlan: true },
      origin: { clinicId: clinic.clinicId, source: "csv", enteredById: null },
      now: TEST_NOW,
      dryRun: false,
      record: async (_tx, status, _totals, failure) => {
        recorded.push({ status, ...(failure ? { failure } : {}) });
      },
    });
    const conflict = /^Patient MW-2 was created while the file was being checked; run the import again\.$/;
    await expect(run).rejects.toThrow(conflict);
    await expect(run).rejects.toBeInstanceOf(AppError);
    await expect(run).rejects.toMatchObject({ code: "conflict" });
    expect(recorded).toEqual([{ status: "failed", failure: expect.stringMatching(conflict) }]);
    expect(await t.db.patient.count({ where: { clinicId: clinic.clinicId, mrn: "MW-1" } })).toBe(0);
    expect(await t.db.observation.count({ where: { patient: { mrn: "MW-2" } } })).toBe(1);
  });
});
