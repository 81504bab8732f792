import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { importFhir } from "@/lib/data/import/fhir";
import type { Db } from "@/lib/data/db/client";

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

  const PROTOTYPE_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"] as const;
  const medication = (extra: Record<string, unknown> = {}) => ({
    resourceType: "MedicationStatement", id: "m-1", status: "active", subject: { reference: "Patient/h-1" },
    medicationCodeableConcept: { text: "Unlisted tonic" }, effectivePeriod: { start: "2020-01-01" }, ...extra,
  });

  it("text PostgreSQL cannot store, or too long, rejects that resource naming the field; the rest is imported, in the preview and the import alike", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["a NUL in the family name", patient({ id: "nul-1", name: [{ family: "Do\u0000e", given: ["Jo"] }] }), /^Patient\.name\.family contains a NUL character \(U\+0000\)/],
      ["a NUL in a given name", patient({ id: "nul-2", name: [{ family: "Doe", given: ["J\u0000o"] }] }), /^Patient\.name\.given contains a NUL/],
      ["a family name of 3 KB", patient({ id: "long-1", name: [{ family: "x".repeat(3000) }] }), /^Patient\.name\.family is 3,000 characters long; at most 200/],
      ["a family name of 1 MB", patient({ id: "long-2", name: [{ family: "x".repeat(1024 * 1024) }] }), /^Patient\.name\.family is 1,048,576 characters long/],
      ["an escape sequence in the MRN", patient({ id: "esc-1", identifier: [{ type: { coding: [{ code: "MR" }] }, value: "MRN\u001b[2J" }] }), /^Patient\.identifier \(MR\) value contains an escape character/],
      ["a right-to-left override in the family name", patient({ id: "rtl-1", name: [{ family: "Doe\u202eeoD" }] }), /^Patient\.name\.family contains an invisible text-direction control \(U\+202E\)/],
      ["a NUL in a free-text medicine", medication({ id: "m-nul", medicationCodeableConcept: { text: "Tonic\u0000" } }), /^MedicationStatement\.medicationCodeableConcept name contains a NUL/],
      ["a NUL in an observation id", grip({ value: 20, unit: "kg", system: "http://unitsofmeasure.org", code: "kg" }, { id: "o\u0000" }), /^Observation\.id contains a NUL/],
    ];
    for (const [label, resource, reason] of cases) {
      const valid = patient({ id: "ok-1", identifier: [{ type: { coding: [{ code: "MR" }] }, value: "FHIR-OK-1" }] });
      const files = [{ name: "text.json", content: bundle(valid, patient(), resource) }];
      const preview = await importFhir(t.db, clinic.actors.clinician, files, { now: TEST_NOW, dryRun: true });
      const imported = await importFhir(t.db, clinic.actors.clinician, files, { now: TEST_NOW });
      for (const result of [preview, imported]) {
        expect(result.errors, label).toEqual([]);
        expect(result.rejected.map((r) => r.reason), label).toHaveLength(1);
        expect(result.rejected[0]!.reason, label).toMatch(reason);
        // The rejection echoes the resource's id and codes safely: no raw control characters reach a page or a terminal.
        for (const r of result.rejected) for (const text of [r.id, r.code, r.system, r.reason]) expect(text ?? "").not.toMatch(/[\u0000-\u001f\u202a-\u202e]/);
      }
      expect(await t.db.patient.count({ where: { clinicId: clinic.clinicId, mrn: "FHIR-OK-1" } })).toBe(1);
    }
    const stored = await t.db.patient.findMany({ where: { clinicId: clinic.clinicId }, select: { familyName: true, givenName: true, mrn: true } });
    for (const p of stored) for (const text of [p.familyName, p.givenName, p.mrn]) expect(text).not.toMatch(/[\u0000-\u001f\u202a-\u202e]/);
  });

  it("prototype names as values (gender, status, codes, units, resourceType) and as keys: nothing throws, nothing outside the vocabulary is stored", async () => {
    for (const [i, name] of PROTOTYPE_NAMES.entries()) {
      const id = `proto-${i}`;
      const resources = [
        JSON.parse(`{"${name}":{"polluted":1},${JSON.stringify(patient({ id, identifier: [{ type: { coding: [{ code: "MR" }] }, value: `PROTO-${i}` }], gender: name })).slice(1)}`) as unknown,
        grip({ value: 20, unit: name, system: "http://unitsofmeasure.org", code: name }, { id: `o-${id}`, subject: { reference: `Patient/${id}` } }),
        grip({ value: 20, unit: "kg", system: "http://unitsofmeasure.org", code: "kg" }, { id: `o2-${id}`, status: name, subject: { reference: `Patient/${id}` } }),
        grip({ value: 20, unit: "kg", system: "http://unitsofmeasure.org", code: "kg" }, { id: `o3-${id}`, subject: { reference: `Patient/${id}` }, code: { coding: [{ system: name, code: name }] } }),
        medication({ id: `m-${id}`, subject: { reference: `Patient/${id}` }, status: name }),
        medication({ id: `m2-${id}`, subject: { reference: `Patient/${id}` }, medicationCodeableConcept: { coding: [{ system: "http://www.nlm.nih.gov/research/umls/rxnorm", code: name, display: name }] } }),
        { resourceType: "Condition", id: `c-${id}`, subject: { reference: `Patient/${id}` }, code: { coding: [{ system: "http://snomed.info/sct", code: name }] }, clinicalStatus: { coding: [{ code: name }] } },
        { resourceType: name, id: `x-${id}` },
      ];
      const result = await importFhir(t.db, clinic.actors.clinician, [{ name: "proto.json", content: bundle(...resources) }], { now: TEST_NOW });
      expect(result.errors).toEqual([]);
      expect(result.patients.created).toBe(1);
      // The unknown resource type is counted under its own name, like any other.
      expect(Object.getOwnPropertyDescriptor(result.skippedByType, name)?.value).toBe(1);
      expect(Object.getPrototypeOf(result.skippedByType)).toBe(Object.prototype);
      const stored = await t.db.patient.findFirstOrThrow({ where: { clinicId: clinic.clinicId, mrn: `PROTO-${i}` }, select: { sex: true, medications: { select: { name: true, catalogueId: true } }, conditions: { select: { code: true } }, observations: { select: { kind: true, reportedUnit: true } } } });
      expect(stored.sex).toBe("unknown");
      expect(stored.conditions).toEqual([]);
      expect(stored.observations).toEqual([{ kind: "grip_strength", reportedUnit: "kg" }]);
      expect(stored.medications).toEqual([{ name, catalogueId: null }]);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
