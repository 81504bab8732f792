import { describe, expect, it } from "vitest";
import { B12_SYMPTOM_LABELS } from "@/lib/domain/b12-symptoms";
import { B12_SYMPTOM_MAPPINGS, CONDITION_MAPPINGS, LOCAL_SYSTEM, SNOMED_SYSTEM, YUBI_WAKKA_RESULT_SYSTEM } from "@/lib/domain/fhir-codes";
import { mapCondition, mapFinding, mapObservation, symptomOfCoding, type Json } from "@/lib/domain/fhir-map";

/**
 * B12 symptoms and signs (NICE NG239) and the Yubi-wakka result read from FHIR Conditions and
 * Observations (docs/clinical-reference.md#symptom-and-sign-codes, docs/design.md#fhir-import).
 */
const NOW = new Date("2026-11-21T00:00:00Z");

function condition(code: string, extra: Json = {}, system = SNOMED_SYSTEM): Json {
  return {
    resourceType: "Condition",
    id: "c-1",
    subject: { reference: "Patient/p1" },
    clinicalStatus: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: "active" }] },
    code: { coding: [{ system, code }] },
    onsetDateTime: "2026-10-01",
    ...extra,
  };
}

function observation(system: string, code: string, extra: Json = {}): Json {
  return { resourceType: "Observation", id: "o-1", status: "final", subject: { reference: "Patient/p1" }, code: { coding: [{ system, code }] }, effectiveDateTime: "2026-10-01", ...extra };
}

const yubi = (result: string, extra: Json = {}) => observation(LOCAL_SYSTEM, "yubi_wakka", { valueCodeableConcept: { coding: [{ system: YUBI_WAKKA_RESULT_SYSTEM, code: result }] }, ...extra });

describe("the symptom code table", () => {
  it("maps every code to a symptom the app records, once, and none to an absorption condition", () => {
    const codes = B12_SYMPTOM_MAPPINGS.map((m) => m.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const m of B12_SYMPTOM_MAPPINGS) {
      expect(Object.keys(B12_SYMPTOM_LABELS)).toContain(m.symptom);
      expect(m.code).toMatch(/^\d{6,18}$/);
      expect(CONDITION_MAPPINGS.some((c) => c.system === "snomed" && c.code === m.code)).toBe(false);
    }
  });

  it.each([
    ["84229001", "fatigue"],
    ["91019004", "pins_and_needles"],
    ["302226006", "pins_and_needles"],
    ["26284000", "glossitis_mouth_ulcers"],
    ["386806002", "memory_concentration"],
    ["386807006", "memory_concentration"],
    ["366979004", "low_mood"],
    ["161898004", "unsteady_gait_falls"],
    ["271737000", "anaemia_macrocytosis"],
  ])("SNOMED CT %s is %s", (code, symptom) => {
    expect(symptomOfCoding({ system: SNOMED_SYSTEM, code, display: null })).toBe(symptom);
  });

  it("needs the SNOMED CT system: the same digits under ICD-10 or no system are no symptom", () => {
    expect(symptomOfCoding({ system: "http://hl7.org/fhir/sid/icd-10", code: "84229001", display: null })).toBeNull();
    expect(symptomOfCoding({ system: null, code: "84229001", display: null })).toBeNull();
    expect(symptomOfCoding({ system: SNOMED_SYSTEM, code: "84229002", display: null })).toBeNull();
  });
});

describe("mapFinding", () => {
  it("reads a symptom coded on a Condition, dated by its onset (else its recorded date)", () => {
    expect(mapFinding(condition("91019004"), NOW)).toEqual({
      status: "ok",
      value: { fhirId: "c-1", resourceType: "Condition", subject: "Patient/p1", coding: { system: SNOMED_SYSTEM, code: "91019004", display: null }, finding: { kind: "b12_symptom", code: "pins_and_needles", recordedAt: new Date("2026-10-01T00:00:00Z") } },
    });
    const recorded = mapFinding(condition("84229001", { onsetDateTime: undefined, recordedDate: "2026-09-15" }), NOW);
    expect(recorded?.status === "ok" && recorded.value.finding).toEqual({ kind: "b12_symptom", code: "fatigue", recordedAt: new Date("2026-09-15T00:00:00Z") });
  });

  it("reads a symptom coded on an Observation, finding among other codings", () => {
    const resource = observation(SNOMED_SYSTEM, "x", { code: { coding: [{ system: "http://example.org/local", code: "TIRED" }, { system: SNOMED_SYSTEM, code: "366979004" }] } });
    const mapped = mapFinding(resource, NOW);
    expect(mapped?.status === "ok" && mapped.value.finding).toEqual({ kind: "b12_symptom", code: "low_mood", recordedAt: new Date("2026-10-01T00:00:00Z") });
  });

  it("returns null for codes that name no finding, so absorption conditions and measures map as before", () => {
    expect(mapFinding(condition("84027009"), NOW)).toBeNull();
    expect(mapCondition(condition("84027009")).status).toBe("ok");
    expect(mapFinding(observation("http://loinc.org", "29463-7"), NOW)).toBeNull();
    expect(mapFinding(condition("73211009"), NOW)).toBeNull(); // diabetes mellitus: ignored as today
    expect(mapCondition(condition("73211009")).status).toBe("skipped");
    expect(mapFinding({ resourceType: "MedicationStatement", code: { coding: [{ system: SNOMED_SYSTEM, code: "84229001" }] } }, NOW)).toBeNull();
  });

  it("skips a symptom that is resolved, refuted, entered in error or recorded as absent", () => {
    const skipped = (resource: Json) => mapFinding(resource, NOW)?.status;
    expect(skipped(condition("84229001", { clinicalStatus: { coding: [{ code: "resolved" }] } }))).toBe("skipped");
    expect(skipped(condition("84229001", { clinicalStatus: { coding: [{ code: "inactive" }] } }))).toBe("skipped");
    expect(skipped(condition("84229001", { verificationStatus: { coding: [{ code: "refuted" }] } }))).toBe("skipped");
    expect(skipped(observation(SNOMED_SYSTEM, "84229001", { status: "entered-in-error" }))).toBe("skipped");
    expect(skipped(observation(SNOMED_SYSTEM, "84229001", { valueBoolean: false }))).toBe("skipped");
    expect(skipped(observation(SNOMED_SYSTEM, "84229001", { valueCodeableConcept: { coding: [{ system: SNOMED_SYSTEM, code: "2667000" }] } }))).toBe("skipped");
    expect(skipped(observation(SNOMED_SYSTEM, "84229001", { valueBoolean: true }))).toBe("ok");
  });

  it("rejects a symptom without a date, in the future, or without an id or subject, with the reason", () => {
    const reason = (resource: Json) => {
      const mapped = mapFinding(resource, NOW);
      return mapped?.status === "rejected" ? mapped.rejection.reason : mapped?.status;
    };
    expect(reason(condition("84229001", { onsetDateTime: undefined }))).toMatch(/without a date/);
    expect(reason(observation(SNOMED_SYSTEM, "84229001", { effectiveDateTime: "2027-01-01" }))).toMatch(/in the future/);
    expect(reason(condition("84229001", { id: undefined }))).toMatch(/no id/);
    expect(reason(condition("84229001", { subject: undefined }))).toMatch(/no subject/);
  });

  it.each(["bigger", "just_fits", "smaller"])("reads a Yubi-wakka result %s under the app's own code", (result) => {
    const mapped = mapFinding(yubi(result), NOW);
    expect(mapped?.status === "ok" && mapped.value.finding).toEqual({ kind: "yubi_wakka", code: result, recordedAt: new Date("2026-10-01T00:00:00Z") });
  });

  it("rejects a Yubi-wakka Observation whose result is missing, unknown, in another system or a quantity", () => {
    for (const resource of [
      observation(LOCAL_SYSTEM, "yubi_wakka"),
      yubi("gap"),
      observation(LOCAL_SYSTEM, "yubi_wakka", { valueCodeableConcept: { coding: [{ system: "http://example.org", code: "smaller" }] } }),
      observation(LOCAL_SYSTEM, "yubi_wakka", { valueQuantity: { value: 1 } }),
    ]) {
      const mapped = mapFinding(resource, NOW);
      expect(mapped?.status).toBe("rejected");
      expect(mapped?.status === "rejected" && mapped.rejection.reason).toMatch(/bigger, just_fits, smaller/);
    }
  });

  it("reads the Yubi-wakka code only on an Observation, never on a Condition", () => {
    expect(mapFinding(condition("yubi_wakka", {}, LOCAL_SYSTEM), NOW)).toBeNull();
  });

  it("without this mapping, a symptom Observation would be ignored as not used by screening (what mapObservation alone says)", () => {
    const mapped = mapObservation(observation(SNOMED_SYSTEM, "84229001"), NOW);
    expect(mapped).toMatchObject({ status: "ignored", system: SNOMED_SYSTEM, code: "84229001" });
  });
});
