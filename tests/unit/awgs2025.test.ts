import { describe, expect, it } from "vitest";
import type { ThresholdValues } from "@/lib/domain/thresholds";
import type { Awgs2025Category, MassMethod, ObservationInput, PatientHistory, Sex, YubiWakkaInput } from "@/lib/domain/types";
import { day, evaluate, flagCodes, history, NOW, obs, VISIT, withThresholds } from "./helpers";

/** 78 at the visit (the helpers' default), 56 at the visit, and 64 at the visit but 65 on the evaluation date. */
const OLDER = day("1948-03-02");
const YOUNGER = day("1970-01-01");
const TURNS_65 = day("1961-11-01");

const TALL = obs("height", 200);
/** ASM/height² = ASM / 4 exactly with a 200 cm height, and no weight: ASM/BMI cannot be computed. */
const asmi = (value: number, method: MassMethod | null) => obs("asm", value * 4, VISIT, { method });

function awgs(overrides: Partial<PatientHistory>, thresholds?: ThresholdValues) {
  return evaluate(history(overrides), thresholds ? { thresholds } : {}).awgs2025;
}
const category = (overrides: Partial<PatientHistory>, thresholds?: ThresholdValues): Awgs2025Category => awgs(overrides, thresholds).category;

describe("AWGS 2025 grip: the only strength test, by sex and by the age band on the day of the grip", () => {
  it.each<[string, Date, Sex, number, Awgs2025Category]>([
    ["men 50–64, 33.9 kg", YOUNGER, "male", 33.9, "possible"],
    ["men 50–64, 34.0 kg", YOUNGER, "male", 34, "none"],
    ["men 50–64, 34.1 kg", YOUNGER, "male", 34.1, "none"],
    ["women 50–64, 19.9 kg", YOUNGER, "female", 19.9, "possible"],
    ["women 50–64, 20.0 kg", YOUNGER, "female", 20, "none"],
    ["women 50–64, 20.1 kg", YOUNGER, "female", 20.1, "none"],
    ["men ≥ 65, 27.9 kg", OLDER, "male", 27.9, "possible"],
    ["men ≥ 65, 28.0 kg", OLDER, "male", 28, "none"],
    ["men ≥ 65, 28.1 kg", OLDER, "male", 28.1, "none"],
    ["women ≥ 65, 17.9 kg", OLDER, "female", 17.9, "possible"],
    ["women ≥ 65, 18.0 kg", OLDER, "female", 18, "none"],
    ["women ≥ 65, 18.1 kg", OLDER, "female", 18.1, "none"],
  ])("%s → %s", (_label, birthDate, sex, grip, expected) => {
    expect(category({ birthDate, sex, observations: [obs("grip_strength", grip)] })).toBe(expected);
  });

  it("a grip taken at 64 is judged by the 50–64 cut-off although the patient is 65 when evaluated", () => {
    const result = awgs({ birthDate: TURNS_65, sex: "male", observations: [obs("grip_strength", 30, day("2026-10-01"))] });
    expect(evaluate(history({ birthDate: TURNS_65 })).ageYears).toBe(65);
    expect(result.category).toBe("possible");
    const grip = result.reasons.find((r) => r.code === "awgs2025.grip.met");
    expect(grip?.threshold).toMatchObject({ key: "awgs2025.gripKg.age50to64.male", value: 34, comparison: "<" });
    expect(grip?.inputs).toMatchObject({ value: 30, observedAt: "2026-10-01T00:00:00.000Z", ageAtMeasurement: 64, band: "age50to64" });
    expect(grip?.text).toBe("Grip 30 kg < 34 kg (AWGS 2025, age 64 on 2026-10-01: band 50–64) → low strength");
  });

  it("the same grip taken on the 65th birthday is judged by the ≥ 65 cut-off", () => {
    const result = awgs({ birthDate: TURNS_65, sex: "male", observations: [obs("grip_strength", 30, day("2026-11-01"))] });
    expect(result.category).toBe("none");
    expect(result.reasons.find((r) => r.code === "awgs2025.grip.not_met")?.threshold?.key).toBe("awgs2025.gripKg.age65plus.male");
  });

  it("a grip taken before 50 is not used", () => {
    const result = awgs({ birthDate: day("1976-11-01"), sex: "female", observations: [obs("grip_strength", 10, day("2026-10-01"))] });
    expect(result.category).toBe("insufficient_data");
    expect(result.reasons.map((r) => r.code)).toContain("awgs2025.grip_under_50");
  });
});

describe("AWGS 2025 muscle mass: ASM/height² or ASM/BMI, by DXA or BIA, by the age band on the day of the scan", () => {
  it.each<[string, Date, Sex, MassMethod, number, Awgs2025Category]>([
    ["men 50–64 DXA 7.19", YOUNGER, "male", "dxa", 7.19, "sarcopenia"],
    ["men 50–64 DXA 7.2", YOUNGER, "male", "dxa", 7.2, "possible"],
    ["men 50–64 DXA 7.21", YOUNGER, "male", "dxa", 7.21, "possible"],
    ["women 50–64 DXA 5.49", YOUNGER, "female", "dxa", 5.49, "sarcopenia"],
    ["women 50–64 DXA 5.5", YOUNGER, "female", "dxa", 5.5, "possible"],
    ["women 50–64 DXA 5.51", YOUNGER, "female", "dxa", 5.51, "possible"],
    ["men 50–64 BIA 7.59", YOUNGER, "male", "bia", 7.59, "sarcopenia"],
    ["men 50–64 BIA 7.6", YOUNGER, "male", "bia", 7.6, "possible"],
    ["men 50–64 BIA 7.61", YOUNGER, "male", "bia", 7.61, "possible"],
    ["women 50–64 BIA 5.69", YOUNGER, "female", "bia", 5.69, "sarcopenia"],
    ["women 50–64 BIA 5.7", YOUNGER, "female", "bia", 5.7, "possible"],
    ["women 50–64 BIA 5.71", YOUNGER, "female", "bia", 5.71, "possible"],
    ["men ≥ 65 DXA 6.99", OLDER, "male", "dxa", 6.99, "sarcopenia"],
    ["men ≥ 65 DXA 7.0", OLDER, "male", "dxa", 7.0, "possible"],
    ["men ≥ 65 DXA 7.01", OLDER, "male", "dxa", 7.01, "possible"],
    ["women ≥ 65 DXA 5.39", OLDER, "female", "dxa", 5.39, "sarcopenia"],
    ["women ≥ 65 DXA 5.4", OLDER, "female", "dxa", 5.4, "possible"],
    ["women ≥ 65 DXA 5.41", OLDER, "female", "dxa", 5.41, "possible"],
    ["men ≥ 65 BIA 6.99", OLDER, "male", "bia", 6.99, "sarcopenia"],
    ["men ≥ 65 BIA 7.0", OLDER, "male", "bia", 7.0, "possible"],
    ["men ≥ 65 BIA 7.01", OLDER, "male", "bia", 7.01, "possible"],
    ["women ≥ 65 BIA 5.69", OLDER, "female", "bia", 5.69, "sarcopenia"],
    ["women ≥ 65 BIA 5.7", OLDER, "female", "bia", 5.7, "possible"],
    ["women ≥ 65 BIA 5.71", OLDER, "female", "bia", 5.71, "possible"],
  ])("ASM/height² %s kg/m² → %s", (_label, birthDate, sex, method, value, expected) => {
    expect(category({ birthDate, sex, observations: [obs("grip_strength", 5), asmi(value, method), TALL] })).toBe(expected);
  });

  /**
   * A 100 cm height makes BMI = weight and ASM/height² = ASM (≥ 7.99 here: never low), so only
   * ASM/BMI can be low. Weight and ASM are chosen so that ASM / weight is the cut-off exactly.
   */
  const asmBmi = (value: number, weight: number, method: MassMethod) => [
    obs("grip_strength", 5),
    obs("height", 100),
    obs("weight", weight),
    obs("asm", Number((value * weight).toFixed(6)), VISIT, { method }),
  ];
  it.each<[string, Date, Sex, MassMethod, number, number]>([
    ["men 50–64 DXA", YOUNGER, "male", "dxa", 0.8, 10],
    ["women 50–64 DXA", YOUNGER, "female", "dxa", 0.55, 15],
    ["men 50–64 BIA", YOUNGER, "male", "bia", 0.9, 10],
    ["women 50–64 BIA", YOUNGER, "female", "bia", 0.63, 13],
    ["men ≥ 65 DXA", OLDER, "male", "dxa", 0.73, 11],
    ["women ≥ 65 DXA", OLDER, "female", "dxa", 0.52, 16],
    ["men ≥ 65 BIA", OLDER, "male", "bia", 0.83, 13],
    ["women ≥ 65 BIA", OLDER, "female", "bia", 0.57, 16],
  ])("ASM/BMI %s: just below %s → sarcopenia, at it and just above → possible", (_label, birthDate, sex, method, cutOff, weight) => {
    const at = (value: number) => category({ birthDate, sex, observations: asmBmi(value, weight, method) });
    expect(at(cutOff - 0.001)).toBe("sarcopenia");
    expect(at(cutOff)).toBe("possible");
    expect(at(cutOff + 0.001)).toBe("possible");
  });

  it("explains the ASM/BMI with the BMI it used and the band's cut-off", () => {
    const result = awgs({ birthDate: OLDER, sex: "female", observations: asmBmi(0.5, 16, "dxa") });
    const reason = result.reasons.find((r) => r.code === "awgs2025.asm_bmi.met");
    expect(reason?.text).toBe("ASM/BMI (BMI 16 kg/m²) (DXA) 0.5 m² < 0.52 m² (AWGS 2025, age 78 on 2026-10-01: band 65 and over) → low muscle mass");
    expect(reason?.threshold?.key).toBe("awgs2025.asmBmiDxa.age65plus.female");
  });

  it("either index low suffices; ASM/BMI uses the weight and height at or before the scan", () => {
    const scan = obs("asm", 8, day("2026-09-01"), { method: "dxa" });
    // On the scan's day: 100 cm, 20 kg → ASM/BMI 0.4 (low). Later weight 10 kg would give 0.8 (normal).
    const observations = [obs("grip_strength", 5), obs("height", 100, day("2026-08-01")), obs("weight", 20, day("2026-08-01")), scan, obs("weight", 10, day("2026-10-01"))];
    expect(category({ birthDate: OLDER, sex: "female", observations })).toBe("sarcopenia");
  });

  it("a scan taken at 64 is judged by the 50–64 cut-offs", () => {
    // 7.1 kg/m² by DXA: low at 50–64 (< 7.2), normal at ≥ 65 (≥ 7.0).
    const observations = [obs("grip_strength", 10, day("2026-11-10")), obs("asm", 7.1 * 4, day("2026-10-01"), { method: "dxa" }), TALL];
    expect(category({ birthDate: TURNS_65, sex: "male", observations })).toBe("sarcopenia");
    const late = [obs("grip_strength", 10, day("2026-11-10")), obs("asm", 7.1 * 4, day("2026-11-02"), { method: "dxa" }), TALL];
    expect(category({ birthDate: TURNS_65, sex: "male", observations: late })).toBe("possible");
  });

  it.each<[string, number, Awgs2025Category]>([
    ["low by both DXA and BIA (women ≥ 65: < 5.4 and < 5.7)", 5.3, "sarcopenia"],
    ["normal by both", 5.8, "possible"],
    ["between the DXA and BIA cut-offs: not classified", 5.5, "possible"],
  ])("method not recorded: %s → %s", (_label, value, expected) => {
    const result = awgs({ birthDate: OLDER, sex: "female", observations: [obs("grip_strength", 5), asmi(value, null), TALL] });
    expect(result.category).toBe(expected);
    if (value === 5.5) expect(result.reasons.map((r) => r.code)).toContain("awgs2025.asmi_method_unknown");
  });

  it("mass measured and normal with low grip: 'possible' by default; by the setting, none (or at risk)", () => {
    const observations = [obs("grip_strength", 5), asmi(6, "dxa"), TALL];
    expect(category({ observations })).toBe("possible");
    const off = withThresholds((t) => void (t.awgs2025.possibleWhenMassNormal = false));
    expect(category({ observations }, off)).toBe("none");
    expect(category({ observations: [...observations, obs("sarc_f", 5)] }, off)).toBe("at_risk");
  });
});

describe("AWGS 2025 outcomes: chair stand and gait speed, by band, never diagnostic", () => {
  it.each<[string, Date, ObservationInput, boolean]>([
    ["50–64 chair 9.9 s", YOUNGER, obs("chair_stand_5x", 9.9), false],
    ["50–64 chair 10.0 s", YOUNGER, obs("chair_stand_5x", 10), true],
    ["50–64 chair 10.1 s", YOUNGER, obs("chair_stand_5x", 10.1), true],
    ["≥ 65 chair 11.9 s", OLDER, obs("chair_stand_5x", 11.9), false],
    ["≥ 65 chair 12.0 s", OLDER, obs("chair_stand_5x", 12), true],
    ["≥ 65 chair 12.1 s", OLDER, obs("chair_stand_5x", 12.1), true],
    ["≥ 65 chair unable", OLDER, obs("chair_stand_5x", "unable"), true],
    ["50–64 gait 1.19 m/s", YOUNGER, obs("gait_speed", 1.19), true],
    ["50–64 gait 1.2 m/s", YOUNGER, obs("gait_speed", 1.2), false],
    ["50–64 gait 1.21 m/s", YOUNGER, obs("gait_speed", 1.21), false],
    ["≥ 65 gait 0.99 m/s", OLDER, obs("gait_speed", 0.99), true],
    ["≥ 65 gait 1.0 m/s", OLDER, obs("gait_speed", 1.0), false],
    ["≥ 65 gait 1.01 m/s", OLDER, obs("gait_speed", 1.01), false],
  ])("%s → poor outcome %s, category unchanged", (_label, birthDate, outcome, poor) => {
    const result = awgs({ birthDate, sex: "male", observations: [obs("grip_strength", 40), outcome] });
    expect(result.category).toBe("none");
    expect(result.outcomes).toHaveLength(1);
    expect(result.outcomes[0]!.code.endsWith(poor ? ".met" : ".not_met") || result.outcomes[0]!.code.endsWith(".unable")).toBe(true);
    expect(result.outcomes[0]!.text).toMatch(/not diagnostic/);
    expect(result.reasons.some((r) => r.code.includes("outcome"))).toBe(false);
  });

  it("slow gait and unable chair stand never make a category (no 'severe')", () => {
    expect(category({ observations: [obs("gait_speed", 0.3), obs("chair_stand_5x", "unable")] })).toBe("insufficient_data");
    expect(category({ observations: [obs("grip_strength", 5), asmi(4, "dxa"), TALL, obs("gait_speed", 0.3)] })).toBe("sarcopenia");
  });
});

describe("AWGS 2025 at risk: case finding at ≥ 65, risk conditions at ≥ 50", () => {
  it.each<[string, Partial<PatientHistory>, Awgs2025Category]>([
    ["SARC-F 4 at 78", { observations: [obs("sarc_f", 4)] }, "at_risk"],
    ["SARC-F 3 at 78", { observations: [obs("sarc_f", 3)] }, "insufficient_data"],
    ["SARC-F 4 with normal grip", { observations: [obs("sarc_f", 4), obs("grip_strength", 30)] }, "at_risk"],
    ["SARC-F 3 with normal grip", { observations: [obs("sarc_f", 3), obs("grip_strength", 30)] }, "none"],
    ["calf 32.9 cm (woman)", { observations: [obs("calf_circumference", 32.9)] }, "at_risk"],
    ["calf 33 cm (woman)", { observations: [obs("calf_circumference", 33)] }, "insufficient_data"],
    ["calf 33.9 cm (man)", { sex: "male", observations: [obs("calf_circumference", 33.9)] }, "at_risk"],
    ["calf 34 cm (man)", { sex: "male", observations: [obs("calf_circumference", 34)] }, "insufficient_data"],
    ["SARC-CalF 11 (SARC-F 1 + calf 30 cm)", { observations: [obs("sarc_f", 1), obs("calf_circumference", 30)] }, "at_risk"],
    ["SARC-F 4 at 56: case finding applies at ≥ 65 only", { birthDate: YOUNGER, observations: [obs("sarc_f", 6)] }, "insufficient_data"],
    ["SARC-F 4 taken at 64, evaluated at 65", { birthDate: TURNS_65, observations: [obs("sarc_f", 6, day("2026-10-01"))] }, "insufficient_data"],
    ["SARC-F 4 taken on the 65th birthday", { birthDate: TURNS_65, observations: [obs("sarc_f", 6, day("2026-11-01"))] }, "at_risk"],
  ])("%s → %s", (_label, overrides, expected) => {
    expect(category(overrides)).toBe(expected);
  });

  it("names the positive case finding and says why one taken before 65 does not count", () => {
    expect(awgs({ observations: [obs("sarc_f", 5)] }).reasons.map((r) => r.code)).toEqual(["case_finding.sarc_f.met", "awgs2025.at_risk"]);
    expect(awgs({ birthDate: YOUNGER, observations: [obs("sarc_f", 5)] }).reasons.map((r) => r.code)).toContain("awgs2025.case_finding_under_65");
  });

  const ring = (result: YubiWakkaInput["result"], observedAt = VISIT): YubiWakkaInput => ({ result, observedAt });
  it.each<[string, YubiWakkaInput["result"], boolean, Awgs2025Category]>([
    ["smaller", "smaller", false, "at_risk"],
    ["just fits (default: not abnormal)", "just_fits", false, "insufficient_data"],
    ["just fits, counted by the setting", "just_fits", true, "at_risk"],
    ["bigger", "bigger", false, "insufficient_data"],
    ["bigger, with 'just fits' counted", "bigger", true, "insufficient_data"],
  ])("Yubi-wakka %s → %s", (_label, result, justFitsAbnormal, expected) => {
    const t = withThresholds((v) => void (v.awgs2025.yubiWakkaJustFitsAbnormal = justFitsAbnormal));
    expect(category({ yubiWakka: [ring(result)] }, t)).toBe(expected);
  });

  it("Yubi-wakka: the latest result in the window counts, taken at 65 or over", () => {
    expect(category({ yubiWakka: [ring("smaller", day("2026-09-01")), ring("bigger", day("2026-10-01"))] })).toBe("insufficient_data");
    expect(category({ yubiWakka: [ring("smaller", day("2025-11-20"))] })).toBe("insufficient_data");
    expect(category({ yubiWakka: [ring("smaller", day("2026-11-22"))] })).toBe("insufficient_data");
    expect(category({ birthDate: TURNS_65, yubiWakka: [ring("smaller", day("2026-10-01"))] })).toBe("insufficient_data");
    const reason = awgs({ yubiWakka: [ring("smaller")] }).reasons[0];
    expect(reason).toMatchObject({ code: "awgs2025.yubi_wakka.met", inputs: { result: "smaller", observedAt: "2026-10-01T00:00:00.000Z" } });
  });

  it.each<[string, number, number, Awgs2025Category]>([
    ["BMI 19.9 at 56", 160, 19.9 * 2.56, "at_risk"],
    ["BMI 20.0 at 56", 160, 20 * 2.56, "insufficient_data"],
    ["BMI 20.1 at 56", 160, 20.1 * 2.56, "insufficient_data"],
  ])("risk condition %s → %s", (_label, heightCm, weightKg, expected) => {
    expect(category({ birthDate: YOUNGER, observations: [obs("height", heightCm), obs("weight", weightKg)] })).toBe(expected);
  });

  it("the risk conditions apply at 65 and over too, for men and women", () => {
    for (const sex of ["female", "male"] as const) {
      expect(category({ birthDate: OLDER, sex, observations: [obs("height", 160), obs("weight", 19.9 * 2.56)] })).toBe("at_risk");
      expect(category({ birthDate: OLDER, sex, observations: [obs("height", 160), obs("weight", 20 * 2.56)] })).toBe("insufficient_data");
      expect(category({ birthDate: OLDER, sex, observations: [obs("height", 170), obs("weight", 72, day("2026-06-01")), obs("weight", 70)] })).toBe("at_risk");
    }
  });

  it("BMI uses the latest weight, and the height at or before it", () => {
    const observations = [obs("height", 200, day("2026-01-01")), obs("height", 160, day("2026-09-01")), obs("weight", 50, day("2026-10-01"))];
    expect(category({ birthDate: YOUNGER, observations })).toBe("at_risk");
    const reason = awgs({ birthDate: YOUNGER, observations }).reasons.find((r) => r.code === "awgs2025.risk_bmi.met");
    expect(reason?.text).toBe("BMI on 2026-10-01 (weight 50 kg, height 160 cm) 19.53 kg/m² < 20 kg/m² (AWGS 2025) → risk condition: at risk for sarcopenia");
  });

  const weights = (earlierKg: number, earlierOn: string, laterKg = 70) => [obs("height", 170), obs("weight", earlierKg, day(earlierOn)), obs("weight", laterKg, VISIT)];
  it.each<[string, ObservationInput[], Awgs2025Category]>([
    ["2.0 kg lost within 6 months", weights(72, "2026-06-01"), "at_risk"],
    ["1.9 kg lost", weights(71.9, "2026-06-01"), "insufficient_data"],
    ["2.1 kg lost", weights(72.1, "2026-06-01"), "at_risk"],
    ["2.0 kg lost from a weight exactly 183 days before", weights(72, "2026-04-01"), "at_risk"],
    ["2.0 kg lost from a weight 184 days before", weights(72, "2026-03-31"), "insufficient_data"],
    ["0.1 steps that add up: 72.3 → 70.3 kg", weights(72.3, "2026-06-01", 70.3), "at_risk"],
    ["weight gained", weights(68, "2026-06-01"), "insufficient_data"],
  ])("weight loss at 56: %s → %s", (_label, observations, expected) => {
    expect(category({ birthDate: YOUNGER, observations })).toBe(expected);
  });

  it("weight loss compares the latest weight with the heaviest in the 183 days before it, and says both", () => {
    const observations = [obs("height", 170), obs("weight", 73, day("2026-05-01")), obs("weight", 71, day("2026-08-01")), obs("weight", 70.5, VISIT)];
    const reason = awgs({ birthDate: YOUNGER, observations }).reasons.find((r) => r.code === "awgs2025.risk_weight_loss.met");
    expect(reason?.text).toBe("Weight loss from 73 kg on 2026-05-01 to 70.5 kg on 2026-10-01 (within 183 days) 2.5 kg ≥ 2 kg (AWGS 2025) → risk condition: at risk for sarcopenia");
  });

  it("a weight taken before 50 is not a risk condition", () => {
    expect(category({ birthDate: day("1976-11-01"), observations: [obs("height", 170), obs("weight", 40, day("2026-10-01"))] })).toBe("insufficient_data");
  });
});

describe("AWGS 2025 categories", () => {
  it.each<[string, Partial<PatientHistory>, Awgs2025Category]>([
    ["nothing recorded", {}, "insufficient_data"],
    ["grip normal, not at risk", { observations: [obs("grip_strength", 30)] }, "none"],
    ["grip low, mass not measured", { observations: [obs("grip_strength", 10)] }, "possible"],
    ["grip low, mass low", { observations: [obs("grip_strength", 10), asmi(4, "dxa"), TALL] }, "sarcopenia"],
    ["grip low, mass low, and at risk: sarcopenia wins", { observations: [obs("grip_strength", 10), asmi(4, "dxa"), TALL, obs("sarc_f", 8)] }, "sarcopenia"],
    ["grip low, at risk: possible wins", { observations: [obs("grip_strength", 10), obs("sarc_f", 8)] }, "possible"],
    ["mass low but grip normal: not sarcopenia", { observations: [obs("grip_strength", 30), asmi(4, "dxa"), TALL] }, "none"],
    ["sex unknown, grip low", { sex: "unknown", observations: [obs("grip_strength", 5)] }, "insufficient_data"],
    ["sex unknown, at risk by BMI", { sex: "unknown", observations: [obs("height", 160), obs("weight", 40)] }, "insufficient_data"],
    ["aged 49 on the evaluation date", { birthDate: day("1977-06-01"), observations: [obs("grip_strength", 5)] }, "not_applicable"],
    ["aged 50 on the evaluation date", { birthDate: day("1976-11-21"), observations: [obs("grip_strength", 5, NOW)] }, "possible"],
    ["aged 49 and sex unknown", { birthDate: day("1977-06-01"), sex: "unknown" }, "not_applicable"],
  ])("%s → %s", (_label, overrides, expected) => {
    expect(category(overrides)).toBe(expected);
  });

  it("is computed for every patient beside EWGSOP2 and AWGS 2019, with the 2019 edition in force by default", () => {
    const e = evaluate(history({ observations: [obs("grip_strength", 17)] }));
    expect([e.ewgsop2.category, e.awgs2019.category, e.awgs2025.category, e.awgsEditionInForce]).toEqual(["none", "possible", "possible", 2019]);
  });
});

describe("the AWGS edition in force drives tiers and flags", () => {
  const in2025 = withThresholds((t) => void (t.awgs2025.drivesTiersAndFlags = true));

  it("defaults to 2019: an AWGS 2025 at-risk patient keeps the 2019 tier", () => {
    const h = history({ observations: [obs("grip_strength", 30), obs("height", 160), obs("weight", 40), obs("b12_total", 400)] });
    expect(evaluate(h).awgs2025.category).toBe("at_risk");
    expect(evaluate(h).tier).toBe("low");
    expect(evaluate(h, { thresholds: in2025 }).tier).toBe("elevated");
    expect(evaluate(h, { thresholds: in2025 }).tierReasons.map((r) => r.code)).toEqual(["tier.elevated.awgs2025_at_risk"]);
  });

  it("AWGS 2019 severe with low performance but AWGS 2025 possible: high by 2019, elevated by 2025", () => {
    // Grip normal for 2019 performance path: low gait speed and low mass → AWGS 2019 sarcopenia; AWGS 2025 needs low grip.
    const h = history({ sex: "male", observations: [obs("grip_strength", 30), obs("gait_speed", 0.5), asmi(6, "dxa"), TALL, obs("b12_total", 400)] });
    const by2019 = evaluate(h);
    const by2025 = evaluate(h, { thresholds: in2025 });
    expect([by2019.awgs2019.category, by2019.awgs2025.category]).toEqual(["sarcopenia", "none"]);
    expect(by2019.tier).toBe("high");
    expect(flagCodes(by2019)).toContain("sarcopenia_follow_up");
    expect(by2025.tier).toBe("low");
    expect(flagCodes(by2025)).not.toContain("sarcopenia_follow_up");
    expect(by2025.awgsEditionInForce).toBe(2025);
  });

  it("AWGS 2025 sarcopenia in force → high tier and sarcopenia_follow_up citing AWGS 2025", () => {
    // 50–64 man: grip 33 kg low only by the 2025 band; ASM/height² 7.1 low only by the 2025 band.
    const h = history({ birthDate: YOUNGER, sex: "male", observations: [obs("grip_strength", 33), asmi(7.1, "dxa"), TALL] });
    expect(evaluate(h).awgs2019.category).toBe("none");
    const e = evaluate(h, { thresholds: in2025 });
    expect([e.awgs2025.category, e.tier]).toEqual(["sarcopenia", "high"]);
    const follow = e.flags.find((f) => f.code === "sarcopenia_follow_up");
    expect(follow?.source).toContain("AWGS 2025");
    expect(follow?.basis).toContain("AWGS 2025 sarcopenia (Grip 33 kg < 34 kg");
  });

  it("the sarcopenia finding of the edition in force is a B12 risk factor", () => {
    const h = history({ birthDate: YOUNGER, sex: "male", observations: [obs("grip_strength", 33)] });
    expect(evaluate(h).riskFactors.codes).not.toContain("sarcopenia_finding");
    expect(evaluate(h, { thresholds: in2025 }).riskFactors.codes).toContain("sarcopenia_finding");
  });
});
