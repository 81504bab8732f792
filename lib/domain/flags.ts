import type { Awgs2019Assessment } from "./awgs2019";
import type { B12Assessment } from "./b12";
import { addDaysUtc, addMonthsUtc, toIsoDate } from "./dates";
import type { Ewgsop2Assessment } from "./ewgsop2";
import type { CurrentMedicine } from "./medications";
import type { ObservationWindow } from "./observations";
import { latestDate } from "./observations";
import { plainReason } from "./reasons";
import type { ThresholdValues } from "./thresholds";
import { FLAG_CODES, type FlagCode, type FlagResult, type MeasureKind, type Reason } from "./types";

export interface FlagContext {
  now: Date;
  thresholds: ThresholdValues;
  ageYears: number;
  window: ObservationWindow;
  ewgsop2: Ewgsop2Assessment;
  awgs2019: Awgs2019Assessment;
  b12: B12Assessment;
  b12OnTreatment: boolean;
  riskFactors: { codes: readonly string[]; reasons: readonly Reason[] };
  current: readonly CurrentMedicine[];
  anySarcopeniaFinding: boolean;
  /** Date of the latest result behind the sarcopenia finding. */
  sarcopeniaFindingAt: Date | null;
}

type FlagRule = (ctx: FlagContext) => Omit<FlagResult, "code"> | null;

const PERFORMANCE_KINDS: readonly MeasureKind[] = ["gait_speed", "sppb", "tug", "walk_400m"];

function due(date: Date): string {
  return date.toISOString();
}

function lastEver(window: ObservationWindow, kinds: readonly MeasureKind[]): Date | null {
  return latestDate(kinds.map((kind) => window.latestEver(kind)?.observedAt));
}

function hasInWindow(window: ObservationWindow, kinds: readonly MeasureKind[]): boolean {
  return kinds.some((kind) => window.latest(kind) !== null);
}

/**
 * Flag rules (docs/design.md#flags; due-date settings in docs/clinical-reference.md#flag-due-dates). Due dates are anchored on the result that raised the flag plus
 * the `flags.*DueDays` setting, so they do not drift when a patient is re-evaluated:
 * - b12_test_due / reassessment_due: when the last result's look-back window lapsed (last
 *   result + `lookBackMonths`), or `now` when there never was one;
 * - b12_confirm_due: indeterminate result + `b12ConfirmDueDays` (default 30);
 * - b12_follow_up: deciding deficient result + `b12FollowUpDueDays` (default 14);
 * - muscle_mass_due: low-strength result + `muscleMassDueDays` (default 90);
 * - performance_due: confirming result + `performanceDueDays` (default 90);
 * - sarcopenia_follow_up / medication_review: the finding + their days (default 30 each).
 */
const FLAG_RULES: Record<FlagCode, FlagRule> = {
  b12_test_due: (ctx) => {
    const { window, thresholds: t } = ctx;
    if (hasInWindow(window, ["b12_total", "holotc"]) || ctx.b12OnTreatment || ctx.riskFactors.codes.length === 0) return null;
    const last = lastEver(window, ["b12_total", "holotc"]);
    return {
      dueAt: due(last === null ? ctx.now : addMonthsUtc(last, t.screening.lookBackMonths)),
      text: `Order a B12 test: no serum or active B12 result in the last ${t.screening.lookBackMonths} months, not on replacement, and ${ctx.riskFactors.codes.length === 1 ? "a risk factor is" : "risk factors are"} present.`,
      reasons: [
        plainReason(
          "flag.b12_test_due.no_result",
          last === null ? "No B12 result on record" : `Last B12 result ${toIsoDate(last)}, outside the ${t.screening.lookBackMonths}-month window`,
        ),
        ...ctx.riskFactors.reasons,
      ],
    };
  },
  b12_confirm_due: (ctx) => {
    const { b12 } = ctx;
    if (b12.status !== "indeterminate" || b12.hasConfirmatoryTest || b12.primary === null) return null;
    return {
      dueAt: due(addDaysUtc(b12.primary.observedAt, ctx.thresholds.flags.b12ConfirmDueDays)),
      text: "Confirm the indeterminate B12 result with methylmalonic acid (MMA) or active B12.",
      reasons: b12.reasons.filter((r) => r.code.startsWith("b12.serum") || r.code.startsWith("b12.holotc") || r.code === "b12.unresolved"),
    };
  },
  b12_follow_up: (ctx) => {
    const { b12 } = ctx;
    if (b12.status !== "deficient" || ctx.b12OnTreatment || b12.decidedAt === null) return null;
    return {
      dueAt: due(addDaysUtc(b12.decidedAt, ctx.thresholds.flags.b12FollowUpDueDays)),
      text: "B12 deficiency is likely and no B12 replacement is current: review the cause and consider treatment.",
      reasons: b12.reasons,
    };
  },
  muscle_mass_due: (ctx) => {
    if (ctx.ewgsop2.result.category !== "probable" || ctx.window.latest("asm") !== null) return null;
    return {
      dueAt: due(addDaysUtc(ctx.ewgsop2.decidedAt ?? ctx.now, ctx.thresholds.flags.muscleMassDueDays)),
      text: "Measure muscle mass (DXA or BIA) to confirm or exclude sarcopenia: EWGSOP2 probable sarcopenia.",
      reasons: ctx.ewgsop2.result.reasons,
    };
  },
  performance_due: (ctx) => {
    if (ctx.ewgsop2.result.category !== "confirmed" || hasInWindow(ctx.window, PERFORMANCE_KINDS)) return null;
    return {
      dueAt: due(addDaysUtc(ctx.ewgsop2.decidedAt ?? ctx.now, ctx.thresholds.flags.performanceDueDays)),
      text: "Test physical performance (gait speed, SPPB, TUG or 400 m walk) to grade severity: EWGSOP2 confirmed sarcopenia.",
      reasons: ctx.ewgsop2.result.reasons,
    };
  },
  sarcopenia_follow_up: (ctx) => {
    const ewgsop2Fires = ctx.ewgsop2.result.category === "confirmed" || ctx.ewgsop2.result.category === "severe";
    const awgsFires = ctx.awgs2019.result.category === "sarcopenia" || ctx.awgs2019.result.category === "severe";
    if (!ewgsop2Fires && !awgsFires) return null;
    const anchor = latestDate([ewgsop2Fires ? ctx.ewgsop2.decidedAt : null, awgsFires ? ctx.awgs2019.decidedAt : null]) ?? ctx.now;
    return {
      dueAt: due(addDaysUtc(anchor, ctx.thresholds.flags.sarcopeniaFollowUpDueDays)),
      text: "Sarcopenia: arrange follow-up (exercise, nutrition, causes) and repeat the assessment.",
      reasons: [...(ewgsop2Fires ? ctx.ewgsop2.result.reasons : []), ...(awgsFires ? ctx.awgs2019.result.reasons : [])],
    };
  },
  reassessment_due: (ctx) => {
    const { window, thresholds: t } = ctx;
    const strengthKinds: MeasureKind[] = ["grip_strength", "chair_stand_5x"];
    if (ctx.ageYears < t.screening.ageYears || hasInWindow(window, strengthKinds)) return null;
    const last = lastEver(window, strengthKinds);
    return {
      dueAt: due(last === null ? ctx.now : addMonthsUtc(last, t.screening.lookBackMonths)),
      text: `Reassess muscle strength (grip or chair stand): aged ${ctx.ageYears} with no result in the last ${t.screening.lookBackMonths} months.`,
      reasons: [
        plainReason("flag.reassessment_due.age", `Age ${ctx.ageYears} ≥ ${t.screening.ageYears} years`, { ageYears: ctx.ageYears }),
        plainReason(
          "flag.reassessment_due.no_result",
          last === null ? "No grip or chair-stand result on record" : `Last grip or chair-stand result ${toIsoDate(last)}`,
        ),
      ],
    };
  },
  medication_review: (ctx) => {
    const relevant = ctx.current.filter((c) => c.entry.roles.muscleOrFalls);
    if (relevant.length === 0 || !ctx.anySarcopeniaFinding) return null;
    const names = [...new Set(relevant.map((c) => c.entry.genericName))].sort();
    return {
      dueAt: due(addDaysUtc(ctx.sarcopeniaFindingAt ?? ctx.now, ctx.thresholds.flags.medicationReviewDueDays)),
      text: `Review ${names.join(", ")}: medicines that bear on muscle or falls, with a sarcopenia finding.`,
      reasons: [
        ...relevant.map((c) =>
          plainReason("flag.medication_review.medicine", `Current ${c.entry.genericName} (ATC ${c.entry.atc}) bears on muscle or falls`, {
            medicine: c.entry.genericName,
            atc: c.entry.atc,
          }),
        ),
        plainReason("flag.medication_review.finding", "Sarcopenia finding (EWGSOP2 probable or worse, or AWGS possible or worse)"),
      ],
    };
  },
};

/** All flags that fire, sorted by code. */
export function evaluateFlags(ctx: FlagContext): FlagResult[] {
  const flags: FlagResult[] = [];
  for (const code of FLAG_CODES) {
    const result = FLAG_RULES[code](ctx);
    if (result) flags.push({ code, ...result });
  }
  return flags.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}
