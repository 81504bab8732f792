import { addMonthsUtc, toIsoDate } from "./dates";
import type { HandoutWording } from "./handout-wording";
import { compare, formatNumber } from "./reasons";
import { thresholdRef, type ThresholdKey, type ThresholdValues } from "./thresholds";
import type { FlagCode, MeasureKind, Sex, Tier } from "./types";

/**
 * The one-page patient handout (app/(app)/patients/[id]/handout): the patient's latest results
 * against the clinic's cut-offs in force, what they mean and what happens next, in the words of a
 * `HandoutWording` (lib/domain/handout-wording.ts). Pure: the caller passes `now`.
 *
 * Cut-offs and their comparisons are the threshold set's own (thresholdRef), so a result reads
 * "low" here exactly when the engine calls it low: EWGSOP2 Table 3 for grip, chair stand, ASM and
 * gait speed; SARC-F ≥ 4 (Malmstrom 2013); serum B12 by NICE NG239 (docs/clinical-reference.md).
 * Protein: 1.0–1.2 g per kg of body weight a day for older adults (PROT-AGE, Bauer et al., J Am
 * Med Dir Assoc 2013); exercise: progressive resistance training (ICFSR, Dent et al., J Nutr
 * Health Aging 2018).
 */

export interface HandoutResult {
  kind: MeasureKind;
  value: number | null;
  isUnable: boolean;
  observedAt: Date;
}

export interface HandoutInput {
  name: string;
  mrn: string;
  sex: Sex;
  tier: Tier | null;
  /** Each measure's results, any order; the latest is used. */
  results: readonly HandoutResult[];
  /**
   * Open flags with the day each needs action (lib/domain/flag-lifecycle.ts: the due date, or the
   * end of an ordered test's awaiting window, or the postponed-until date) — not the raw due date,
   * so a postponed or ordered flag does not ask the patient back before the clinic will act.
   */
  openFlags: readonly { code: FlagCode; actionDueAt: Date }[];
  thresholds: ThresholdValues;
  now: Date;
  wording: HandoutWording;
}

export type ResultMeaning = "fine" | "concern" | "borderline" | "not_done" | "too_old";

export interface HandoutRow {
  test: string;
  what: string;
  result: string;
  date: string | null;
  lookFor: string;
  meaning: string;
  status: ResultMeaning;
}

export interface Handout {
  title: string;
  intro: string;
  recordNumber: string;
  rows: HandoutRow[];
  summary: string;
  nextSteps: string[];
  followUp: string;
}

const latestOf = (results: readonly HandoutResult[], kind: MeasureKind) =>
  results.filter((r) => r.kind === kind).reduce<HandoutResult | null>((a, b) => (a === null || b.observedAt >= a.observedAt ? b : a), null);

/** The sex-specific cut-offs; a patient whose sex is unknown gets none (as in the engine). */
const SEX_KEYS: Record<"grip" | "asm", Record<Sex, ThresholdKey | null>> = {
  grip: { female: "ewgsop2.gripKg.female", male: "ewgsop2.gripKg.male", unknown: null },
  asm: { female: "ewgsop2.asmKg.female", male: "ewgsop2.asmKg.male", unknown: null },
};

export function buildHandout(input: HandoutInput): Handout {
  const { wording: w, thresholds: t, now } = input;
  const windowStart = addMonthsUtc(now, -t.screening.lookBackMonths);
  const rows: HandoutRow[] = [];

  /** One measure against one cut-off: "concern" when the cut-off's comparison holds. */
  const row = (kind: MeasureKind, key: ThresholdKey | null, text: { name: string; what: string }, lookFor: (cutOff: string) => string, unit: string, concern: string, digits = 1) => {
    const latest = latestOf(input.results, kind);
    const ref = key ? thresholdRef(t, key) : null;
    const cutOffText = ref ? `${formatNumber(ref.value)} ${unit}`.trim() : "—";
    const base = { test: text.name, what: text.what, lookFor: ref ? lookFor(cutOffText) : "—" };
    if (latest === null || (latest.value === null && !latest.isUnable)) {
      rows.push({ ...base, result: "—", date: null, meaning: w.meaning.notDone, status: "not_done" });
      return;
    }
    const result = latest.isUnable ? "—" : `${latest.value!.toFixed(digits)} ${unit}`.trim();
    const date = toIsoDate(latest.observedAt);
    if (latest.observedAt < windowStart) {
      rows.push({ ...base, result, date, meaning: w.meaning.tooOld, status: "too_old" });
      return;
    }
    const isConcern = latest.isUnable || (ref !== null && latest.value !== null && compare(latest.value, ref.comparison, ref.value));
    rows.push({ ...base, result, date, meaning: isConcern ? concern : w.meaning.fine, status: isConcern ? "concern" : "fine" });
  };

  row("grip_strength", SEX_KEYS.grip[input.sex], w.tests.grip, w.tests.grip.lookFor, "kg", w.meaning.weak);
  row("chair_stand_5x", "ewgsop2.chairStandS", w.tests.chairStand, w.tests.chairStand.lookFor, "seconds", w.meaning.weak);
  row("gait_speed", "ewgsop2.gaitSpeedMS", w.tests.gait, w.tests.gait.lookFor, "metres a second", w.meaning.slow, 2);
  row("asm", SEX_KEYS.asm[input.sex], w.tests.muscleMass, w.tests.muscleMass.lookFor, "kg", w.meaning.lowMuscle);
  row("sarc_f", "caseFinding.sarcFPositive", w.tests.sarcF, w.tests.sarcF.lookFor, "", w.meaning.sarcFHigh, 0);

  // Serum B12 has two edges: low below one, fine above the other, borderline between.
  const b12 = latestOf(input.results, "b12_total");
  const low = thresholdRef(t, "b12.serumDeficientBelow.pmolL");
  const fine = thresholdRef(t, "b12.serumAdequateAbove.pmolL");
  const b12Base = { test: w.tests.b12.name, what: w.tests.b12.what, lookFor: w.tests.b12.lookFor(`${formatNumber(low.value)} pmol/L`, `${formatNumber(fine.value)} pmol/L`) };
  if (b12 === null || b12.value === null) rows.push({ ...b12Base, result: "—", date: null, meaning: w.meaning.notDone, status: "not_done" });
  else {
    const result = `${b12.value.toFixed(0)} pmol/L`;
    const date = toIsoDate(b12.observedAt);
    if (b12.observedAt < windowStart) rows.push({ ...b12Base, result, date, meaning: w.meaning.tooOld, status: "too_old" });
    else if (compare(b12.value, low.comparison, low.value)) rows.push({ ...b12Base, result, date, meaning: w.meaning.b12Low, status: "concern" });
    else if (compare(b12.value, fine.comparison, fine.value)) rows.push({ ...b12Base, result, date, meaning: w.meaning.fine, status: "fine" });
    else rows.push({ ...b12Base, result, date, meaning: w.meaning.b12Borderline, status: "borderline" });
  }

  const open = new Set(input.openFlags.map((f) => f.code));
  const nextSteps: string[] = [];
  if (open.has("b12_test_due")) nextSteps.push(w.next.b12Test);
  if (open.has("b12_confirm_due")) nextSteps.push(w.next.b12Confirm);
  if (open.has("b12_follow_up")) nextSteps.push(w.next.b12Treat);
  if (open.has("muscle_mass_due")) nextSteps.push(w.next.muscleMass);
  if (open.has("performance_due")) nextSteps.push(w.next.performance);
  if (open.has("medication_review")) nextSteps.push(w.next.medicines);
  if (open.has("sarcopenia_follow_up") || open.has("muscle_decline")) nextSteps.push(w.next.plan);
  nextSteps.push(w.next.exercise);
  const weight = latestOf(input.results, "weight");
  const grams = weight?.value ? `${Math.round(weight.value)} to ${Math.round(weight.value * 1.2)}` : null;
  nextSteps.push(w.next.protein(grams));

  const due = input.openFlags.map((f) => f.actionDueAt).sort((a, b) => a.getTime() - b.getTime());
  const strength = [latestOf(input.results, "grip_strength"), latestOf(input.results, "chair_stand_5x")].filter((r): r is HandoutResult => r !== null);
  const lastStrength = strength.reduce<Date | null>((a, r) => (a === null || r.observedAt > a ? r.observedAt : a), null);
  // An overdue flag asks for a visit now; otherwise the earliest action day, else a year after the last strength test.
  const followUpAt = due[0] ? (due[0] < now ? now : due[0]) : lastStrength ? addMonthsUtc(lastStrength, t.screening.lookBackMonths) : null;

  return {
    title: w.title,
    intro: w.intro(input.name, toIsoDate(now)),
    recordNumber: w.recordNumber(input.mrn),
    rows,
    summary: w.summary[input.tier ?? "unassessed"],
    nextSteps,
    followUp: followUpAt ? w.next.followUp(toIsoDate(followUpAt < now ? now : followUpAt)) : w.next.followUpVisit,
  };
}
