import type { Comparison, Sex } from "./types";

/** A cut-off that differs by sex; applied only when sex is known. */
export interface SexSpecific {
  male: number;
  female: number;
}

/** A serum B12 band edge as the source writes it in each unit (they are not exact conversions). */
export interface B12Edge {
  pmolL: number;
  ngL: number;
}

/**
 * A clinic's threshold set. Every number is a default of docs/clinical-reference.md that an admin
 * may change; comparison operators are fixed by the sources (see {@link THRESHOLD_CATALOGUE})
 * except the SARC-CalF calf comparison, which the sources leave open
 * (docs/clinical-reference.md#case-finding).
 */
export interface ThresholdValues {
  version: number;
  screening: {
    /** B12 risk factor and `reassessment_due` apply at age ≥ this (docs/clinical-reference.md#screening-age-and-look-back-window). */
    ageYears: number;
    /** Each criterion uses the latest value within this many months before `now` (same section). */
    lookBackMonths: number;
  };
  ewgsop2: {
    gripKg: SexSpecific;
    chairStandS: number;
    asmKg: SexSpecific;
    asmiKgM2: SexSpecific;
    gaitSpeedMS: number;
    sppbPoints: number;
    tugS: number;
    walk400mS: number;
  };
  awgs2019: {
    gripKg: SexSpecific;
    gaitSpeedMS: number;
    chairStandS: number;
    sppbPoints: number;
    asmiDxaKgM2: SexSpecific;
    asmiBiaKgM2: SexSpecific;
    /**
     * Low strength or performance with muscle mass measured and normal: the paper does not name
     * this case. true → "possible sarcopenia" (default); false → "none".
     */
    possibleWhenMassNormal: boolean;
  };
  caseFinding: {
    calfCm: SexSpecific;
    sarcFPositive: number;
    sarcCalFPositive: number;
    sarcCalFCalfPoints: number;
    /** Whether "below the calf cut-off" for SARC-CalF means < or ≤ (unconfirmed; default <). */
    sarcCalFCalfComparison: "<" | "<=";
  };
  sdoc: { gripKg: SexSpecific; gaitSpeedMS: number };
  fnih: { gripKg: SexSpecific; almBmi: SexSpecific };
  b12: {
    serumDeficientBelow: B12Edge;
    serumAdequateAbove: B12Edge;
    holotcDeficientBelowPmolL: number;
    holotcAdequateAbovePmolL: number;
    mmaDeficientAboveUmolL: number;
    mmaNormalAtMostUmolL: number;
    homocysteineHighAboveUmolL: number;
    /** MMA rises with renal impairment: show a caveat beside MMA when eGFR is below this. */
    renalCaveatEgfrBelow: number;
  };
  /**
   * Due-date offsets in days, counted from the date of the result that raised the flag, so a
   * stored due date does not drift each time the patient is re-evaluated.
   */
  flags: {
    b12ConfirmDueDays: number;
    b12FollowUpDueDays: number;
    muscleMassDueDays: number;
    performanceDueDays: number;
    sarcopeniaFollowUpDueDays: number;
    medicationReviewDueDays: number;
  };
}

/** The defaults of docs/clinical-reference.md (rule-set version 1). */
export const DEFAULT_THRESHOLDS: ThresholdValues = {
  version: 1,
  screening: { ageYears: 65, lookBackMonths: 12 },
  ewgsop2: {
    gripKg: { male: 27, female: 16 },
    chairStandS: 15,
    asmKg: { male: 20, female: 15 },
    asmiKgM2: { male: 7.0, female: 5.5 },
    gaitSpeedMS: 0.8,
    sppbPoints: 8,
    tugS: 20,
    walk400mS: 360,
  },
  awgs2019: {
    gripKg: { male: 28, female: 18 },
    gaitSpeedMS: 1.0,
    chairStandS: 12,
    sppbPoints: 9,
    asmiDxaKgM2: { male: 7.0, female: 5.4 },
    asmiBiaKgM2: { male: 7.0, female: 5.7 },
    possibleWhenMassNormal: true,
  },
  caseFinding: {
    calfCm: { male: 34, female: 33 },
    sarcFPositive: 4,
    sarcCalFPositive: 11,
    sarcCalFCalfPoints: 10,
    sarcCalFCalfComparison: "<",
  },
  sdoc: { gripKg: { male: 35.5, female: 20 }, gaitSpeedMS: 0.8 },
  fnih: { gripKg: { male: 26, female: 16 }, almBmi: { male: 0.789, female: 0.512 } },
  b12: {
    serumDeficientBelow: { pmolL: 133, ngL: 180 },
    serumAdequateAbove: { pmolL: 258, ngL: 350 },
    holotcDeficientBelowPmolL: 25,
    holotcAdequateAbovePmolL: 70,
    mmaDeficientAboveUmolL: 0.45,
    mmaNormalAtMostUmolL: 0.27,
    homocysteineHighAboveUmolL: 15,
    renalCaveatEgfrBelow: 60,
  },
  flags: {
    b12ConfirmDueDays: 30,
    b12FollowUpDueDays: 14,
    muscleMassDueDays: 90,
    performanceDueDays: 90,
    sarcopeniaFollowUpDueDays: 30,
    medicationReviewDueDays: 30,
  },
};

export const SOURCES = {
  ewgsop2: "EWGSOP2, Cruz-Jentoft et al., Age Ageing 2019;48:16-31, Table 3",
  awgs2019: "AWGS 2019, Chen et al., J Am Med Dir Assoc 2020;21:300-307",
  sarcF: "SARC-F, Malmstrom & Morley, J Am Med Dir Assoc 2013; positive cut-off as used by AWGS 2019 (Chen et al., JAMDA 2020;21:300-307)",
  sarcCalF: "SARC-CalF as used for case finding by AWGS 2019 (Chen et al., JAMDA 2020;21:300-307)",
  sdoc: "SDOC, Bhasin et al., J Am Geriatr Soc 2020; cut-points Cawthon et al., J Am Geriatr Soc 2020",
  fnih: "FNIH Sarcopenia Project, Studenski et al., J Gerontol A Biol Sci Med Sci 2014",
  nice: "NICE NG239 (2024), bands as reported by secondary summaries (NICE's own table not seen)",
  mma: "MMA cut-offs quoted in secondary sources (upper reference ~0.27 µmol/L; deficiency 0.376 or 0.45 µmol/L); MMA is second line per BSH 2014, Devalia et al., Br J Haematol 2014;166:496-513",
  homocysteine: "Homocysteine > 15 µmol/L quoted in secondary sources; less specific (folate, B6, kidney, thyroid)",
  renal: "Local default: eGFR < 60 mL/min/1.73m² (CKD G3a or worse); MMA rises with renal impairment (clinical reference: MMA, homocysteine and kidney function)",
  screeningAge: "Local screening default (clinical reference: B12 deficiency becomes more common with age; AWGS 2019 primary care uses ≥ 60)",
  lookBack: "Local default (clinical reference: each criterion uses the latest value within the look-back window)",
  awgsMassNormal: "Local setting: AWGS 2019 does not name the 'mass measured and normal' case (clinical reference: AWGS 2019)",
  flagDue: "Local default (this project): days from the result that raised the flag to its due date",
} as const;

/** Short citation used inside reason sentences, e.g. "(EWGSOP2, Table 3)". */
export const SHORT_SOURCES = {
  ewgsop2: "EWGSOP2, Table 3",
  awgs2019: "AWGS 2019",
  sarcF: "SARC-F",
  sarcCalF: "SARC-CalF",
  sdoc: "SDOC 2020",
  fnih: "FNIH 2014",
  nice: "NICE NG239",
  mma: "MMA cut-off, unconfirmed",
  homocysteine: "homocysteine cut-off, unconfirmed",
  renal: "local renal caveat",
  screeningAge: "local screening age",
  lookBack: "look-back window",
  awgsMassNormal: "local setting",
  flagDue: "local default",
} as const satisfies Record<keyof typeof SOURCES, string>;

export type ThresholdGroup =
  | "ewgsop2"
  | "awgs2019"
  | "case_finding"
  | "sdoc"
  | "fnih"
  | "b12"
  | "screening"
  | "flags";

interface ThresholdMeta {
  group: ThresholdGroup;
  label: string;
  unit: string;
  /** How a patient value is compared with this number to be "low"/"positive"; null for settings. */
  comparison: Comparison | null;
  source: keyof typeof SOURCES;
  /** false for items the clinical reference marks (unconfirmed) and for local settings that are not guideline text. */
  confirmed: boolean;
  origin: "guideline" | "local_setting";
  get: (t: ThresholdValues) => number | boolean | string;
}

function guideline(
  group: ThresholdGroup,
  label: string,
  unit: string,
  comparison: Comparison,
  source: keyof typeof SOURCES,
  get: (t: ThresholdValues) => number,
  confirmed = true,
): ThresholdMeta {
  return { group, label, unit, comparison, source, confirmed, origin: "guideline", get };
}

function setting(
  group: ThresholdGroup,
  label: string,
  unit: string,
  comparison: Comparison | null,
  source: keyof typeof SOURCES,
  get: (t: ThresholdValues) => number | boolean | string,
): ThresholdMeta {
  return { group, label, unit, comparison, source, confirmed: false, origin: "local_setting", get };
}

/** Metadata for every value in {@link ThresholdValues}, keyed by its dotted path. */
const THRESHOLD_META = {
  "screening.ageYears": setting("screening", "Screening age (B12 risk factor, reassessment)", "years", ">=", "screeningAge", (t) => t.screening.ageYears),
  "screening.lookBackMonths": setting("screening", "Look-back window for each criterion", "months", null, "lookBack", (t) => t.screening.lookBackMonths),

  "ewgsop2.gripKg.male": guideline("ewgsop2", "Low strength: grip, men", "kg", "<", "ewgsop2", (t) => t.ewgsop2.gripKg.male),
  "ewgsop2.gripKg.female": guideline("ewgsop2", "Low strength: grip, women", "kg", "<", "ewgsop2", (t) => t.ewgsop2.gripKg.female),
  "ewgsop2.chairStandS": guideline("ewgsop2", "Low strength: 5 chair rises", "s", ">", "ewgsop2", (t) => t.ewgsop2.chairStandS),
  "ewgsop2.asmKg.male": guideline("ewgsop2", "Low quantity: ASM, men", "kg", "<", "ewgsop2", (t) => t.ewgsop2.asmKg.male),
  "ewgsop2.asmKg.female": guideline("ewgsop2", "Low quantity: ASM, women", "kg", "<", "ewgsop2", (t) => t.ewgsop2.asmKg.female),
  "ewgsop2.asmiKgM2.male": guideline("ewgsop2", "Low quantity: ASM/height², men", "kg/m²", "<", "ewgsop2", (t) => t.ewgsop2.asmiKgM2.male),
  "ewgsop2.asmiKgM2.female": guideline("ewgsop2", "Low quantity: ASM/height², women", "kg/m²", "<", "ewgsop2", (t) => t.ewgsop2.asmiKgM2.female),
  "ewgsop2.gaitSpeedMS": guideline("ewgsop2", "Low performance: gait speed", "m/s", "<=", "ewgsop2", (t) => t.ewgsop2.gaitSpeedMS),
  "ewgsop2.sppbPoints": guideline("ewgsop2", "Low performance: SPPB", "points", "<=", "ewgsop2", (t) => t.ewgsop2.sppbPoints),
  "ewgsop2.tugS": guideline("ewgsop2", "Low performance: timed up-and-go", "s", ">=", "ewgsop2", (t) => t.ewgsop2.tugS),
  "ewgsop2.walk400mS": guideline("ewgsop2", "Low performance: 400 m walk (or not completed)", "s", ">=", "ewgsop2", (t) => t.ewgsop2.walk400mS),

  "awgs2019.gripKg.male": guideline("awgs2019", "Low strength: grip, men", "kg", "<", "awgs2019", (t) => t.awgs2019.gripKg.male),
  "awgs2019.gripKg.female": guideline("awgs2019", "Low strength: grip, women", "kg", "<", "awgs2019", (t) => t.awgs2019.gripKg.female),
  "awgs2019.gaitSpeedMS": guideline("awgs2019", "Low performance: 6 m gait speed", "m/s", "<", "awgs2019", (t) => t.awgs2019.gaitSpeedMS),
  "awgs2019.chairStandS": guideline("awgs2019", "Low performance: 5 chair rises", "s", ">=", "awgs2019", (t) => t.awgs2019.chairStandS),
  "awgs2019.sppbPoints": guideline("awgs2019", "Low performance: SPPB", "points", "<=", "awgs2019", (t) => t.awgs2019.sppbPoints),
  "awgs2019.asmiDxaKgM2.male": guideline("awgs2019", "Low mass: ASM/height² by DXA, men", "kg/m²", "<", "awgs2019", (t) => t.awgs2019.asmiDxaKgM2.male),
  "awgs2019.asmiDxaKgM2.female": guideline("awgs2019", "Low mass: ASM/height² by DXA, women", "kg/m²", "<", "awgs2019", (t) => t.awgs2019.asmiDxaKgM2.female),
  "awgs2019.asmiBiaKgM2.male": guideline("awgs2019", "Low mass: ASM/height² by BIA, men", "kg/m²", "<", "awgs2019", (t) => t.awgs2019.asmiBiaKgM2.male),
  "awgs2019.asmiBiaKgM2.female": guideline("awgs2019", "Low mass: ASM/height² by BIA, women", "kg/m²", "<", "awgs2019", (t) => t.awgs2019.asmiBiaKgM2.female),
  "awgs2019.possibleWhenMassNormal": setting("awgs2019", "Possible sarcopenia when muscle mass is measured and normal", "", null, "awgsMassNormal", (t) => t.awgs2019.possibleWhenMassNormal),

  "caseFinding.calfCm.male": guideline("case_finding", "Low calf circumference, men", "cm", "<", "awgs2019", (t) => t.caseFinding.calfCm.male),
  "caseFinding.calfCm.female": guideline("case_finding", "Low calf circumference, women", "cm", "<", "awgs2019", (t) => t.caseFinding.calfCm.female),
  "caseFinding.sarcFPositive": guideline("case_finding", "SARC-F positive", "points", ">=", "sarcF", (t) => t.caseFinding.sarcFPositive),
  "caseFinding.sarcCalFPositive": guideline("case_finding", "SARC-CalF positive", "points", ">=", "sarcCalF", (t) => t.caseFinding.sarcCalFPositive),
  "caseFinding.sarcCalFCalfPoints": guideline("case_finding", "SARC-CalF points added for a calf below the cut-off", "points", ">=", "sarcCalF", (t) => t.caseFinding.sarcCalFCalfPoints),
  "caseFinding.sarcCalFCalfComparison": {
    ...setting("case_finding", "SARC-CalF: calf 'below the cut-off' means", "", null, "sarcCalF", (t) => t.caseFinding.sarcCalFCalfComparison),
    origin: "guideline",
  },

  "sdoc.gripKg.male": guideline("sdoc", "Weakness: grip, men", "kg", "<", "sdoc", (t) => t.sdoc.gripKg.male),
  "sdoc.gripKg.female": guideline("sdoc", "Weakness: grip, women", "kg", "<", "sdoc", (t) => t.sdoc.gripKg.female),
  "sdoc.gaitSpeedMS": guideline("sdoc", "Slowness: gait speed", "m/s", "<", "sdoc", (t) => t.sdoc.gaitSpeedMS),

  "fnih.gripKg.male": guideline("fnih", "Weakness: grip, men", "kg", "<", "fnih", (t) => t.fnih.gripKg.male),
  "fnih.gripKg.female": guideline("fnih", "Weakness: grip, women", "kg", "<", "fnih", (t) => t.fnih.gripKg.female),
  "fnih.almBmi.male": guideline("fnih", "Low lean mass: ALM/BMI, men", "m²", "<", "fnih", (t) => t.fnih.almBmi.male),
  "fnih.almBmi.female": guideline("fnih", "Low lean mass: ALM/BMI, women", "m²", "<", "fnih", (t) => t.fnih.almBmi.female),

  "b12.serumDeficientBelow.pmolL": guideline("b12", "Serum B12: deficiency likely below", "pmol/L", "<", "nice", (t) => t.b12.serumDeficientBelow.pmolL),
  "b12.serumDeficientBelow.ngL": guideline("b12", "Serum B12: deficiency likely below", "ng/L", "<", "nice", (t) => t.b12.serumDeficientBelow.ngL),
  "b12.serumAdequateAbove.pmolL": guideline("b12", "Serum B12: deficiency unlikely above", "pmol/L", ">", "nice", (t) => t.b12.serumAdequateAbove.pmolL),
  "b12.serumAdequateAbove.ngL": guideline("b12", "Serum B12: deficiency unlikely above", "ng/L", ">", "nice", (t) => t.b12.serumAdequateAbove.ngL),
  "b12.holotcDeficientBelowPmolL": guideline("b12", "Active B12: deficiency likely below", "pmol/L", "<", "nice", (t) => t.b12.holotcDeficientBelowPmolL),
  "b12.holotcAdequateAbovePmolL": guideline("b12", "Active B12: deficiency unlikely above", "pmol/L", ">", "nice", (t) => t.b12.holotcAdequateAbovePmolL),
  "b12.mmaDeficientAboveUmolL": guideline("b12", "MMA confirms deficiency above", "µmol/L", ">", "mma", (t) => t.b12.mmaDeficientAboveUmolL, false),
  "b12.mmaNormalAtMostUmolL": guideline("b12", "MMA rules deficiency out at or below", "µmol/L", "<=", "mma", (t) => t.b12.mmaNormalAtMostUmolL, false),
  "b12.homocysteineHighAboveUmolL": guideline("b12", "Homocysteine supports deficiency above", "µmol/L", ">", "homocysteine", (t) => t.b12.homocysteineHighAboveUmolL, false),
  "b12.renalCaveatEgfrBelow": setting("b12", "MMA renal caveat when eGFR is below", "mL/min/1.73m²", "<", "renal", (t) => t.b12.renalCaveatEgfrBelow),

  "flags.b12ConfirmDueDays": setting("flags", "b12_confirm_due: days after the indeterminate result", "days", null, "flagDue", (t) => t.flags.b12ConfirmDueDays),
  "flags.b12FollowUpDueDays": setting("flags", "b12_follow_up: days after the deficient result", "days", null, "flagDue", (t) => t.flags.b12FollowUpDueDays),
  "flags.muscleMassDueDays": setting("flags", "muscle_mass_due: days after the low-strength result", "days", null, "flagDue", (t) => t.flags.muscleMassDueDays),
  "flags.performanceDueDays": setting("flags", "performance_due: days after the confirming result", "days", null, "flagDue", (t) => t.flags.performanceDueDays),
  "flags.sarcopeniaFollowUpDueDays": setting("flags", "sarcopenia_follow_up: days after the finding", "days", null, "flagDue", (t) => t.flags.sarcopeniaFollowUpDueDays),
  "flags.medicationReviewDueDays": setting("flags", "medication_review: days after the finding", "days", null, "flagDue", (t) => t.flags.medicationReviewDueDays),
} satisfies Record<string, ThresholdMeta>;

export type ThresholdKey = keyof typeof THRESHOLD_META;

export interface ThresholdCatalogueEntry {
  key: ThresholdKey;
  group: ThresholdGroup;
  label: string;
  value: number | boolean | string;
  unit: string;
  comparison: Comparison | null;
  source: string;
  confirmed: boolean;
  origin: "guideline" | "local_setting";
}

/** Every threshold of `values`, described for the "about these thresholds" page. */
export function describeThresholds(values: ThresholdValues): ThresholdCatalogueEntry[] {
  return (Object.keys(THRESHOLD_META) as ThresholdKey[]).map((key) => {
    const meta: ThresholdMeta = THRESHOLD_META[key];
    return {
      key,
      group: meta.group,
      label: meta.label,
      value: meta.get(values),
      unit: meta.unit,
      comparison: meta.comparison,
      source: SOURCES[meta.source],
      confirmed: meta.confirmed,
      origin: meta.origin,
    };
  });
}

/** The default set, described. The SARC-CalF comparison is (unconfirmed): docs/clinical-reference.md#case-finding. */
export const THRESHOLD_CATALOGUE: readonly ThresholdCatalogueEntry[] = describeThresholds(DEFAULT_THRESHOLDS);

/** A numeric threshold as a rule uses it: value plus the metadata a reason must carry. */
export interface ThresholdRef {
  key: ThresholdKey;
  value: number;
  unit: string;
  comparison: Comparison;
  source: string;
  shortSource: string;
}

/** Looks up a numeric, comparable threshold; throws on a setting key (a programming error). */
export function thresholdRef(values: ThresholdValues, key: ThresholdKey): ThresholdRef {
  const meta: ThresholdMeta = THRESHOLD_META[key];
  const value = meta.get(values);
  if (typeof value !== "number" || meta.comparison === null) {
    throw new Error(`Threshold ${key} is a setting, not a comparable number.`);
  }
  return {
    key,
    value,
    unit: meta.unit,
    comparison: meta.comparison,
    source: SOURCES[meta.source],
    shortSource: SHORT_SOURCES[meta.source],
  };
}

/** Picks the men's or women's key; callers have already handled unknown sex. */
export function sexKey<K extends ThresholdKey>(sex: Exclude<Sex, "unknown">, male: K, female: K): K {
  return sex === "male" ? male : female;
}
