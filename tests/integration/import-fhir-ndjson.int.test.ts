import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { importFhir, type FhirImportFile } from "@/lib/data/import/fhir";
import type { Evaluation } from "@/lib/domain/types";

/**
 * FHIR R4 import (docs/design.md#fhir-import) of bulk NDJSON (one resource a line, one file per type, references
 * across files) with every resource type the issue lists: Patient, Observation,
 * MedicationRequest, MedicationStatement, Condition.
 */
const ndjson = (...resources: object[]) => resources.map((r) => JSON.stringify(r)).join("\n") + "\n";
const subject = { reference: "Patient/pt-1" };

const FILES: FhirImportFile[] = [
  {
    name: "Patient.ndjson",
    content: ndjson({
      resourceType: "Patient", id: "pt-1", gender: "female", birthDate: "1948-02-03",
      identifier: [{ type: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v2-0203", code: "MR" }] }, value: "ND-1" }],
      name: [{ family: "Lines", given: ["Nadia"] }],
    }),
  },
  {
    name: "Observation.ndjson",
    content: ndjson(
      { resourceType: "Observation", id: "ob-1", status: "final", code: { coding: [{ system: "http://loinc.org", code: "14685-2" }] }, subject, effectiveDateTime: "2026-06-01", valueQuantity: { value: 120, unit: "pmol/L", system: "http://unitsofmeasure.org", code: "pmol/L" } },
      { resourceType: "Observation", id: "ob-2", status: "final", code: { coding: [{ system: "http://loinc.org", code: "29463-7" }] }, subject, effectiveDateTime: "2026-06-01", valueQuantity: { value: 150, unit: "lbs" } },
    ),
  },
  {
    name: "MedicationRequest.ndjson",
    content: ndjson({ resourceType: "MedicationRequest", id: "mr-1", status: "active", intent: "order", subject, authoredOn: "2024-01-10", medicationCodeableConcept: { coding: [{ system: "http://www.nlm.nih.gov/research/umls/rxnorm", code: "7646", display: "omeprazole" }] } }),
  },
  {
    name: "MedicationStatement.ndjson",
    content: ndjson({ resourceType: "MedicationStatement", id: "ms-1", status: "active", subject, effectivePeriod: { start: "2025-02-01" }, medicationCodeableConcept: { coding: [{ system: "http://www.whocc.no/atc", code: "A10BA02" }], text: "metformin" } }),
  },
  {
    name: "Condition.ndjson",
    content: ndjson({ resourceType: "Condition", id: "co-1", subject, clinicalStatus: { coding: [{ code: "active" }] }, code: { coding: [{ system: "http://snomed.info/sct", code: "84027009" }] }, onsetDateTime: "2015-04-01" }),
  },
];

let t: TestDatabase;
let clinic: TestClinic;

beforeAll(async () => {
  t = await createTestDatabase();
  clinic = await createTestClinic(t.db, { slug: "ndjson", patients: 0 });
});

afterAll(async () => {
  await t?.drop();
});

describe(`FHIR bulk NDJSON import (${process.env.TEST_DATABASE ?? "sqlite"})`, () => {
  it("imports a patient, its B12 result, MedicationRequest, MedicationStatement and Condition from separate NDJSON files", async () => {
    const result = await importFhir(t.db, clinic.actors.clinician, FILES, { now: TEST_NOW });
    expect(result.errors).toEqual([]);
    expect(result.patients.created).toBe(1);
    expect(result.observations.created).toBe(1);
    expect(result.medications.created).toBe(2);
    expect(result.conditions.created).toBe(1);
    // "lbs" is not UCUM: rejected with the reason, never guessed.
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]).toMatchObject({ file: "Observation.ndjson", id: "ob-2" });
    expect(result.rejected[0]!.reason).toContain('"lbs"');

    const patient = await t.db.patient.findUniqueOrThrow({
      where: { clinicId_mrn: { clinicId: clinic.clinicId, mrn: "ND-1" } },
      include: { snapshot: true, medications: { orderBy: { name: "asc" } }, conditions: true },
    });
    expect(patient.medications.map((m) => [m.catalogueId, m.sourceRef])).toEqual([
      ["metformin", "fhir:MedicationStatement/ms-1"],
      ["omeprazole", "fhir:MedicationRequest/mr-1"],
    ]);
    expect(patient.conditions.map((c) => c.code)).toEqual(["autoimmune_gastritis"]);
    const evaluation = JSON.parse(patient.snapshot!.detailJson) as Evaluation;
    expect(evaluation.b12.status).toBe("deficient");
    expect(evaluation.medicines.b12Lowering).toEqual(["metformin", "omeprazole"]);
  });

  it("reports a broken NDJSON line with its file and line number and writes nothing", async () => {
    const broken: FhirImportFile = { name: "bad.ndjson", content: `${ndjson({ resourceType: "Patient", id: "x" })}{"resourceType": "Observation",\n` };
    const before = await t.db.patient.count();
    const result = await importFhir(t.db, clinic.actors.clinician, [broken], { now: TEST_NOW });
    expect(result.blocked).toBe(true);
    expect(result.errors).toEqual([expect.objectContaining({ file: "bad.ndjson", line: 2 })]);
    expect(await t.db.patient.count()).toBe(before);
  });

  it("refuses an analyst", async () => {
    await expect(importFhir(t.db, clinic.actors.analyst, FILES, { now: TEST_NOW })).rejects.toMatchObject({ code: "forbidden" });
  });
});
