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

/**
 * What each tier means, in a sentence a clinician reads on the help page's legend
 * (docs/design.md#tiers gives the rules in full; lib/domain/tier.ts applies them).
 */
export const TIER_EXPLANATIONS: Record<Tier, string> = {
  high: "EWGSOP2 confirmed or severe sarcopenia, or AWGS sarcopenia (the edition in force), or a deficient B12 together with any sarcopenia finding.",
  elevated: "EWGSOP2 probable or AWGS possible sarcopenia (AWGS 2025: or at risk), a deficient or indeterminate B12, or positive case finding (SARC-F ≥ 4, SARC-CalF ≥ 11 or a low calf circumference).",
  low: "Assessed within the look-back window, and none of the findings above.",
  unassessed: "No grip or chair-stand result and no B12 result within the look-back window, and nothing above applies.",
};

/**
 * When each flag opens, in a sentence for the help page's legend (docs/design.md#flags gives the
 * rules in full; lib/domain/flags.ts applies them). Every flag also names its basis and source on
 * the patient page.
 */
export const FLAG_EXPLANATIONS: Record<FlagCode, string> = {
  b12_test_due: "No serum or active B12 result within the re-test interval, not on B12 replacement, and at least one B12 risk factor (age, a vegan or vegetarian diet, a B12-lowering medicine, an absorption condition, or a sarcopenia finding).",
  b12_confirm_due: "The B12 result is indeterminate and no MMA or active B12 result was taken with it or since.",
  b12_follow_up: "B12 is deficient and no B12 replacement is current.",
  muscle_mass_due: "EWGSOP2 probable sarcopenia and no muscle-mass (ASM) result within the look-back window.",
  performance_due: "EWGSOP2 confirmed sarcopenia and no gait speed, SPPB, timed up-and-go or 400 m walk result within the look-back window, so severity cannot be graded.",
  sarcopenia_follow_up: "EWGSOP2 confirmed or severe sarcopenia, or AWGS sarcopenia: plan treatment and follow-up.",
  reassessment_due: "Aged at or above the screening age with no grip or chair-stand result within the look-back window.",
  medication_review: "A current systemic glucocorticoid, statin or fall-risk medicine together with a sarcopenia finding.",
  muscle_decline: "Grip strength or gait speed has fallen by the set amount (5 kg, 0.1 m/s) against the best earlier result at most 12 months before.",
};
