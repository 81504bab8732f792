import { describe, expect, it } from "vitest";
import type { Awgs2019Category, MassMethod, ObservationInput, Sex } from "@/lib/domain/types";
import { evaluate, history, obs, withThresholds } from "./helpers";

function awgs(sex: Sex, observations: ObservationInput[], possibleWhenMassNormal = true): Awgs2019Category {
  const thresholds = withThresholds((t) => {
    t.awgs2019.possibleWhenMassNormal = possibleWhenMassNormal;
  });
  return evaluate(history({ sex, observations }), { thresholds }).awgs2019.category;
}

const TALL = obs("height", 200);
const asmFor = (asmi: number, method: MassMethod | null) => obs("asm", asmi * 4, undefined, { method });

describe("AWGS 2019 thresholds: at, just below, just above", () => {
  it.each<[string, Sex, number, Awgs2019Category]>([
    ["men 27.9 kg", "male", 27.9, "possible"],
    ["men 28 kg", "male", 28, "none"],
    ["men 28.1 kg", "male", 28.1, "none"],
    ["women 17.9 kg", "female", 17.9, "possible"],
    ["women 18 kg", "female", 18, "none"],
    ["women 18.1 kg", "female", 18.1, "none"],
  ])("grip < cut-off is low strength: %s → %s", (_label, sex, grip, expected) => {
    expect(awgs(sex, [obs("grip_strength", grip)])).toBe(expected);
  });

  it.each<[string, ObservationInput, Awgs2019Category]>([
    ["gait 0.99 m/s", obs("gait_speed", 0.99), "possible"],
    ["gait 1.0 m/s", obs("gait_speed", 1.0), "none"],
    ["gait 1.01 m/s", obs("gait_speed", 1.01), "none"],
    ["chair 11.9 s", obs("chair_stand_5x", 11.9), "none"],
    ["chair 12 s", obs("chair_stand_5x", 12), "possible"],
    ["chair 12.1 s", obs("chair_stand_5x", 12.1), "possible"],
    ["chair unable", obs("chair_stand_5x", "unable"), "possible"],
    ["SPPB 8", obs("sppb", 8), "possible"],
    ["SPPB 9", obs("sppb", 9), "possible"],
    ["SPPB 10", obs("sppb", 10), "none"],
  ])("low performance: %s → %s", (_label, performance, expected) => {
    expect(awgs("female", [obs("grip_strength", 30), performance])).toBe(expected);
  });

  it.each<[string, Sex, MassMethod, number, Awgs2019Category]>([
    ["men DXA 6.99", "male", "dxa", 6.99, "sarcopenia"],
    ["men DXA 7.0", "male", "dxa", 7.0, "possible"],
    ["men DXA 7.01", "male", "dxa", 7.01, "possible"],
    ["men BIA 6.99", "male", "bia", 6.99, "sarcopenia"],
    ["men BIA 7.0", "male", "bia", 7.0, "possible"],
    ["men BIA 7.01", "male", "bia", 7.01, "possible"],
    ["women DXA 5.39", "female", "dxa", 5.39, "sarcopenia"],
    ["women DXA 5.4", "female", "dxa", 5.4, "possible"],
    ["women DXA 5.41", "female", "dxa", 5.41, "possible"],
    ["women BIA 5.69", "female", "bia", 5.69, "sarcopenia"],
    ["women BIA 5.7", "female", "bia", 5.7, "possible"],
    ["women BIA 5.71", "female", "bia", 5.71, "possible"],
  ])("ASM/height² by method: %s kg/m² → %s", (_label, sex, method, asmi, expected) => {
    expect(awgs(sex, [obs("grip_strength", 5), asmFor(asmi, method), TALL])).toBe(expected);
  });
});

describe("AWGS 2019 decision paths", () => {
  it.each<[string, Sex, ObservationInput[], Awgs2019Category]>([
    ["nothing measured", "female", [], "insufficient_data"],
    ["only mass measured", "female", [asmFor(4, "dxa"), TALL], "insufficient_data"],
    ["sex unknown", "unknown", [obs("grip_strength", 5), obs("gait_speed", 0.5)], "insufficient_data"],
    ["strength and performance normal, mass low", "female", [obs("grip_strength", 30), obs("gait_speed", 1.2), asmFor(4, "dxa"), TALL], "none"],
    ["performance only, low", "female", [obs("gait_speed", 0.5)], "possible"],
    ["low strength, mass unmeasured", "female", [obs("grip_strength", 10)], "possible"],
    ["low performance + low mass, strength normal", "female", [obs("grip_strength", 30), obs("gait_speed", 0.5), asmFor(5, "dxa"), TALL], "sarcopenia"],
    ["low strength + low mass, performance unmeasured", "female", [obs("grip_strength", 10), asmFor(5, "dxa"), TALL], "sarcopenia"],
    ["low strength + low mass, performance normal", "female", [obs("grip_strength", 10), obs("gait_speed", 1.2), asmFor(5, "dxa"), TALL], "sarcopenia"],
    ["low strength + low performance + low mass", "female", [obs("grip_strength", 10), obs("sppb", 5), asmFor(5, "bia"), TALL], "severe"],
    ["ASM without height cannot give the index", "female", [obs("grip_strength", 10), asmFor(5, "dxa")], "possible"],
    ["method unknown, low by both cut-offs", "female", [obs("grip_strength", 10), asmFor(5.3, null), TALL], "sarcopenia"],
    ["method unknown, normal by both cut-offs", "female", [obs("grip_strength", 10), asmFor(5.8, null), TALL], "possible"],
    ["method unknown, between DXA and BIA cut-offs: not classified", "female", [obs("grip_strength", 10), asmFor(5.5, null), TALL], "possible"],
  ])("%s → %s", (_label, sex, observations, expected) => {
    expect(awgs(sex, observations)).toBe(expected);
  });

  it.each<[boolean, Awgs2019Category]>([
    [true, "possible"],
    [false, "none"],
  ])("mass measured and normal with low strength: setting %s → %s", (setting, expected) => {
    expect(awgs("female", [obs("grip_strength", 10), asmFor(6.5, "dxa"), TALL], setting)).toBe(expected);
  });

  it("the setting does not affect unmeasured mass", () => {
    expect(awgs("female", [obs("grip_strength", 10)], false)).toBe("possible");
  });
});
