import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { importFhir } from "@/lib/data/import-fhir";
import type { Db } from "@/lib/data/db";

/**
 * The FHIR importer under hostile input (issue 6 "Hostile input"): malformed files, wrong
 * encodings, 1 MB lines, impossible dates, numbers like 1e309 and NaN, and generated junk. None
 * throws; every refusal carries a reason; no clinical table changes.
 */
async function counts(db: Db) {
  const [patients, observations, medications, conditions, snapshots, flags] = await Promise.all([
    db.patient.count(), db.observation.count(), db.patientMedication.count(), db.patientCondition.count(), db.riskSnapshot.count(), db.flag.count(),
  ]);
  return { patients, observations, medications, conditions, snapshots, flags };
}

const LOINC = "http://loinc.org";
const patient = (extra: Record<string, unknown> = {}) => ({ resourceType: "Patient", id: "h-1", name: [{ family: "Doe", given: ["Jo"] }], gender: "female", birthDate: "1950-01-01", ...extra });
const grip = (valueQuantity: unknown, extra: Record<string, unknown> = {}) => ({
  resourceType: "Observation",
  id: "o-1",
  status: "final",
  code: { coding: [{ system: LOINC, code: "83174-3" }] },
  subject: { reference: "Patient/h-1" },
  effectiveDateTime: "2026-01-01",
  valueQuantity,
  ...extra,
});
const bundle = (...resources: unknown[]) => JSON.stringify({ resourceType: "Bundle", type: "collection", entry: resources.map((resource) => ({ resource })) });

describe("the FHIR importer refuses hostile files and changes nothing", () => {
  let t: TestDatabase;
  let clinic: TestClinic;
  let before: Awaited<ReturnType<typeof counts>>;

  beforeAll(async () => {
    t = await createTestDatabase();
    clinic = await createTestClinic(t.db, { slug: "fhirhostile", patients: 3 });
    before = await counts(t.db);
  });
  afterAll(async () => t?.drop());

  const cases: [string, string | Buffer][] = [
    ["random binary", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))],
    ["a UTF-16 bundle", Buffer.from(`\ufeff${bundle(patient())}`, "utf16le")],
    ["a 1 MB NDJSON line", `${JSON.stringify(patient())}\n{"resourceType":"Patient","id":"${"x".repeat(1_048_576)}"\n`],
    ["JSON that is not a resource", JSON.stringify([1, 2, { a: "b" }])],
    ["an empty file", ""],
    ["truncated JSON", bundle(patient()).slice(0, -7)],
  ];
  for (const [label, content] of cases) {
    it(`refuses ${label}`, async () => {
      const result = await importFhir(t.db, clinic.actors.clinician, [{ name: "hostile.json", content }], { now: TEST_NOW });
      expect(result.blocked || result.errors.length > 0 || result.rejected.length > 0).toBe(true);
      for (const problem of [...result.errors.map((e) => e.message), ...result.rejected.map((r) => r.reason)]) expect(problem.trim().length).toBeGreaterThan(10);
      expect(await counts(t.db)).toEqual(before);
    });
  }

  const rejectedResources: [string, unknown][] = [
    ["a patient born on 2023-02-30", patient({ birthDate: "2023-02-30" })],
    ["a grip strength of 1e309 kg", grip({ value: 1e309, unit: "kg", system: "http://unitsofmeasure.org", code: "kg" })],
    ["a grip strength of NaN", grip({ value: "NaN", unit: "kg", system: "http://unitsofmeasure.org", code: "kg" })],
    ["a grip strength in a wrong unit", grip({ value: 20, unit: "mmHg", system: "http://unitsofmeasure.org", code: "mm[Hg]" })],
    ["a grip strength taken on 2025-13-45", grip({ value: 20, unit: "kg", system: "http://unitsofmeasure.org", code: "kg" }, { effectiveDateTime: "2025-13-45" })],
  ];
  for (const [label, resource] of rejectedResources) {
    it(`rejects ${label} with a reason`, async () => {
      // A valid patient alongside, dry-run, so only the hostile resource's fate is in question.
      const content = resource && (resource as { resourceType: string }).resourceType === "Patient" ? bundle(resource) : bundle(patient(), resource);
      const result = await importFhir(t.db, clinic.actors.clinician, [{ name: "hostile.json", content }], { now: TEST_NOW, dryRun: true });
      expect(result.rejected.length + result.errors.length, JSON.stringify(result.rejected)).toBeGreaterThan(0);
      for (const r of result.rejected) expect(r.reason.trim().length).toBeGreaterThan(10);
      expect(await counts(t.db)).toEqual(before);
    });
  }

  it("never throws on generated junk resources and bundles, and writes nothing on a dry run", async () => {
    const quantity = fc.record({ value: fc.oneof(fc.double(), fc.string(), fc.constant(null)), unit: fc.oneof(fc.string(), fc.constantFrom("kg", "[lb_av]", "pmol/L")) }, { requiredKeys: [] });
    const resource = fc.oneof(
      fc.jsonValue(),
      fc.record({ resourceType: fc.constantFrom("Patient", "Observation", "MedicationStatement", "MedicationRequest", "Condition", "Bundle", "Zebra"), id: fc.string(), birthDate: fc.string(), gender: fc.string() }, { requiredKeys: ["resourceType"] }),
      quantity.map((q) => grip(q)),
      fc.string().map((effectiveDateTime) => grip({ value: 20, unit: "kg" }, { effectiveDateTime })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(resource, { maxLength: 6 }), fc.boolean(), async (resources, asNdjson) => {
        const content = asNdjson ? resources.map((r) => JSON.stringify(r) ?? "").join("\n") : bundle(...resources);
        const result = await importFhir(t.db, clinic.actors.clinician, [{ name: "fuzz.json", content }], { now: TEST_NOW, dryRun: true });
        expect(result.dryRun).toBe(true);
        for (const problem of [...result.errors.map((e) => e.message), ...result.rejected.map((r) => r.reason)]) expect(problem.trim().length).toBeGreaterThan(5);
      }),
      { numRuns: 80 },
    );
    expect(await counts(t.db)).toEqual(before);
  });
});
