import { applyCriterion } from "./criteria";
import type { ObservationWindow } from "./observations";
import { compare, formatNumber, plainReason } from "./reasons";
import { sexKey, thresholdRef, type ThresholdValues } from "./thresholds";
import type { Evaluation, Reason, Sex } from "./types";

/**
 * Case finding. SARC-F ≥ 4 positive (Malmstrom & Morley, JAMDA 2013; AWGS 2019). Calf
 * circumference < 34 cm men / < 33 cm women (AWGS 2019). SARC-CalF = SARC-F + 10 when the calf is
 * below the AWGS cut-off, positive ≥ 11; whether "below" means < or ≤ is unconfirmed and is the
 * `sarcCalFCalfComparison` setting (default <). With sex unknown the calf criteria are not applied.
 */
export function assessCaseFinding(sex: Sex, window: ObservationWindow, t: ThresholdValues): Evaluation["caseFinding"] {
  const reasons: Reason[] = [];
  const sarcFObservation = window.latest("sarc_f");
  const sarcF = sarcFObservation?.value ?? null;
  const sarcFResult = applyCriterion(sarcFObservation, {
    code: "case_finding.sarc_f",
    subject: "SARC-F",
    ref: thresholdRef(t, "caseFinding.sarcFPositive"),
    whenMet: "case finding positive",
    whenNotMet: "SARC-F negative",
  });
  if (sarcFResult) reasons.push(sarcFResult.reason);

  const calf = window.latest("calf_circumference");
  let lowCalf: boolean | null = null;
  let sarcCalF: number | null = null;
  let sarcCalFPositive = false;
  if (calf?.value != null && sex === "unknown") {
    reasons.push(plainReason("case_finding.calf_sex_unknown", "Sex not recorded: calf circumference cut-offs are sex-specific → not applied"));
  } else if (calf?.value != null && sex !== "unknown") {
    const calfRef = thresholdRef(t, sexKey(sex, "caseFinding.calfCm.male", "caseFinding.calfCm.female"));
    const calfResult = applyCriterion(calf, {
      code: "case_finding.calf",
      subject: "Calf circumference",
      ref: calfRef,
      whenMet: "low calf circumference, case finding positive",
      whenNotMet: "calf circumference not low",
    });
    if (calfResult) {
      lowCalf = calfResult.isLow;
      reasons.push(calfResult.reason);
    }
    if (sarcF !== null) {
      const calfComparison = t.caseFinding.sarcCalFCalfComparison;
      const calfPoints = compare(calf.value, calfComparison, calfRef.value) ? t.caseFinding.sarcCalFCalfPoints : 0;
      sarcCalF = sarcF + calfPoints;
      const sarcCalFResult = applyCriterion(
        calf,
        {
          code: "case_finding.sarc_calf",
          subject: `SARC-CalF (SARC-F ${formatNumber(sarcF)} + ${calfPoints} for calf ${formatNumber(calf.value)} cm)`,
          ref: thresholdRef(t, "caseFinding.sarcCalFPositive"),
          whenMet: "case finding positive",
          whenNotMet: "SARC-CalF negative",
        },
        sarcCalF,
      );
      if (sarcCalFResult) {
        sarcCalFPositive = sarcCalFResult.isLow;
        reasons.push(sarcCalFResult.reason);
      }
    }
  }
  const positive = sarcFResult?.isLow === true || sarcCalFPositive || lowCalf === true;
  return { sarcF, sarcCalF, lowCalf, positive, reasons };
}
