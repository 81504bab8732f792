/**
 * The engine's vocabulary. Other layers (database, exports, UI) are written against these
 * names, so they are stable: add members, never rename them.
 */

export const SEXES = ["female", "male", "unknown"] as const;
export type Sex = (typeof SEXES)[number];
export const DIETS = ["omnivore", "vegetarian", "vegan"] as const;
export type Diet = (typeof DIETS)[number];

/**
 * Conditions that are B12 risk factors (docs/clinical-reference.md#risk-factors-for-low-b12):
 * those that impair absorption, then the further NICE NG239 risk conditions (unconfirmed,
 * from secondary summaries). See `ABSORPTION_CONDITIONS` in risk-factors.ts for which is which.
 */
export const CONDITION_CODES = [
  "autoimmune_gastritis",
  "atrophic_gastritis",
  "gastrectomy",
  "bariatric_surgery",
  "ileal_resection",
  "crohns_ileal",
  "coeliac",
  "pelvic_radiotherapy",
  "sjogren_syndrome",
  "type_1_diabetes",
  "family_history_b12_deficiency",
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

export const MASS_METHODS = ["dxa", "bia"] as const;
export type MassMethod = (typeof MASS_METHODS)[number];

/** Symptoms and signs for which NICE NG239 offers a B12 test together with a risk factor (labels in b12-symptoms.ts). */
export const B12_SYMPTOM_CODES = [
  "fatigue",
  "pins_and_needles",
  "glossitis_mouth_ulcers",
  "memory_concentration",
  "low_mood",
  "unsteady_gait_falls",
  "visual_disturbance",
  "anaemia_macrocytosis",
] as const;
export type B12SymptomCode = (typeof B12_SYMPTOM_CODES)[number];

/** A symptom or sign noted on a day; it counts for `b12_test_due` while within the look-back window. */
export interface B12SymptomInput {
  code: B12SymptomCode;
  recordedAt: Date;
}

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

/** A medicine as the database stores it: with its ATC and RxNorm codes (null when unknown). */
export interface StoredMedication extends MedicationInput {
  atcCode: string | null;
  rxnormCode: string | null;
}

/**
 * The Yubi-wakka finger-ring test (AWGS 2025 case finding): the patient encircles the thickest
 * part of the calf with both thumbs and index fingers. "bigger": the calf is larger than the ring;
 * "just_fits"; "smaller": a gap between calf and fingers.
 */
export const YUBI_WAKKA_RESULTS = ["bigger", "just_fits", "smaller"] as const;
export type YubiWakkaResult = (typeof YUBI_WAKKA_RESULTS)[number];

export interface YubiWakkaInput {
  result: YubiWakkaResult;
  observedAt: Date;
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
  /** Yubi-wakka results (AWGS 2025 case finding). Optional: absent means none recorded. */
  yubiWakka?: YubiWakkaInput[];
  /**
   * Symptoms and signs of B12 deficiency recorded with a date (codes in b12-symptoms.ts). Optional:
   * absent means none recorded, so `b12_test_due` can rest only on local case-finding policy.
   */
  b12Symptoms?: B12SymptomInput[];
}

export const EWGSOP2_CATEGORIES = ["none", "probable", "confirmed", "severe", "insufficient_data"] as const;
export type Ewgsop2Category = (typeof EWGSOP2_CATEGORIES)[number];
export const AWGS2019_CATEGORIES = ["none", "possible", "sarcopenia", "severe", "insufficient_data"] as const;
export type Awgs2019Category = (typeof AWGS2019_CATEGORIES)[number];
/**
 * AWGS 2025 (docs/clinical-reference.md#awgs-2025): no "severe"; "at_risk" for a positive case
 * finding (age ≥ 65) or a risk condition (age ≥ 50); "not_applicable" under 50.
 */
export const AWGS2025_CATEGORIES = ["none", "at_risk", "possible", "sarcopenia", "insufficient_data", "not_applicable"] as const;
export type Awgs2025Category = (typeof AWGS2025_CATEGORIES)[number];
/** Which AWGS edition's category tiers and flags read (the `awgs2025.drivesTiersAndFlags` setting). */
export type AwgsEdition = 2019 | 2025;
export const B12_STATUSES = ["deficient", "indeterminate", "adequate", "not_tested"] as const;
export type B12Status = (typeof B12_STATUSES)[number];
/** In rank order: the most urgent first (TIER_RANK). */
export const TIERS = ["high", "elevated", "low", "unassessed"] as const;
export type Tier = (typeof TIERS)[number];

export const FLAG_CODES = [
  "b12_test_due",
  "b12_confirm_due",
  "b12_follow_up",
  "muscle_mass_due",
  "performance_due",
  "sarcopenia_follow_up",
  "reassessment_due",
  "medication_review",
  "muscle_decline",
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
  /**
   * What the flag rests on, in words: the finding behind it, or for `b12_test_due` the testing
   * policy ("NICE NG239: symptom and risk factor" / "local case-finding policy (beyond NICE): risk
   * factor alone"). Also the text of the flag's last reason (`flag.<code>.basis`).
   */
  basis: string;
  /** The citation the flag rests on. */
  source: string;
}

/** The engine's result: JSON-serialisable (dates are ISO strings) so it can be stored as a snapshot. */
export interface Evaluation {
  ruleSetVersion: number;
  evaluatedAt: string;
  ageYears: number;
  ewgsop2: CategoryResult<Ewgsop2Category>;
  awgs2019: CategoryResult<Awgs2019Category>;
  /** AWGS 2025, with chair stand and gait speed as outcomes shown beside it, never diagnostic. */
  awgs2025: CategoryResult<Awgs2025Category> & { outcomes: Reason[] };
  /** The AWGS edition whose category the tier and flags read. */
  awgsEditionInForce: AwgsEdition;
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
  /** EWGSOP2 probable or worse, or the AWGS category in force possible or worse. */
  anySarcopeniaFinding: boolean;
  tier: Tier;
  tierReasons: Reason[];
  /** Sorted by code. */
  flags: FlagResult[];
}
