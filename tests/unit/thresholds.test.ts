import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS, describeThresholds, THRESHOLD_CATALOGUE, thresholdRef } from "@/lib/domain/thresholds";
import { thresholdValuesSchema } from "@/lib/validation/thresholds";
import { withThresholds } from "./helpers";

function leaves(value: unknown, prefix = ""): [string, unknown][] {
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix === "" ? k : `${prefix}.${k}`));
  }
  return [[prefix, value]];
}

describe("DEFAULT_THRESHOLDS pin every number of docs/clinical-reference.md with its comparison", () => {
  it.each<[string, number | boolean | string, string | null]>([
    ["ewgsop2.gripKg.male", 27, "<"],
    ["ewgsop2.gripKg.female", 16, "<"],
    ["ewgsop2.chairStandS", 15, ">"],
    ["ewgsop2.asmKg.male", 20, "<"],
    ["ewgsop2.asmKg.female", 15, "<"],
    ["ewgsop2.asmiKgM2.male", 7.0, "<"],
    ["ewgsop2.asmiKgM2.female", 5.5, "<"],
    ["ewgsop2.gaitSpeedMS", 0.8, "<="],
    ["ewgsop2.sppbPoints", 8, "<="],
    ["ewgsop2.tugS", 20, ">="],
    ["ewgsop2.walk400mS", 360, ">="],
    ["awgs2019.gripKg.male", 28, "<"],
    ["awgs2019.gripKg.female", 18, "<"],
    ["awgs2019.gaitSpeedMS", 1.0, "<"],
    ["awgs2019.chairStandS", 12, ">="],
    ["awgs2019.sppbPoints", 9, "<="],
    ["awgs2019.asmiDxaKgM2.male", 7.0, "<"],
    ["awgs2019.asmiDxaKgM2.female", 5.4, "<"],
    ["awgs2019.asmiBiaKgM2.male", 7.0, "<"],
    ["awgs2019.asmiBiaKgM2.female", 5.7, "<"],
    ["awgs2019.possibleWhenMassNormal", true, null],
    ["caseFinding.calfCm.male", 34, "<"],
    ["caseFinding.calfCm.female", 33, "<"],
    ["caseFinding.sarcFPositive", 4, ">="],
    ["caseFinding.sarcCalFPositive", 11, ">="],
    ["caseFinding.sarcCalFCalfPoints", 10, ">="],
    ["caseFinding.sarcCalFCalfComparison", "<", null],
    ["sdoc.gripKg.male", 35.5, "<"],
    ["sdoc.gripKg.female", 20, "<"],
    ["sdoc.gaitSpeedMS", 0.8, "<"],
    ["fnih.gripKg.male", 26, "<"],
    ["fnih.gripKg.female", 16, "<"],
    ["fnih.almBmi.male", 0.789, "<"],
    ["fnih.almBmi.female", 0.512, "<"],
    ["b12.serumDeficientBelow.pmolL", 133, "<"],
    ["b12.serumDeficientBelow.ngL", 180, "<"],
    ["b12.serumAdequateAbove.pmolL", 258, ">"],
    ["b12.serumAdequateAbove.ngL", 350, ">"],
    ["b12.holotcDeficientBelowPmolL", 25, "<"],
    ["b12.holotcAdequateAbovePmolL", 70, ">"],
    ["b12.mmaDeficientAboveUmolL", 0.45, ">"],
    ["b12.mmaNormalAtMostUmolL", 0.27, "<="],
    ["b12.homocysteineHighAboveUmolL", 15, ">"],
    ["screening.ageYears", 65, ">="],
    ["screening.lookBackMonths", 12, null],
  ])("%s = %s (%s)", (key, value, comparison) => {
    const entry = THRESHOLD_CATALOGUE.find((e) => e.key === key);
    expect(entry).toBeDefined();
    expect(entry?.value).toBe(value);
    expect(entry?.comparison).toBe(comparison);
  });

  it("the catalogue describes every value in the set, with a source", () => {
    const keys = leaves(DEFAULT_THRESHOLDS).map(([k]) => k).filter((k) => k !== "version");
    expect(THRESHOLD_CATALOGUE.map((e) => e.key).sort()).toEqual(keys.sort());
    for (const entry of THRESHOLD_CATALOGUE) {
      expect(entry.source.length).toBeGreaterThan(10);
      expect(entry.label.length).toBeGreaterThan(3);
    }
  });

  it("marks the unconfirmed items and the local settings as not confirmed", () => {
    const unconfirmed = THRESHOLD_CATALOGUE.filter((e) => !e.confirmed).map((e) => e.key);
    for (const key of ["b12.mmaDeficientAboveUmolL", "b12.mmaNormalAtMostUmolL", "b12.homocysteineHighAboveUmolL", "caseFinding.sarcCalFCalfComparison", "awgs2019.possibleWhenMassNormal"]) {
      expect(unconfirmed).toContain(key);
    }
    expect(THRESHOLD_CATALOGUE.find((e) => e.key === "ewgsop2.gripKg.male")).toMatchObject({
      confirmed: true,
      origin: "guideline",
      source: "EWGSOP2, Cruz-Jentoft et al., Age Ageing 2019;48:16-31, Table 3",
    });
  });

  it("describes a clinic's edited set with its own values", () => {
    const edited = withThresholds((t) => {
      t.ewgsop2.gripKg.male = 30;
    });
    expect(describeThresholds(edited).find((e) => e.key === "ewgsop2.gripKg.male")?.value).toBe(30);
  });

  it("refuses to use a setting as a comparable threshold", () => {
    expect(() => thresholdRef(DEFAULT_THRESHOLDS, "awgs2019.possibleWhenMassNormal")).toThrow();
  });
});

describe("thresholdValuesSchema", () => {
  it("accepts the defaults unchanged", () => {
    expect(thresholdValuesSchema.parse(DEFAULT_THRESHOLDS)).toEqual(DEFAULT_THRESHOLDS);
  });

  it.each<[string, (t: typeof DEFAULT_THRESHOLDS) => void]>([
    ["a negative grip cut-off", (t) => void (t.ewgsop2.gripKg.male = -1)],
    ["an SPPB cut-off above 12", (t) => void (t.ewgsop2.sppbPoints = 13)],
    ["swapped serum B12 edges", (t) => void (t.b12.serumAdequateAbove.pmolL = 100)],
    ["swapped MMA cut-offs", (t) => void (t.b12.mmaNormalAtMostUmolL = 0.5)],
    ["an unknown SARC-CalF comparison", (t) => void Object.assign(t.caseFinding, { sarcCalFCalfComparison: ">" })],
    ["a fractional look-back", (t) => void (t.screening.lookBackMonths = 1.5)],
    ["a missing group", (t) => void Reflect.deleteProperty(t, "fnih")],
    ["NaN", (t) => void (t.sdoc.gaitSpeedMS = Number.NaN)],
  ])("rejects %s", (_label, patch) => {
    expect(thresholdValuesSchema.safeParse(withThresholds(patch)).success).toBe(false);
  });
});

describe("the thresholds added for clinical currency (AWGS 2025, B12 testing, decline)", () => {
  it.each<[string, number | boolean, string | null, boolean]>([
    ["awgs2025.gripKg.age50to64.male", 34, "<", true],
    ["awgs2025.gripKg.age50to64.female", 20, "<", true],
    ["awgs2025.gripKg.age65plus.male", 28, "<", true],
    ["awgs2025.gripKg.age65plus.female", 18, "<", true],
    ["awgs2025.asmiDxaKgM2.age50to64.male", 7.2, "<", true],
    ["awgs2025.asmiDxaKgM2.age50to64.female", 5.5, "<", true],
    ["awgs2025.asmiDxaKgM2.age65plus.male", 7.0, "<", true],
    ["awgs2025.asmiDxaKgM2.age65plus.female", 5.4, "<", true],
    ["awgs2025.asmiBiaKgM2.age50to64.male", 7.6, "<", true],
    ["awgs2025.asmiBiaKgM2.age50to64.female", 5.7, "<", true],
    ["awgs2025.asmiBiaKgM2.age65plus.male", 7.0, "<", true],
    ["awgs2025.asmiBiaKgM2.age65plus.female", 5.7, "<", true],
    ["awgs2025.asmBmiDxa.age50to64.male", 0.8, "<", true],
    ["awgs2025.asmBmiDxa.age50to64.female", 0.55, "<", true],
    ["awgs2025.asmBmiDxa.age65plus.male", 0.73, "<", true],
    ["awgs2025.asmBmiDxa.age65plus.female", 0.52, "<", true],
    ["awgs2025.asmBmiBia.age50to64.male", 0.9, "<", true],
    ["awgs2025.asmBmiBia.age50to64.female", 0.63, "<", true],
    ["awgs2025.asmBmiBia.age65plus.male", 0.83, "<", true],
    ["awgs2025.asmBmiBia.age65plus.female", 0.57, "<", true],
    ["awgs2025.chairStandS.age50to64", 10, ">=", true],
    ["awgs2025.chairStandS.age65plus", 12, ">=", true],
    ["awgs2025.gaitSpeedMS.age50to64", 1.2, "<", true],
    ["awgs2025.gaitSpeedMS.age65plus", 1.0, "<", true],
    ["awgs2025.riskBmiBelowKgM2", 20, "<", true],
    ["awgs2025.riskWeightLossKg", 2, ">=", true],
    ["awgs2025.riskWeightLossWindowDays", 183, null, false],
    ["awgs2025.yubiWakkaJustFitsAbnormal", false, null, false],
    ["awgs2025.possibleWhenMassNormal", true, null, false],
    ["awgs2025.drivesTiersAndFlags", false, null, false],
    ["b12Testing.caseFindingOnRiskFactorAlone", true, null, false],
    ["b12Testing.retestIntervalMonths", 12, null, false],
    ["b12Testing.acidSuppressantMinMonths", 12, ">=", false],
    ["decline.gripDropKg", 5, ">=", false],
    ["decline.gaitSpeedDropMS", 0.1, ">=", false],
    ["decline.windowMonths", 12, null, false],
    ["decline.dueDays", 30, null, false],
  ])("%s = %s (%s), confirmed %s", (key, value, comparison, confirmed) => {
    expect(THRESHOLD_CATALOGUE.find((e) => e.key === key)).toMatchObject({ value, comparison, confirmed });
  });

  it("a threshold set stored before these groups existed parses, with their defaults", () => {
    const stored = structuredClone(DEFAULT_THRESHOLDS) as unknown as Record<string, unknown>;
    for (const group of ["awgs2025", "b12Testing", "decline"]) Reflect.deleteProperty(stored, group);
    const parsed = thresholdValuesSchema.parse(stored);
    expect(parsed).toEqual(DEFAULT_THRESHOLDS);
    expect(parsed.awgs2025).not.toBe(DEFAULT_THRESHOLDS.awgs2025);
    expect(describeThresholds(stored as unknown as typeof DEFAULT_THRESHOLDS).find((e) => e.key === "decline.gripDropKg")?.value).toBe(5);
  });

  it.each<[string, (t: typeof DEFAULT_THRESHOLDS) => void]>([
    ["a fractional re-test interval", (t) => void (t.b12Testing.retestIntervalMonths = 6.5)],
    ["a zero decline window", (t) => void (t.decline.windowMonths = 0)],
    ["a negative grip fall", (t) => void (t.decline.gripDropKg = -5)],
    ["a missing AWGS 2025 band", (t) => void Reflect.deleteProperty(t.awgs2025.gripKg, "age65plus")],
    ["an edition setting that is not yes/no", (t) => void Object.assign(t.awgs2025, { drivesTiersAndFlags: "2025" })],
  ])("rejects %s", (_label, patch) => {
    expect(thresholdValuesSchema.safeParse(withThresholds(patch)).success).toBe(false);
  });
});
