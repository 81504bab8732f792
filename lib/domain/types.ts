/**
 * The engine's vocabulary. Other layers (database, exports, UI) are written against these
 * names, so they are stable: add members, never rename them.
 */

export type Sex = "female" | "male" | "unknown";
export type Diet = "omnivore" | "vegetarian" | "vegan";

/** Conditions that impair B12 absorption (docs/clinical-reference.md#risk-factors-for-low-b12). */
export const CONDITION_CODES = [
  "autoimmune_gastritis",
  "atrophic_gastritis",
  "gastrectomy",
  "bariatric_surgery",
  "ileal_resection",
  "crohns_ileal",
  "coeliac",
  "pelvic_radiotherapy",
] as const;
export type ConditionCode = (typeof CONDITION_CODES)[number];

export const MEASURE_KINDS = [
  "grip_strength",
  "gait_speed",
  "chair_stand_5x",
  "sppb",
  "tug",
  "walk_400m",
  "asm",
  "height",
  "weight",
  "calf_circumference",
  "sarc_f",
  "b12_total",
  "holotc",
  "mma",
  "homocysteine",
  "egfr",
] as const;
export type MeasureKind = (typeof MEASURE_KINDS)[number];

export type MassMethod = "dxa" | "bia";

/**
 * One measurement or lab result. `value` is in the kind's canonical unit (see `CANONICAL_UNIT`
 * in units.ts) and is null only when `isUnable` (the patient could not complete the test).
 * `reportedValue`/`reportedUnit` keep what the device or lab reported, so B12 can be compared
 * against the threshold written in that unit (docs/clinical-reference.md#b12-units).
 */
export interface ObservationInput {
  kind: MeasureKind;
  value: number | null;
  isUnable: boolean;
  observedAt: Date;
  method?: MassMethod | null;
  reportedValue?: string;
  reportedUnit?: string;
}

/** An observation as the database stores it: reported value, unit and method always present. */
export interface StoredObservation extends ObservationInput {
  method: MassMethod | null;
  reportedValue: string;
  reportedUnit: string;
}

export interface MedicationInput {
  name: string;
  /** Id from the medicine catalogue; null for free text that did not match (ignored by rules). */
  catalogueId: string | null;
  startedOn: Date | null;
  stoppedOn: Date | null;
}

export interface PatientHistory {
  birthDate: Date;
  /** When known to have died; no screening flags are raised for a patient who has died. */
  deceasedAt?: Date | null;
  sex: Sex;
  diet: Diet | null;
  conditions: ConditionCode[];
  observations: ObservationInput[];
  medications: MedicationInput[];
}

export type Ewgsop2Category = "none" | "probable" | "confirmed" | "severe" | "insufficient_data";
export type Awgs2019Category = "none" | "possible" | "sarcopenia" | "severe" | "insufficient_data";
export type B12Status = "deficient" | "indeterminate" | "adequate" | "not_tested";
export type Tier = "high" | "elevated" | "low" | "unassessed";

export const FLAG_CODES = [
  "b12_test_due",
  "b12_confirm_due",
  "b12_follow_up",
  "muscle_mass_due",
  "performance_due",
  "sarcopenia_follow_up",
  "reassessment_due",
  "medication_review",
] as const;
export type FlagCode = (typeof FLAG_CODES)[number];

/** Sort key for the panel: lower is more urgent. */
export const TIER_RANK: Record<Tier, number> = { high: 0, elevated: 1, low: 2, unassessed: 3 };

export type Comparison = "<" | "<=" | ">" | ">=";

/** Why a result came out as it did; `text` is one sentence a clinician reads. */
export interface Reason {
  code: string;
  text: string;
  inputs: Record<string, number | string | boolean | null>;
  threshold?: { key: string; value: number; unit: string; comparison: Comparison; source: string };
}

export interface CategoryResult<C> {
  category: C;
  reasons: Reason[];
}

export interface FlagResult {
  code: FlagCode;
  /** ISO 8601 date-time. */
  dueAt: string;
  reasons: Reason[];
  text: string;
}

/** The engine's result: JSON-serialisable (dates are ISO strings) so it can be stored as a snapshot. */
export interface Evaluation {
  ruleSetVersion: number;
  evaluatedAt: string;
  ageYears: number;
  ewgsop2: CategoryResult<Ewgsop2Category>;
  awgs2019: CategoryResult<Awgs2019Category>;
  sdoc: { weakness: boolean | null; slowness: boolean | null; sarcopenia: boolean | null; reasons: Reason[] };
  fnih: { weakness: boolean | null; lowLeanMass: boolean | null; reasons: Reason[] };
  caseFinding: {
    sarcF: number | null;
    sarcCalF: number | null;
    lowCalf: boolean | null;
    positive: boolean;
    reasons: Reason[];
  };
  b12: { status: B12Status; onTreatment: boolean; renalCaveat: boolean; reasons: Reason[] };
  riskFactors: { codes: string[]; reasons: Reason[] };
  /** Catalogue generic names of current medicines by role, each sorted. */
  medicines: { b12Lowering: string[]; muscleOrFalls: string[]; b12Replacement: string[] };
  anySarcopeniaFinding: boolean;
  tier: Tier;
  tierReasons: Reason[];
  /** Sorted by code. */
  flags: FlagResult[];
}
