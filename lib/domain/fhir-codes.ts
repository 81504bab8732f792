/**
 * The ONE table of FHIR codes the importer understands and the exporter writes
 * (docs/clinical-reference.md#codes).
 * A terminologist fixes a code or a unit here without touching logic (lib/domain/fhir-map.ts and
 * lib/domain/fhir-export.ts read only these tables, one each way).
 *
 * `confirmed` follows the clinical reference: true only where it marks the code confirmed; every
 * other mapping (eGFR codes, grip strength, SNOMED) is `false` until a terminologist signs it off.
 * Units are UCUM codes, matched exactly (case-sensitive, as UCUM is): `[lb_av]` converts, `lbs`
 * or `lb` (not UCUM) is rejected, never guessed.
 */
import type { B12SymptomCode, ConditionCode, MassMethod, MeasureKind } from "./types";
import { ownValue } from "./own-keys";

export const LOINC_SYSTEM = "http://loinc.org";
export const SNOMED_SYSTEM = "http://snomed.info/sct";
export const UCUM_SYSTEM = "http://unitsofmeasure.org";
export const RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm";
export const ATC_SYSTEM = "http://www.whocc.no/atc";
export const ICD10_SYSTEMS = ["http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm"] as const;
/** Codes this app defines where no standard code is confirmed (docs/clinical-reference.md#observation-codes). */
export const LOCAL_SYSTEM = "urn:sarcopenia-screening:measure";
/** HL7 v2 table 0203 (identifier type): `MR` marks the medical record number. */
export const IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203";
/** The identifier system of the clinic's MRN on exported Patients (the importer matches the `MR` type, not this system). */
export const MRN_SYSTEM = "urn:sarcopenia-screening:mrn";
/** A result that is not a number: the patient could not complete a timed test (EWGSOP2 Table 3). */
export const RESULT_SYSTEM = "urn:sarcopenia-screening:result";
export const UNABLE_CODE = { system: RESULT_SYSTEM, code: "unable", display: "Unable to complete the test" } as const;
/** The timed tests "unable to complete" is a result of (EWGSOP2 Table 3; the assessment form's "unable" boxes). */
export const UNABLE_KINDS: readonly MeasureKind[] = ["chair_stand_5x", "walk_400m"];
/** How muscle mass was measured (AWGS 2019 has different cut-offs for DXA and BIA). */
export const MASS_METHOD_SYSTEM = "urn:sarcopenia-screening:mass-method";
export const MASS_METHOD_CODES: Record<MassMethod, { code: MassMethod; display: string }> = {
  dxa: { code: "dxa", display: "Dual-energy X-ray absorptiometry" },
  bia: { code: "bia", display: "Bioelectrical impedance analysis" },
};
/** The engine's vocabulary (docs/design.md#engine-vocabulary) as code systems of exported Flags and RiskAssessments. */
export const FLAG_SYSTEM = "urn:sarcopenia-screening:flag";
/** The state of an open flag at the export (lib/domain/flag-lifecycle.ts FLAG_STATES), as a second Flag.category. */
export const FLAG_STATE_SYSTEM = "urn:sarcopenia-screening:flag-state";
export const TIER_SYSTEM = "urn:sarcopenia-screening:tier";
export const EWGSOP2_SYSTEM = "urn:sarcopenia-screening:ewgsop2";
export const AWGS2019_SYSTEM = "urn:sarcopenia-screening:awgs2019";
export const AWGS2025_SYSTEM = "urn:sarcopenia-screening:awgs2025";
export const B12_STATUS_SYSTEM = "urn:sarcopenia-screening:b12-status";
export const RULE_SET_SYSTEM = "urn:sarcopenia-screening:rule-set";
export const OBSERVATION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category";
export const FLAG_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/flag-category";
export const RISK_PROBABILITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/risk-probability";

/** FHIR observation category of each measure (exported Observations carry it). */
export const OBSERVATION_CATEGORY: Record<MeasureKind, "vital-signs" | "laboratory" | "exam" | "survey"> = {
  grip_strength: "exam",
  gait_speed: "exam",
  chair_stand_5x: "exam",
  sppb: "exam",
  tug: "exam",
  walk_400m: "exam",
  asm: "exam",
  height: "vital-signs",
  weight: "vital-signs",
  calf_circumference: "exam",
  sarc_f: "survey",
  b12_total: "laboratory",
  holotc: "laboratory",
  mma: "laboratory",
  homocysteine: "laboratory",
  egfr: "laboratory",
};

/**
 * UCUM unit → the app's unit spelling understood by `toCanonical` (lib/domain/units.ts). Only
 * units listed for a code are accepted for it.
 */
export const UCUM_TO_APP_UNIT: Record<string, string> = {
  kg: "kg",
  "[lb_av]": "lb",
  cm: "cm",
  m: "m",
  "[in_i]": "in",
  "pmol/L": "pmol/L",
  "pg/mL": "pg/mL",
  "ng/L": "ng/L",
  "umol/L": "umol/L",
  "nmol/L": "nmol/L",
  "mL/min/{1.73_m2}": "mL/min/1.73m2",
  "m/s": "m/s",
  s: "s",
  min: "min",
  "{score}": "points",
};

export interface ObservationCodeMapping {
  system: string;
  code: string;
  kind: MeasureKind;
  /** UCUM codes accepted for this code (see {@link UCUM_TO_APP_UNIT}). */
  units: readonly string[];
  display: string;
  confirmed: boolean;
  note?: string;
  /** App units for this code where they differ from {@link UCUM_TO_APP_UNIT} (a walk time in s is `s/4m`). */
  appUnits?: Readonly<Record<string, string>>;
}

/** The app unit a value of `mapping` in UCUM unit `ucum` is in, or undefined when the app has no conversion. */
export function appUnitOf(mapping: ObservationCodeMapping, ucum: string): string | undefined {
  return (mapping.appUnits ? ownValue(mapping.appUnits, ucum) : undefined) ?? ownValue(UCUM_TO_APP_UNIT, ucum);
}

/**
 * The table read backwards, for the export: the first mapping (in table order) of `kind` that
 * accepts a UCUM unit standing for `appUnit`, with that unit. Table order is the export
 * preference: LOINC before SNOMED before local codes, the first eGFR code for eGFR. Null when no
 * code of the kind takes the unit (the exporter then sends the canonical unit).
 */
export function exportCodeFor(kind: MeasureKind, appUnit: string): { mapping: ObservationCodeMapping; ucum: string } | null {
  for (const mapping of OBSERVATION_CODES) {
    if (mapping.kind !== kind) continue;
    const ucum = mapping.units.find((u) => appUnitOf(mapping, u) === appUnit);
    if (ucum !== undefined) return { mapping, ucum };
  }
  return null;
}

export const OBSERVATION_CODES: readonly ObservationCodeMapping[] = [
  { system: LOINC_SYSTEM, code: "8302-2", kind: "height", units: ["cm", "m", "[in_i]"], display: "Body height", confirmed: true },
  { system: LOINC_SYSTEM, code: "29463-7", kind: "weight", units: ["kg", "[lb_av]"], display: "Body weight", confirmed: true },
  { system: LOINC_SYSTEM, code: "2132-9", kind: "b12_total", units: ["pg/mL", "ng/L"], display: "Cobalamin [Mass/volume] in Serum or Plasma", confirmed: true },
  { system: LOINC_SYSTEM, code: "14685-2", kind: "b12_total", units: ["pmol/L"], display: "Cobalamin [Moles/volume] in Serum or Plasma", confirmed: true },
  { system: LOINC_SYSTEM, code: "13965-9", kind: "homocysteine", units: ["umol/L"], display: "Homocysteine [Moles/volume] in Serum or Plasma", confirmed: true },
  { system: LOINC_SYSTEM, code: "13964-2", kind: "mma", units: ["umol/L", "nmol/L"], display: "Methylmalonate [Moles/volume] in Serum or Plasma", confirmed: false, note: "clinical reference: partly confirmed" },
  { system: LOINC_SYSTEM, code: "83174-3", kind: "grip_strength", units: ["kg", "[lb_av]"], display: "Grip strength Hand - right Dynamometer", confirmed: false, note: "clinical reference: sources conflict; right hand, most cited" },
  { system: SNOMED_SYSTEM, code: "251433001", kind: "grip_strength", units: ["kg", "[lb_av]"], display: "Grip strength", confirmed: false, note: "clinical reference: used by some systems" },
  // eGFR: no source confirms these, so unconfirmed; the codes are LOINC's eGFR terms (MDRD, CKD-EPI).
  { system: LOINC_SYSTEM, code: "33914-3", kind: "egfr", units: ["mL/min/{1.73_m2}"], display: "GFR/1.73 sq M.predicted (MDRD)", confirmed: false },
  { system: LOINC_SYSTEM, code: "62238-1", kind: "egfr", units: ["mL/min/{1.73_m2}"], display: "GFR/1.73 sq M.predicted (CKD-EPI)", confirmed: false },
  { system: LOINC_SYSTEM, code: "48642-3", kind: "egfr", units: ["mL/min/{1.73_m2}"], display: "GFR/1.73 sq M.predicted among non-blacks (MDRD)", confirmed: false },
  { system: LOINC_SYSTEM, code: "48643-1", kind: "egfr", units: ["mL/min/{1.73_m2}"], display: "GFR/1.73 sq M.predicted among blacks (MDRD)", confirmed: false },
  { system: LOINC_SYSTEM, code: "98979-8", kind: "egfr", units: ["mL/min/{1.73_m2}"], display: "GFR/1.73 sq M.predicted (CKD-EPI 2021)", confirmed: false },
  // No confirmed code (docs/clinical-reference.md#observation-codes): local codes so exports and re-imports round-trip.
  { system: LOCAL_SYSTEM, code: "gait_speed", kind: "gait_speed", units: ["m/s"], display: "Usual gait speed", confirmed: false },
  { system: LOCAL_SYSTEM, code: "walk_4m_time", kind: "gait_speed", units: ["s"], appUnits: { s: "s/4m" }, display: "Time to walk 4 m at usual pace", confirmed: false },
  { system: LOCAL_SYSTEM, code: "chair_stand_5x", kind: "chair_stand_5x", units: ["s"], display: "Five-times chair stand", confirmed: false },
  { system: LOCAL_SYSTEM, code: "sppb", kind: "sppb", units: ["{score}"], display: "SPPB", confirmed: false },
  { system: LOCAL_SYSTEM, code: "tug", kind: "tug", units: ["s"], display: "Timed up and go", confirmed: false },
  { system: LOCAL_SYSTEM, code: "walk_400m", kind: "walk_400m", units: ["s", "min"], display: "400 m walk", confirmed: false },
  { system: LOCAL_SYSTEM, code: "asm", kind: "asm", units: ["kg"], display: "Appendicular skeletal muscle mass", confirmed: false },
  { system: LOCAL_SYSTEM, code: "calf_circumference", kind: "calf_circumference", units: ["cm"], display: "Calf circumference", confirmed: false },
  { system: LOCAL_SYSTEM, code: "sarc_f", kind: "sarc_f", units: ["{score}"], display: "SARC-F", confirmed: false },
  { system: LOCAL_SYSTEM, code: "holotc", kind: "holotc", units: ["pmol/L"], display: "Active B12 (holotranscobalamin)", confirmed: false },
];

/**
 * RxNorm clinical-drug codes (not ingredients) whose ingredient the catalogue knows, for codes
 * whose display text does not start with the ingredient's catalogue name. Checked before the
 * display-text fallback (lib/domain/fhir-map.ts).
 */
export const RXNORM_CLINICAL_DRUGS: readonly { rxnorm: string; catalogueId: string; display: string; confirmed: boolean }[] = [
  { rxnorm: "860975", catalogueId: "metformin", display: "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet", confirmed: false },
  { rxnorm: "2001499", catalogueId: "cyanocobalamin", display: "Vitamin B 12 5 MG/ML Injectable Solution", confirmed: false },
];

/** Ingredient names in drug display texts that are not catalogue names (folded lower case). */
export const DRUG_NAME_ALIASES: Record<string, string> = {
  "vitamin b 12": "cyanocobalamin",
  "vitamin b12": "cyanocobalamin",
};

export interface ConditionCodeMapping {
  system: "snomed" | "icd10";
  code: string;
  condition: ConditionCode;
  display: string;
  confirmed: boolean;
}

/** SNOMED CT / ICD-10 codes that clearly name an absorption condition (docs/clinical-reference.md#condition-codes). */
export const CONDITION_MAPPINGS: readonly ConditionCodeMapping[] = [
  { system: "snomed", code: "84027009", condition: "autoimmune_gastritis", display: "Pernicious anemia", confirmed: false },
  { system: "icd10", code: "D51.0", condition: "autoimmune_gastritis", display: "Vitamin B12 deficiency anaemia due to intrinsic factor deficiency (pernicious anaemia)", confirmed: false },
  { system: "snomed", code: "1961000119104", condition: "autoimmune_gastritis", display: "Autoimmune atrophic gastritis", confirmed: false },
  { system: "snomed", code: "84568007", condition: "atrophic_gastritis", display: "Atrophic gastritis", confirmed: false },
  { system: "icd10", code: "K29.4", condition: "atrophic_gastritis", display: "Chronic atrophic gastritis", confirmed: false },
  { system: "snomed", code: "53442002", condition: "gastrectomy", display: "Gastrectomy", confirmed: false },
  { system: "icd10", code: "Z90.3", condition: "gastrectomy", display: "Acquired absence of stomach [part of]", confirmed: false },
  { system: "snomed", code: "187041008", condition: "bariatric_surgery", display: "Bariatric operative procedure", confirmed: false },
  { system: "icd10", code: "Z98.84", condition: "bariatric_surgery", display: "Bariatric surgery status", confirmed: false },
  { system: "snomed", code: "7620006", condition: "crohns_ileal", display: "Crohn's disease of ileum", confirmed: false },
  { system: "icd10", code: "K50.0", condition: "crohns_ileal", display: "Crohn's disease of small intestine", confirmed: false },
  { system: "snomed", code: "396331005", condition: "coeliac", display: "Celiac disease", confirmed: false },
  { system: "icd10", code: "K90.0", condition: "coeliac", display: "Coeliac disease", confirmed: false },
];

export interface SymptomCodeMapping {
  system: typeof SNOMED_SYSTEM;
  code: string;
  symptom: B12SymptomCode;
  display: string;
  confirmed: boolean;
}

/**
 * SNOMED CT findings and disorders that name a NICE NG239 symptom or sign of B12 deficiency
 * (docs/clinical-reference.md#symptom-and-sign-codes), read from a FHIR Condition's or
 * Observation's code. All unconfirmed until a terminologist signs them off. Glossitis, unsteady
 * gait, visual disturbance and macrocytosis have no code here (no concept id could be settled),
 * so they come from the spreadsheet or the form only.
 */
export const B12_SYMPTOM_MAPPINGS: readonly SymptomCodeMapping[] = [
  { system: SNOMED_SYSTEM, code: "84229001", symptom: "fatigue", display: "Fatigue", confirmed: false },
  { system: SNOMED_SYSTEM, code: "91019004", symptom: "pins_and_needles", display: "Paresthesia", confirmed: false },
  { system: SNOMED_SYSTEM, code: "302226006", symptom: "pins_and_needles", display: "Peripheral nerve disease (peripheral neuropathy)", confirmed: false },
  { system: SNOMED_SYSTEM, code: "26284000", symptom: "glossitis_mouth_ulcers", display: "Ulcer of mouth", confirmed: false },
  { system: SNOMED_SYSTEM, code: "386806002", symptom: "memory_concentration", display: "Impaired cognition", confirmed: false },
  { system: SNOMED_SYSTEM, code: "386807006", symptom: "memory_concentration", display: "Memory impairment", confirmed: false },
  { system: SNOMED_SYSTEM, code: "366979004", symptom: "low_mood", display: "Depressed mood", confirmed: false },
  { system: SNOMED_SYSTEM, code: "161898004", symptom: "unsteady_gait_falls", display: "Falls", confirmed: false },
  { system: SNOMED_SYSTEM, code: "271737000", symptom: "anaemia_macrocytosis", display: "Anemia", confirmed: false },
];

/**
 * The Yubi-wakka finger-ring test (AWGS 2025 case finding) has no standard code: the app's own code
 * in the measure system, its result coded in {@link YUBI_WAKKA_RESULT_SYSTEM}
 * (docs/design.md#fhir-import). A sender maps to these codes on purpose; nothing else is read as
 * a Yubi-wakka result.
 */
export const YUBI_WAKKA_CODE = { system: LOCAL_SYSTEM, code: "yubi_wakka", display: "Yubi-wakka finger-ring test" } as const;
export const YUBI_WAKKA_RESULT_SYSTEM = "urn:sarcopenia-screening:yubi-wakka";

/** A symptom recorded as absent (SNOMED CT qualifier value "Absent") is not a symptom. */
export const ABSENT_QUALIFIER = { system: SNOMED_SYSTEM, code: "2667000", display: "Absent" } as const;
