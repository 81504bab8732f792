import { addMonthsUtc, toIsoDate } from "./dates";
import type { CatalogueEntry } from "./medicine-catalogue";
import type { CurrentMedicine } from "./medications";
import { plainReason } from "./reasons";
import { SHORT_SOURCES, type ThresholdValues } from "./thresholds";
import type { ConditionCode, Diet, Reason } from "./types";

export const RISK_FACTOR_CODES = ["age", "diet", "b12_lowering_medicine", "absorption_condition", "associated_condition", "sarcopenia_finding"] as const;
export type RiskFactorCode = (typeof RISK_FACTOR_CODES)[number];

/** Conditions that impair B12 absorption; the other condition codes are NICE NG239 risk conditions (unconfirmed). */
export const ABSORPTION_CONDITIONS: ReadonlySet<ConditionCode> = new Set([
  "autoimmune_gastritis",
  "atrophic_gastritis",
  "gastrectomy",
  "bariatric_surgery",
  "ileal_resection",
  "crohns_ileal",
  "coeliac",
  "pelvic_radiotherapy",
]);

export const CONDITION_LABELS: Record<ConditionCode, string> = {
  autoimmune_gastritis: "autoimmune (pernicious) gastritis",
  atrophic_gastritis: "atrophic gastritis",
  gastrectomy: "gastrectomy",
  bariatric_surgery: "bariatric surgery",
  ileal_resection: "ileal resection",
  crohns_ileal: "Crohn's disease of the ileum",
  coeliac: "coeliac disease",
  pelvic_radiotherapy: "pelvic/abdominal radiotherapy",
  sjogren_syndrome: "Sjögren's syndrome",
  type_1_diabetes: "type 1 diabetes",
  family_history_b12_deficiency: "family history of B12 deficiency",
};

export interface RiskFactorInput {
  /** The evaluation time: how long an acid suppressant has been taken is counted up to it. */
  now: Date;
  ageYears: number;
  diet: Diet | null;
  conditions: readonly ConditionCode[];
  current: readonly CurrentMedicine[];
  anySarcopeniaFinding: boolean;
  /** The finding named with its values (findings.ts), for the reason; a generic sentence when absent. */
  sarcopeniaFindingText?: string;
}

function isAcidSuppressant(entry: CatalogueEntry): boolean {
  return entry.medicineClass === "ppi" || entry.medicineClass === "h2ra";
}

/**
 * Risk factors for low B12 (docs/clinical-reference.md#risk-factors-for-low-b12, NICE NG239): age ≥ the screening age (default 65),
 * vegan or vegetarian diet, a current B12-lowering medicine (a PPI or H2-receptor antagonist once
 * taken for `b12Testing.acidSuppressantMinMonths`, default 12, unconfirmed; counted when its start
 * is unknown, as it cannot be shown to be short), an absorption condition, a further NICE risk
 * condition (unconfirmed), or any sarcopenia finding (`b12_test_due`, docs/design.md#flags). Codes
 * are listed once each, in a fixed order.
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
  const minMonths = t.b12Testing.acidSuppressantMinMonths;
  const longEnoughFrom = addMonthsUtc(input.now, -minMonths);
  for (const { entry, medication } of input.current.filter((c) => c.entry.roles.b12Lowering)) {
    const inputs = { medicine: entry.genericName, atc: entry.atc };
    let duration = "";
    if (isAcidSuppressant(entry)) {
      const started = medication.startedOn;
      const policy = `acid-suppressant duration ≥ ${minMonths} months (${SHORT_SOURCES.acidSuppressant})`;
      if (started !== null && started.getTime() > longEnoughFrom.getTime()) {
        reasons.push(
          plainReason("risk.medicine_too_recent", `Current ${entry.genericName} (ATC ${entry.atc}) since ${toIsoDate(started)}: under the ${policy} → not yet a B12 risk factor`, {
            ...inputs,
            startedOn: started.toISOString(),
            acidSuppressantMinMonths: minMonths,
          }),
        );
        continue;
      }
      duration = started === null ? `, start not recorded (counted: ${policy} cannot be ruled out)` : `, since ${toIsoDate(started)} (${policy})`;
    }
    found.add("b12_lowering_medicine");
    reasons.push(plainReason("risk.medicine", `Current ${entry.genericName} (ATC ${entry.atc})${duration} → B12-lowering medicine`, inputs));
  }
  for (const condition of input.conditions) {
    if (ABSORPTION_CONDITIONS.has(condition)) {
      found.add("absorption_condition");
      reasons.push(plainReason("risk.condition", `${capitalise(CONDITION_LABELS[condition])} → impaired B12 absorption`, { condition }));
    } else {
      found.add("associated_condition");
      reasons.push(plainReason("risk.associated_condition", `${capitalise(CONDITION_LABELS[condition])} → B12 risk condition (NICE NG239, unconfirmed)`, { condition }));
    }
  }
  if (input.anySarcopeniaFinding) {
    found.add("sarcopenia_finding");
    const finding = input.sarcopeniaFindingText ?? "EWGSOP2 probable or worse, or AWGS possible or worse";
    reasons.push(plainReason("risk.sarcopenia", `Sarcopenia finding: ${finding} → B12 risk factor (local)`));
  }
  return { codes: RISK_FACTOR_CODES.filter((code) => found.has(code)), reasons };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
