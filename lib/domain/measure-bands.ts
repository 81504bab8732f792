import { addMonthsUtc } from "./dates";
import { DEFAULT_THRESHOLDS } from "./thresholds";
import type { Sex } from "./types";

/**
 * Measures in guideline bands, for the analyst's de-identified export (./deidentified-row.ts): a
 * band says on which side of a guideline cut-off the latest result lies, which is what an analysis
 * of screening needs and far less identifying than the value. The edges are the published
 * guideline values (DEFAULT_THRESHOLDS), not a clinic's edited thresholds, so that the bands mean
 * the same in every clinic's file and every year's; "" is "no result within the look-back window
 * (12 months, as the rules use) before the export".
 */

/** Grip strength: below the EWGSOP2 cut-off for low strength (Cruz-Jentoft et al. 2019, Table 3: < 27 kg men, < 16 kg women), or not. */
export const GRIP_BANDS = ["low", "normal"] as const;
export type GripBand = (typeof GRIP_BANDS)[number];

/**
 * Usual gait speed: ≤ 0.8 m/s is low performance by EWGSOP2 (severity); 0.8–1.0 (above 0.8,
 * below 1.0) is low by AWGS 2019 only (< 1.0 m/s, Chen et al. 2020); ≥ 1.0 is low by neither.
 */
export const GAIT_SPEED_BANDS = ["<=0.8", "0.8-1.0", ">=1.0"] as const;
export type GaitSpeedBand = (typeof GAIT_SPEED_BANDS)[number];

/**
 * Serum (total) B12 in pmol/L by the NICE NG239 bands: below 133 (deficiency likely), 133 to 258
 * (indeterminate), above 258 (deficiency unlikely). From the value stored in pmol/L: a result
 * reported as 180 ng/L (132.8 pmol/L) falls in "<133", although the engine, comparing in the
 * reported unit, calls it indeterminate (lib/domain/b12.ts); the b12_status column has the
 * engine's word.
 */
export const SERUM_B12_BANDS = ["<133", "133-258", ">258"] as const;
export type SerumB12Band = (typeof SERUM_B12_BANDS)[number];

const T = DEFAULT_THRESHOLDS;

/** A result if it lies within the look-back window ending at `now`, else null. */
function recent(value: number | null, at: Date | null, now: Date): number | null {
  if (value === null || at === null || !Number.isFinite(value)) return null;
  const windowStart = addMonthsUtc(now, -T.screening.lookBackMonths);
  return at.getTime() >= windowStart.getTime() && at.getTime() <= now.getTime() ? value : null;
}

/** The grip band, or null without a recent result or a recorded sex (the cut-off is sex-specific). */
export function gripBand(kg: number | null, at: Date | null, sex: Sex | string, now: Date): GripBand | null {
  const value = recent(kg, at, now);
  if (value === null || (sex !== "male" && sex !== "female")) return null;
  return value < T.ewgsop2.gripKg[sex] ? "low" : "normal";
}

export function gaitSpeedBand(metresPerSecond: number | null, at: Date | null, now: Date): GaitSpeedBand | null {
  const value = recent(metresPerSecond, at, now);
  if (value === null) return null;
  if (value <= T.ewgsop2.gaitSpeedMS) return "<=0.8";
  return value < T.awgs2019.gaitSpeedMS ? "0.8-1.0" : ">=1.0";
}

export function serumB12Band(pmolL: number | null, at: Date | null, now: Date): SerumB12Band | null {
  const value = recent(pmolL, at, now);
  if (value === null) return null;
  if (value < T.b12.serumDeficientBelow.pmolL) return "<133";
  return value > T.b12.serumAdequateAbove.pmolL ? ">258" : "133-258";
}
