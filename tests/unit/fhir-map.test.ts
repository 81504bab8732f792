import { describe, expect, it } from "vitest";
import { CONDITION_MAPPINGS, LOINC_SYSTEM, OBSERVATION_CODES, RXNORM_CLINICAL_DRUGS, RXNORM_SYSTEM, appUnitOf } from "@/lib/domain/fhir-codes";
import {
  isValidLoinc, loincCheckDigit, loincProblem, mapCondition, mapGender, mapMedication, mapObservation, mapPatient, matchDrugDisplay, type Json,
} from "@/lib/domain/fhir-map";
import { findMedicineById } from "@/lib/domain/medicine-catalogue";
import { CONDITION_CODES, MEASURE_KINDS } from "@/lib/domain/types";
import { KG_PER_LB, PG_ML_PER_PMOL_L, UNITS_BY_KIND } from "@/lib/domain/units";

const NOW = new Date("2026-11-21T00:00:00Z");

function observation(system: string, code: string, quantity: Json | null, extra: Json = {}): Json {
  return {
    resourceType: "Observation",
    id: "obs-1",
    status: "final",
    code: { coding: [{ system, code, display: "x" }] },
    subject: { reference: "Patient/p1" },
    effectiveDateTime: "2025-01-02T10:00:00+00:00",
    ...(quantity ? { valueQuantity: quantity } : {}),
    ...extra,
  };
}
const ucum = (value: number, code: string): Json => ({ value, unit: code, system: "http://unitsofmeasure.org", code });

function medication(coding: Json[], extra: Json = {}): Json {
  return {
    resourceType: "MedicationRequest",
    id: "med-1",
    status: "active",
    medicationCodeableConcept: { coding, text: typeof coding[0]?.display === "string" ? coding[0].display : undefined },
    subject: { reference: "urn:uuid:p1" },
    authoredOn: "2020-03-04T05:06:07+00:00",
    ...extra,
  };
}

describe("LOINC check digit (mod 10)", () => {
  it.each([
    ["8302-2"], ["29463-7"], ["2132-9"], ["14685-2"], ["13964-2"], ["13965-9"], ["83174-3"], ["33914-3"], ["62238-1"], ["48642-3"], ["48643-1"],
    ["98979-8"], ["39156-5"], ["2339-0"], ["4548-4"], ["718-7"],
  ])("%s is valid", (code) => {
    expect(isValidLoinc(code)).toBe(true);
  });

  it("computes the digit from the base", () => {
    expect(loincCheckDigit("8302")).toBe(2);
    expect(loincCheckDigit("12345")).toBe(5); // the LOINC Users' Guide worked example
    expect(loincCheckDigit("2339")).toBe(0);
  });

  it.each([
    ["8302-3", "check digit"],
    ["2132-8", "check digit"],
    ["5089AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "form"],
    ["12345678-1", "form"],
    ["8302", "form"],
    ["8302-22", "form"],
  ])("%s is not a LOINC code", (code, why) => {
    expect(isValidLoinc(code)).toBe(false);
    expect(loincProblem(code)).toContain(why);
  });
});

describe("the code table", () => {
  it("has only valid LOINC codes, known kinds and units the app converts", () => {
    for (const m of OBSERVATION_CODES) {
      if (m.system === LOINC_SYSTEM) expect(isValidLoinc(m.code), m.code).toBe(true);
      expect(MEASURE_KINDS).toContain(m.kind);
      for (const unit of m.units) {
        const appUnit = appUnitOf(m, unit);
        expect(appUnit, unit).toBeDefined();
        expect(UNITS_BY_KIND[m.kind], `${m.code} ${unit}`).toContain(appUnit);
      }
    }
    const keys = OBSERVATION_CODES.map((m) => `${m.system}|${m.code}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("marks as confirmed only what the clinical reference confirms (docs/clinical-reference.md#observation-codes)", () => {
    const confirmed = OBSERVATION_CODES.filter((m) => m.confirmed).map((m) => m.code).sort();
    expect(confirmed).toEqual(["13965-9", "14685-2", "2132-9", "29463-7", "8302-2"]);
  });

  it("maps every table code through mapObservation", () => {
    for (const m of OBSERVATION_CODES) {
      const unit = m.units[0]!;
      const value = m.kind === "height" ? 170 : m.kind === "weight" ? 70 : m.kind === "b12_total" ? 300 : m.kind === "sppb" || m.kind === "sarc_f" ? 4 : m.kind === "walk_400m" ? 400 : m.kind === "gait_speed" ? 1 : m.kind === "egfr" ? 60 : m.kind === "calf_circumference" ? 33 : m.kind === "mma" && unit === "umol/L" ? 0.3 : m.kind === "homocysteine" ? 12 : m.kind === "holotc" ? 50 : m.kind === "asm" ? 18 : 10;
      const result = mapObservation(observation(m.system, m.code, ucum(value, unit)), NOW);
      expect(result.status, `${m.code}: ${JSON.stringify(result)}`).toBe("ok");
      if (result.status === "ok") expect(result.value.kind).toBe(m.kind);
    }
  });

  it("maps conditions only to the app's condition codes, and clinical drugs to catalogue entries", () => {
    for (const c of CONDITION_MAPPINGS) expect(CONDITION_CODES).toContain(c.condition);
    for (const d of RXNORM_CLINICAL_DRUGS) expect(findMedicineById(d.catalogueId), d.rxnorm).not.toBeNull();
  });
});

describe("mapObservation", () => {
  it("maps weight in kg and converts [lb_av] exactly", () => {
    const kg = mapObservation(observation(LOINC_SYSTEM, "29463-7", ucum(70.5, "kg")), NOW);
    expect(kg).toMatchObject({ status: "ok", value: { kind: "weight", value: 70.5, reportedValue: "70.5", reportedUnit: "kg", subject: "Patient/p1" } });
    const lb = mapObservation(observation(LOINC_SYSTEM, "29463-7", ucum(150, "[lb_av]")), NOW);
    expect(lb.status).toBe("ok");
    if (lb.status === "ok") expect(lb.value.value).toBeCloseTo(150 * KG_PER_LB, 10);
  });

  it("converts B12 mass units to pmol/L and height in m and [in_i] to cm", () => {
    const b12 = mapObservation(observation(LOINC_SYSTEM, "2132-9", ucum(271, "pg/mL")), NOW);
    expect(b12.status === "ok" && b12.value.value).toBeCloseTo(271 / PG_ML_PER_PMOL_L, 10);
    const m = mapObservation(observation(LOINC_SYSTEM, "8302-2", ucum(1.7, "m")), NOW);
    expect(m.status === "ok" && m.value.value).toBeCloseTo(170, 10);
    const inch = mapObservation(observation(LOINC_SYSTEM, "8302-2", ucum(65, "[in_i]")), NOW);
    expect(inch.status === "ok" && inch.value.value).toBeCloseTo(165.1, 10);
  });

  it.each([
    ["lbs", "29463-7"],
    ["lb", "29463-7"],
    ["KG", "29463-7"],
    ["pmol/L", "2132-9"], // a molar unit under the mass-concentration code
    ["pg/mL", "14685-2"],
    ["mL/min", "33914-3"],
  ])("rejects unit %s for %s with the reason", (unit, code) => {
    const result = mapObservation(observation(LOINC_SYSTEM, code, { value: 100, unit }), NOW);
    expect(result.status).toBe("rejected");
    if (result.status === "rejected") {
      expect(result.rejection.reason).toContain(`"${unit}"`);
      expect(result.rejection.reason).toContain("accepted");
      expect(result.rejection).toMatchObject({ code, system: LOINC_SYSTEM, id: "obs-1" });
    }
  });

  it("rejects a non-LOINC code under the LOINC system, naming the code and the system", () => {
    const result = mapObservation(observation(LOINC_SYSTEM, "5089AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ucum(64, "kg")), NOW);
    expect(result.status).toBe("rejected");
    if (result.status === "rejected") {
      expect(result.rejection.reason).toContain("5089AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
      expect(result.rejection.reason).toContain(LOINC_SYSTEM);
    }
    const badDigit = mapObservation(observation(LOINC_SYSTEM, "29463-8", ucum(64, "kg")), NOW);
    expect(badDigit.status === "rejected" && badDigit.rejection.reason).toContain("check digit");
  });

  it("ignores an ordinary observation screening does not use (not a problem), but rejects a mapped LOINC code given under another system as mislabelled", () => {
    expect(mapObservation(observation(LOINC_SYSTEM, "2339-0", ucum(90, "mg/dL")), NOW)).toMatchObject({ status: "ignored", system: LOINC_SYSTEM, code: "2339-0" });
    expect(mapObservation(observation(LOINC_SYSTEM, "8480-6", ucum(120, "mm[Hg]")), NOW)).toMatchObject({ status: "ignored", code: "8480-6" });
    const misfiled = mapObservation(observation("http://snomed.info/sct", "29463-7", ucum(70, "kg")), NOW);
    expect(misfiled.status).toBe("rejected");
    expect(misfiled.status === "rejected" && misfiled.rejection.reason).toMatch(/LOINC code of Body weight.*mislabelled/);
    // Only a LOINC-shaped code is taken for a misfiled one: a SNOMED code that is not mapped is ordinary.
    expect(mapObservation(observation("http://snomed.info/sct", "271649006", ucum(120, "mm[Hg]")), NOW).status).toBe("ignored");
    // No coded code at all is a problem with the resource, not an ordinary result.
    expect(mapObservation({ resourceType: "Observation", id: "x", status: "final", code: { text: "grip" } }, NOW).status).toBe("rejected");
  });

  it("rejects a foreign unit system, an implausible value and a future date; skips entered-in-error and cancelled", () => {
    const foreign = mapObservation(observation(LOINC_SYSTEM, "29463-7", { value: 70, system: "http://example.org/units", code: "kg" }), NOW);
    expect(foreign.status === "rejected" && foreign.rejection.reason).toContain("not UCUM");
    const implausible = mapObservation(observation(LOINC_SYSTEM, "29463-7", ucum(7000, "kg")), NOW);
    expect(implausible.status).toBe("rejected");
    const future = mapObservation(observation(LOINC_SYSTEM, "29463-7", ucum(70, "kg"), { effectiveDateTime: "2027-01-01" }), NOW);
    expect(future.status === "rejected" && future.rejection.reason).toContain("future");
    for (const status of ["entered-in-error", "cancelled"]) {
      expect(mapObservation(observation(LOINC_SYSTEM, "29463-7", ucum(70, "kg"), { status }), NOW).status).toBe("skipped");
    }
  });

  it("maps SNOMED grip strength", () => {
    const result = mapObservation(observation("http://snomed.info/sct", "251433001", ucum(22, "kg")), NOW);
    expect(result).toMatchObject({ status: "ok", value: { kind: "grip_strength", value: 22 } });
  });
});

describe("mapPatient", () => {
  const patient = (extra: Json): Json => ({
    resourceType: "Patient",
    id: "res-id",
    name: [{ use: "maiden", family: "Old", given: ["A"] }, { use: "official", family: "Gibson10", given: ["Augustina561", "B"] }],
    birthDate: "1947-03-07",
    gender: "female",
    ...extra,
  });

  it("prefers the MR identifier, else the resource id; never the SSN", () => {
    const withMr = mapPatient(patient({
      identifier: [
        { system: "http://hl7.org/fhir/sid/us-ssn", value: "999-30-1648", type: { coding: [{ code: "SS" }] } },
        { system: "http://hospital.smarthealthit.org", value: "MRN-7", type: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v2-0203", code: "MR" }] } },
      ],
    }));
    expect(withMr).toMatchObject({ status: "ok", value: { mrn: "MRN-7", mrnFrom: "MR identifier", familyName: "Gibson10", givenName: "Augustina561 B", sex: "female" } });
    const noMr = mapPatient(patient({ identifier: [{ system: "http://hl7.org/fhir/sid/us-ssn", value: "999-30-1648" }] }));
    expect(noMr).toMatchObject({ status: "ok", value: { mrn: "res-id", mrnFrom: "resource id" } });
  });

  it("maps birth date, deceasedDateTime and rejects a patient without a birth date", () => {
    const ok = mapPatient(patient({ deceasedDateTime: "2020-05-01T10:00:00+02:00" }));
    expect(ok.status === "ok" && ok.value.birthDate.toISOString()).toBe("1947-03-07T00:00:00.000Z");
    expect(ok.status === "ok" && ok.value.deceasedAt?.toISOString()).toBe("2020-05-01T08:00:00.000Z");
    expect(mapPatient(patient({ birthDate: "1947" })).status).toBe("rejected");
  });

  it.each([
    ["male", "male"], ["female", "female"], ["other", "unknown"], ["unknown", "unknown"], [undefined, "unknown"], ["M", "unknown"],
  ])("gender %s → sex %s", (gender, sex) => {
    expect(mapGender(gender)).toBe(sex);
  });
});

describe("mapMedication", () => {
  it("matches an RxNorm ingredient code", () => {
    const result = mapMedication(medication([{ system: RXNORM_SYSTEM, code: "6809", display: "metformin" }]));
    expect(result).toMatchObject({ status: "ok", value: { catalogueId: "metformin", matchedBy: "code", startedOn: new Date("2020-03-04T05:06:07Z"), stoppedOn: null } });
  });

  it("matches an ATC code", () => {
    const result = mapMedication(medication([{ system: "http://www.whocc.no/atc", code: "A02BC01", display: "omeprazole" }]));
    expect(result).toMatchObject({ status: "ok", value: { catalogueId: "omeprazole", atcCode: "A02BC01" } });
  });

  it("matches Synthea clinical-drug codes by the table and by the display text", () => {
    const metformin = mapMedication(medication([{ system: RXNORM_SYSTEM, code: "860975", display: "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet" }]));
    expect(metformin).toMatchObject({ status: "ok", value: { catalogueId: "metformin", rxnormCode: "860975", matchedBy: "clinical_drug_code" } });
    const b12 = mapMedication(medication([{ system: RXNORM_SYSTEM, code: "2001499", display: "Vitamin B 12 5 MG/ML Injectable Solution" }]));
    expect(b12).toMatchObject({ status: "ok", value: { catalogueId: "cyanocobalamin" } });
    const simva = mapMedication(medication([{ system: RXNORM_SYSTEM, code: "312961", display: "Simvastatin 20 MG Oral Tablet" }]));
    expect(simva).toMatchObject({ status: "ok", value: { catalogueId: "simvastatin", matchedBy: "display" } });
    expect(matchDrugDisplay("10 ML Furosemide 10 MG/ML Injection")?.id).toBe("furosemide");
    expect(matchDrugDisplay("Lasix 40mg")?.id).toBe("furosemide");
    expect(matchDrugDisplay("Meperidine Hydrochloride 50 MG Oral Tablet")?.id).toBe("pethidine");
    expect(matchDrugDisplay("Acetaminophen 325 MG / oxyCODONE Hydrochloride 5 MG Oral Tablet")?.id).toBe("oxycodone");
    expect(matchDrugDisplay("Colchicine 0.6 MG [Colcrys]")?.id).toBe("colchicine");
    expect(matchDrugDisplay("Metforminx 500 MG")).toBeNull();
  });

  it("keeps an unknown medicine as free text", () => {
    const result = mapMedication(medication([{ system: RXNORM_SYSTEM, code: "313782", display: "Acetaminophen 325 MG Oral Tablet" }]));
    expect(result).toMatchObject({ status: "ok", value: { catalogueId: null, name: "Acetaminophen 325 MG Oral Tablet", matchedBy: "free_text" } });
  });

  it("stops a stopped medicine (at its start when no end is given) and skips other statuses", () => {
    const stopped = mapMedication(medication([{ system: RXNORM_SYSTEM, code: "6809" }], { status: "stopped" }));
    expect(stopped.status === "ok" && stopped.value.stoppedOn?.toISOString()).toBe("2020-03-04T05:06:07.000Z");
    const statement = mapMedication({
      resourceType: "MedicationStatement", id: "s1", status: "completed", subject: { reference: "Patient/p1" },
      medicationCodeableConcept: { coding: [{ system: RXNORM_SYSTEM, code: "6809" }] }, effectivePeriod: { start: "2019-01-01", end: "2019-06-01" },
    });
    expect(statement).toMatchObject({ status: "ok", value: { startedOn: new Date("2019-01-01T00:00:00Z"), stoppedOn: new Date("2019-06-01T00:00:00Z") } });
    expect(mapMedication(medication([{ system: RXNORM_SYSTEM, code: "6809" }], { status: "entered-in-error" })).status).toBe("skipped");
  });
});

describe("mapCondition", () => {
  const condition = (system: string, code: string, extra: Json = {}): Json => ({
    resourceType: "Condition", id: "c1", subject: { reference: "Patient/p1" }, code: { coding: [{ system, code }] }, onsetDateTime: "2010-01-01", ...extra,
  });
  it("maps absorption conditions by SNOMED and ICD-10 and ignores others", () => {
    expect(mapCondition(condition("http://snomed.info/sct", "84027009"))).toMatchObject({ status: "ok", value: { condition: "autoimmune_gastritis" } });
    expect(mapCondition(condition("http://hl7.org/fhir/sid/icd-10-cm", "K90.0"))).toMatchObject({ status: "ok", value: { condition: "coeliac", resolvedAt: null } });
    expect(mapCondition(condition("http://snomed.info/sct", "44054006")).status).toBe("skipped");
    const resolved = mapCondition(condition("http://snomed.info/sct", "53442002", { clinicalStatus: { coding: [{ code: "resolved" }] }, abatementDateTime: "2012-01-01" }));
    expect(resolved.status === "ok" && resolved.value.resolvedAt?.toISOString()).toBe("2012-01-01T00:00:00.000Z");
  });
});
