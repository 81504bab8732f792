import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { importAssessments } from "@/lib/data/import-assessments";
import type { Db } from "@/lib/data/db";

/** Hostile files: each gives a clear error, and the database is exactly as before. */
async function counts(db: Db) {
  const [patients, observations, medications, snapshots, flags] = await Promise.all([
    db.patient.count(), db.observation.count(), db.patientMedication.count(), db.riskSnapshot.count(), db.flag.count(),
  ]);
  return { patients, observations, medications, snapshots, flags };
}

const HEADER = "mrn,family_name,given_name,birth_date,sex,assessed_on,grip_strength_kg";

describe("the importer refuses hostile files and changes nothing", () => {
  let t: TestDatabase;
  let clinic: TestClinic;
  let before: Awaited<ReturnType<typeof counts>>;

  beforeAll(async () => {
    t = await createTestDatabase();
    clinic = await createTestClinic(t.db, { slug: "hostile", patients: 5 });
    before = await counts(t.db);
  });
  afterAll(async () => t?.drop());

  const cases: [string, string | Buffer][] = [
    ["an unclosed quote", `${HEADER}\nH-1,"Doe,Jo,1950-01-01,female,2026-01-01,20\n`],
    ["random binary", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))],
    ["UTF-16 text", Buffer.from(`\ufeff${HEADER}\nH-1,Doe,Jo,1950-01-01,female,2026-01-01,20\n`, "utf16le")],
    ["a 1 MB line", `${HEADER}\nH-1,${"x".repeat(1_048_576)},Jo,1950-01-01,female,2026-01-01,20\n`],
    ["an unknown column", `${HEADER},shoe_size\nH-1,Doe,Jo,1950-01-01,female,2026-01-01,20,44\n`],
    ["a duplicated MRN with conflicting birth dates", `${HEADER}\nH-1,Doe,Jo,1950-01-01,female,2026-01-01,20\nH-1,Doe,Jo,1951-01-01,female,2026-02-01,21\n`],
    ["an impossible date", `${HEADER}\nH-1,Doe,Jo,2023-02-30,female,2026-01-01,20\n`],
    ["numbers like 1e309 and NaN", `${HEADER}\nH-1,Doe,Jo,1950-01-01,female,2026-01-01,1e309\nH-2,Roe,Al,1950-01-01,male,2026-01-01,NaN\n`],
    ["an empty file", ""],
    ["a header only with no mrn column", "family_name,given_name\nDoe,Jo\n"],
  ];

  for (const [label, content] of cases) {
    it(`refuses ${label}`, async () => {
      before = await counts(t.db);
      const result = await importAssessments(t.db, clinic.actors.clinician, { name: "hostile.csv", content }, { now: TEST_NOW });
      expect(result.blocked || result.errors.length > 0).toBe(true);
      for (const error of result.errors) expect(error.message.trim().length).toBeGreaterThan(10);
      expect(await counts(t.db)).toEqual(before);
    });
  }

  it("refuses arbitrary generated junk without throwing or writing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.oneof(fc.string(), fc.constantFrom("1e309", "NaN", "\"", "\r", "=cmd|' /C calc'!A0")), { maxLength: 8 }), { maxLength: 6 }), async (rows) => {
        const content = [HEADER, ...rows.map((cells) => cells.join(","))].join("\n");
        const result = await importAssessments(t.db, clinic.actors.clinician, { name: "fuzz.csv", content }, { now: TEST_NOW, dryRun: true });
        expect(result.dryRun).toBe(true);
        for (const error of result.errors) expect(error.message.trim().length).toBeGreaterThan(10);
      }),
      { numRuns: 60 },
    );
    expect(await counts(t.db)).toEqual(before);
  });
});
