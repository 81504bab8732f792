import { describe, expect, it } from "vitest";
import { assignTier, type TierInput } from "@/lib/domain/tier";
import { TIER_RANK, type MedicationInput, type ObservationInput, type Tier } from "@/lib/domain/types";
import { evaluate, history, med, obs, TALL_HEIGHT, withThresholds } from "./helpers";

describe("tier rules (docs/design.md#tiers)", () => {
  it.each<[string, ObservationInput[], MedicationInput[], Tier]>([
    ["EWGSOP2 confirmed → high", [obs("grip_strength", 10), obs("asm", 14)], [], "high"],
    ["AWGS sarcopenia with EWGSOP2 none → high", [obs("grip_strength", 17), obs("asm", 20, undefined, { method: "dxa" }), TALL_HEIGHT], [], "high"],
    ["B12 deficient with a sarcopenia finding → high", [obs("grip_strength", 15), obs("b12_total", 100)], [], "high"],
    ["B12 deficient with a finding but on replacement → elevated (by the finding)", [obs("grip_strength", 15), obs("b12_total", 100)], [med("cyanocobalamin")], "elevated"],
    ["EWGSOP2 probable and AWGS possible → elevated", [obs("grip_strength", 15)], [], "elevated"],
    ["AWGS possible alone → elevated", [obs("grip_strength", 30), obs("gait_speed", 0.9)], [], "elevated"],
    ["B12 deficient alone → elevated", [obs("grip_strength", 30), obs("b12_total", 100)], [], "elevated"],
    ["B12 indeterminate alone → elevated", [obs("grip_strength", 30), obs("b12_total", 200)], [], "elevated"],
    ["B12 indeterminate on replacement → low", [obs("grip_strength", 30), obs("b12_total", 200)], [med("hydroxocobalamin")], "low"],
    ["SARC-F positive → elevated", [obs("grip_strength", 30), obs("sarc_f", 4)], [], "elevated"],
    ["low calf → elevated", [obs("grip_strength", 30), obs("calf_circumference", 30)], [], "elevated"],
    ["all normal → low", [obs("grip_strength", 30), obs("b12_total", 400)], [], "low"],
    ["strength measured only, normal → low", [obs("chair_stand_5x", 9)], [], "low"],
    ["B12 only, adequate → low", [obs("b12_total", 400)], [], "low"],
    ["nothing → unassessed", [], [], "unassessed"],
    ["only anthropometry and normal gait → unassessed", [obs("height", 160), obs("weight", 60), obs("gait_speed", 1.2)], [], "unassessed"],
    ["slow gait with no strength or B12 → elevated, not hidden as unassessed", [obs("gait_speed", 0.5)], [], "elevated"],
  ])("%s", (_label, observations, medications, expected) => {
    expect(evaluate(history({ observations, medications })).tier).toBe(expected);
  });

  it("EWGSOP2 probable alone (AWGS none by setting) → elevated", () => {
    const thresholds = withThresholds((t) => {
      t.awgs2019.possibleWhenMassNormal = false;
    });
    const e = evaluate(history({ observations: [obs("grip_strength", 15), obs("asm", 24, undefined, { method: "dxa" }), TALL_HEIGHT] }), { thresholds });
    expect([e.ewgsop2.category, e.awgs2019.category, e.tier]).toEqual(["probable", "none", "elevated"]);
  });

  it("sex unknown with grip measured and nothing firing → low (contract EX-005 choice)", () => {
    expect(evaluate(history({ sex: "unknown", observations: [obs("grip_strength", 30)] })).tier).toBe("low");
  });

  it("every tier has reasons", () => {
    const base: TierInput = {
      ewgsop2: "none",
      awgs2019: "none",
      b12Status: "not_tested",
      b12OnTreatment: false,
      caseFindingPositive: false,
      anySarcopeniaFinding: false,
      hasStrengthMeasure: false,
      hasB12Result: false,
    };
    for (const input of [base, { ...base, hasB12Result: true }, { ...base, caseFindingPositive: true }, { ...base, ewgsop2: "severe" as const }]) {
      expect(assignTier(input).reasons.length).toBeGreaterThan(0);
    }
    expect(Object.keys(TIER_RANK).sort()).toEqual(["elevated", "high", "low", "unassessed"]);
    expect(TIER_RANK.high).toBeLessThan(TIER_RANK.elevated);
  });
});
