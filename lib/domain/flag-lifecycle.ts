import { addDaysUtc, laterOf, toIsoDate } from "./dates";
import { MEASURE_LABELS } from "./measures";
import type { FlagCode, MeasureKind } from "./types";

/**
 * The life of a flag after the engine raises it (docs/design.md#flag-lifecycle): what is stored
 * (status, stage, the dates a person set), the state a clinician sees — computed from those and a
 * `now` passed in, never the clock — and the rules for closing, ordering, postponing and a closed
 * flag's return. Shared by the data layer, the panel filters and the forms.
 */

export const OUTREACH_STATUSES = ["none", "contacted", "scheduled", "declined"] as const;
export type OutreachStatus = (typeof OUTREACH_STATUSES)[number];

/**
 * Stored status: `open` (a care gap being worked), `closed` (done: by a result, or by a person
 * with a coded reason) and `not_applicable` (the patient is no longer eligible: kept apart from
 * open, never a silent disappearance).
 */
export const FLAG_STATUSES = ["open", "closed", "not_applicable"] as const;
export type FlagStatus = (typeof FLAG_STATUSES)[number];

/** Where an open flag stands in the work: nothing done yet, the test ordered, or postponed to a date. */
export const FLAG_STAGES = ["none", "ordered", "postponed"] as const;
export type FlagStage = (typeof FLAG_STAGES)[number];

/** Coded reasons a person gives when closing a flag by hand. */
export const PERSON_CLOSE_REASONS = ["done_elsewhere", "not_indicated", "patient_declined", "deceased", "left_clinic", "other"] as const;
export type PersonCloseReason = (typeof PERSON_CLOSE_REASONS)[number];

/** Reasons a person gave before the coded reasons (stored rows keep them). */
export const LEGACY_PERSON_CLOSE_REASONS = ["done", "not_applicable"] as const;

/**
 * Every reason a closed or not-applicable flag may carry: a person's (current or legacy), or the
 * engine's — `result_received` (a result satisfied it), `no_longer_indicated` (the patient became
 * ineligible: status `not_applicable`), `resolved_by_data` (written by older versions).
 */
export const CLOSE_REASONS = [...PERSON_CLOSE_REASONS, ...LEGACY_PERSON_CLOSE_REASONS, "result_received", "no_longer_indicated", "resolved_by_data"] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** Reasons that are a person's decision: the engine does not raise such a flag again before its return date. */
export const DECIDED_BY_A_PERSON: ReadonlySet<CloseReason> = new Set<CloseReason>([...PERSON_CLOSE_REASONS, ...LEGACY_PERSON_CLOSE_REASONS]);

export const OUTREACH_LABELS: Record<OutreachStatus, string> = {
  none: "Not contacted",
  contacted: "Contacted",
  scheduled: "Scheduled",
  declined: "Declined",
};

export const CLOSE_REASON_LABELS: Record<CloseReason, string> = {
  done_elsewhere: "Done elsewhere",
  not_indicated: "Not clinically indicated",
  patient_declined: "Patient declined",
  deceased: "Patient deceased",
  left_clinic: "Left the clinic",
  other: "Other",
  done: "Done (closed before coded reasons)",
  not_applicable: "Not applicable (closed before coded reasons)",
  result_received: "Closed by a result",
  no_longer_indicated: "No longer applicable",
  resolved_by_data: "Resolved by new results",
};

/** The lifecycle settings of the clinic's threshold set (`flagLifecycle`; docs/design.md#flag-lifecycle). */
export interface FlagLifecycleSettings {
  /** A flag is "due soon" from this many days before its due day. */
  dueSoonDays: number;
  /** An ordered test's result is awaited this many days after the order day; then the flag is overdue again. */
  awaitingResultDays: number;
  /** A flag a person closed (done elsewhere, not indicated, declined, other) may be raised again this many days later. */
  closedReturnDays: number;
}

export const DEFAULT_FLAG_LIFECYCLE: FlagLifecycleSettings = { dueSoonDays: 30, awaitingResultDays: 60, closedReturnDays: 90 };

/** What a clinician sees: the state computed from the stored flag and `now`. */
export const FLAG_STATES = ["overdue", "due", "due_soon", "not_due", "ordered", "postponed", "closed", "not_applicable"] as const;
export type FlagState = (typeof FLAG_STATES)[number];

/** The states of a flag that is still open, in the panel's order (overdue first). */
export const OPEN_FLAG_STATES = ["overdue", "due", "due_soon", "ordered", "postponed", "not_due"] as const satisfies readonly FlagState[];
export type OpenFlagState = (typeof OPEN_FLAG_STATES)[number];

export const FLAG_STATE_LABELS: Record<FlagState, string> = {
  overdue: "Overdue",
  due: "Due today",
  due_soon: "Due soon",
  not_due: "Not due yet",
  ordered: "Ordered — awaiting result",
  postponed: "Postponed",
  closed: "Closed",
  not_applicable: "Not applicable",
};

/** The stored fields the state is computed from. */
export interface StoredFlagLife {
  status: FlagStatus;
  stage: FlagStage;
  /** The engine's due date. */
  dueAt: Date;
  /** The day the flag needs action: the due date, the end of the awaiting window, or the postponed-until date. */
  actionDueAt: Date;
  orderedAt: Date | null;
  postponedUntil: Date | null;
}

export interface FlagStateView {
  state: FlagState;
  /** Why an overdue flag is overdue: its due date passed, an ordered test's result never came, or a postponement ended. */
  overdueBecause: "due_date" | "no_result" | "postponed_ended" | null;
  /** The day the state turns on (YYYY-MM-DD): overdue since, due on, awaiting until, postponed until. */
  day: string;
  /** One line for a clinician, e.g. "Overdue since 2026-11-02", "Due today", "Ordered 2026-12-01 — awaiting the result until 2027-01-30". */
  text: string;
}

/** Midnight UTC of `date`'s calendar day. */
export function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

function daysBetween(fromDay: Date, toDay: Date): number {
  return Math.round((startOfUtcDay(toDay).getTime() - startOfUtcDay(fromDay).getTime()) / 86_400_000);
}

/**
 * The state of a flag at `now`, by UTC calendar day: a flag is due on its action day ("Due
 * today", never "Overdue since <today>") and overdue from the day after; due soon from
 * `dueSoonDays` before that day; an ordered flag is awaiting its result through the last day of
 * the awaiting window; a postponed flag is postponed until its date, due on it.
 */
export function flagState(flag: StoredFlagLife, now: Date, settings: Pick<FlagLifecycleSettings, "dueSoonDays">): FlagStateView {
  if (flag.status === "closed") return { state: "closed", overdueBecause: null, day: toIsoDate(flag.dueAt), text: "Closed" };
  if (flag.status === "not_applicable") return { state: "not_applicable", overdueBecause: null, day: toIsoDate(flag.dueAt), text: "Not applicable" };
  const day = toIsoDate(flag.actionDueAt);
  const daysLeft = daysBetween(now, flag.actionDueAt);
  if (daysLeft < 0) {
    if (flag.stage === "ordered") {
      const ordered = flag.orderedAt ? toIsoDate(flag.orderedAt) : "earlier";
      return { state: "overdue", overdueBecause: "no_result", day, text: `Overdue: ordered ${ordered}, no result by ${day}` };
    }
    if (flag.stage === "postponed") return { state: "overdue", overdueBecause: "postponed_ended", day, text: `Overdue: postponed until ${day}` };
    return { state: "overdue", overdueBecause: "due_date", day, text: `Overdue since ${day}` };
  }
  if (flag.stage === "ordered") {
    const ordered = flag.orderedAt ? toIsoDate(flag.orderedAt) : "earlier";
    return { state: "ordered", overdueBecause: null, day, text: `Ordered ${ordered} — awaiting the result until ${day}` };
  }
  if (daysLeft === 0) return { state: "due", overdueBecause: null, day, text: "Due today" };
  if (flag.stage === "postponed") return { state: "postponed", overdueBecause: null, day, text: `Postponed until ${day}` };
  if (daysLeft <= settings.dueSoonDays) return { state: "due_soon", overdueBecause: null, day, text: `Due soon: ${day} (in ${daysLeft} day${daysLeft === 1 ? "" : "s"})` };
  return { state: "not_due", overdueBecause: null, day, text: `Due ${day}` };
}

/**
 * The day an ordered test's result is awaited until: `awaitingResultDays` after the order day, or
 * the expected date when a person gave a later one (a scan booked for next quarter is not overdue
 * after 60 days).
 */
export function awaitingUntil(orderedAt: Date, expectedAt: Date | null, settings: Pick<FlagLifecycleSettings, "awaitingResultDays">): Date {
  const windowEnd = addDaysUtc(startOfUtcDay(orderedAt), settings.awaitingResultDays);
  return expectedAt ? laterOf(windowEnd, startOfUtcDay(expectedAt)) : windowEnd;
}

/** The action day of an open flag in stage `none` or `postponed` (an ordered flag keeps its awaiting date). */
export function actionDueAt(stage: FlagStage, dueAt: Date, postponedUntil: Date | null, awaiting: Date | null): Date {
  if (stage === "ordered" && awaiting) return awaiting;
  if (stage === "postponed" && postponedUntil) return laterOf(postponedUntil, dueAt);
  return dueAt;
}

/**
 * When a flag a person closed may be raised again, or null for never (until a person reopens
 * it): a deceased patient or one who left the clinic is not called back; otherwise
 * `closedReturnDays` after the close — for "done elsewhere" with a date, after that date.
 */
export function closedFlagReturnsAt(reason: PersonCloseReason, closedAt: Date, doneOn: Date | null, settings: Pick<FlagLifecycleSettings, "closedReturnDays">): Date | null {
  if (reason === "deceased" || reason === "left_clinic") return null;
  const from = reason === "done_elsewhere" && doneOn ? doneOn : closedAt;
  return addDaysUtc(startOfUtcDay(from), settings.closedReturnDays);
}

/** What the close dialog says about a reason: whether and when the flag can come back. */
export function returnSentence(returnsAt: Date | null): string {
  return returnsAt === null
    ? "This flag will not come back unless someone reopens it."
    : `If the data still call for it, the flag comes back on ${toIsoDate(returnsAt)}; until then the engine does not raise it again.`;
}

/**
 * The results that satisfy each flag: when one arrives (observed or entered since the flag
 * opened) and the engine no longer raises the flag, it is closed "by <result, value, date>".
 * A flag with none (medication review) that stops firing is not applicable.
 */
export const SATISFIED_BY: Record<FlagCode, readonly MeasureKind[]> = {
  b12_test_due: ["b12_total", "holotc"],
  b12_confirm_due: ["mma", "holotc"],
  b12_follow_up: ["b12_total", "holotc", "mma"],
  muscle_mass_due: ["asm"],
  performance_due: ["gait_speed", "sppb", "tug", "walk_400m"],
  sarcopenia_follow_up: ["grip_strength", "chair_stand_5x", "asm", "gait_speed"],
  reassessment_due: ["grip_strength", "chair_stand_5x"],
  medication_review: [],
  muscle_decline: ["grip_strength", "gait_speed"],
};

/** What the engine knows of a patient when a flag stops firing, to say why it is no longer applicable. */
export interface IneligibilityFacts {
  deceased: boolean;
  b12OnTreatment: boolean;
}

/** The sentence a not-applicable flag carries: why the engine no longer raises it. */
export function noLongerIndicatedText(code: FlagCode, facts: IneligibilityFacts): string {
  if (facts.deceased) return "No longer applicable: the patient has died.";
  if (facts.b12OnTreatment && (code === "b12_test_due" || code === "b12_follow_up")) return "No longer applicable: the patient is on B12 replacement.";
  return "No longer applicable: the latest evaluation no longer raises this flag (the patient's results, medicines or risk factors changed).";
}

/** The history line of a flag a result closed: "Closed by Serum B12 412 pmol/L, 2026-11-02". */
export function closedByResultText(result: { kind: MeasureKind; reportedValue: string; reportedUnit: string; observedAt: Date }): string {
  return `Closed by ${MEASURE_LABELS[result.kind]} ${result.reportedValue} ${result.reportedUnit}, ${toIsoDate(result.observedAt)}`;
}
