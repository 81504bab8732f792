import { DEFAULT_FLAG_LIFECYCLE, flagState } from "@/lib/domain/flag-lifecycle";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { OBSERVATION_CODES, exportCodeFor } from "@/lib/domain/fhir-codes";
import {
  buildExportManifest, emptyFhirCounts, toFhirFlag, toFhirMedicationStatement, toFhirObservation, toFhirPatient, toFhirRiskAssessment,
  type ExportObservationInput,
} from "@/lib/domain/fhir-export";
import { mapMedication, mapObservation, mapPatient, type Json } from "@/lib/domain/fhir-map";
import { MEASURE_KINDS, type MeasureKind } from "@/lib/domain/types";
import { CANONICAL_UNIT, UNITS_BY_KIND, toCanonical } from "@/lib/domain/units";

const NOW = new Date("2026-11-21T00:00:00Z");
const json = (value: object) => JSON.parse(JSON.stringify(value)) as Json;

function obs(extra: Partial<ExportObservationInput>): ExportObservationInput {
  return {
    id: "o1", patientId: "p1", kind: "grip_strength", value: 30, isUnable: false, reportedValue: "30", reportedUnit: "kg",
    observedAt: new Date("2026-01-02T10:00:00Z"), method: null, status: "final", version: 1, note: null, ...extra,
  };
}

describe("the code table read both ways", () => {
  it("has an export code for every kind in its canonical unit and every unit the app accepts", () => {
    for (const kind of MEASURE_KINDS) {
      expect(exportCodeFor(kind, CANONICAL_UNIT[kind]), kind).not.toBeNull();
      for (const unit of UNITS_BY_KIND[kind]) expect(exportCodeFor(kind, unit), `${kind} ${unit}`).not.toBeNull();
    }
  });

  it("prefers LOINC: grip in kg is 83174-3, B12 in pmol/L 14685-2 and in pg/mL 2132-9", () => {
    expect(exportCodeFor("grip_strength", "kg")?.mapping.code).toBe("83174-3");
    expect(exportCodeFor("b12_total", "pmol/L")?.mapping.code).toBe("14685-2");
    expect(exportCodeFor("b12_total", "pg/mL")).toMatchObject({ mapping: { code: "2132-9" }, ucum: "pg/mL" });
    expect(exportCodeFor("weight", "lb")?.ucum).toBe("[lb_av]");
    expect(exportCodeFor("gait_speed", "s/4m")).toMatchObject({ mapping: { code: "walk_4m_time" }, ucum: "s" });
    expect(OBSERVATION_CODES.length).toBeGreaterThan(20);
  });

  it("re-imports every exported measure to the same kind, value, unit and date (property)", () => {
    const kindAndUnit = fc.constantFrom(...MEASURE_KINDS.flatMap((kind) => UNITS_BY_KIND[kind].map((unit) => ({ kind, unit }))));
    fc.assert(
      fc.property(kindAndUnit, fc.double({ min: 0, max: 1, noNaN: true }), fc.date({ min: new Date("2000-01-01"), max: NOW, noInvalidDate: true }), ({ kind, unit }, fraction, observedAt) => {
        const reported = Number(plausibleReported(kind, unit, fraction).toFixed(1));
        const value = toCanonical(kind, reported, unit);
        const exported = toFhirObservation(obs({ kind, value, reportedValue: String(reported), reportedUnit: unit, observedAt }));
        const back = mapObservation(json(exported), NOW);
        if (back.status !== "ok") throw new Error(`${kind} ${reported} ${unit}: ${JSON.stringify(back)}`);
        expect(back.value).toMatchObject({ kind, value, reportedUnit: unit, reportedValue: String(reported), observedAt, isUnable: false });
      }),
      { numRuns: 300 },
    );
  });
});

/** A reported value inside the plausibility limits for the kind, in `unit`. */
function plausibleReported(kind: MeasureKind, unit: string, fraction: number): number {
  const canonicalMid: Record<MeasureKind, [number, number]> = {
    grip_strength: [5, 60], gait_speed: [0.3, 1.5], chair_stand_5x: [5, 40], sppb: [0, 12], tug: [5, 60], walk_400m: [200, 900], asm: [10, 30],
    height: [140, 200], weight: [40, 120], calf_circumference: [25, 45], sarc_f: [0, 10], b12_total: [100, 600], holotc: [10, 100], mma: [0.1, 1],
    homocysteine: [5, 30], egfr: [20, 110],
  };
  const [lo, hi] = canonicalMid[kind];
  const canonical = kind === "sppb" || kind === "sarc_f" ? Math.round(lo + fraction * (hi - lo)) : lo + fraction * (hi - lo);
  // Invert the unit conversion with toCanonical's own factor (linear, or 4 m / speed for walk times).
  if (unit === "s/4m") return 4 / canonical;
  return canonical / toCanonical(kind, 1, unit);
}

describe("toFhirObservation", () => {
  it("sends 'unable to complete' as a coded value the importer reads back", () => {
    const exported = toFhirObservation(obs({ kind: "chair_stand_5x", value: null, isUnable: true, reportedValue: "unable", reportedUnit: "s" }));
    expect(exported.valueQuantity).toBeUndefined();
    expect(exported.valueCodeableConcept?.coding?.[0]?.code).toBe("unable");
    expect(mapObservation(json(exported), NOW)).toMatchObject({ status: "ok", value: { kind: "chair_stand_5x", isUnable: true, value: null, reportedValue: "unable" } });
  });

  it("carries the muscle-mass method, corrected and in-error statuses, and the note", () => {
    const exported = toFhirObservation(obs({ kind: "asm", value: 18.2, reportedValue: "18.2", reportedUnit: "kg", method: "bia", version: 2, note: "left side" }));
    expect(exported.status).toBe("amended");
    expect(exported.note).toEqual([{ text: "left side" }]);
    expect(mapObservation(json(exported), NOW)).toMatchObject({ status: "ok", value: { method: "bia" } });
    expect(toFhirObservation(obs({ status: "entered_in_error" })).status).toBe("entered-in-error");
  });

  it("falls back to the canonical value and unit when the reported value is not a number", () => {
    const exported = toFhirObservation(obs({ reportedValue: "n/a", value: 31.5 }));
    expect(exported.valueQuantity).toMatchObject({ value: 31.5, code: "kg" });
  });
});

describe("the other resources", () => {
  it("Patient: the MRN as an MR identifier the importer reads, names split and joined", () => {
    const patient = toFhirPatient({ id: "p1", mrn: "MRN-7", familyName: "O'Keefe", givenName: "Clarine Ann", birthDate: new Date("1940-03-04T00:00:00Z"), sex: "female", deceasedAt: null });
    expect(patient.birthDate).toBe("1940-03-04");
    expect(patient.deceasedDateTime).toBeUndefined();
    expect(mapPatient(json(patient))).toMatchObject({ status: "ok", value: { mrn: "MRN-7", mrnFrom: "MR identifier", givenName: "Clarine Ann", familyName: "O'Keefe", sex: "female" } });
  });

  it("MedicationStatement: catalogue codes, stopped only when the stop date has passed, dates kept", () => {
    const base = { id: "m1", patientId: "p1", catalogueId: "metformin", name: "metformin", atcCode: "A10BA02", rxnormCode: "860975", startedOn: new Date("2020-05-01T13:45:00Z"), stoppedOn: null };
    const active = toFhirMedicationStatement(base, NOW);
    expect(active.status).toBe("active");
    expect(active.medicationCodeableConcept?.coding?.map((c) => c.code)).toEqual(["860975", "6809", "A10BA02"]);
    expect(active.effectivePeriod).toEqual({ start: "2020-05-01T13:45:00.000Z" });
    expect(mapMedication(json(active))).toMatchObject({ status: "ok", value: { catalogueId: "metformin", rxnormCode: "860975", startedOn: base.startedOn, stoppedOn: null } });
    const stopped = toFhirMedicationStatement({ ...base, stoppedOn: new Date("2026-01-01T00:00:00Z") }, NOW);
    expect(stopped).toMatchObject({ status: "stopped", effectivePeriod: { end: "2026-01-01" } });
    expect(toFhirMedicationStatement({ ...base, stoppedOn: new Date("2027-01-01T00:00:00Z") }, NOW).status).toBe("active");
    const freeText = toFhirMedicationStatement({ ...base, catalogueId: null, name: "herbal tea", atcCode: null, rxnormCode: null }, NOW);
    expect(freeText.medicationCodeableConcept).toEqual({ text: "herbal tea" });
  });

  it("Flag and RiskAssessment: the engine's codes, reason, due date and rule-set version", () => {
    const dueAt = new Date("2026-12-01T00:00:00Z");
    const state = flagState({ status: "open", stage: "ordered", dueAt, actionDueAt: new Date("2027-01-30T00:00:00Z"), orderedAt: new Date("2026-11-20T09:00:00Z"), postponedUntil: null }, NOW, DEFAULT_FLAG_LIFECYCLE);
    const flag = toFhirFlag({ id: "f1", patientId: "p1", code: "b12_test_due", openedAt: new Date("2026-10-01T00:00:00Z"), dueAt, reasonText: "Age 80, no B12 result.", state });
    expect(flag).toMatchObject({
      status: "active",
      code: { coding: [{ code: "b12_test_due", display: "B12 test due" }], text: "B12 test due, due 2026-12-01 (Ordered 2026-11-20 — awaiting the result until 2027-01-30): Age 80, no B12 result." },
      period: { start: "2026-10-01T00:00:00.000Z" },
    });
    // The state travels as a second category, in the app's own system.
    expect(flag.category?.[1]?.coding?.[0]).toEqual({ system: "urn:sarcopenia-screening:flag-state", code: "ordered", display: "Ordered — awaiting result" });
    // The basis and source follow the reason, as on the patient's page.
    const withBasis = toFhirFlag({ id: "f2", patientId: "p1", code: "medication_review", openedAt: NOW, dueAt, reasonText: "Review prednisolone.", basisText: "Basis: EWGSOP2 probable (STOPPFall, Seppala et al., Age Ageing 2021)", state });
    expect(withBasis.code?.text).toBe(`Medication review, due 2026-12-01 (${state.text}): Review prednisolone. Basis: EWGSOP2 probable (STOPPFall, Seppala et al., Age Ageing 2021)`);
    const risk = toFhirRiskAssessment({
      id: "r1", patientId: "p1", tier: "elevated", ewgsop2: "probable", awgs2019: "possible", b12Status: "not_tested", b12OnTreatment: true,
      ruleSetVersion: 3, evaluatedAt: NOW, tierReasons: ["EWGSOP2 probable."],
    });
    expect(risk.method?.coding?.[0]?.code).toBe("3");
    expect(risk.prediction?.map((p) => p.outcome?.text)).toEqual([
      "Screening tier: Elevated", "EWGSOP2: Probable sarcopenia", "AWGS 2019: Possible sarcopenia", "Vitamin B12 status: Not tested (on B12 replacement)",
    ]);
    const with2025 = toFhirRiskAssessment({
      id: "r2", patientId: "p1", tier: "elevated", ewgsop2: "none", awgs2019: "none", awgs2025: "at_risk", b12Status: "adequate", b12OnTreatment: false,
      ruleSetVersion: 3, evaluatedAt: NOW, tierReasons: [],
    });
    expect(with2025.prediction?.[3]).toEqual({
      outcome: { coding: [{ system: "urn:sarcopenia-screening:awgs2025", code: "at_risk", display: "At risk for sarcopenia" }], text: "AWGS 2025: At risk for sarcopenia" },
    });
    expect(risk.prediction?.[0]).toMatchObject({ qualitativeRisk: { coding: [{ code: "moderate" }] }, rationale: "EWGSOP2 probable." });
  });

  it("builds a Bulk Data manifest with one output per type", () => {
    const manifest = buildExportManifest({ transactionTime: NOW, request: "r", requiresAccessToken: true, counts: { ...emptyFhirCounts(), Patient: 2 }, urlOf: (t) => `/x/${t}` });
    expect(manifest).toEqual({
      transactionTime: NOW.toISOString(), request: "r", requiresAccessToken: true, error: [],
      output: [
        { type: "Patient", url: "/x/Patient", count: 2 }, { type: "Observation", url: "/x/Observation", count: 0 },
        { type: "MedicationStatement", url: "/x/MedicationStatement", count: 0 }, { type: "Flag", url: "/x/Flag", count: 0 },
        { type: "RiskAssessment", url: "/x/RiskAssessment", count: 0 },
      ],
    });
  });
});
