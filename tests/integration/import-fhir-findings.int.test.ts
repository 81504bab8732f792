import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { importFhir } from "@/lib/data/import/fhir";
import type { Evaluation } from "@/lib/domain/types";

/**
 * B12 symptoms and signs (NICE NG239) and Yubi-wakka results from FHIR (docs/design.md#fhir-import,
 * docs/clinical-reference.md#symptom-and-sign-codes): stored as the patient's findings, read by
 * the evaluation — `b12_test_due` then states its NICE basis — and idempotent on re-import.
 */
const SNOMED = "http://snomed.info/sct";
const active = { coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: "active" }] };

function patient(id: string) {
  return {
    resourceType: "Patient", id, gender: "female", birthDate: "1950-05-05",
    identifier: [{ type: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v2-0203", code: "MR" }] }, value: id.toUpperCase() }],
    name: [{ family: "Finding", given: [id] }],
  };
}
const metformin = (id: string) => ({
  resourceType: "MedicationStatement", id: `ms-${id}`, status: "active", subject: { reference: `Patient/${id}` }, effectivePeriod: { start: "2020-01-01" },
  medicationCodeableConcept: { coding: [{ system: "http://www.whocc.no/atc", code: "A10BA02" }], text: "metformin" },
});
const grip = (id: string, kg: number) => ({
  resourceType: "Observation", id: `grip-${id}`, status: "final", subject: { reference: `Patient/${id}` }, effectiveDateTime: "2026-10-01",
  code: { coding: [{ system: "http://loinc.org", code: "83174-3" }] }, valueQuantity: { value: kg, unit: "kg", system: "http://unitsofmeasure.org", code: "kg" },
});
const symptomCondition = (id: string, resourceId: string, code: string, extra: Record<string, unknown> = {}) => ({
  resourceType: "Condition", id: resourceId, subject: { reference: `Patient/${id}` }, clinicalStatus: active, code: { coding: [{ system: SNOMED, code }] }, onsetDateTime: "2026-10-15", ...extra,
});
const bundle = (...resources: object[]) => JSON.stringify({ resourceType: "Bundle", type: "collection", entry: resources.map((resource) => ({ resource })) });

const FILE = {
  name: "findings.json",
  content: bundle(
    // With a symptom (fatigue, as a Condition) and a risk factor (metformin): NICE's rule.
    patient("f-1"), metformin("f-1"), symptomCondition("f-1", "sym-1", "84229001"),
    // A risk factor alone: local case-finding policy; its resolved symptom and its diabetes (not a symptom) do not count.
    patient("f-2"), metformin("f-2"), symptomCondition("f-2", "sym-2", "91019004", { clinicalStatus: { coding: [{ code: "resolved" }] } }), symptomCondition("f-2", "dm-2", "73211009"),
    // A Yubi-wakka result "smaller" with a normal grip (AWGS 2025 at 65+: 18 kg), and a symptom sent as an Observation.
    patient("f-3"), grip("f-3", 25),
    { resourceType: "Observation", id: "yw-3", status: "final", subject: { reference: "Patient/f-3" }, effectiveDateTime: "2026-10-01", code: { coding: [{ system: "urn:sarcopenia-screening:measure", code: "yubi_wakka" }] }, valueCodeableConcept: { coding: [{ system: "urn:sarcopenia-screening:yubi-wakka", code: "smaller" }] } },
    { resourceType: "Observation", id: "sym-3", status: "final", subject: { reference: "Patient/f-3" }, effectiveDateTime: "2026-10-01", code: { coding: [{ system: SNOMED, code: "386807006" }] } },
    // A symptom without a date: rejected, with the reason.
    symptomCondition("f-3", "sym-undated", "366979004", { onsetDateTime: undefined }),
  ),
};

let t: TestDatabase;
let clinic: TestClinic;

beforeAll(async () => {
  t = await createTestDatabase();
  clinic = await createTestClinic(t.db, { slug: "fhirfindings", patients: 0 });
});
afterAll(async () => t?.drop());

async function stored(mrn: string) {
  const p = await t.db.patient.findUniqueOrThrow({
    where: { clinicId_mrn: { clinicId: clinic.clinicId, mrn } },
    include: { snapshot: true, findings: { orderBy: { code: "asc" } }, conditions: true, flags: { where: { code: "b12_test_due" } } },
  });
  return { ...p, evaluation: JSON.parse(p.snapshot!.detailJson) as Evaluation };
}

describe(`FHIR import of B12 symptoms and Yubi-wakka results (${process.env.TEST_DATABASE ?? "sqlite"})`, () => {
  it("stores a coded symptom as a finding, and b12_test_due states NICE's basis; a risk factor alone stays local policy", async () => {
    const result = await importFhir(t.db, clinic.actors.clinician, [FILE], { now: TEST_NOW });
    expect(result.errors).toEqual([]);
    expect(result.patients.created).toBe(3);
    expect(result.findings).toEqual({ created: 3, existing: 0 });
    expect(result.skippedByStatus).toEqual({ "Condition symptom resolved": 1 });
    expect(result.conditions.ignored).toBe(1);
    expect(result.rejected.map((r) => [r.id, r.code])).toEqual([["sym-undated", "366979004"]]);
    expect(result.rejected[0]!.reason).toMatch(/without a date/);

    const withSymptom = await stored("F-1");
    expect(withSymptom.findings.map((f) => [f.kind, f.code, f.sourceRef, f.source])).toEqual([["b12_symptom", "fatigue", "fhir:Condition/sym-1", "fhir"]]);
    expect(withSymptom.conditions).toEqual([]);
    expect(withSymptom.evaluation.flags.find((f) => f.code === "b12_test_due")?.basis).toBe("NICE NG239: symptom and risk factor");
    expect(withSymptom.flags[0]?.reasonText).toContain("NICE NG239: symptom and risk factor");
    const reasons = withSymptom.evaluation.flags.find((f) => f.code === "b12_test_due")?.reasons.map((r) => r.text) ?? [];
    expect(reasons.some((text) => text.startsWith("Fatigue recorded on 2026-10-15"))).toBe(true);

    const riskAlone = await stored("F-2");
    expect(riskAlone.findings).toEqual([]);
    expect(riskAlone.evaluation.flags.find((f) => f.code === "b12_test_due")?.basis).toBe("local case-finding policy (beyond NICE): risk factor alone");
  });

  it("stores a Yubi-wakka result from the app's own code, which the AWGS 2025 evaluation reads", async () => {
    const p = await stored("F-3");
    expect(p.findings.map((f) => [f.kind, f.code, f.sourceRef])).toEqual([
      ["b12_symptom", "memory_concentration", "fhir:Observation/sym-3"],
      ["yubi_wakka", "smaller", "fhir:Observation/yw-3"],
    ]);
    expect(p.evaluation.awgs2025.category).toBe("at_risk");
  });

  it("changes nothing on re-import", async () => {
    const before = await t.db.patientFinding.count();
    const again = await importFhir(t.db, clinic.actors.clinician, [FILE], { now: TEST_NOW });
    expect(again.findings).toEqual({ created: 0, existing: 3 });
    expect(again.patients).toEqual({ created: 0, updated: 0, unchanged: 3 });
    expect(await t.db.patientFinding.count()).toBe(before);
  });
});
