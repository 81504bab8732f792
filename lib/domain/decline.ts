import { addMonthsUtc, toIsoDate } from "./dates";
import type { ObservationWindow } from "./observations";
import { compare, fallBetween, formatNumber, thresholdReason } from "./reasons";
import { thresholdRef, type ThresholdKey, type ThresholdValues } from "./thresholds";
import type { MeasureKind, ObservationInput, Reason } from "./types";

/** A fall between two results of one measure. */
export interface Decline {
  kind: MeasureKind;
  earlier: ObservationInput;
  later: ObservationInput;
  /** The two values compared (canonical unit). */
  from: number;
  to: number;
  fall: number;
  /** Whether the fall reaches the setting (`decline.gripDropKg` / `decline.gaitSpeedDropMS`). */
  met: boolean;
}

const MEASURES: readonly { kind: MeasureKind; subject: string; unit: string; key: ThresholdKey }[] = [
  { kind: "grip_strength", subject: "Grip strength", unit: "kg", key: "decline.gripDropKg" },
  { kind: "gait_speed", subject: "Gait speed", unit: "m/s", key: "decline.gaitSpeedDropMS" },
];

/**
 * Which pair is compared: the latest result in the look-back window against the best (highest)
 * result of the same measure taken before it and at most `decline.windowMonths` earlier (from the
 * latest's date minus the months, inclusive; results before the look-back window count). Against
 * the best rather than the previous result, so that a decline spread over several visits within
 * the window is seen, and a single low day followed by recovery is not (the latest is the later
 * result). Null when there is no earlier result in range.
 */
export function findDecline(kind: MeasureKind, window: ObservationWindow, t: ThresholdValues): Decline | null {
  const measure = MEASURES.find((m) => m.kind === kind);
  const later = window.latest(kind);
  if (measure === undefined || later?.value == null) return null;
  const from = addMonthsUtc(later.observedAt, -t.decline.windowMonths).getTime();
  let earlier: ObservationInput | null = null;
  for (const o of window.allEver(kind)) {
    const time = o.observedAt.getTime();
    if (o.value === null || time < from || time >= later.observedAt.getTime()) continue;
    if (earlier === null || o.value > earlier.value!) earlier = o;
  }
  if (earlier?.value == null) return null;
  const fall = fallBetween(earlier.value, later.value);
  const ref = thresholdRef(t, measure.key);
  return { kind, earlier, later, from: earlier.value, to: later.value, fall, met: compare(fall, ref.comparison, ref.value) };
}

/**
 * The decline explained: both results with their dates, the fall, the setting and its source.
 * Built only for a decline that is shown (every patient with two results has a pair).
 */
export function declineReason(decline: Decline, t: ThresholdValues): Reason {
  const measure = MEASURES.find((m) => m.kind === decline.kind)!;
  const { earlier, later } = decline;
  return thresholdReason({
    code: `decline.${decline.kind}`,
    subject: `${measure.subject} fall from ${formatNumber(decline.from)} ${measure.unit} on ${toIsoDate(earlier.observedAt)} to ${formatNumber(decline.to)} ${measure.unit} on ${toIsoDate(later.observedAt)} (within ${t.decline.windowMonths} months):`,
    value: decline.fall,
    ref: thresholdRef(t, measure.key),
    whenMet: "muscle decline",
    whenNotMet: "no meaningful decline",
    inputs: {
      earlierValue: decline.from,
      earlierObservedAt: earlier.observedAt.toISOString(),
      laterValue: decline.to,
      laterObservedAt: later.observedAt.toISOString(),
      windowMonths: t.decline.windowMonths,
    },
  }).reason;
}

/**
 * Grip strength down ≥ 5 kg or gait speed down ≥ 0.1 m/s (the settings) between two results at
 * most 12 months apart: the declines that reach the setting, each with its reason.
 */
export function assessDecline(window: ObservationWindow, t: ThresholdValues): (Decline & { reason: Reason })[] {
  return MEASURES.flatMap((m) => {
    const decline = findDecline(m.kind, window, t);
    return decline?.met === true ? [{ ...decline, reason: declineReason(decline, t) }] : [];
  });
}
