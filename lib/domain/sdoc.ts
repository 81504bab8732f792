import { applyCriterion } from "./criteria";
import type { ObservationWindow } from "./observations";
import { plainReason } from "./reasons";
import { sexKey, thresholdRef, type ThresholdValues } from "./thresholds";
import type { Evaluation, Reason, Sex } from "./types";

/**
 * SDOC 2020 (Bhasin et al., JAGS 2020; cut-points Cawthon et al., JAGS 2020): weakness = grip
 * < 35.5 kg men / < 20 kg women; slowness = gait speed < 0.8 m/s; sarcopenia = both. Three-valued:
 * null when a component cannot be judged; sarcopenia is false as soon as one component is false.
 */
export function assessSdoc(sex: Sex, window: ObservationWindow, t: ThresholdValues): Evaluation["sdoc"] {
  const reasons: Reason[] = [];
  let weakness: boolean | null = null;
  if (sex === "unknown") {
    reasons.push(plainReason("sdoc.sex_unknown", "Sex not recorded: SDOC grip cut-offs are sex-specific → weakness not assessed"));
  } else {
    const grip = applyCriterion(window.latest("grip_strength"), {
      code: "sdoc.grip",
      subject: "Grip",
      ref: thresholdRef(t, sexKey(sex, "sdoc.gripKg.male", "sdoc.gripKg.female")),
      whenMet: "weakness",
      whenNotMet: "no weakness",
    });
    if (grip) {
      weakness = grip.isLow;
      reasons.push(grip.reason);
    }
  }
  const gait = applyCriterion(window.latest("gait_speed"), {
    code: "sdoc.gait_speed",
    subject: "Gait speed",
    ref: thresholdRef(t, "sdoc.gaitSpeedMS"),
    whenMet: "slowness",
    whenNotMet: "no slowness",
  });
  const slowness = gait ? gait.isLow : null;
  if (gait) reasons.push(gait.reason);
  const sarcopenia =
    weakness === false || slowness === false ? false : weakness === true && slowness === true ? true : null;
  return { weakness, slowness, sarcopenia, reasons };
}
