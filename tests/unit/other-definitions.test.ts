import { describe, expect, it } from "vitest";
import type { ObservationInput, Sex } from "@/lib/domain/types";
import { evaluate, history, obs, withThresholds } from "./helpers";

const run = (sex: Sex, observations: ObservationInput[]) => evaluate(history({ sex, observations }));

describe("SDOC 2020: weakness grip < 35.5 / < 20 kg, slowness gait < 0.8 m/s", () => {
  it.each<[Sex, number, boolean]>([
    ["male", 35.4, true],
    ["male", 35.5, false],
    ["male", 35.6, false],
    ["female", 19.9, true],
    ["female", 20, false],
    ["female", 20.1, false],
  ])("%s grip %s kg → weakness %s", (sex, grip, expected) => {
    expect(run(sex, [obs("grip_strength", grip)]).sdoc.weakness).toBe(expected);
  });

  it.each<[number, boolean]>([
    [0.79, true],
    [0.8, false],
    [0.81, false],
  ])("gait %s m/s → slowness %s", (gait, expected) => {
    expect(run("male", [obs("gait_speed", gait)]).sdoc.slowness).toBe(expected);
  });

  it.each<[string, ObservationInput[], boolean | null]>([
    ["weak and slow", [obs("grip_strength", 30), obs("gait_speed", 0.7)], true],
    ["weak, not slow", [obs("grip_strength", 30), obs("gait_speed", 0.9)], false],
    ["not weak, gait unknown", [obs("grip_strength", 40)], false],
    ["weak, gait unknown", [obs("grip_strength", 30)], null],
    ["nothing", [], null],
  ])("sarcopenia when %s → %s", (_label, observations, expected) => {
    expect(run("male", observations).sdoc.sarcopenia).toBe(expected);
  });

  it("sex unknown: weakness not judged, slowness still is", () => {
    const sdoc = run("unknown", [obs("grip_strength", 10), obs("gait_speed", 0.5)]).sdoc;
    expect(sdoc).toMatchObject({ weakness: null, slowness: true, sarcopenia: null });
  });
});

describe("FNIH 2014: grip < 26 / < 16 kg, ALM/BMI < 0.789 / < 0.512", () => {
  it.each<[Sex, number, boolean]>([
    ["male", 25.9, true],
    ["male", 26, false],
    ["male", 26.1, false],
    ["female", 15.9, true],
    ["female", 16, false],
    ["female", 16.1, false],
  ])("%s grip %s kg → weakness %s", (sex, grip, expected) => {
    expect(run(sex, [obs("grip_strength", grip)]).fnih.weakness).toBe(expected);
  });

  // Height 200 cm and weight 64 kg give BMI 16 exactly, so ALM/BMI = ASM / 16.
  it.each<[Sex, number, boolean]>([
    ["male", 0.788, true],
    ["male", 0.789, false],
    ["male", 0.79, false],
    ["female", 0.511, true],
    ["female", 0.512, false],
    ["female", 0.513, false],
  ])("%s ALM/BMI %s → low lean mass %s", (sex, ratio, expected) => {
    const observations = [obs("asm", ratio * 16), obs("height", 200), obs("weight", 64)];
    expect(run(sex, observations).fnih.lowLeanMass).toBe(expected);
  });

  it("needs weight and height for ALM/BMI", () => {
    expect(run("male", [obs("asm", 10), obs("height", 170)]).fnih.lowLeanMass).toBeNull();
  });
});

describe("case finding: SARC-F ≥ 4, calf < 34 / < 33 cm, SARC-CalF ≥ 11", () => {
  it.each<[number, boolean]>([
    [3, false],
    [4, true],
    [5, true],
  ])("SARC-F %s → positive %s", (score, expected) => {
    const cf = run("female", [obs("sarc_f", score)]).caseFinding;
    expect(cf.positive).toBe(expected);
    expect(cf.sarcF).toBe(score);
  });

  it.each<[Sex, number, boolean]>([
    ["male", 33.9, true],
    ["male", 34, false],
    ["male", 34.1, false],
    ["female", 32.9, true],
    ["female", 33, false],
    ["female", 33.1, false],
  ])("%s calf %s cm → low %s", (sex, calf, expected) => {
    const cf = run(sex, [obs("calf_circumference", calf)]).caseFinding;
    expect(cf.lowCalf).toBe(expected);
    expect(cf.positive).toBe(expected);
  });

  it.each<[number, number, boolean]>([
    [0, 10, false],
    [1, 11, true],
    [2, 12, true],
  ])("SARC-F %s with a low calf → SARC-CalF %s, SARC-CalF positive %s", (score, total, expected) => {
    const cf = run("female", [obs("sarc_f", score), obs("calf_circumference", 30)]).caseFinding;
    expect(cf.sarcCalF).toBe(total);
    expect(cf.reasons.some((r) => r.code === "case_finding.sarc_calf.met")).toBe(expected);
  });

  it("SARC-CalF with a normal calf adds nothing", () => {
    expect(run("female", [obs("sarc_f", 3), obs("calf_circumference", 35)]).caseFinding).toMatchObject({ sarcCalF: 3, positive: false });
  });

  it.each<["<" | "<=", number, boolean]>([
    ["<", 1, false],
    ["<=", 11, true],
  ])("calf exactly at the cut-off with comparison %s → SARC-CalF %s, positive %s", (comparison, total, expected) => {
    const thresholds = withThresholds((t) => {
      t.caseFinding.sarcCalFCalfComparison = comparison;
    });
    const cf = evaluate(history({ sex: "female", observations: [obs("sarc_f", 1), obs("calf_circumference", 33)] }), { thresholds }).caseFinding;
    expect(cf.lowCalf).toBe(false);
    expect(cf.sarcCalF).toBe(total);
    expect(cf.positive).toBe(expected);
  });

  it("sex unknown: calf criteria not applied, SARC-F still is", () => {
    const cf = run("unknown", [obs("sarc_f", 5), obs("calf_circumference", 20)]).caseFinding;
    expect(cf).toMatchObject({ lowCalf: null, sarcCalF: null, positive: true });
  });

  it("nothing measured → negative", () => {
    expect(run("female", []).caseFinding).toMatchObject({ sarcF: null, sarcCalF: null, lowCalf: null, positive: false });
  });
});
