import { describe, expect, it } from "vitest";
import type { Ewgsop2Category, ObservationInput, Sex } from "@/lib/domain/types";
import { evaluate, history, obs } from "./helpers";

function ewgsop2(sex: Sex, observations: ObservationInput[]): Ewgsop2Category {
  return evaluate(history({ sex, observations })).ewgsop2.category;
}

/** Height 200 cm makes ASM/height² = ASM / 4 exactly, so boundaries are exact in floating point. */
const TALL = obs("height", 200);

describe("EWGSOP2 thresholds (Table 3): at, just below, just above", () => {
  it.each<[string, Sex, number, Ewgsop2Category]>([
    ["men 26.9 kg", "male", 26.9, "probable"],
    ["men 27 kg", "male", 27, "none"],
    ["men 27.1 kg", "male", 27.1, "none"],
    ["women 15.9 kg", "female", 15.9, "probable"],
    ["women 16 kg", "female", 16, "none"],
    ["women 16.1 kg", "female", 16.1, "none"],
  ])("grip < cut-off is low strength: %s → %s", (_label, sex, grip, expected) => {
    expect(ewgsop2(sex, [obs("grip_strength", grip)])).toBe(expected);
  });

  it.each<[number | "unable", Ewgsop2Category]>([
    [14.9, "none"],
    [15, "none"],
    [15.1, "probable"],
    ["unable", "probable"],
  ])("chair stand > 15 s (or unable) is low strength: %s → %s", (seconds, expected) => {
    expect(ewgsop2("male", [obs("chair_stand_5x", seconds)])).toBe(expected);
  });

  it.each<[string, Sex, number, Ewgsop2Category]>([
    ["men 19.9 kg", "male", 19.9, "confirmed"],
    ["men 20 kg", "male", 20, "probable"],
    ["men 20.1 kg", "male", 20.1, "probable"],
    ["women 14.9 kg", "female", 14.9, "confirmed"],
    ["women 15 kg", "female", 15, "probable"],
    ["women 15.1 kg", "female", 15.1, "probable"],
  ])("ASM < cut-off is low quantity (no height): %s → %s", (_label, sex, asm, expected) => {
    expect(ewgsop2(sex, [obs("grip_strength", 10), obs("asm", asm)])).toBe(expected);
  });

  it.each<[string, Sex, number, Ewgsop2Category]>([
    ["men 6.99", "male", 6.99, "confirmed"],
    ["men 7.0", "male", 7.0, "probable"],
    ["men 7.01", "male", 7.01, "probable"],
    ["women 5.49", "female", 5.49, "confirmed"],
    ["women 5.5", "female", 5.5, "probable"],
    ["women 5.51", "female", 5.51, "probable"],
  ])("ASM/height² < cut-off is low quantity: %s kg/m² → %s", (_label, sex, asmi, expected) => {
    // ASM itself stays above its own cut-off (≥ 21.96 kg), so only the index decides.
    expect(ewgsop2(sex, [obs("grip_strength", 10), obs("asm", asmi * 4), TALL])).toBe(expected);
  });

  const confirmedBase = (): ObservationInput[] => [obs("grip_strength", 20), obs("asm", 15)];
  it.each<[string, ObservationInput, Ewgsop2Category]>([
    ["gait 0.79 m/s", obs("gait_speed", 0.79), "severe"],
    ["gait 0.8 m/s", obs("gait_speed", 0.8), "severe"],
    ["gait 0.81 m/s", obs("gait_speed", 0.81), "confirmed"],
    ["SPPB 7", obs("sppb", 7), "severe"],
    ["SPPB 8", obs("sppb", 8), "severe"],
    ["SPPB 9", obs("sppb", 9), "confirmed"],
    ["TUG 19.9 s", obs("tug", 19.9), "confirmed"],
    ["TUG 20 s", obs("tug", 20), "severe"],
    ["TUG 20.1 s", obs("tug", 20.1), "severe"],
    ["400 m 359 s", obs("walk_400m", 359), "confirmed"],
    ["400 m 360 s (6 min)", obs("walk_400m", 360), "severe"],
    ["400 m 361 s", obs("walk_400m", 361), "severe"],
    ["400 m not completed", obs("walk_400m", "unable"), "severe"],
  ])("low performance grades severity: %s → %s", (_label, performance, expected) => {
    expect(ewgsop2("male", [...confirmedBase(), performance])).toBe(expected);
  });
});

describe("EWGSOP2 decision paths", () => {
  it.each<[string, Sex, ObservationInput[], Ewgsop2Category]>([
    ["no measures at all", "male", [], "insufficient_data"],
    ["no strength measure, everything else low", "male", [obs("asm", 10), obs("gait_speed", 0.3)], "insufficient_data"],
    ["sex unknown with low grip", "unknown", [obs("grip_strength", 5)], "insufficient_data"],
    ["strength normal stops the pathway despite low mass and performance", "male",
      [obs("grip_strength", 40), obs("asm", 10), obs("gait_speed", 0.3)], "none"],
    ["grip normal but chair stand low → low strength", "male", [obs("grip_strength", 40), obs("chair_stand_5x", 20)], "probable"],
    ["grip low but chair stand normal → low strength", "male", [obs("grip_strength", 20), obs("chair_stand_5x", 10)], "probable"],
    ["low strength, quantity unmeasured", "female", [obs("grip_strength", 10), obs("gait_speed", 0.3)], "probable"],
    ["low strength, quantity measured normal stays probable", "female",
      [obs("grip_strength", 10), obs("asm", 25), TALL, obs("gait_speed", 0.3)], "probable"],
    ["ASM low but ASM/height² normal: either suffices", "female", [obs("grip_strength", 10), obs("asm", 14), obs("height", 150)], "confirmed"],
    ["ASM normal but ASM/height² low: either suffices", "male", [obs("grip_strength", 10), obs("asm", 21), TALL], "confirmed"],
    ["low strength + low quantity, performance unmeasured", "male", [obs("grip_strength", 10), obs("asm", 15)], "confirmed"],
    ["low strength + low quantity + normal performance", "male", [obs("grip_strength", 10), obs("asm", 15), obs("gait_speed", 1.2)], "confirmed"],
    ["low strength + low quantity + one low performance among normal ones", "male",
      [obs("grip_strength", 10), obs("asm", 15), obs("gait_speed", 1.2), obs("sppb", 6)], "severe"],
    ["chair stand unable + low quantity + low performance", "male",
      [obs("chair_stand_5x", "unable"), obs("asm", 15), obs("walk_400m", "unable")], "severe"],
  ])("%s", (_label, sex, observations, expected) => {
    expect(ewgsop2(sex, observations)).toBe(expected);
  });

  it("explains each step with the threshold and source", () => {
    const reasons = evaluate(history({ sex: "male", observations: [obs("grip_strength", 24)] })).ewgsop2.reasons;
    expect(reasons[0]?.text).toBe("Grip 24 kg < 27 kg (EWGSOP2, Table 3) → low strength");
    expect(reasons[0]?.threshold).toMatchObject({ key: "ewgsop2.gripKg.male", value: 27, comparison: "<" });
    expect(reasons[0]?.threshold?.source).toContain("Cruz-Jentoft");
  });

  it("shows a grip entered in lb as reported", () => {
    const grip = obs("grip_strength", 52 * 0.45359237, undefined, { reportedValue: "52", reportedUnit: "lb" });
    const reasons = evaluate(history({ sex: "male", observations: [grip] })).ewgsop2.reasons;
    expect(reasons[0]?.text).toBe("Grip 23.59 kg (reported 52 lb) < 27 kg (EWGSOP2, Table 3) → low strength");
  });
});
