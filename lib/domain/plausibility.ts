import { ownValue } from "./own-keys";
import { MEASURE_LABELS } from "./measures";
import type { MeasureKind } from "./types";
import { CANONICAL_UNIT } from "./units";

/**
 * Plausibility limits: values outside these are data-entry or unit errors and are REJECTED.
 * They are not clinical cut-offs (those live in lib/domain/thresholds.ts and only flag).
 * Limits apply to the canonical value, so 400 lb of grip (181 kg) is rejected like 181 kg.
 */
export interface PlausibleRange {
  min: number;
  max: number;
  /** Scores that are whole numbers by construction. */
  isInteger?: boolean;
}

export const PLAUSIBLE_RANGES: Record<MeasureKind, PlausibleRange> = {
  grip_strength: { min: 0, max: 150 },
  gait_speed: { min: 0.05, max: 4 },
  chair_stand_5x: { min: 1, max: 300 },
  sppb: { min: 0, max: 12, isInteger: true },
  tug: { min: 1, max: 600 },
  walk_400m: { min: 60, max: 3600 },
  asm: { min: 2, max: 60 },
  height: { min: 100, max: 230 },
  weight: { min: 20, max: 300 },
  calf_circumference: { min: 15, max: 70 },
  sarc_f: { min: 0, max: 10, isInteger: true },
  b12_total: { min: 10, max: 20000 },
  holotc: { min: 1, max: 1000 },
  mma: { min: 0.01, max: 200 },
  homocysteine: { min: 1, max: 300 },
  egfr: { min: 1, max: 200 },
};

const DISPLAY_UNIT: Record<string, string> = {
  "umol/L": "µmol/L",
  "nmol/L": "nmol/L",
  "mL/min/1.73m2": "mL/min/1.73 m²",
  points: "points",
  "s/4m": "s for 4 m",
};

/** Unit as shown to a clinician (µmol/L rather than the UCUM-style umol/L). */
export function displayUnit(unit: string): string {
  return ownValue(DISPLAY_UNIT, unit) ?? unit;
}

function round(value: number): string {
  return String(Number(value.toFixed(Math.abs(value) >= 10 ? 1 : 3)));
}

/**
 * Null when plausible, else one sentence for the clinician, e.g.
 * "Grip strength 250 kg is outside the plausible range 0–150 kg; check the value and unit."
 * `reported` is what was entered when it differs from canonical (shown alongside).
 */
export function checkPlausibility(
  kind: MeasureKind,
  canonicalValue: number,
  reported?: { value: number; unit: string },
): string | null {
  const range = PLAUSIBLE_RANGES[kind];
  const outside = !Number.isFinite(canonicalValue) || canonicalValue < range.min || canonicalValue > range.max;
  const fractional = range.isInteger === true && !Number.isInteger(canonicalValue);
  // The sentence is built only for a rejected value: this runs for every cell of an import.
  if (!outside && !fractional) return null;
  const unit = displayUnit(CANONICAL_UNIT[kind]);
  const label = MEASURE_LABELS[kind];
  const asEntered =
    reported && reported.unit !== CANONICAL_UNIT[kind]
      ? `${round(reported.value)} ${displayUnit(reported.unit)} (${round(canonicalValue)} ${unit})`
      : `${round(canonicalValue)} ${unit}`;
  if (outside) {
    return `${label} ${asEntered} is outside the plausible range ${range.min}–${range.max} ${unit}; check the value and unit.`;
  }
  return `${label} ${asEntered} must be a whole number from ${range.min} to ${range.max}.`;
}
