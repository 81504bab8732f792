import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { importAssessments } from "@/lib/data/import/assessments";
import type { Db } from "@/lib/data/db/client";

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

  const PROTOTYPE_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"] as const;
  const FULL_HEADER = "mrn,family_name,given_name,birth_date,sex,diet,conditions,assessed_on,grip_strength_kg,chair_stand_5x_s,asm_kg,asm_method,b12_value,b12_unit,medications";
  const validCells = (mrn: string): Record<string, string> => ({
    mrn, family_name: "Valid", given_name: "Row", birth_date: "1950-01-01", sex: "female", diet: "vegan", conditions: "gastrectomy", assessed_on: "2026-01-01",
    grip_strength_kg: "20", chair_stand_5x_s: "12", asm_kg: "15", asm_method: "dxa", b12_value: "300", b12_unit: "pmol/L", medications: "metformin@2020-01-01",
  });
  const csvOf = (rows: Record<string, string>[]) => [FULL_HEADER, ...rows.map((row) => FULL_HEADER.split(",").map((c) => `"${(row[c] ?? "").replaceAll('"', '""')}"`).join(","))].join("\n");

  it("a prototype name in any enumerated column is refused with its row and column, in the preview and the import; the valid rows are imported", async () => {
    // Every enumerated column with every name, as written and in capitals (a case-insensitive lookup lowers it).
    const columns = ["sex", "diet", "conditions", "asm_method", "b12_unit", "chair_stand_5x_s"];
    for (const [c, column] of columns.entries()) {
      for (const [k, written] of PROTOTYPE_NAMES.entries()) {
        const name = (c + k) % 2 === 0 ? written : written.toUpperCase();
        const hostileMrn = `PROTO-${c}-${k}`;
        const validMrn = `VALID-${c}-${k}`;
        const content = csvOf([validCells(validMrn), { ...validCells(hostileMrn), [column]: name }]);
        const upload = { name: "proto.csv", content };
        const preview = await importAssessments(t.db, clinic.actors.clinician, upload, { now: TEST_NOW, dryRun: true, skipInvalid: true });
        const imported = await importAssessments(t.db, clinic.actors.clinician, upload, { now: TEST_NOW, skipInvalid: true });
        for (const result of [preview, imported]) {
          expect(result.errors.map((e) => [e.row, e.column]), `${column}=${name}`).toEqual([[3, column]]);
          expect(result.errors[0]!.message.length).toBeGreaterThan(20);
          expect(result.rowsValid).toBe(1);
        }
        expect(await t.db.patient.count({ where: { clinicId: clinic.clinicId, mrn: hostileMrn } })).toBe(0);
        expect(await t.db.patient.findFirst({ where: { clinicId: clinic.clinicId, mrn: validMrn }, select: { sex: true, diet: true } })).toEqual({ sex: "female", diet: "vegan" });
      }
    }
    // Whatever was imported holds only the vocabulary.
    const stored = await t.db.patient.findMany({ where: { clinicId: clinic.clinicId }, select: { sex: true, diet: true } });
    for (const p of stored) {
      expect(["female", "male", "unknown"]).toContain(p.sex);
      if (p.diet !== null) expect(["omnivore", "vegetarian", "vegan"]).toContain(p.diet);
    }
  });

  it("a NUL, escape or text-direction character in any text cell is refused with its row and column; nothing of that row is stored", async () => {
    const columns = ["mrn", "family_name", "given_name", "sex", "diet", "conditions", "medications", "b12_unit", "asm_method"];
    for (const [i, column] of columns.entries()) {
      for (const ch of ["\u0000", "\u001b[2J", "\u202e"]) {
        const mrn = `CTRL-${i}-${ch.charCodeAt(0)}`;
        const bad = { ...validCells(mrn), [column]: `${validCells(mrn)[column]}${ch}x` };
        const content = csvOf([validCells(`OK-${i}-${ch.charCodeAt(0)}`), bad]);
        const preview = await importAssessments(t.db, clinic.actors.clinician, { name: "ctrl.csv", content }, { now: TEST_NOW, dryRun: true, skipInvalid: true });
        expect(preview.errors.map((e) => [e.row, e.column]), `${column} ${JSON.stringify(ch)}`).toEqual([[3, column]]);
        expect(preview.errors[0]!.message).toMatch(/^This cell contains .*\(U\+[0-9A-F]{4}/);
        const imported = await importAssessments(t.db, clinic.actors.clinician, { name: "ctrl.csv", content }, { now: TEST_NOW, skipInvalid: true });
        expect(imported.errors).toEqual(preview.errors);
        expect(imported.created.patients).toBe(1);
        expect(await t.db.patient.count({ where: { clinicId: clinic.clinicId, mrn } })).toBe(0);
      }
    }
  });

  it("a family name of 3,000 characters or an MRN of 65 is refused with its row and column, not a server error", async () => {
    const content = csvOf([{ ...validCells("LONG-1"), family_name: "x".repeat(3000) }, { ...validCells("M".repeat(65)) }]);
    const result = await importAssessments(t.db, clinic.actors.clinician, { name: "long.csv", content }, { now: TEST_NOW, skipInvalid: true });
    expect(result.errors.map((e) => [e.row, e.column])).toEqual([[2, "family_name"], [3, "mrn"]]);
    expect(await t.db.patient.count({ where: { clinicId: clinic.clinicId, mrn: "LONG-1" } })).toBe(0);
  });
});
