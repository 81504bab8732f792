import { plainReason } from "./reasons";
import type { Awgs2019Category, Awgs2025Category, AwgsEdition, B12Status, Ewgsop2Category, Reason, Tier } from "./types";

export interface TierInput {
  ewgsop2: Ewgsop2Category;
  awgs2019: Awgs2019Category;
  /** Which AWGS edition's category counts (default 2019). */
  awgsEdition?: AwgsEdition;
  /** Read only when `awgsEdition` is 2025 (missing → insufficient data). */
  awgs2025?: Awgs2025Category;
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
 * Panel tier (docs/design.md#tiers). "AWGS" is the edition in force: AWGS 2019 by default; with
 * AWGS 2025 in force its sarcopenia counts as high and its possible and at-risk as elevated (at
 * risk is its positive case finding or risk condition, as case finding is elevated).
 * - high: EWGSOP2 confirmed/severe, AWGS sarcopenia/severe, or B12 deficient with any sarcopenia finding;
 * - elevated: EWGSOP2 probable, AWGS possible (or 2025 at risk), B12 deficient/indeterminate, or case finding positive;
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
  const awgs2025 = input.awgsEdition === 2025 ? (input.awgs2025 ?? "insufficient_data") : null;
  if (awgs2025 === null && (input.awgs2019 === "sarcopenia" || input.awgs2019 === "severe")) {
    high.push(plainReason("tier.high.awgs2019", `AWGS 2019 ${input.awgs2019 === "severe" ? "severe sarcopenia" : "sarcopenia"} → high`));
  }
  if (awgs2025 === "sarcopenia") high.push(plainReason("tier.high.awgs2025", "AWGS 2025 sarcopenia → high (the AWGS edition in force)"));
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
  if (awgs2025 === null && input.awgs2019 === "possible") elevated.push(plainReason("tier.elevated.awgs2019", "AWGS 2019 possible sarcopenia → elevated"));
  if (awgs2025 === "possible") elevated.push(plainReason("tier.elevated.awgs2025", "AWGS 2025 possible sarcopenia → elevated (the AWGS edition in force)"));
  if (awgs2025 === "at_risk") elevated.push(plainReason("tier.elevated.awgs2025_at_risk", "AWGS 2025 at risk for sarcopenia → elevated (the AWGS edition in force)"));
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
