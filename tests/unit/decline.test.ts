import { describe, expect, it } from "vitest";
import { findDecline } from "@/lib/domain/decline";
import { ObservationWindow } from "@/lib/domain/observations";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/thresholds";
import type { ObservationInput, PatientHistory } from "@/lib/domain/types";
import { day, evaluate, flagCodes, history, NOW, obs, withThresholds } from "./helpers";

const declines = (h: PatientHistory) => evaluate(h).flags.find((f) => f.code === "muscle_decline");
const LATER = day("2026-11-01");

describe("muscle_decline: grip down ≥ 5 kg or gait speed down ≥ 0.1 m/s, two results at most 12 months apart", () => {
  it.each<[string, ObservationInput[], boolean]>([
    ["grip 30 → 25.1 kg (4.9 kg)", [obs("grip_strength", 30, day("2026-01-01")), obs("grip_strength", 25.1, LATER)], false],
    ["grip 30 → 25 kg (5.0 kg)", [obs("grip_strength", 30, day("2026-01-01")), obs("grip_strength", 25, LATER)], true],
    ["grip 30 → 24.9 kg (5.1 kg)", [obs("grip_strength", 30, day("2026-01-01")), obs("grip_strength", 24.9, LATER)], true],
    ["grip 30.1 → 25.1 kg (5.0 kg in floating point)", [obs("grip_strength", 30.1, day("2026-01-01")), obs("grip_strength", 25.1, LATER)], true],
    ["gait 1.0 → 0.91 m/s (0.09)", [obs("gait_speed", 1.0, day("2026-01-01")), obs("gait_speed", 0.91, LATER)], false],
    ["gait 0.9 → 0.8 m/s (0.1; 0.0999… in binary)", [obs("gait_speed", 0.9, day("2026-01-01")), obs("gait_speed", 0.8, LATER)], true],
    ["gait 1.0 → 0.89 m/s (0.11)", [obs("gait_speed", 1.0, day("2026-01-01")), obs("gait_speed", 0.89, LATER)], true],
    ["grip 10 kg down exactly 12 months apart", [obs("grip_strength", 35, day("2025-11-01")), obs("grip_strength", 25, LATER)], true],
    ["grip 10 kg down 12 months and 1 day apart", [obs("grip_strength", 35, day("2025-10-31")), obs("grip_strength", 25, LATER)], false],
    ["gait 0.3 m/s down exactly 12 months apart", [obs("gait_speed", 1.1, day("2025-11-01")), obs("gait_speed", 0.8, LATER)], true],
    ["gait 0.3 m/s down 12 months and 1 day apart", [obs("gait_speed", 1.1, day("2025-10-31")), obs("gait_speed", 0.8, LATER)], false],
    ["grip rose", [obs("grip_strength", 20, day("2026-01-01")), obs("grip_strength", 30, LATER)], false],
    ["a single grip", [obs("grip_strength", 10, LATER)], false],
    ["a fall, then recovery: the latest is compared", [obs("grip_strength", 30, day("2026-01-01")), obs("grip_strength", 20, day("2026-06-01")), obs("grip_strength", 29, LATER)], false],
    ["a fall spread over visits, against the best earlier result", [obs("grip_strength", 30, day("2026-01-01")), obs("grip_strength", 27, day("2026-06-01")), obs("grip_strength", 25, LATER)], true],
    ["grip in lb: 66.14 → 55.12 lb (5.0 kg)", [obs("grip_strength", 30, day("2026-01-01"), { reportedValue: "66.14", reportedUnit: "lb" }), obs("grip_strength", 24.98, LATER, { reportedValue: "55.07", reportedUnit: "lb" })], true],
    ["the later result outside the look-back window", [obs("grip_strength", 35, day("2025-01-01")), obs("grip_strength", 25, day("2025-11-01"))], false],
  ])("%s → %s", (_label, observations, expected) => {
    expect(flagCodes(evaluate(history({ observations }))).includes("muscle_decline")).toBe(expected);
  });

  it("compares with an earlier result from before the look-back window", () => {
    // Later result 2026-01-01 (in the window), earlier 2025-06-01 (before the window, 7 months before it).
    expect(declines(history({ observations: [obs("grip_strength", 30, day("2025-06-01")), obs("grip_strength", 24, day("2026-01-01"))] }))).toBeDefined();
  });

  it("says both results, their dates, the fall, the setting and its source; due 30 days after the later result", () => {
    const flag = declines(history({ observations: [obs("grip_strength", 30, day("2026-01-01")), obs("grip_strength", 24, LATER), obs("gait_speed", 1.2, day("2026-01-01")), obs("gait_speed", 1.0, LATER)] }));
    expect(flag?.reasons.map((r) => r.text).slice(0, 2)).toEqual([
      "Grip strength fall from 30 kg on 2026-01-01 to 24 kg on 2026-11-01 (within 12 months): 6 kg ≥ 5 kg (Bohannon 2019, unconfirmed) → muscle decline",
      "Gait speed fall from 1.2 m/s on 2026-01-01 to 1 m/s on 2026-11-01 (within 12 months): 0.2 m/s ≥ 0.1 m/s (Perera 2006, unconfirmed) → muscle decline",
    ]);
    expect(flag?.reasons[0]?.inputs).toMatchObject({ earlierValue: 30, earlierObservedAt: "2026-01-01T00:00:00.000Z", laterValue: 24, laterObservedAt: "2026-11-01T00:00:00.000Z" });
    expect(flag?.reasons[0]?.threshold).toMatchObject({ key: "decline.gripDropKg", value: 5, comparison: ">=" });
    expect(flag?.dueAt).toBe("2026-12-01T00:00:00.000Z");
    expect(flag?.source).toContain("Bohannon RW, J Geriatr Phys Ther 2019");
    expect(flag?.source).toContain("Perera S et al., J Am Geriatr Soc 2006");
    expect(flag?.text).toBe("Muscle decline: grip strength and gait speed fell by a meaningful amount within 12 months; look for the cause and reassess.");
  });

  it("the three numbers are settings", () => {
    const t = withThresholds((v) => {
      v.decline.gripDropKg = 3;
      v.decline.gaitSpeedDropMS = 0.3;
      v.decline.windowMonths = 6;
    });
    const grip = [obs("grip_strength", 30, day("2026-06-01")), obs("grip_strength", 26.5, LATER)];
    expect(flagCodes(evaluate(history({ observations: grip }), { thresholds: t }))).toContain("muscle_decline");
    expect(flagCodes(evaluate(history({ observations: grip }))).includes("muscle_decline")).toBe(false);
    const old = [obs("grip_strength", 30, day("2026-04-30")), obs("grip_strength", 20, LATER)];
    expect(flagCodes(evaluate(history({ observations: old }), { thresholds: t })).includes("muscle_decline")).toBe(false);
    const gait = [obs("gait_speed", 1.2, day("2026-06-01")), obs("gait_speed", 1.0, LATER)];
    expect(flagCodes(evaluate(history({ observations: gait }), { thresholds: t })).includes("muscle_decline")).toBe(false);
  });

  it("findDecline reports the pair even when the fall is below the setting", () => {
    const window = new ObservationWindow([obs("gait_speed", 1.0, day("2026-01-01")), obs("gait_speed", 0.95, LATER)], NOW, 12);
    expect(findDecline("gait_speed", window, DEFAULT_THRESHOLDS)).toMatchObject({ fall: 0.05, met: false });
    expect(findDecline("sppb", window, DEFAULT_THRESHOLDS)).toBeNull();
  });
});
