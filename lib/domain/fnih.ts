import { applyCriterion } from "./criteria";
import { bmiNear, findMuscleMass } from "./muscle-mass";
import type { ObservationWindow } from "./observations";
import { plainReason } from "./reasons";
import { sexKey, thresholdRef, type ThresholdValues } from "./thresholds";
import type { Evaluation, Reason, Sex } from "./types";

/**
 * FNIH 2014 (Studenski et al., J Gerontol A 2014): weakness = grip < 26 kg men / < 16 kg women;
 * low lean mass = appendicular lean mass / BMI < 0.789 men / < 0.512 women (ASM stands in for ALM).
 * Shown beside EWGSOP2 and AWGS; it does not drive tiers or flags.
 */
export function assessFnih(sex: Sex, window: ObservationWindow, t: ThresholdValues): Evaluation["fnih"] {
  if (sex === "unknown") {
    return {
      weakness: null,
      lowLeanMass: null,
      reasons: [plainReason("fnih.sex_unknown", "Sex not recorded: FNIH cut-offs are sex-specific → not assessed")],
    };
  }
  const reasons: Reason[] = [];
  const grip = applyCriterion(window.latest("grip_strength"), {
    code: "fnih.grip",
    subject: "Grip",
    ref: thresholdRef(t, sexKey(sex, "fnih.gripKg.male", "fnih.gripKg.female")),
    whenMet: "weakness",
    whenNotMet: "no weakness",
  });
  if (grip) reasons.push(grip.reason);
  let lowLeanMass: boolean | null = null;
  const mass = findMuscleMass(window);
  if (mass) {
    const bmi = bmiNear(window, mass);
    const ratio = applyCriterion(
      mass.asm,
      {
        code: "fnih.alm_bmi",
        subject: "ALM/BMI",
        ref: thresholdRef(t, sexKey(sex, "fnih.almBmi.male", "fnih.almBmi.female")),
        whenMet: "low lean mass",
        whenNotMet: "lean mass not low",
      },
      bmi === null || bmi <= 0 ? null : mass.asmKg / bmi,
    );
    if (ratio) {
      lowLeanMass = ratio.isLow;
      reasons.push(ratio.reason);
    }
  }
  return { weakness: grip ? grip.isLow : null, lowLeanMass, reasons };
}
