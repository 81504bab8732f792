import type { B12Assessment } from "./b12";
import { symptomReasons } from "./b12-symptoms";
import { addDaysUtc, addMonthsUtc, toIsoDate } from "./dates";
import { assessDecline } from "./decline";
import type { Ewgsop2Assessment } from "./ewgsop2";
import { named, type AwgsInForce, type SarcopeniaFinding } from "./findings";
import type { CurrentMedicine } from "./medications";
import type { ObservationWindow } from "./observations";
import { latestDate } from "./observations";
import { plainReason } from "./reasons";
import type { RiskFactorCode } from "./risk-factors";
import { SOURCES, type ThresholdValues } from "./thresholds";
import { FLAG_CODES, type B12SymptomInput, type FlagCode, type FlagResult, type MeasureKind, type Reason } from "./types";

export interface FlagContext {
  now: Date;
  thresholds: ThresholdValues;
  ageYears: number;
  window: ObservationWindow;
  ewgsop2: Ewgsop2Assessment;
  /** The AWGS category in force (findings.ts): AWGS 2019 by default, AWGS 2025 by the clinic's setting. */
  awgs: AwgsInForce;
  b12: B12Assessment;
  b12OnTreatment: boolean;
  riskFactors: { codes: readonly RiskFactorCode[]; reasons: readonly Reason[] };
  /** B12 symptoms and signs recorded within the look-back window (b12-symptoms.ts). */
  symptoms: readonly B12SymptomInput[];
  current: readonly CurrentMedicine[];
  finding: SarcopeniaFinding;
}

type FlagRule = (ctx: FlagContext) => Omit<FlagResult, "code"> | null;

const PERFORMANCE_KINDS: readonly MeasureKind[] = ["gait_speed", "sppb", "tug", "walk_400m"];
const B12_KINDS: readonly MeasureKind[] = ["b12_total", "holotc"];

/** The bases `b12_test_due` states (docs/clinical-reference.md#who-to-test-for-b12). */
export const B12_TEST_BASIS = {
  nice: "NICE NG239: symptom and risk factor",
  local: "local case-finding policy (beyond NICE): risk factor alone",
} as const;

/** What each flag rests on (docs/design.md#flags); `b12_test_due` and `sarcopenia_follow_up` name theirs case by case. */
const FLAG_SOURCES = {
  b12TestNice: "NICE NG239 (2024): offer a B12 test to people with at least one symptom or sign and at least one risk factor (NICE authors' summary, BMJ 2024;385:q1019)",
  b12TestLocal: SOURCES.b12CaseFinding,
  b12Confirm: `${SOURCES.nice}; MMA as the second-line test, BSH 2014 (Devalia et al., Br J Haematol 2014;166:496-513)`,
  b12FollowUp: `${SOURCES.nice}: deficiency likely — find the cause and treat`,
  muscleMass: `${SOURCES.ewgsop2} and pathway: probable sarcopenia is confirmed by muscle quantity (DXA or BIA)`,
  performance: `${SOURCES.ewgsop2} and pathway: severity is graded by physical performance`,
  reassessment: `${SOURCES.screeningAge}; ${SOURCES.lookBack}`,
  medicationReview: "STOPPFall, Seppala et al., Age Ageing 2021 (fall-risk medicines); glucocorticoid myopathy and statin-associated muscle symptoms (clinical reference: medicines that bear on muscle or falls)",
  muscleDecline: `${SOURCES.gripDecline}; ${SOURCES.gaitDecline}`,
} as const;

const SARCOPENIA_SOURCE: Record<"ewgsop2" | AwgsInForce["edition"], string> = {
  ewgsop2: SOURCES.ewgsop2,
  2019: SOURCES.awgs2019,
  2025: SOURCES.awgs2025,
};

function due(date: Date): string {
  return date.toISOString();
}

function lastEver(window: ObservationWindow, kinds: readonly MeasureKind[]): Date | null {
  return latestDate(kinds.map((kind) => window.latestEver(kind)?.observedAt));
}

function hasInWindow(window: ObservationWindow, kinds: readonly MeasureKind[]): boolean {
  return kinds.some((kind) => window.latest(kind) !== null);
}

/** A flag's result with its basis and source, the basis also as its last reason so the stored reasons carry it. */
function raise(code: FlagCode, flag: { dueAt: Date; text: string; reasons: readonly Reason[]; basis: string; source: string }): Omit<FlagResult, "code"> {
  return {
    dueAt: due(flag.dueAt),
    text: flag.text,
    reasons: [...flag.reasons, plainReason(`flag.${code}.basis`, `Basis: ${flag.basis} (${flag.source})`, { basis: flag.basis, source: flag.source })],
    basis: flag.basis,
    source: flag.source,
  };
}

/**
 * Flag rules (docs/design.md#flags; due-date settings in docs/clinical-reference.md#flag-due-dates).
 * Each flag states its basis (the finding behind it, or the testing policy) and its source. Due
 * dates are anchored on the result that raised the flag plus the `flags.*DueDays` setting, so they
 * do not drift when a patient is re-evaluated:
 * - b12_test_due: when the last B12 result is older than the re-test interval (last result +
 *   `b12Testing.retestIntervalMonths`), or `now` when there never was one;
 * - reassessment_due: when the last strength result's look-back window lapsed, or `now`;
 * - b12_confirm_due: indeterminate result + `b12ConfirmDueDays` (default 30);
 * - b12_follow_up: deciding deficient result + `b12FollowUpDueDays` (default 14);
 * - muscle_mass_due: low-strength result + `muscleMassDueDays` (default 90);
 * - performance_due: confirming result + `performanceDueDays` (default 90);
 * - sarcopenia_follow_up / medication_review: the finding + their days (default 30 each);
 * - muscle_decline: the later of the two results + `decline.dueDays` (default 30).
 * The AWGS category read is the one in force (`awgs2025.drivesTiersAndFlags`).
 */
const FLAG_RULES: Record<FlagCode, FlagRule> = {
  b12_test_due: (ctx) => {
    const { window, thresholds: t, now } = ctx;
    // People on replacement (NICE: those established on long-term replacement) are not re-tested.
    if (ctx.b12OnTreatment || ctx.riskFactors.codes.length === 0) return null;
    const interval = t.b12Testing.retestIntervalMonths;
    const last = lastEver(window, B12_KINDS);
    if (last !== null && last.getTime() >= addMonthsUtc(now, -interval).getTime()) return null;
    // NICE's risk factors; a sarcopenia finding is this project's own (docs/design.md#flags).
    const niceRiskFactors = ctx.riskFactors.codes.filter((code) => code !== "sarcopenia_finding");
    const nice = ctx.symptoms.length > 0 && niceRiskFactors.length > 0;
    if (!nice && !t.b12Testing.caseFindingOnRiskFactorAlone) return null;
    const basis = nice ? B12_TEST_BASIS.nice : B12_TEST_BASIS.local;
    const riskText = ctx.riskFactors.codes.length === 1 ? "a risk factor is" : "risk factors are";
    const symptomText = ctx.symptoms.length === 0 ? "" : `${ctx.symptoms.length === 1 ? "a symptom or sign is" : "symptoms or signs are"} recorded, `;
    return raise("b12_test_due", {
      dueAt: last === null ? now : addMonthsUtc(last, interval),
      text: `Order a B12 test: no serum or active B12 result in the last ${interval} months, not on replacement, ${symptomText}and ${riskText} present (basis: ${basis}).`,
      reasons: [
        plainReason(
          "flag.b12_test_due.no_result",
          last === null
            ? "No B12 result on record"
            : `Last B12 result ${toIsoDate(last)}, more than ${interval} months ago (re-test interval: ${SOURCES.b12Retest})`,
          { retestIntervalMonths: interval },
        ),
        ...symptomReasons(ctx.symptoms),
        ...ctx.riskFactors.reasons,
      ],
      basis,
      source: nice ? FLAG_SOURCES.b12TestNice : FLAG_SOURCES.b12TestLocal,
    });
  },
  b12_confirm_due: (ctx) => {
    const { b12 } = ctx;
    if (b12.status !== "indeterminate" || b12.hasConfirmatoryTest || b12.primary === null) return null;
    return raise("b12_confirm_due", {
      dueAt: addDaysUtc(b12.primary.observedAt, ctx.thresholds.flags.b12ConfirmDueDays),
      text: "Confirm the indeterminate B12 result with methylmalonic acid (MMA) or active B12.",
      reasons: b12.reasons.filter((r) => r.code.startsWith("b12.serum") || r.code.startsWith("b12.holotc") || r.code === "b12.unresolved"),
      basis: `indeterminate ${b12.primary.kind === "b12_total" ? "serum" : "active"} B12 on ${toIsoDate(b12.primary.observedAt)}, no MMA or active B12 since`,
      source: FLAG_SOURCES.b12Confirm,
    });
  },
  b12_follow_up: (ctx) => {
    const { b12 } = ctx;
    if (b12.status !== "deficient" || ctx.b12OnTreatment || b12.decidedAt === null) return null;
    return raise("b12_follow_up", {
      dueAt: addDaysUtc(b12.decidedAt, ctx.thresholds.flags.b12FollowUpDueDays),
      text: "B12 deficiency is likely and no B12 replacement is current: review the cause and consider treatment.",
      reasons: b12.reasons,
      basis: `B12 deficient by the result of ${toIsoDate(b12.decidedAt)}, no B12 replacement current`,
      source: FLAG_SOURCES.b12FollowUp,
    });
  },
  muscle_mass_due: (ctx) => {
    if (ctx.ewgsop2.result.category !== "probable" || ctx.window.latest("asm") !== null) return null;
    return raise("muscle_mass_due", {
      dueAt: addDaysUtc(ctx.ewgsop2.decidedAt ?? ctx.now, ctx.thresholds.flags.muscleMassDueDays),
      text: "Measure muscle mass (DXA or BIA) to confirm or exclude sarcopenia: EWGSOP2 probable sarcopenia.",
      reasons: ctx.ewgsop2.result.reasons,
      basis: named("EWGSOP2 probable sarcopenia", ctx.ewgsop2.result.reasons),
      source: FLAG_SOURCES.muscleMass,
    });
  },
  performance_due: (ctx) => {
    if (ctx.ewgsop2.result.category !== "confirmed" || hasInWindow(ctx.window, PERFORMANCE_KINDS)) return null;
    return raise("performance_due", {
      dueAt: addDaysUtc(ctx.ewgsop2.decidedAt ?? ctx.now, ctx.thresholds.flags.performanceDueDays),
      text: "Test physical performance (gait speed, SPPB, TUG or 400 m walk) to grade severity: EWGSOP2 confirmed sarcopenia.",
      reasons: ctx.ewgsop2.result.reasons,
      basis: named("EWGSOP2 confirmed sarcopenia", ctx.ewgsop2.result.reasons),
      source: FLAG_SOURCES.performance,
    });
  },
  sarcopenia_follow_up: (ctx) => {
    const ewgsop2Category = ctx.ewgsop2.result.category;
    const ewgsop2Fires = ewgsop2Category === "confirmed" || ewgsop2Category === "severe";
    const awgsFires = ctx.awgs.isSarcopenia;
    if (!ewgsop2Fires && !awgsFires) return null;
    const anchor = latestDate([ewgsop2Fires ? ctx.ewgsop2.decidedAt : null, awgsFires ? ctx.awgs.decidedAt : null]) ?? ctx.now;
    const bases = [
      ...(ewgsop2Fires ? [named(`EWGSOP2 ${ewgsop2Category} sarcopenia`, ctx.ewgsop2.result.reasons)] : []),
      ...(awgsFires ? [named(ctx.awgs.label, ctx.awgs.reasons)] : []),
    ];
    return raise("sarcopenia_follow_up", {
      dueAt: addDaysUtc(anchor, ctx.thresholds.flags.sarcopeniaFollowUpDueDays),
      text: "Sarcopenia: arrange follow-up (exercise, nutrition, causes) and repeat the assessment.",
      reasons: [...(ewgsop2Fires ? ctx.ewgsop2.result.reasons : []), ...(awgsFires ? ctx.awgs.reasons : [])],
      basis: bases.join("; "),
      source: [...(ewgsop2Fires ? [SARCOPENIA_SOURCE.ewgsop2] : []), ...(awgsFires ? [SARCOPENIA_SOURCE[ctx.awgs.edition]] : [])].join("; "),
    });
  },
  reassessment_due: (ctx) => {
    const { window, thresholds: t } = ctx;
    const strengthKinds: MeasureKind[] = ["grip_strength", "chair_stand_5x"];
    if (ctx.ageYears < t.screening.ageYears || hasInWindow(window, strengthKinds)) return null;
    const last = lastEver(window, strengthKinds);
    return raise("reassessment_due", {
      dueAt: last === null ? ctx.now : addMonthsUtc(last, t.screening.lookBackMonths),
      text: `Reassess muscle strength (grip or chair stand): aged ${ctx.ageYears} with no result in the last ${t.screening.lookBackMonths} months.`,
      reasons: [
        plainReason("flag.reassessment_due.age", `Age ${ctx.ageYears} ≥ ${t.screening.ageYears} years (local screening age)`, { ageYears: ctx.ageYears }),
        plainReason(
          "flag.reassessment_due.no_result",
          last === null ? "No grip or chair-stand result on record" : `Last grip or chair-stand result ${toIsoDate(last)}`,
        ),
      ],
      basis: `aged ${ctx.ageYears} (screening age ${t.screening.ageYears}) with no grip or chair-stand result in the last ${t.screening.lookBackMonths} months (local screening policy)`,
      source: FLAG_SOURCES.reassessment,
    });
  },
  medication_review: (ctx) => {
    const relevant = ctx.current.filter((c) => c.entry.roles.muscleOrFalls);
    if (relevant.length === 0 || !ctx.finding.any) return null;
    const names = [...new Set(relevant.map((c) => c.entry.genericName))].sort();
    return raise("medication_review", {
      dueAt: addDaysUtc(ctx.finding.at ?? ctx.now, ctx.thresholds.flags.medicationReviewDueDays),
      text: `Review ${names.join(", ")}: medicines that bear on muscle or falls, with a sarcopenia finding.`,
      reasons: [
        ...relevant.map((c) =>
          plainReason("flag.medication_review.medicine", `Current ${c.entry.genericName} (ATC ${c.entry.atc}) bears on muscle or falls`, {
            medicine: c.entry.genericName,
            atc: c.entry.atc,
          }),
        ),
        plainReason("flag.medication_review.finding", `Sarcopenia finding: ${ctx.finding.text}`),
      ],
      basis: `${names.join(", ")} with ${ctx.finding.text}`,
      source: FLAG_SOURCES.medicationReview,
    });
  },
  muscle_decline: (ctx) => {
    const declines = assessDecline(ctx.window, ctx.thresholds);
    if (declines.length === 0) return null;
    const anchor = latestDate(declines.map((d) => d.later.observedAt))!;
    const what = declines.map((d) => (d.kind === "grip_strength" ? "grip strength" : "gait speed")).join(" and ");
    return raise("muscle_decline", {
      dueAt: addDaysUtc(anchor, ctx.thresholds.decline.dueDays),
      text: `Muscle decline: ${what} fell by a meaningful amount within ${ctx.thresholds.decline.windowMonths} months; look for the cause and reassess.`,
      reasons: declines.map((d) => d.reason),
      basis: declines.map((d) => d.reason.text).join("; "),
      source: [...new Set(declines.map((d) => d.reason.threshold?.source ?? FLAG_SOURCES.muscleDecline))].join("; "),
    });
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
