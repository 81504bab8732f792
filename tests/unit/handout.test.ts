import { describe, expect, it } from "vitest";
import { buildHandout, type HandoutInput, type HandoutResult } from "@/lib/domain/handout";
import { HANDOUT_WORDING_EN } from "@/lib/domain/handout-wording";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/thresholds";
import type { MeasureKind } from "@/lib/domain/types";

const now = new Date("2026-06-30T12:00:00Z");
const on = (date: string) => new Date(`${date}T09:00:00Z`);
const result = (kind: MeasureKind, value: number | null, date = "2026-06-01", isUnable = false): HandoutResult => ({ kind, value, isUnable, observedAt: on(date) });

function handout(results: HandoutResult[], extra: Partial<HandoutInput> = {}) {
  return buildHandout({ name: "Jan Jackson", mrn: "MRN000001", sex: "female", tier: "elevated", results, openFlags: [], thresholds: DEFAULT_THRESHOLDS, now, wording: HANDOUT_WORDING_EN, ...extra });
}
const rowOf = (h: ReturnType<typeof handout>, test: string) => h.rows.find((r) => r.test === test)!;

describe("the patient handout", () => {
  it("reads each result against the threshold set's own cut-off: at, just below and just above (EWGSOP2 grip < 16 kg for women)", () => {
    expect(rowOf(handout([result("grip_strength", 15.9)]), "Grip strength").status).toBe("concern");
    expect(rowOf(handout([result("grip_strength", 16)]), "Grip strength").status).toBe("fine");
    expect(rowOf(handout([result("grip_strength", 16.1)]), "Grip strength").status).toBe("fine");
    expect(rowOf(handout([result("grip_strength", 26.9)], { sex: "male" }), "Grip strength").status).toBe("concern");
    // Gait ≤ 0.8 m/s is slow: the edge itself counts.
    expect(rowOf(handout([result("gait_speed", 0.8)]), "Walking speed").status).toBe("concern");
    expect(rowOf(handout([result("gait_speed", 0.81)]), "Walking speed").status).toBe("fine");
    // Chair stand > 15 s; unable to complete is a concern.
    expect(rowOf(handout([result("chair_stand_5x", 15)]), "Standing up from a chair 5 times").status).toBe("fine");
    expect(rowOf(handout([result("chair_stand_5x", 15.1)]), "Standing up from a chair 5 times").status).toBe("concern");
    expect(rowOf(handout([result("chair_stand_5x", null, "2026-06-01", true)]), "Standing up from a chair 5 times").status).toBe("concern");
    // SARC-F ≥ 4.
    expect(rowOf(handout([result("sarc_f", 4)]), "Questionnaire (SARC-F)").status).toBe("concern");
    expect(rowOf(handout([result("sarc_f", 3)]), "Questionnaire (SARC-F)").status).toBe("fine");
  });

  it("says low, borderline or fine for B12 (NICE: deficiency likely below 133 pmol/L, unlikely above 258 pmol/L, default set)", () => {
    const b12 = (v: number) => rowOf(handout([result("b12_total", v)]), "Vitamin B12 in your blood");
    expect(b12(132).status).toBe("concern");
    expect(b12(133).status).toBe("borderline");
    expect(b12(258).status).toBe("borderline");
    expect(b12(259).status).toBe("fine");
    expect(b12(259).lookFor).toBe("above 258 pmol/L (below 133 pmol/L is low)");
  });

  it("uses the latest result only, marks one older than the look-back window as not used, and one never taken as not done", () => {
    const h = handout([result("grip_strength", 12, "2026-01-01"), result("grip_strength", 20, "2026-06-01"), result("gait_speed", 0.5, "2025-06-29")]);
    expect(rowOf(h, "Grip strength")).toMatchObject({ result: "20.0 kg", date: "2026-06-01", status: "fine" });
    expect(rowOf(h, "Walking speed")).toMatchObject({ date: "2025-06-29", status: "too_old", meaning: HANDOUT_WORDING_EN.meaning.tooOld });
    expect(rowOf(h, "Muscle in your arms and legs")).toMatchObject({ result: "—", date: null, status: "not_done" });
  });

  it("lists what happens next from the open flags, with exercise, protein for the patient's weight and a follow-up date", () => {
    const h = handout([result("weight", 60), result("grip_strength", 14)], {
      openFlags: [
        { code: "b12_test_due", actionDueAt: on("2026-08-01") },
        { code: "muscle_mass_due", actionDueAt: on("2026-07-15") },
      ],
    });
    expect(h.nextSteps[0]).toBe(HANDOUT_WORDING_EN.next.b12Test);
    expect(h.nextSteps[1]).toBe(HANDOUT_WORDING_EN.next.muscleMass);
    expect(h.nextSteps).toContain(HANDOUT_WORDING_EN.next.exercise);
    expect(h.nextSteps.at(-1)).toContain("about 60 to 72 grams of protein a day");
    expect(h.followUp).toBe("We would like to see you again by 2026-07-15.");
    // Overdue: as soon as possible, i.e. today; nothing due: a year after the last strength test.
    expect(handout([], { openFlags: [{ code: "b12_test_due", actionDueAt: on("2026-01-01") }] }).followUp).toBe("We would like to see you again by 2026-06-30.");
    expect(handout([result("grip_strength", 20, "2026-02-10")]).followUp).toBe("We would like to see you again by 2027-02-10.");
    expect(handout([]).followUp).toBe(HANDOUT_WORDING_EN.next.followUpVisit);
    expect(handout([]).nextSteps.at(-1)).toContain("for every kilogram you weigh");
  });

  it("asks the patient back on a postponed or ordered flag's action day, not its passed due date", () => {
    // Due 2026-05-01 (before `now`, 2026-06-30) but postponed to 2026-09-01: the visit is then, not today.
    const postponed = handout([], { openFlags: [{ code: "muscle_mass_due", actionDueAt: on("2026-09-01") }] });
    expect(postponed.followUp).toBe("We would like to see you again by 2026-09-01.");
    // An ordered test awaited until 2026-08-29, beside a flag due later: the earlier action day.
    const ordered = handout([], { openFlags: [{ code: "b12_test_due", actionDueAt: on("2026-08-29") }, { code: "performance_due", actionDueAt: on("2026-10-01") }] });
    expect(ordered.followUp).toBe("We would like to see you again by 2026-08-29.");
  });
});
