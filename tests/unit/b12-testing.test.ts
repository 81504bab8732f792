import { describe, expect, it } from "vitest";
import { B12_SYMPTOM_LABELS } from "@/lib/domain/b12-symptoms";
import { B12_TEST_BASIS } from "@/lib/domain/flags";
import { findMedicineById, matchMedicineByCode } from "@/lib/domain/medicine-catalogue";
import { B12_SYMPTOM_CODES, CONDITION_CODES, type B12SymptomCode, type B12SymptomInput, type ConditionCode, type ObservationInput, type PatientHistory } from "@/lib/domain/types";
import { normaliseUnit, toCanonical, UnitError } from "@/lib/domain/units";
import { day, evaluate, flagCodes, history, med, NOW, obs, VISIT, withThresholds } from "./helpers";

const YOUNG = day("1976-01-01"); // 50 at NOW: below the screening age, so age is no risk factor
const symptom = (code: B12SymptomCode, recordedAt = VISIT): B12SymptomInput => ({ code, recordedAt });
const testDue = (h: PatientHistory, thresholds = withThresholds(() => undefined)) => evaluate(h, { thresholds }).flags.find((f) => f.code === "b12_test_due");
const localOff = withThresholds((t) => void (t.b12Testing.caseFindingOnRiskFactorAlone = false));

describe("NICE NG239 symptoms and signs: one table of stable codes and labels", () => {
  it("has a label for every code, and the codes are snake_case", () => {
    expect(Object.keys(B12_SYMPTOM_LABELS)).toEqual([...B12_SYMPTOM_CODES]);
    for (const code of B12_SYMPTOM_CODES) expect(code).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
    expect(B12_SYMPTOM_CODES).toHaveLength(8);
  });
});

describe("b12_test_due states its basis", () => {
  it.each<[string, Partial<PatientHistory>, string | null, string | null]>([
    ["risk factor alone (age 78): local case-finding policy", {}, B12_TEST_BASIS.local, null],
    ["risk factor alone, local policy switched off: not raised", {}, null, "off"],
    ["symptom and risk factor: NICE", { b12Symptoms: [symptom("fatigue")] }, B12_TEST_BASIS.nice, null],
    ["symptom and risk factor, local policy off: still NICE", { b12Symptoms: [symptom("pins_and_needles")] }, B12_TEST_BASIS.nice, "off"],
    ["symptom without a risk factor: not raised", { birthDate: YOUNG, b12Symptoms: [symptom("fatigue")] }, null, null],
    ["symptom and a B12-lowering medicine at 50: NICE", { birthDate: YOUNG, medications: [med("metformin")], b12Symptoms: [symptom("low_mood")] }, B12_TEST_BASIS.nice, "off"],
    ["symptom noted 13 months ago no longer counts", { b12Symptoms: [symptom("fatigue", day("2025-10-20"))] }, B12_TEST_BASIS.local, null],
    ["symptom noted after now does not count yet", { b12Symptoms: [symptom("fatigue", day("2026-11-22"))] }, null, "off"],
    ["symptom with only the local sarcopenia-finding risk factor: local policy", { birthDate: YOUNG, observations: [obs("grip_strength", 10)], b12Symptoms: [symptom("fatigue")] }, B12_TEST_BASIS.local, null],
    ["… and with the local policy off: not raised", { birthDate: YOUNG, observations: [obs("grip_strength", 10)], b12Symptoms: [symptom("fatigue")] }, null, "off"],
    ["on B12 replacement, symptom and risk factor: not re-tested", { medications: [med("hydroxocobalamin")], b12Symptoms: [symptom("fatigue")] }, null, null],
  ])("%s", (_label, overrides, basis, policy) => {
    const flag = testDue(history(overrides), policy === "off" ? localOff : undefined);
    expect(flag?.basis ?? null).toBe(basis);
    if (flag) {
      expect(flag.text).toContain(`(basis: ${basis}).`);
      expect(flag.reasons.at(-1)).toMatchObject({ code: "flag.b12_test_due.basis", inputs: { basis } });
      expect(flag.source).toMatch(basis === B12_TEST_BASIS.nice ? /^NICE NG239 \(2024\).*BMJ 2024;385:q1019/ : /^Local case-finding policy, beyond NICE NG239/);
    }
  });

  it("names the symptom and its date among the reasons", () => {
    const flag = testDue(history({ b12Symptoms: [symptom("visual_disturbance"), symptom("visual_disturbance", day("2026-09-01"))] }));
    const reasons = flag?.reasons.filter((r) => r.code === "b12.symptom");
    expect(reasons?.map((r) => r.text)).toEqual(["Visual disturbance recorded on 2026-10-01 → symptom or sign of B12 deficiency (NICE NG239)"]);
  });
});

describe("b12_test_due re-test interval (a setting; default 12 months)", () => {
  const lastB12 = (on: string): ObservationInput[] => [obs("b12_total", 400, day(on))];
  it.each<[string, string, number, boolean]>([
    ["B12 exactly 12 months ago, interval 12", "2025-11-21", 12, false],
    ["B12 12 months and 1 day ago, interval 12", "2025-11-20", 12, true],
    ["B12 18 months ago, interval 24", "2025-05-21", 24, false],
    ["B12 24 months and 1 day ago, interval 24", "2024-11-20", 24, true],
    ["B12 7 months ago, interval 6", "2026-04-21", 6, true],
  ])("%s → %s", (_label, on, months, expected) => {
    const t = withThresholds((v) => void (v.b12Testing.retestIntervalMonths = months));
    const flag = testDue(history({ observations: lastB12(on) }), t);
    expect(flag !== undefined).toBe(expected);
    if (flag) {
      expect(flag.dueAt.slice(0, 10) <= NOW.toISOString().slice(0, 10)).toBe(true);
      expect(flag.reasons[0]).toMatchObject({ code: "flag.b12_test_due.no_result", inputs: { retestIntervalMonths: months } });
      expect(flag.reasons[0]!.text).toContain(`more than ${months} months ago (re-test interval: Local setting`);
    }
  });

  it("is due when the interval after the last result ends", () => {
    const t = withThresholds((v) => void (v.b12Testing.retestIntervalMonths = 24));
    expect(testDue(history({ observations: lastB12("2024-10-01") }), t)?.dueAt).toBe("2026-10-01T00:00:00.000Z");
  });
});

describe("acid suppressants count as a B12 risk after the set duration (default ≥ 12 months, unconfirmed)", () => {
  const on = (catalogueId: string, startedOn: Date | null) => evaluate(history({ birthDate: YOUNG, medications: [med(catalogueId, { startedOn })] }));
  it.each<[string, string, Date | null, boolean]>([
    ["omeprazole started exactly 12 months ago", "omeprazole", day("2025-11-21"), true],
    ["omeprazole started 12 months less a day ago", "omeprazole", day("2025-11-22"), false],
    ["omeprazole started 3 years ago", "omeprazole", day("2023-11-21"), true],
    ["omeprazole, start not recorded: counted", "omeprazole", null, true],
    ["famotidine (H2RA) started 2 months ago", "famotidine", day("2026-09-21"), false],
    ["metformin started 2 months ago: no duration rule", "metformin", day("2026-09-21"), true],
  ])("%s → risk factor %s", (_label, id, startedOn, expected) => {
    const e = on(id, startedOn);
    expect(e.riskFactors.codes.includes("b12_lowering_medicine")).toBe(expected);
    expect(e.medicines.b12Lowering).toEqual([findMedicineById(id)!.genericName]);
  });

  it("explains a recent acid suppressant, and the setting can count any current use", () => {
    const e = on("omeprazole", day("2026-06-01"));
    expect(e.riskFactors.reasons.map((r) => r.text)).toEqual([
      "Current omeprazole (ATC A02BC01) since 2026-06-01: under the acid-suppressant duration ≥ 12 months (acid-suppressant duration, unconfirmed) → not yet a B12 risk factor",
    ]);
    const anyUse = withThresholds((t) => void (t.b12Testing.acidSuppressantMinMonths = 0));
    expect(evaluate(history({ birthDate: YOUNG, medications: [med("omeprazole", { startedOn: day("2026-06-01") })] }), { thresholds: anyUse }).riskFactors.codes).toEqual(["b12_lowering_medicine"]);
  });
});

describe("further NICE NG239 risk medicines and conditions (unconfirmed)", () => {
  it.each<[string, string]>([
    ["phenobarbital", "N03AA02"],
    ["primidone", "N03AA03"],
    ["topiramate", "N03AX11"],
    ["pregabalin", "N03AX16"],
  ])("%s (%s) is a B12-lowering medicine and raises b12_test_due at 50", (id, atc) => {
    expect(matchMedicineByCode({ atc })?.id).toBe(id);
    const e = evaluate(history({ birthDate: YOUNG, medications: [med(id)] }));
    expect(e.riskFactors.codes).toEqual(["b12_lowering_medicine"]);
    expect(flagCodes(e)).toContain("b12_test_due");
  });

  it.each<[ConditionCode]>([["sjogren_syndrome"], ["type_1_diabetes"], ["family_history_b12_deficiency"]])("%s is a risk condition, not an absorption one", (condition) => {
    expect(CONDITION_CODES).toContain(condition);
    const e = evaluate(history({ birthDate: YOUNG, conditions: [condition] }));
    expect(e.riskFactors.codes).toEqual(["associated_condition"]);
    expect(e.riskFactors.reasons[0]?.text).toMatch(/→ B12 risk condition \(NICE NG239, unconfirmed\)$/);
    expect(flagCodes(e)).toContain("b12_test_due");
  });
});

describe("MMA reported in nmol/L: converted (1 µmol/L = 1000 nmol/L), never guessed", () => {
  const mmaNmol = (nmol: number): ObservationInput =>
    obs("mma", toCanonical("mma", nmol, "nmol/L"), day("2026-10-10"), { reportedValue: String(nmol), reportedUnit: "nmol/L" });
  it.each<[number, string]>([
    [451, "deficient"],
    [450, "indeterminate"],
    [271, "indeterminate"],
    [270, "adequate"],
  ])("an indeterminate serum B12 with MMA %s nmol/L → %s", (nmol, expected) => {
    expect(evaluate(history({ observations: [obs("b12_total", 200), mmaNmol(nmol)] })).b12.status).toBe(expected);
  });

  it("shows what the lab reported beside the compared µmol/L value, and names the clinic's MMA policy", () => {
    const reason = evaluate(history({ observations: [obs("b12_total", 200), mmaNmol(451)] })).b12.reasons.find((r) => r.code === "b12.mma_high.met");
    expect(reason?.text).toBe("MMA 0.451 µmol/L (reported 451 nmol/L) > 0.45 µmol/L (clinic's MMA cut-off, unconfirmed: NICE gives none) → confirms deficiency");
  });

  it("accepts only the spellings it knows", () => {
    expect(normaliseUnit("mma", "NMOL/L")).toBe("nmol/L");
    expect(toCanonical("mma", 300, "nmol/l")).toBeCloseTo(0.3, 12);
    expect(() => toCanonical("mma", 300, "nmol")).toThrow(UnitError);
    expect(() => toCanonical("mma", 300, "mmol/L")).toThrow(UnitError);
    expect(toCanonical("mma", 300, "umol/L")).toBe(300);
  });

  it("the MMA bounds are the clinic's settings", () => {
    const t = withThresholds((v) => void (v.b12.mmaDeficientAboveUmolL = 0.3));
    expect(evaluate(history({ observations: [obs("b12_total", 200), mmaNmol(350)] }), { thresholds: t }).b12.status).toBe("deficient");
  });
});
