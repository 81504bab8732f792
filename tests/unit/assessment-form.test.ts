import { describe, expect, it } from "vitest";
import { KG_PER_LB, PG_ML_PER_PMOL_L } from "@/lib/domain/units";
import {
  assessmentFormSchema,
  datesAfter,
  describeReported,
  observationCorrectionSchema,
  observationErrorSchema,
  sarcFTotal,
  type AssessmentEntry,
  type EnteredObservation,
} from "@/lib/validation/assessment-form";
import { FREE_TEXT_CHOICE, medicationAddSchema, medicationEditSchema, medicationStopSchema, conditionChangeSchema } from "@/lib/validation/medication-form";
import type { MeasureKind } from "@/lib/domain/types";

/** The assessment entry form as FormData would give it: strings only, absent = not sent. */
const BASE = { patientId: "p1", expectedVersion: "3", visitDate: "2026-11-20", gripUnit: "kg", gaitMode: "time", walk400Unit: "s", weightUnit: "kg", b12Unit: "pmol/L" };
const VISIT = new Date("2026-11-20T00:00:00Z");

function parse(fields: Record<string, string>) {
  return assessmentFormSchema.safeParse({ ...BASE, ...fields });
}

function ok(fields: Record<string, string>): AssessmentEntry {
  const result = parse(fields);
  if (!result.success) throw new Error(JSON.stringify(result.error.issues));
  return result.data;
}

function only(fields: Record<string, string>, kind: MeasureKind): EnteredObservation {
  const entry = ok(fields);
  const found = entry.observations.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function errors(fields: Record<string, string>): Record<string, string[]> {
  const result = parse(fields);
  if (result.success) throw new Error("expected a refusal");
  const out: Record<string, string[]> = {};
  for (const issue of result.error.issues) (out[String(issue.path[0] ?? "form")] ??= []).push(issue.message);
  return out;
}

describe("assessment form: the visit", () => {
  it("coerces the version and parses the visit date strictly", () => {
    const entry = ok({ sppb: "9" });
    expect(entry).toMatchObject({ patientId: "p1", expectedVersion: 3, visitDate: VISIT });
    expect(errors({ visitDate: "", sppb: "9" }).visitDate).toEqual(["Enter the date of the visit."]);
    expect(errors({ visitDate: "2026-02-30", sppb: "9" }).visitDate?.[0]).toMatch(/not a real calendar date/);
    expect(errors({ visitDate: "20/11/2026", sppb: "9" }).visitDate?.[0]).toMatch(/YYYY-MM-DD/);
    expect(errors({ expectedVersion: "", sppb: "9" }).expectedVersion?.[0]).toMatch(/version is missing/);
    expect(errors({ expectedVersion: "abc", sppb: "9" }).expectedVersion?.[0]).toMatch(/version is missing/);
    expect(errors({ patientId: " ", sppb: "9" }).patientId?.[0]).toMatch(/patient is missing/);
  });

  it("needs at least one result", () => {
    expect(errors({})).toEqual({ form: ["Enter at least one result before saving."] });
  });

  it("ignores fields it does not know (Next's $ACTION fields)", () => {
    expect(ok({ sppb: "9", $ACTION_ID_abc: "" }).observations).toHaveLength(1);
  });

  it("reports every problem at once, each on its own field", () => {
    const e = errors({ gripRight1: "250", tug: "abc", sppb: "13", asm: "18" });
    expect(Object.keys(e).sort()).toEqual(["asmMethod", "gripRight1", "sppb", "tug"]);
  });
});

describe("assessment form: grip strength", () => {
  it("saves the best of all trials, either hand, and keeps every trial in the note", () => {
    const grip = only({ gripRight1: "24", gripRight2: "26.5", gripRight3: "25", gripLeft1: "27", gripLeft2: "", gripLeft3: "22" }, "grip_strength");
    expect(grip).toMatchObject({ value: 27, reportedValue: "27", reportedUnit: "kg", isUnable: false, observedAt: VISIT, field: "gripLeft1" });
    expect(grip.note).toBe("Grip trials (kg): right 24, 26.5, 25; left 27, 22; best 27 kg (left)");
  });

  it("converts lb to kg and keeps the pounds as reported", () => {
    const grip = only({ gripUnit: "lb", gripRight1: "60", gripLeft1: "66" }, "grip_strength");
    expect(grip.value).toBeCloseTo(66 * KG_PER_LB, 10);
    expect(grip).toMatchObject({ reportedValue: "66", reportedUnit: "lb" });
    expect(grip.note).toContain("(lb)");
  });

  it("compares trials after conversion (one hand only is fine)", () => {
    expect(only({ gripRight1: "30", gripRight2: "31" }, "grip_strength").note).toBe("Grip trials (kg): right 30, 31; left not done; best 31 kg (right)");
  });

  it("refuses an impossible value beside its trial, in words, and saves no grip", () => {
    const e = errors({ gripRight1: "25", gripRight2: "250" });
    expect(e.gripRight2).toEqual(["Grip strength 250 kg is outside the plausible range 0–150 kg; check the value and unit."]);
    expect(e.gripRight1).toBeUndefined();
    // 400 lb is 181 kg: refused like 181 kg, with both units named.
    expect(errors({ gripUnit: "lb", gripLeft1: "400" }).gripLeft1?.[0]).toMatch(/^Grip strength 400 lb \(181\.4 kg\) is outside the plausible range/);
  });

  it("parses strictly: decimal commas and exponents get a reason", () => {
    expect(errors({ gripRight1: "25,5" }).gripRight1?.[0]).toMatch(/use a point for decimals \(25\.5\)/);
    expect(errors({ gripRight1: "2e1" }).gripRight1?.[0]).toMatch(/is not a number/);
    expect(errors({ gripRight1: "-3" }).gripRight1?.[0]).toMatch(/outside the plausible range/);
  });

  it("needs a known unit", () => {
    expect(errors({ gripUnit: "lbs", gripRight1: "60" }).gripUnit).toEqual(["Choose the unit for grip strength: kg, lb."]);
    expect(errors({ gripUnit: "", gripRight1: "60" }).gripUnit).toBeDefined();
  });
});

describe("assessment form: performance", () => {
  it("turns a 4 m walk time into speed and keeps the seconds as reported", () => {
    const gait = only({ gaitMode: "time", gaitValue: "5" }, "gait_speed");
    expect(gait).toMatchObject({ value: 0.8, reportedValue: "5", reportedUnit: "s/4m" });
    expect(describeReported(gait)).toBe("4 m in 5 s");
  });

  it("takes a speed as it is", () => {
    expect(only({ gaitMode: "speed", gaitValue: "1.1" }, "gait_speed")).toMatchObject({ value: 1.1, reportedUnit: "m/s" });
  });

  it("refuses a walk time of zero and an unknown mode", () => {
    expect(errors({ gaitValue: "0" }).gaitValue?.[0]).toMatch(/more than 0 seconds/);
    expect(errors({ gaitMode: "", gaitValue: "5" }).gaitMode?.[0]).toMatch(/4 m walk time or as a speed/);
  });

  it("records 'unable' for the chair stand and the 400 m walk as results without a value", () => {
    const entry = ok({ chairStandUnable: "on", walk400Unable: "on" });
    expect(entry.observations.map((o) => [o.kind, o.value, o.isUnable, o.reportedValue])).toEqual([
      ["chair_stand_5x", null, true, "unable"],
      ["walk_400m", null, true, "unable"],
    ]);
  });

  it("refuses a time together with 'unable'", () => {
    expect(errors({ chairStand: "12", chairStandUnable: "on" }).chairStand?.[0]).toMatch(/not both/);
    expect(errors({ walk400: "300", walk400Unable: "on" }).walk400?.[0]).toMatch(/not both/);
  });

  it("parses chair stand, SPPB, TUG and the 400 m walk in seconds or minutes", () => {
    const entry = ok({ chairStand: "16.2", sppb: "8", tug: "21", walk400: "6.5", walk400Unit: "min" });
    const byKind = Object.fromEntries(entry.observations.map((o) => [o.kind, o]));
    expect(byKind.chair_stand_5x).toMatchObject({ value: 16.2, reportedUnit: "s" });
    expect(byKind.sppb).toMatchObject({ value: 8, reportedUnit: "points" });
    expect(byKind.tug).toMatchObject({ value: 21 });
    expect(byKind.walk_400m).toMatchObject({ value: 390, reportedValue: "6.5", reportedUnit: "min" });
    expect(errors({ sppb: "8.5" }).sppb?.[0]).toMatch(/whole number from 0 to 12/);
  });
});

describe("assessment form: muscle mass and body size", () => {
  it("stores ASM with its method and requires the method", () => {
    expect(only({ asm: "17.5", asmMethod: "bia" }, "asm")).toMatchObject({ value: 17.5, method: "bia" });
    expect(errors({ asm: "17.5" }).asmMethod).toEqual(["Choose how muscle mass was measured: DXA or BIA."]);
    expect(ok({ sppb: "9", asmMethod: "dxa" }).observations.map((o) => o.kind)).toEqual(["sppb"]);
  });

  it("parses height, weight (kg or lb) and calf circumference", () => {
    const entry = ok({ height: "170", weight: "154", weightUnit: "lb", calf: "32.5" });
    const byKind = Object.fromEntries(entry.observations.map((o) => [o.kind, o]));
    expect(byKind.height?.value).toBe(170);
    expect(byKind.weight?.value).toBeCloseTo(154 * KG_PER_LB, 10);
    expect(byKind.weight).toMatchObject({ reportedValue: "154", reportedUnit: "lb" });
    expect(byKind.calf_circumference?.value).toBe(32.5);
    expect(errors({ height: "17" }).height?.[0]).toMatch(/^Height 17 cm is outside the plausible range 100–230 cm/);
  });
});

describe("assessment form: SARC-F", () => {
  const all = { sarcF1: "1", sarcF2: "2", sarcF3: "0", sarcF4: "1", sarcF5: "1" };

  it("stores the total of the five answers, with the answers in the note", () => {
    const sarc = only(all, "sarc_f");
    expect(sarc).toMatchObject({ value: 5, reportedValue: "5", reportedUnit: "points" });
    expect(sarc.note).toBe("SARC-F answers: strength 1, assistance in walking 2, rise from a chair 0, climb stairs 1, falls 1");
  });

  it("computes the total only when all five are answered", () => {
    expect(sarcFTotal([0, 0, 0, 0, 0])).toBe(0);
    expect(sarcFTotal([2, 2, 2, 2, 2])).toBe(10);
    expect(sarcFTotal([1, 2, null, 1, 1])).toBeNull();
    expect(sarcFTotal([1, 2])).toBeNull();
  });

  it("asks for the unanswered questions when only some are answered", () => {
    const e = errors({ sarcF1: "1", sarcF2: "2" });
    expect(Object.keys(e).sort()).toEqual(["sarcF3", "sarcF4", "sarcF5"]);
    expect(e.sarcF5?.[0]).toMatch(/“Falls” is not answered/);
  });

  it("refuses an answer outside 0–2", () => {
    expect(errors({ ...all, sarcF3: "3" }).sarcF3?.[0]).toMatch(/choose one of the three answers/);
  });
});

describe("assessment form: labs", () => {
  it("keeps B12 in pg/mL (and ng/L) as reported, with pmol/L as the canonical value", () => {
    const b12 = only({ b12: "180", b12Unit: "pg/mL" }, "b12_total");
    expect(b12.value).toBeCloseTo(180 / PG_ML_PER_PMOL_L, 10);
    expect(b12).toMatchObject({ reportedValue: "180", reportedUnit: "pg/mL" });
    expect(only({ b12: "350", b12Unit: "ng/L" }, "b12_total")).toMatchObject({ reportedUnit: "ng/L" });
    expect(only({ b12: "250", b12Unit: "pmol/L" }, "b12_total")).toMatchObject({ value: 250, reportedUnit: "pmol/L" });
    expect(errors({ b12: "250", b12Unit: "mg" }).b12Unit?.[0]).toMatch(/pmol\/L, pg\/mL, ng\/L/);
  });

  it("dates each lab on its own date, the visit date when blank", () => {
    const entry = ok({ b12: "300", b12Date: "2026-11-02", holotc: "40", holotcDate: "", mma: "0.5", homocysteine: "18", egfr: "55", egfrDate: "2026-10-30" });
    const byKind = Object.fromEntries(entry.observations.map((o) => [o.kind, o]));
    expect(byKind.b12_total).toMatchObject({ observedAt: new Date("2026-11-02T00:00:00Z"), dateField: "b12Date" });
    expect(byKind.holotc).toMatchObject({ observedAt: VISIT, dateField: "visitDate", reportedUnit: "pmol/L" });
    expect(byKind.mma).toMatchObject({ value: 0.5, reportedUnit: "umol/L" });
    expect(byKind.homocysteine?.value).toBe(18);
    expect(byKind.egfr).toMatchObject({ value: 55, observedAt: new Date("2026-10-30T00:00:00Z") });
    expect(errors({ mma: "0.5", mmaDate: "2026-13-01" }).mmaDate?.[0]).toMatch(/Methylmalonic acid date/);
  });

  it("ignores a lab date without a value", () => {
    expect(ok({ sppb: "9", b12Date: "2026-11-01" }).observations.map((o) => o.kind)).toEqual(["sppb"]);
  });
});

describe("results dated after today", () => {
  it("are reported on the date field they came from", () => {
    const entry = ok({ sppb: "9", tug: "12", b12: "300", b12Date: "2026-11-25" });
    expect(datesAfter(entry.observations, new Date("2026-11-21T12:00:00Z"))).toEqual({
      b12Date: ["The date 2026-11-25 is after today (2026-11-21); enter results on or after the day they were taken."],
    });
    expect(datesAfter(entry.observations, new Date("2026-11-25T00:00:00Z"))).toEqual({});
  });
});

describe("result corrections", () => {
  const ref = { observationId: "o1", version: "2" };

  it("builds the corrected result through the same parsing and plausibility", () => {
    const parsed = observationCorrectionSchema.parse({ ...ref, kind: "grip_strength", value: "52", unit: "lb", observedAt: "2026-11-20" });
    expect(parsed.version).toBe(2);
    expect(parsed.observation.value).toBeCloseTo(52 * KG_PER_LB, 10);
    expect(parsed.observation).toMatchObject({ kind: "grip_strength", reportedValue: "52", reportedUnit: "lb", observedAt: VISIT });
    const bad = observationCorrectionSchema.safeParse({ ...ref, kind: "grip_strength", value: "250", unit: "kg", observedAt: "2026-11-20" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ["value"], message: "Grip strength 250 kg is outside the plausible range 0–150 kg; check the value and unit." });
  });

  it("allows 'unable' only where it is a result, and asks for DXA/BIA on muscle mass", () => {
    expect(observationCorrectionSchema.parse({ ...ref, kind: "chair_stand_5x", value: "", unit: "s", unable: "on", observedAt: "2026-11-20" }).observation).toMatchObject({ isUnable: true, value: null });
    expect(observationCorrectionSchema.safeParse({ ...ref, kind: "tug", value: "", unit: "s", unable: "on", observedAt: "2026-11-20" }).success).toBe(false);
    const asm = observationCorrectionSchema.safeParse({ ...ref, kind: "asm", value: "18", unit: "kg", observedAt: "2026-11-20" });
    expect(asm.error?.issues.map((i) => i.path[0])).toEqual(["method"]);
  });

  it("needs a reason to mark a result entered in error", () => {
    expect(observationErrorSchema.parse({ ...ref, reason: "  wrong patient " })).toEqual({ observationId: "o1", version: 2, reason: "wrong patient" });
    expect(observationErrorSchema.safeParse({ ...ref, reason: "x" }).success).toBe(false);
    expect(observationErrorSchema.safeParse({ ...ref, reason: "ok", version: "0" }).success).toBe(false);
  });
});

describe("medicine and condition forms", () => {
  const base = { patientId: "p1", expectedVersion: "4" };

  it("keeps the brand searched for as the name of a catalogue choice", () => {
    expect(medicationAddSchema.parse({ ...base, query: "glucophage", choice: "metformin", startedOn: "2026-11-01" })).toEqual({
      patientId: "p1", expectedVersion: 4, catalogueId: "metformin", name: "Glucophage", startedOn: new Date("2026-11-01T00:00:00Z"),
    });
    expect(medicationAddSchema.parse({ ...base, query: "metf", choice: "metformin", startedOn: "" })).toMatchObject({ name: "metformin", startedOn: null });
  });

  it("keeps unknown names as free text, but matches an exact catalogue name", () => {
    expect(medicationAddSchema.parse({ ...base, query: "Vitamin D3 1000 IU", choice: FREE_TEXT_CHOICE })).toMatchObject({ catalogueId: null, name: "Vitamin D3 1000 IU" });
    expect(medicationAddSchema.parse({ ...base, query: "Nexium", choice: FREE_TEXT_CHOICE })).toMatchObject({ catalogueId: "esomeprazole", name: "Nexium" });
  });

  it("refuses a choice that is not a catalogue ingredient, and no choice", () => {
    expect(medicationAddSchema.safeParse({ ...base, query: "x", choice: "class_ppi" }).success).toBe(false);
    expect(medicationAddSchema.safeParse({ ...base, query: "x", choice: "nonsense" }).success).toBe(false);
    expect(medicationAddSchema.safeParse({ ...base, query: "", choice: "" }).error?.issues[0]?.message).toMatch(/Search for the medicine/);
  });

  it("checks stop and start dates", () => {
    expect(medicationEditSchema.safeParse({ medicationId: "m", expectedVersion: "1", startedOn: "2026-05-01", stoppedOn: "2026-04-01" }).error?.issues[0]?.message).toBe("The stop date is before the start date.");
    expect(medicationEditSchema.parse({ medicationId: "m", expectedVersion: "1", startedOn: "", stoppedOn: "" })).toMatchObject({ startedOn: null, stoppedOn: null });
    expect(medicationStopSchema.safeParse({ medicationId: "m", expectedVersion: "1", stoppedOn: "" }).error?.issues[0]?.message).toMatch(/date the medicine was stopped/);
    expect(conditionChangeSchema.safeParse({ ...base, code: "gastritis" }).success).toBe(false);
    expect(conditionChangeSchema.parse({ ...base, code: "coeliac" })).toEqual({ patientId: "p1", expectedVersion: 4, code: "coeliac" });
  });
});

describe("assessment form: Yubi-wakka and B12 symptoms", () => {
  it("reads the Yubi-wakka result and the ticked symptoms, dated by the visit; a visit with only these is a visit", () => {
    const entry = ok({ yubiWakka: "smaller", b12Symptom_fatigue: "on", b12Symptom_low_mood: "on", b12Symptom_glossitis_mouth_ulcers: "" });
    expect(entry).toMatchObject({ visitDate: VISIT, observations: [], yubiWakka: "smaller", b12Symptoms: ["fatigue", "low_mood"] });
  });

  it("leaves both empty when not done, and still needs at least one result", () => {
    expect(ok({ gripRight1: "20", yubiWakka: "" })).toMatchObject({ yubiWakka: null, b12Symptoms: [] });
    expect(errors({ yubiWakka: "" }).form?.[0]).toMatch(/at least one result/);
  });

  it("refuses a Yubi-wakka value outside the three results", () => {
    expect(errors({ yubiWakka: "loose" }).yubiWakka?.[0]).toMatch(/one of the three Yubi-wakka results/);
  });
});
