import type { ThresholdRef } from "./thresholds";
import type { Comparison, Reason } from "./types";

const SYMBOL: Record<Comparison, string> = { "<": "<", "<=": "≤", ">": ">", ">=": "≥" };
const NEGATION: Record<Comparison, Comparison> = { "<": ">=", "<=": ">", ">": "<=", ">=": "<" };

/** Applies a comparison exactly as the source states it (no rounding of either side). */
export function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
  }
}

/**
 * How far a value fell from `from` to `to` (negative when it rose), rounded to 9 decimals so that
 * a change is compared as written: 0.9 → 0.8 m/s is a fall of 0.1, where binary floating point
 * gives 0.0999…; no measured value has 9 significant decimals.
 */
export function fallBetween(from: number, to: number): number {
  return withoutFloatNoise(from - to);
}

/**
 * A computed value (a difference, BMI, a mass index) rounded to 9 decimals, so that binary
 * floating point does not put it on the other side of a cut-off: 51.2 kg at 160 cm is a BMI of
 * 20 exactly, where the division gives 19.999…; no measured value has 9 significant decimals.
 */
export function withoutFloatNoise(value: number): number {
  return Number(value.toFixed(9));
}

/** Up to 2 decimals (3 below 1, where ALM/BMI and MMA live), trailing zeros dropped. */
export function formatNumber(value: number): string {
  const decimals = Math.abs(value) >= 1 ? 2 : 3;
  return String(Number(value.toFixed(decimals)));
}

function withUnit(value: number, unit: string): string {
  return unit === "" ? formatNumber(value) : `${formatNumber(value)} ${unit}`;
}

export interface ThresholdReasonInput {
  code: string;
  /** What was measured, as a clinician names it: "Grip", "Serum B12". */
  subject: string;
  value: number;
  ref: ThresholdRef;
  /** Conclusion when the comparison holds / does not hold, e.g. "low strength" / "normal strength". */
  whenMet: string;
  whenNotMet: string;
  /** How it was reported when that differs from the compared value, e.g. "reported 52 lb". */
  valueNote?: string;
  inputs?: Reason["inputs"];
}

/** Compares and explains in one step, so a reason can never disagree with the rule it explains. */
export function thresholdReason(input: ThresholdReasonInput): { met: boolean; reason: Reason } {
  const { ref } = input;
  const met = compare(input.value, ref.comparison, ref.value);
  const symbol = SYMBOL[met ? ref.comparison : NEGATION[ref.comparison]];
  const note = input.valueNote === undefined ? "" : ` (${input.valueNote})`;
  const text = `${input.subject} ${withUnit(input.value, ref.unit)}${note} ${symbol} ${withUnit(ref.value, ref.unit)} (${ref.shortSource}) → ${met ? input.whenMet : input.whenNotMet}`;
  return {
    met,
    reason: {
      code: `${input.code}.${met ? "met" : "not_met"}`,
      text,
      inputs: { value: input.value, ...input.inputs },
      threshold: {
        key: ref.key,
        value: ref.value,
        unit: ref.unit,
        comparison: ref.comparison,
        source: ref.source,
      },
    },
  };
}

function thresholdOf(ref: ThresholdRef): NonNullable<Reason["threshold"]> {
  return { key: ref.key, value: ref.value, unit: ref.unit, comparison: ref.comparison, source: ref.source };
}

/**
 * A value in the middle band between two edges ("133–258 pmol/L"), where neither edge's
 * comparison holds. The reason carries the upper edge as its threshold.
 */
export function betweenReason(input: {
  code: string;
  subject: string;
  value: number;
  lower: ThresholdRef;
  upper: ThresholdRef;
  outcome: string;
  /** How it was reported when that differs from the compared value, e.g. "reported 300 nmol/L". */
  valueNote?: string;
  inputs?: Reason["inputs"];
}): Reason {
  const { lower, upper } = input;
  const note = input.valueNote === undefined ? "" : ` (${input.valueNote})`;
  return {
    code: input.code,
    text: `${input.subject} ${withUnit(input.value, upper.unit)}${note} is within ${formatNumber(lower.value)}–${withUnit(upper.value, upper.unit)} (${upper.shortSource}) → ${input.outcome}`,
    inputs: { value: input.value, ...input.inputs },
    threshold: thresholdOf(upper),
  };
}

export function plainReason(code: string, text: string, inputs: Reason["inputs"] = {}): Reason {
  return { code, text, inputs };
}
