import { describe, expect, it } from "vitest";
import type { Diet, ConditionCode, MedicationInput, ObservationInput, PatientHistory } from "@/lib/domain/types";
import { day, evaluate, flagCodes, history, med, NOW, obs, TALL_HEIGHT } from "./helpers";

const YOUNG = day("1976-01-01"); // 50 at NOW: below the screening age
const fires = (h: PatientHistory, code: string) => flagCodes(evaluate(h)).includes(code);
const flag = (h: PatientHistory, code: string) => evaluate(h).flags.find((f) => f.code === code);

describe("b12_test_due", () => {
  const normalGrip = obs("grip_strength", 30);
  it.each<[string, Partial<PatientHistory>, boolean]>([
    ["aged 78, no B12", {}, true],
    ["aged 65 exactly", { birthDate: day("1961-11-21") }, true],
    ["aged 64, no other risk factor", { birthDate: day("1961-11-22") }, false],
    ["aged 50, no risk factor", { birthDate: YOUNG }, false],
    ["aged 50, vegan", { birthDate: YOUNG, diet: "vegan" as Diet }, true],
    ["aged 50, vegetarian", { birthDate: YOUNG, diet: "vegetarian" as Diet }, true],
    ["aged 50, current metformin", { birthDate: YOUNG, medications: [med("metformin")] }, true],
    ["aged 50, metformin stopped before now", { birthDate: YOUNG, medications: [med("metformin", { stoppedOn: day("2026-01-01") })] }, false],
    ["aged 50, unmatched free-text medicine", { birthDate: YOUNG, medications: [{ name: "metformin XR", catalogueId: null, startedOn: null, stoppedOn: null }] }, false],
    ["aged 50, gastrectomy", { birthDate: YOUNG, conditions: ["gastrectomy" as ConditionCode] }, true],
    ["aged 50, sarcopenia finding", { birthDate: YOUNG, observations: [obs("grip_strength", 10)] }, true],
    ["aged 78 with a serum B12 in the window", { observations: [obs("b12_total", 400)] }, false],
    ["aged 78 with an active B12 in the window", { observations: [obs("holotc", 90)] }, false],
    ["aged 78 with only an MMA", { observations: [obs("mma", 0.2)] }, true],
    ["aged 78 on B12 replacement", { medications: [med("cyanocobalamin")] }, false],
  ])("%s → %s", (_label, overrides, expected) => {
    expect(fires(history({ observations: [normalGrip], ...overrides }), "b12_test_due")).toBe(expected);
  });

  it("is due when the last B12 result's window lapsed, or now when there never was one", () => {
    expect(flag(history({ observations: [obs("b12_total", 400, day("2025-06-01"))] }), "b12_test_due")?.dueAt).toBe("2026-06-01T00:00:00.000Z");
    expect(flag(history(), "b12_test_due")?.dueAt).toBe(NOW.toISOString());
  });
});

describe("b12_confirm_due", () => {
  it.each<[string, ObservationInput[], boolean]>([
    ["indeterminate, nothing since", [obs("b12_total", 200)], true],
    ["indeterminate, MMA before it", [obs("b12_total", 200), obs("mma", 0.35, day("2026-09-01"))], true],
    ["indeterminate, inconclusive MMA since", [obs("b12_total", 200), obs("mma", 0.35, day("2026-10-10"))], false],
    ["indeterminate, inconclusive active B12 same day", [obs("b12_total", 200), obs("holotc", 50)], false],
    ["indeterminate active B12 alone, no MMA", [obs("holotc", 50)], true],
    ["resolved by MMA", [obs("b12_total", 200), obs("mma", 0.2)], false],
    ["deficient", [obs("b12_total", 100)], false],
    ["adequate", [obs("b12_total", 400)], false],
  ])("%s → %s", (_label, observations, expected) => {
    expect(fires(history({ observations }), "b12_confirm_due")).toBe(expected);
  });

  it("is due 30 days after the indeterminate result", () => {
    expect(flag(history({ observations: [obs("b12_total", 200)] }), "b12_confirm_due")?.dueAt).toBe("2026-10-31T00:00:00.000Z");
  });
});

describe("b12_follow_up", () => {
  it.each<[string, ObservationInput[], MedicationInput[], boolean]>([
    ["deficient, not on replacement", [obs("b12_total", 100)], [], true],
    ["deficient, on replacement", [obs("b12_total", 100)], [med("hydroxocobalamin")], false],
    ["deficient, replacement stopped", [obs("b12_total", 100)], [med("hydroxocobalamin", { stoppedOn: day("2026-05-01") })], true],
    ["indeterminate", [obs("b12_total", 200)], [], false],
    ["not tested", [], [], false],
  ])("%s → %s", (_label, observations, medications, expected) => {
    expect(fires(history({ observations, medications }), "b12_follow_up")).toBe(expected);
  });

  it("is due 14 days after the deciding result (the MMA when it resolved the status)", () => {
    const h = history({ observations: [obs("b12_total", 200), obs("mma", 0.6, day("2026-10-11"))] });
    expect(flag(h, "b12_follow_up")?.dueAt).toBe("2026-10-25T00:00:00.000Z");
  });
});

describe("muscle_mass_due and performance_due", () => {
  it.each<[string, ObservationInput[], boolean]>([
    ["probable, no muscle mass", [obs("grip_strength", 10)], true],
    ["probable, muscle mass measured normal", [obs("grip_strength", 10), obs("asm", 30), TALL_HEIGHT], false],
    ["confirmed", [obs("grip_strength", 10), obs("asm", 10)], false],
    ["none", [obs("grip_strength", 30)], false],
  ])("muscle_mass_due: %s → %s", (_label, observations, expected) => {
    expect(fires(history({ observations }), "muscle_mass_due")).toBe(expected);
  });

  it("muscle_mass_due is due 90 days after the low-strength result", () => {
    expect(flag(history({ observations: [obs("grip_strength", 10)] }), "muscle_mass_due")?.dueAt).toBe("2026-12-30T00:00:00.000Z");
  });

  it.each<[string, ObservationInput[], boolean]>([
    ["confirmed, no performance test", [obs("grip_strength", 10), obs("asm", 10)], true],
    ["confirmed, normal gait speed", [obs("grip_strength", 10), obs("asm", 10), obs("gait_speed", 1.2)], false],
    ["confirmed, normal SPPB", [obs("grip_strength", 10), obs("asm", 10), obs("sppb", 11)], false],
    ["confirmed, normal TUG", [obs("grip_strength", 10), obs("asm", 10), obs("tug", 9)], false],
    ["confirmed, normal 400 m walk", [obs("grip_strength", 10), obs("asm", 10), obs("walk_400m", 300)], false],
    ["severe", [obs("grip_strength", 10), obs("asm", 10), obs("gait_speed", 0.5)], false],
    ["probable", [obs("grip_strength", 10)], false],
  ])("performance_due: %s → %s", (_label, observations, expected) => {
    expect(fires(history({ observations }), "performance_due")).toBe(expected);
  });
});

describe("sarcopenia_follow_up", () => {
  it.each<[string, ObservationInput[], boolean]>([
    ["EWGSOP2 confirmed", [obs("grip_strength", 10), obs("asm", 10)], true],
    ["EWGSOP2 severe", [obs("grip_strength", 10), obs("asm", 10), obs("gait_speed", 0.5)], true],
    ["AWGS sarcopenia only", [obs("grip_strength", 17), obs("asm", 20, undefined, { method: "dxa" }), TALL_HEIGHT], true],
    ["probable / possible only", [obs("grip_strength", 15)], false],
    ["none", [obs("grip_strength", 30)], false],
  ])("%s → %s", (_label, observations, expected) => {
    expect(fires(history({ observations }), "sarcopenia_follow_up")).toBe(expected);
  });

  it("is due 30 days after the latest deciding result", () => {
    const h = history({ observations: [obs("grip_strength", 10, day("2026-09-01")), obs("asm", 10, day("2026-10-01"))] });
    expect(flag(h, "sarcopenia_follow_up")?.dueAt).toBe("2026-10-31T00:00:00.000Z");
  });
});

describe("reassessment_due", () => {
  it.each<[string, Partial<PatientHistory>, boolean]>([
    ["aged 78, no grip or chair stand", {}, true],
    ["aged 78, grip in the window", { observations: [obs("grip_strength", 30)] }, false],
    ["aged 78, chair stand 'unable' in the window", { observations: [obs("chair_stand_5x", "unable")] }, false],
    ["aged 78, grip 13 months ago", { observations: [obs("grip_strength", 30, day("2025-10-21"))] }, true],
    ["aged 64", { birthDate: day("1961-11-22") }, false],
    ["aged 65 today", { birthDate: day("1961-11-21") }, true],
  ])("%s → %s", (_label, overrides, expected) => {
    expect(fires(history(overrides), "reassessment_due")).toBe(expected);
  });

  it("is due 12 months after the last strength result, or now", () => {
    expect(flag(history({ observations: [obs("grip_strength", 30, day("2025-10-21"))] }), "reassessment_due")?.dueAt).toBe("2026-10-21T00:00:00.000Z");
    expect(flag(history(), "reassessment_due")?.dueAt).toBe(NOW.toISOString());
  });
});

describe("medication_review", () => {
  const finding = [obs("grip_strength", 15)];
  it.each<[string, ObservationInput[], MedicationInput[], boolean]>([
    ["statin with a sarcopenia finding", finding, [med("atorvastatin")], true],
    ["glucocorticoid with a finding", finding, [med("prednisolone")], true],
    ["opioid (STOPPFall) with a finding", finding, [med("tramadol")], true],
    ["loop diuretic with a finding", finding, [med("furosemide")], true],
    ["class-level antidepressant with a finding", finding, [med("class_antidepressant")], true],
    ["statin without a finding", [obs("grip_strength", 30)], [med("atorvastatin")], false],
    ["statin stopped before now", finding, [med("atorvastatin", { stoppedOn: day("2026-11-20") })], false],
    ["statin stopping later", finding, [med("atorvastatin", { stoppedOn: day("2026-12-20") })], true],
    ["B12-lowering medicine only", finding, [med("metformin")], false],
  ])("%s → %s", (_label, observations, medications, expected) => {
    expect(fires(history({ observations, medications }), "medication_review")).toBe(expected);
  });

  it("names the medicines in its text", () => {
    const h = history({ observations: finding, medications: [med("prednisolone"), med("atorvastatin")] });
    expect(flag(h, "medication_review")?.text).toContain("atorvastatin, prednisolone");
  });
});

describe("flag output", () => {
  it("is sorted by code and every flag has reasons and a due date", () => {
    const h = history({
      observations: [obs("grip_strength", 10), obs("asm", 10), obs("b12_total", 100)],
      medications: [med("atorvastatin")],
    });
    const flags = evaluate(h).flags;
    expect(flags.map((f) => f.code)).toEqual(["b12_follow_up", "medication_review", "performance_due", "sarcopenia_follow_up"]);
    for (const f of flags) {
      expect(f.reasons.length).toBeGreaterThan(0);
      expect(new Date(f.dueAt).toISOString()).toBe(f.dueAt);
      expect(f.text).toMatch(/\.$/);
    }
  });
});

describe("a patient who has died", () => {
  const sarcopenicOnMetformin = () =>
    history({ observations: [obs("grip_strength", 12), obs("asm", 11)], medications: [med("metformin")] });

  it("raises no flag on or after the date of death, and is aged at death", () => {
    const alive = evaluate(sarcopenicOnMetformin());
    expect(flagCodes(alive).length).toBeGreaterThan(0);
    const died = evaluate({ ...sarcopenicOnMetformin(), deceasedAt: NOW });
    expect(flagCodes(died)).toEqual([]);
    expect(died.tierReasons.some((r) => r.code === "deceased")).toBe(true);
    expect(died.ewgsop2.category).toBe(alive.ewgsop2.category);
    const longAgo = evaluate({ ...sarcopenicOnMetformin(), deceasedAt: day("2000-01-01") });
    expect(longAgo.ageYears).toBe(51);
  });

  it("still raises flags the day before a recorded death date", () => {
    const tomorrow = new Date(NOW.getTime() + 86_400_000);
    expect(flagCodes(evaluate({ ...sarcopenicOnMetformin(), deceasedAt: tomorrow })).length).toBeGreaterThan(0);
  });
});
