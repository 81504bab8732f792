import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProvider, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { importAssessments } from "@/lib/data/import/assessments";
import type { Db } from "@/lib/data/db/client";

/**
 * The database refuses a write in the middle of an import (docs/design.md#import-semantics: all
 * or nothing). On PostgreSQL a batch's writes are sent without waiting for the server, and the next
 * batch is planned meanwhile (lib/data/db/pg-connection.ts, "Writes in flight";
 * lib/data/import/run.ts `plannedAhead`): the refusal must still stop the import with the
 * database's own message, undo every batch written before it, and be recorded as the job's failure.
 * A trigger refuses one patient, of the first batch or of a late one, which no validation could
 * foresee.
 */
/** The trigger refuses every patient whose MRN ends so. */
const REFUSED = "-REFUSED";
const REFUSAL = "test trigger: a patient refused by the database";

async function counts(db: Db) {
  const [patients, observations, snapshots, flags] = await Promise.all([db.patient.count(), db.observation.count(), db.riskSnapshot.count(), db.flag.count()]);
  return { patients, observations, snapshots, flags };
}

/** One row per patient, 900 patients: nine write batches at the batch size used below; the patient at `refused` (if any) is refused. */
function spreadsheet(refused: number | null): string {
  const rows = ["mrn,family_name,given_name,birth_date,sex,assessed_on,grip_strength_kg,gait_speed_m_s"];
  for (let i = 0; i < 900; i += 1) {
    const mrn = `RW-${String(i).padStart(4, "0")}${i === refused ? REFUSED : "-OK"}`;
    rows.push(`${mrn},Batch,Row${i},1948-03-0${1 + (i % 9)},${i % 2 ? "male" : "female"},2026-10-01,${(20 + (i % 15)).toFixed(1)},0.9`);
  }
  return `${rows.join("\n")}\n`;
}

describe(`a write the database refuses part-way through an import (${testProvider()})`, () => {
  let t: TestDatabase;
  let clinic: TestClinic;

  beforeAll(async () => {
    t = await createTestDatabase();
    clinic = await createTestClinic(t.db, { slug: "refused-write", patients: 3 });
    if (testProvider() === "postgresql") {
      await t.db.$executeRawUnsafe(
        `CREATE FUNCTION refuse_test_patient() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW."mrn" LIKE '%${REFUSED}' THEN RAISE EXCEPTION '${REFUSAL}'; END IF; RETURN NEW; END $$`,
      );
      await t.db.$executeRawUnsafe(`CREATE TRIGGER refuse_test_patient BEFORE INSERT ON "Patient" FOR EACH ROW EXECUTE FUNCTION refuse_test_patient()`);
    } else {
      await t.db.$executeRawUnsafe(`CREATE TRIGGER refuse_test_patient BEFORE INSERT ON "Patient" WHEN NEW."mrn" LIKE '%${REFUSED}' BEGIN SELECT RAISE(ABORT, '${REFUSAL}'); END`);
    }
  });
  afterAll(async () => t?.drop());

  for (const [where, refused] of [
    ["the first batch", 30],
    ["a late batch", 700],
  ] as const) {
    it(`stops with the database's message, writes nothing and records the job as failed with that message (refused in ${where})`, async () => {
      const before = await counts(t.db);
      const progress: number[] = [];
      const name = `refused-${refused}.csv`;
      await expect(
        importAssessments(t.db, clinic.actors.clinician, { name, content: spreadsheet(refused) }, { now: TEST_NOW, batchSize: 100, onProgress: (done) => progress.push(done) }),
      ).rejects.toThrow(REFUSAL);
      // Batches before a late refused one were written (and reported) before the refusal was seen.
      if (refused > 100) expect(progress.length).toBeGreaterThan(1);
      expect(await counts(t.db)).toEqual(before);
      expect(await t.db.patient.count({ where: { mrn: { startsWith: "RW-" } } })).toBe(0);
      const job = await t.db.importJob.findFirstOrThrow({ where: { clinicId: clinic.clinicId, fileName: name } });
      expect(job.status).toBe("failed");
      expect(JSON.parse(job.summaryJson).failure).toContain(REFUSAL);
      expect(job.summaryJson).not.toMatch(/current transaction is aborted/);
    });
  }

  it("leaves the connection usable: the file without a refused patient imports whole", async () => {
    const result = await importAssessments(t.db, clinic.actors.clinician, { name: "accepted.csv", content: spreadsheet(null) }, { now: TEST_NOW, batchSize: 100 });
    expect(result.blocked).toBe(false);
    expect(result.created.patients).toBe(900);
    expect(await t.db.patient.count({ where: { mrn: { startsWith: "RW-" } } })).toBe(900);
  });
});
