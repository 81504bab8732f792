import { thresholdReason } from "./reasons";
import type { ThresholdRef } from "./thresholds";
import type { ObservationInput, Reason } from "./types";
import { CANONICAL_UNIT } from "./units";

/** One criterion applied to one observation. */
export interface CriterionResult {
  isLow: boolean;
  reason: Reason;
  observedAt: Date;
}

export interface CriterionSpec {
  code: string;
  subject: string;
  ref: ThresholdRef;
  whenMet: string;
  whenNotMet: string;
  /** Sentence used when the patient could not complete the test (which counts as met). */
  unableText?: string;
}

/** Applies a threshold to the observation; null when there is nothing to apply it to. */
export function applyCriterion(
  observation: ObservationInput | null,
  spec: CriterionSpec,
  value: number | null = observation?.value ?? null,
): CriterionResult | null {
  if (observation === null) return null;
  if (observation.isUnable) {
    if (spec.unableText === undefined) return null;
    return {
      isLow: true,
      observedAt: observation.observedAt,
      reason: {
        code: `${spec.code}.unable`,
        text: `${spec.unableText} (${spec.ref.shortSource}) → ${spec.whenMet}`,
        inputs: { unable: true, observedAt: observation.observedAt.toISOString() },
        threshold: {
          key: spec.ref.key,
          value: spec.ref.value,
          unit: spec.ref.unit,
          comparison: spec.ref.comparison,
          source: spec.ref.source,
        },
      },
    };
  }
  if (value === null) return null;
  const { met, reason } = thresholdReason({
    code: spec.code,
    subject: spec.subject,
    value,
    ref: spec.ref,
    whenMet: spec.whenMet,
    whenNotMet: spec.whenNotMet,
    ...reportedNote(observation, value),
    inputs: {
      observedAt: observation.observedAt.toISOString(),
      ...(observation.reportedValue === undefined ? {} : { reportedValue: observation.reportedValue }),
      ...(observation.reportedUnit === undefined ? {} : { reportedUnit: observation.reportedUnit }),
    },
  });
  return { isLow: met, reason, observedAt: observation.observedAt };
}

/** "reported 52 lb" / "4 m in 5.4 s" when the entry unit differs from the compared canonical one. */
function reportedNote(observation: ObservationInput, compared: number): { valueNote?: string } {
  const { reportedValue, reportedUnit } = observation;
  if (reportedValue === undefined || reportedUnit === undefined || compared !== observation.value) return {};
  if (reportedUnit === CANONICAL_UNIT[observation.kind]) return {};
  if (reportedUnit === "s/4m") return { valueNote: `4 m in ${reportedValue} s` };
  return { valueNote: `reported ${reportedValue} ${reportedUnit}` };
}

/** A domain (strength, mass, performance) is low if any applied criterion is low. */
export interface DomainResult {
  /** null when no criterion could be applied (not measured). */
  isLow: boolean | null;
  reasons: Reason[];
  /** Latest date among the criteria that decided the domain. */
  decidedAt: Date | null;
}

export function combineCriteria(results: readonly (CriterionResult | null)[]): DomainResult {
  const applied = results.filter((r): r is CriterionResult => r !== null);
  if (applied.length === 0) return { isLow: null, reasons: [], decidedAt: null };
  const low = applied.filter((r) => r.isLow);
  const deciding = low.length > 0 ? low : applied;
  const decidedAt = deciding.reduce<Date | null>(
    (latest, r) => (latest === null || r.observedAt > latest ? r.observedAt : latest),
    null,
  );
  return { isLow: low.length > 0, reasons: applied.map((r) => r.reason), decidedAt };
}
