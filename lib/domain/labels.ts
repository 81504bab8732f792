import type { Awgs2019Category, Awgs2025Category, B12Status, Ewgsop2Category, FlagCode, Tier, YubiWakkaResult } from "./types";

/**
 * Words a clinician reads for each value of the engine's vocabulary (docs/design.md#engine-vocabulary). `Record` maps,
 * so a new value fails to compile until it has a label.
 */
export const TIER_LABELS: Record<Tier, string> = {
  high: "High",
  elevated: "Elevated",
  low: "Low",
  unassessed: "Unassessed",
};

export const EWGSOP2_LABELS: Record<Ewgsop2Category, string> = {
  none: "No sarcopenia",
  probable: "Probable sarcopenia",
  confirmed: "Confirmed sarcopenia",
  severe: "Severe sarcopenia",
  insufficient_data: "Insufficient data",
};

export const AWGS2019_LABELS: Record<Awgs2019Category, string> = {
  none: "No sarcopenia",
  possible: "Possible sarcopenia",
  sarcopenia: "Sarcopenia",
  severe: "Severe sarcopenia",
  insufficient_data: "Insufficient data",
};

export const AWGS2025_LABELS: Record<Awgs2025Category, string> = {
  none: "No sarcopenia",
  at_risk: "At risk for sarcopenia",
  possible: "Possible sarcopenia",
  sarcopenia: "Sarcopenia",
  insufficient_data: "Insufficient data",
  not_applicable: "Not applicable (under 50)",
};

export const YUBI_WAKKA_LABELS: Record<YubiWakkaResult, string> = {
  bigger: "Bigger (calf larger than the finger ring)",
  just_fits: "Just fits",
  smaller: "Smaller (a gap between calf and fingers)",
};

export const B12_STATUS_LABELS: Record<B12Status, string> = {
  deficient: "Deficient",
  indeterminate: "Indeterminate",
  adequate: "Adequate",
  not_tested: "Not tested",
};

export const FLAG_LABELS: Record<FlagCode, string> = {
  b12_test_due: "B12 test due",
  b12_confirm_due: "Confirm B12 (MMA or active B12)",
  b12_follow_up: "B12 deficiency follow-up",
  muscle_mass_due: "Muscle mass measurement due",
  performance_due: "Physical performance test due",
  sarcopenia_follow_up: "Sarcopenia follow-up",
  reassessment_due: "Strength reassessment due",
  medication_review: "Medication review",
  muscle_decline: "Muscle decline",
};
