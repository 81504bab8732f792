import { addMonthsUtc } from "./dates";
import { UNABLE_IS_RESULT } from "./measures";
import type { MeasureKind, ObservationInput } from "./types";

/** An observation that carries a result: a finite value, or "unable" where that is a result. */
export function hasResult(observation: ObservationInput): boolean {
  if (Number.isNaN(observation.observedAt.getTime())) return false;
  if (observation.isUnable) return UNABLE_IS_RESULT[observation.kind];
  return observation.value !== null && Number.isFinite(observation.value);
}

/**
 * The results a rule may use: those observed within the look-back window, i.e. from
 * `now` − `lookBackMonths` (inclusive) to `now` (inclusive). Results after `now` are ignored
 * so re-evaluating a past date gives the answer it gave then.
 */
export class ObservationWindow {
  readonly windowStart: Date;
  private readonly byKind = new Map<MeasureKind, ObservationInput[]>();
  private readonly beforeNowByKind = new Map<MeasureKind, ObservationInput[]>();

  constructor(
    observations: readonly ObservationInput[],
    readonly now: Date,
    readonly lookBackMonths: number,
  ) {
    this.windowStart = addMonthsUtc(now, -lookBackMonths);
    const nowTime = now.getTime();
    const startTime = this.windowStart.getTime();
    // One pass; callers usually pass results oldest first already, so sorting is mostly skipped.
    const usable: ObservationInput[] = [];
    let inOrder = true;
    for (const o of observations) {
      if (!hasResult(o) || o.observedAt.getTime() > nowTime) continue;
      if (usable.length > 0 && o.observedAt.getTime() < usable[usable.length - 1]!.observedAt.getTime()) inOrder = false;
      usable.push(o);
    }
    // Array sort is stable (ES2019): among results with the same timestamp, the one listed last wins.
    if (!inOrder) usable.sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime());
    for (const observation of usable) {
      pushTo(this.beforeNowByKind, observation);
      if (observation.observedAt.getTime() >= startTime) pushTo(this.byKind, observation);
    }
  }

  /** In-window results of a kind, oldest first. */
  all(kind: MeasureKind): readonly ObservationInput[] {
    return this.byKind.get(kind) ?? [];
  }

  /** Latest in-window result of a kind. */
  latest(kind: MeasureKind): ObservationInput | null {
    return this.all(kind).at(-1) ?? null;
  }

  /** Latest in-window result observed at or before `date`. */
  latestAtOrBefore(kind: MeasureKind, date: Date): ObservationInput | null {
    return this.all(kind).findLast((o) => o.observedAt.getTime() <= date.getTime()) ?? null;
  }

  /** Latest in-window result observed at or after `date` (same episode or later). */
  latestAtOrAfter(kind: MeasureKind, date: Date): ObservationInput | null {
    const latest = this.latest(kind);
    return latest !== null && latest.observedAt.getTime() >= date.getTime() ? latest : null;
  }

  /** Latest result of a kind at any time up to `now`, including before the window. */
  latestEver(kind: MeasureKind): ObservationInput | null {
    return this.beforeNowByKind.get(kind)?.at(-1) ?? null;
  }

  /** Results of a kind at any time up to `now`, including before the window, oldest first. */
  allEver(kind: MeasureKind): readonly ObservationInput[] {
    return this.beforeNowByKind.get(kind) ?? [];
  }

  /**
   * The same window (same `now` and look-back) over only the results observed at or after `from`:
   * what a rule sees when results taken before an age are not to count.
   */
  since(from: Date): ObservationWindow {
    const kept = [...this.beforeNowByKind.values()].flat().filter((o) => o.observedAt.getTime() >= from.getTime());
    return new ObservationWindow(kept, this.now, this.lookBackMonths);
  }
}

function pushTo(map: Map<MeasureKind, ObservationInput[]>, observation: ObservationInput): void {
  const list = map.get(observation.kind);
  if (list) list.push(observation);
  else map.set(observation.kind, [observation]);
}

/** The later of several optional dates (null when all are null). */
export function latestDate(dates: readonly (Date | null | undefined)[]): Date | null {
  let latest: Date | null = null;
  for (const date of dates) {
    if (date && (latest === null || date.getTime() > latest.getTime())) latest = date;
  }
  return latest;
}
