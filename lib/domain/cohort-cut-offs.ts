import { thresholdRef, type ThresholdKey, type ThresholdValues } from "./thresholds";
import type { Comparison, MeasureKind } from "./types";

/** Guidelines whose cut-offs a cohort criterion can name ("grip below the EWGSOP2 cut-off"). */
export const CUT_OFF_GUIDELINES = ["ewgsop2", "awgs2019"] as const;
export type CutOffGuideline = (typeof CUT_OFF_GUIDELINES)[number];

type KeyPair = { male: ThresholdKey; female: ThresholdKey } | ThresholdKey;

/**
 * The threshold behind "low" for each measure, per guideline: EWGSOP2 (Cruz-Jentoft et al., Age
 * Ageing 2019;48:16-31, Table 3) and AWGS 2019 (Chen et al., JAMDA 2020;21:300-307). The values
 * and comparison operators come from the clinic's threshold set (lib/domain/thresholds.ts), so a
 * clinic that edits a cut-off gets cohorts built on the edited value.
 */
const CUT_OFF_KEYS: Record<CutOffGuideline, Partial<Record<MeasureKind, KeyPair>>> = {
  ewgsop2: {
    grip_strength: { male: "ewgsop2.gripKg.male", female: "ewgsop2.gripKg.female" },
    chair_stand_5x: "ewgsop2.chairStandS",
    asm: { male: "ewgsop2.asmKg.male", female: "ewgsop2.asmKg.female" },
    gait_speed: "ewgsop2.gaitSpeedMS",
    sppb: "ewgsop2.sppbPoints",
    tug: "ewgsop2.tugS",
    walk_400m: "ewgsop2.walk400mS",
  },
  awgs2019: {
    grip_strength: { male: "awgs2019.gripKg.male", female: "awgs2019.gripKg.female" },
    gait_speed: "awgs2019.gaitSpeedMS",
    chair_stand_5x: "awgs2019.chairStandS",
    sppb: "awgs2019.sppbPoints",
  },
};

export interface CutOffSide {
  value: number;
  comparison: Comparison;
  unit: string;
}

/**
 * A resolved cut-off: one side per sex when the guideline's cut-off is sex-specific (then a
 * patient of unknown sex never matches, as the engine does not apply it either), else `any`.
 */
export type ResolvedCutOff =
  | { guideline: CutOffGuideline; version: number; source: string; sexSpecific: true; male: CutOffSide; female: CutOffSide }
  | { guideline: CutOffGuideline; version: number; source: string; sexSpecific: false; any: CutOffSide };

/** Whether `guideline` has a cut-off for `kind`. */
export function hasCutOff(guideline: CutOffGuideline, kind: MeasureKind): boolean {
  return CUT_OFF_KEYS[guideline][kind] !== undefined;
}

/** Measures with a cut-off under any guideline, for the cohort builder's operator list. */
export function cutOffGuidelinesFor(kind: MeasureKind): CutOffGuideline[] {
  return CUT_OFF_GUIDELINES.filter((guideline) => hasCutOff(guideline, kind));
}

/** The cut-off `guideline` sets for `kind` in the clinic's threshold set `values` (version `values.version`). */
export function resolveCutOff(guideline: CutOffGuideline, kind: MeasureKind, values: ThresholdValues): ResolvedCutOff {
  const keys = CUT_OFF_KEYS[guideline][kind];
  if (keys === undefined) throw new Error(`${guideline} has no cut-off for ${kind}.`);
  const side = (key: ThresholdKey): CutOffSide => {
    const ref = thresholdRef(values, key);
    return { value: ref.value, comparison: ref.comparison, unit: ref.unit };
  };
  const source = thresholdRef(values, typeof keys === "string" ? keys : keys.male).shortSource;
  if (typeof keys === "string") return { guideline, version: values.version, source, sexSpecific: false, any: side(keys) };
  return { guideline, version: values.version, source, sexSpecific: true, male: side(keys.male), female: side(keys.female) };
}

/** "< 16 kg (women), < 27 kg (men)" — the cut-off as a clinician reads it beside the criterion. */
export function describeCutOff(cutOff: ResolvedCutOff): string {
  const text = (s: CutOffSide) => `${s.comparison.replace("<=", "≤").replace(">=", "≥")} ${s.value} ${s.unit}`;
  const values = cutOff.sexSpecific ? `${text(cutOff.female)} (women), ${text(cutOff.male)} (men)` : text(cutOff.any);
  return `${values}; ${cutOff.source}, threshold set v${cutOff.version}`;
}
