import { plainReason } from "./reasons";
import type { Awgs2019Category, B12Status, Ewgsop2Category, Reason, Tier } from "./types";

export interface TierInput {
  ewgsop2: Ewgsop2Category;
  awgs2019: Awgs2019Category;
  b12Status: B12Status;
  b12OnTreatment: boolean;
  caseFindingPositive: boolean;
  anySarcopeniaFinding: boolean;
  /** A grip or chair-stand result (including "unable") in the window. */
  hasStrengthMeasure: boolean;
  /** A serum or active B12 result in the window. */
  hasB12Result: boolean;
}

/**
 * Panel tier (docs/design.md#tiers).
 * - high: EWGSOP2 confirmed/severe, AWGS sarcopenia/severe, or B12 deficient with any sarcopenia finding;
 * - elevated: EWGSOP2 probable, AWGS possible, B12 deficient/indeterminate, or case finding positive;
 * - unassessed: no strength measure and no B12 result, and nothing above fired (a positive
 *   SARC-F or slow gait must not hide among the unassessed);
 * - low: assessed, none of the above. A patient with a strength result but no sex-specific
 *   category (sex unknown, contract EX-005) is "low": assessed, and no rule fired.
 * B12 results of a patient on replacement do not raise the tier: such a patient shows "on
 * treatment", not "risk" (docs/clinical-reference.md#on-b12-replacement).
 */
export function assignTier(input: TierInput): { tier: Tier; reasons: Reason[] } {
  const b12Counts = !input.b12OnTreatment;
  const high: Reason[] = [];
  if (input.ewgsop2 === "confirmed" || input.ewgsop2 === "severe") {
    high.push(plainReason("tier.high.ewgsop2", `EWGSOP2 ${input.ewgsop2} sarcopenia → high`));
  }
  if (input.awgs2019 === "sarcopenia" || input.awgs2019 === "severe") {
    high.push(plainReason("tier.high.awgs2019", `AWGS 2019 ${input.awgs2019 === "severe" ? "severe sarcopenia" : "sarcopenia"} → high`));
  }
  if (b12Counts && input.b12Status === "deficient" && input.anySarcopeniaFinding) {
    high.push(plainReason("tier.high.b12_with_sarcopenia", "B12 deficient together with a sarcopenia finding → high"));
  }
  const onTreatmentNote =
    input.b12OnTreatment && (input.b12Status === "deficient" || input.b12Status === "indeterminate")
      ? [plainReason("tier.b12_on_treatment", `B12 ${input.b12Status} but on replacement → shown as on treatment, not as risk`)]
      : [];
  if (high.length > 0) return { tier: "high", reasons: [...high, ...onTreatmentNote] };

  const elevated: Reason[] = [];
  if (input.ewgsop2 === "probable") elevated.push(plainReason("tier.elevated.ewgsop2", "EWGSOP2 probable sarcopenia → elevated"));
  if (input.awgs2019 === "possible") elevated.push(plainReason("tier.elevated.awgs2019", "AWGS 2019 possible sarcopenia → elevated"));
  if (b12Counts && (input.b12Status === "deficient" || input.b12Status === "indeterminate")) {
    elevated.push(plainReason("tier.elevated.b12", `B12 ${input.b12Status} → elevated`));
  }
  if (input.caseFindingPositive) elevated.push(plainReason("tier.elevated.case_finding", "Case finding positive (SARC-F, SARC-CalF or calf circumference) → elevated"));
  if (elevated.length > 0) return { tier: "elevated", reasons: [...elevated, ...onTreatmentNote] };

  if (!input.hasStrengthMeasure && !input.hasB12Result) {
    return {
      tier: "unassessed",
      reasons: [plainReason("tier.unassessed", "No grip or chair-stand result and no B12 result in the look-back window → unassessed")],
    };
  }
  return {
    tier: "low",
    reasons: [plainReason("tier.low", "Assessed; no sarcopenia finding, B12 concern or positive case finding → low"), ...onTreatmentNote],
  };
}
