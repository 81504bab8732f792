import type { Awgs2019Assessment } from "./awgs2019";
import type { Awgs2025Assessment } from "./awgs2025";
import type { Ewgsop2Assessment } from "./ewgsop2";
import { AWGS2019_LABELS, AWGS2025_LABELS, EWGSOP2_LABELS } from "./labels";
import { latestDate } from "./observations";
import type { ThresholdValues } from "./thresholds";
import type { Awgs2019Category, Awgs2025Category, AwgsEdition, Reason } from "./types";

/** The AWGS category the tier and flags read, whichever edition the clinic chose. */
export interface AwgsInForce {
  edition: AwgsEdition;
  category: Awgs2019Category | Awgs2025Category;
  /** "AWGS 2019 possible sarcopenia". */
  label: string;
  /** Possible sarcopenia or worse: part of "any sarcopenia finding". */
  isFinding: boolean;
  /** Sarcopenia (AWGS 2019: or severe): raises the tier to high and `sarcopenia_follow_up`. */
  isSarcopenia: boolean;
  reasons: Reason[];
  decidedAt: Date | null;
}

/**
 * The edition in force (`awgs2025.drivesTiersAndFlags`, default AWGS 2019 so that no panel changes
 * unasked). Both editions are evaluated and shown; only this one drives tiers and flags.
 */
export function awgsInForce(t: ThresholdValues, awgs2019: Awgs2019Assessment, awgs2025: Awgs2025Assessment): AwgsInForce {
  if (t.awgs2025.drivesTiersAndFlags) {
    const category = awgs2025.result.category;
    return {
      edition: 2025,
      category,
      label: `AWGS 2025 ${AWGS2025_LABELS[category].toLowerCase()}`,
      isFinding: category === "possible" || category === "sarcopenia",
      isSarcopenia: category === "sarcopenia",
      reasons: awgs2025.result.reasons,
      decidedAt: awgs2025.decidedAt,
    };
  }
  const category = awgs2019.result.category;
  return {
    edition: 2019,
    category,
    label: `AWGS 2019 ${AWGS2019_LABELS[category].toLowerCase()}`,
    isFinding: category === "possible" || category === "sarcopenia" || category === "severe",
    isSarcopenia: category === "sarcopenia" || category === "severe",
    reasons: awgs2019.result.reasons,
    decidedAt: awgs2019.decidedAt,
  };
}

/** "Any sarcopenia finding" with the categories and the values behind it, for reasons a clinician reads. */
export interface SarcopeniaFinding {
  any: boolean;
  /** Date of the latest result behind the finding. */
  at: Date | null;
  /** "EWGSOP2 probable sarcopenia (Grip 15 kg < 16 kg (EWGSOP2, Table 3) → low strength, on 2026-10-01)". */
  text: string;
  /** The criteria that were met, with their values, dates, cut-offs and sources. */
  reasons: Reason[];
}

/** Criteria that were met (a value beyond its cut-off, or unable to complete a test that counts). */
export function metCriteria(reasons: readonly Reason[]): Reason[] {
  return reasons.filter((r) => r.threshold !== undefined && (r.code.endsWith(".met") || r.code.endsWith(".unable")));
}

/** "EWGSOP2 probable sarcopenia (Grip 15 kg < 16 kg (EWGSOP2, Table 3) → low strength, on 2026-10-01)". */
export function named(label: string, reasons: readonly Reason[]): string {
  const values = metCriteria(reasons).map((r) => (typeof r.inputs.observedAt === "string" ? `${r.text}, on ${r.inputs.observedAt.slice(0, 10)}` : r.text));
  return values.length === 0 ? label : `${label} (${values.join("; ")})`;
}

/**
 * Any sarcopenia finding (docs/design.md#categories): EWGSOP2 probable or worse, or the AWGS
 * category in force possible or worse — named with the values that produced it.
 */
export function sarcopeniaFinding(ewgsop2: Ewgsop2Assessment, awgs: AwgsInForce): SarcopeniaFinding {
  const category = ewgsop2.result.category;
  const ewgsop2Finding = category === "probable" || category === "confirmed" || category === "severe";
  const parts: string[] = [];
  const reasons: Reason[] = [];
  if (ewgsop2Finding) {
    parts.push(named(`EWGSOP2 ${EWGSOP2_LABELS[category].toLowerCase()}`, ewgsop2.result.reasons));
    reasons.push(...metCriteria(ewgsop2.result.reasons));
  }
  if (awgs.isFinding) {
    parts.push(named(awgs.label, awgs.reasons));
    reasons.push(...metCriteria(awgs.reasons));
  }
  return {
    any: ewgsop2Finding || awgs.isFinding,
    at: latestDate([ewgsop2Finding ? ewgsop2.decidedAt : null, awgs.isFinding ? awgs.decidedAt : null]),
    text: parts.join("; "),
    reasons,
  };
}
