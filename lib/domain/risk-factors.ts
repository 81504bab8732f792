import type { CurrentMedicine } from "./medications";
import { plainReason } from "./reasons";
import type { ThresholdValues } from "./thresholds";
import type { ConditionCode, Diet, Reason } from "./types";

export const RISK_FACTOR_CODES = ["age", "diet", "b12_lowering_medicine", "absorption_condition", "sarcopenia_finding"] as const;
export type RiskFactorCode = (typeof RISK_FACTOR_CODES)[number];

const CONDITION_LABELS: Record<ConditionCode, string> = {
  autoimmune_gastritis: "autoimmune (pernicious) gastritis",
  atrophic_gastritis: "atrophic gastritis",
  gastrectomy: "gastrectomy",
  bariatric_surgery: "bariatric surgery",
  ileal_resection: "ileal resection",
  crohns_ileal: "Crohn's disease of the ileum",
  coeliac: "coeliac disease",
  pelvic_radiotherapy: "pelvic/abdominal radiotherapy",
};

export interface RiskFactorInput {
  ageYears: number;
  diet: Diet | null;
  conditions: readonly ConditionCode[];
  current: readonly CurrentMedicine[];
  anySarcopeniaFinding: boolean;
}

/**
 * Risk factors for low B12 (docs/clinical-reference.md#risk-factors-for-low-b12, NICE NG239): age ≥ the screening age (default 65),
 * vegan or vegetarian diet, a current B12-lowering medicine, an absorption condition, or any
 * sarcopenia finding (`b12_test_due`, docs/design.md#flags). Codes are listed once each, in a fixed order.
 */
export function assessRiskFactors(input: RiskFactorInput, t: ThresholdValues): { codes: RiskFactorCode[]; reasons: Reason[] } {
  const found = new Set<RiskFactorCode>();
  const reasons: Reason[] = [];
  if (input.ageYears >= t.screening.ageYears) {
    found.add("age");
    reasons.push(
      plainReason("risk.age", `Age ${input.ageYears} ≥ ${t.screening.ageYears} years (screening age) → B12 risk factor`, {
        ageYears: input.ageYears,
      }),
    );
  }
  if (input.diet === "vegan" || input.diet === "vegetarian") {
    found.add("diet");
    reasons.push(plainReason("risk.diet", `${input.diet === "vegan" ? "Vegan" : "Vegetarian"} diet → B12 risk factor`, { diet: input.diet }));
  }
  for (const { entry } of input.current.filter((c) => c.entry.roles.b12Lowering)) {
    found.add("b12_lowering_medicine");
    reasons.push(
      plainReason("risk.medicine", `Current ${entry.genericName} (ATC ${entry.atc}) → B12-lowering medicine`, {
        medicine: entry.genericName,
        atc: entry.atc,
      }),
    );
  }
  for (const condition of input.conditions) {
    found.add("absorption_condition");
    reasons.push(
      plainReason("risk.condition", `${capitalise(CONDITION_LABELS[condition])} → impaired B12 absorption`, { condition }),
    );
  }
  if (input.anySarcopeniaFinding) {
    found.add("sarcopenia_finding");
    reasons.push(plainReason("risk.sarcopenia", "Sarcopenia finding (EWGSOP2 probable or worse, or AWGS possible or worse) → B12 risk factor"));
  }
  return { codes: RISK_FACTOR_CODES.filter((code) => found.has(code)), reasons };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
