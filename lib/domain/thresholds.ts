import { DEFAULT_FLAG_LIFECYCLE, type FlagLifecycleSettings } from "./flag-lifecycle";
import type { Comparison, Sex } from "./types";

/** A cut-off that differs by sex; applied only when sex is known. */
export interface SexSpecific {
  male: number;
  female: number;
}

/**
 * An AWGS 2025 cut-off for each age band, chosen by the patient's age on the day of the
 * measurement (docs/clinical-reference.md#awgs-2025): 50–64 years, and 65 and over.
 */
export interface AgeBanded<T> {
  age50to64: T;
  age65plus: T;
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
  /**
   * AWGS 2025 (docs/clinical-reference.md#awgs-2025). A group of its own so that a threshold set
   * stored before it existed still parses (it takes these defaults).
   */
  awgs2025: {
    gripKg: AgeBanded<SexSpecific>;
    asmiDxaKgM2: AgeBanded<SexSpecific>;
    asmiBiaKgM2: AgeBanded<SexSpecific>;
    asmBmiDxa: AgeBanded<SexSpecific>;
    asmBmiBia: AgeBanded<SexSpecific>;
    /** Outcomes shown beside the category, never diagnostic. */
    chairStandS: AgeBanded<number>;
    gaitSpeedMS: AgeBanded<number>;
    /** Risk condition ("at risk" at any age ≥ 50): BMI below this. */
    riskBmiBelowKgM2: number;
    /** Risk condition: weight loss of at least this much within `riskWeightLossWindowDays`. */
    riskWeightLossKg: number;
    /** The paper's "within 6 months", read as this many days before the latest weight (local setting). */
    riskWeightLossWindowDays: number;
    /** Whether a Yubi-wakka result "just fits" is abnormal as well as "smaller" (unconfirmed; default no). */
    yubiWakkaJustFitsAbnormal: boolean;
    /** Low grip with muscle mass measured and normal: the paper does not name it. true → "possible" (default). */
    possibleWhenMassNormal: boolean;
    /**
     * Which AWGS edition tiers and flags read ("the AWGS category in force"): false → AWGS 2019
     * (default, so that no panel changes unasked), true → AWGS 2025. Both are always evaluated.
     */
    drivesTiersAndFlags: boolean;
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
   * Who is offered a B12 test and how often (docs/clinical-reference.md#who-to-test-for-b12). A
   * group of its own so that a set stored before it existed still parses (it takes these defaults).
   */
  b12Testing: {
    /**
     * Local case-finding policy: raise `b12_test_due` on a risk factor alone (beyond NICE NG239,
     * which offers a test for a symptom or sign together with a risk factor). Default on.
     */
    caseFindingOnRiskFactorAlone: boolean;
    /** A risk factor raises `b12_test_due` again this many months after the last B12 result (local setting). */
    retestIntervalMonths: number;
    /** A current PPI or H2-receptor antagonist counts as a B12 risk after this many months of use (unconfirmed). */
    acidSuppressantMinMonths: number;
  };
  /**
   * `muscle_decline` (docs/clinical-reference.md#muscle-decline): a fall between two results at
   * most `windowMonths` apart. No guideline fixes these sizes (unconfirmed).
   */
  decline: {
    gripDropKg: number;
    gaitSpeedDropMS: number;
    windowMonths: number;
    /** Days from the later of the two results to the flag's due date (local setting). */
    dueDays: number;
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
  /**
   * The flag lifecycle (docs/design.md#flag-lifecycle; lib/domain/flag-lifecycle.ts): when a flag
   * is due soon, how long an ordered test's result is awaited, when a flag a person closed may
   * return. A group of its own so that a set stored before it existed still parses.
   */
  flagLifecycle: FlagLifecycleSettings;
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
  awgs2025: {
    gripKg: { age50to64: { male: 34.0, female: 20.0 }, age65plus: { male: 28.0, female: 18.0 } },
    asmiDxaKgM2: { age50to64: { male: 7.2, female: 5.5 }, age65plus: { male: 7.0, female: 5.4 } },
    asmiBiaKgM2: { age50to64: { male: 7.6, female: 5.7 }, age65plus: { male: 7.0, female: 5.7 } },
    asmBmiDxa: { age50to64: { male: 0.8, female: 0.55 }, age65plus: { male: 0.73, female: 0.52 } },
    asmBmiBia: { age50to64: { male: 0.9, female: 0.63 }, age65plus: { male: 0.83, female: 0.57 } },
    chairStandS: { age50to64: 10.0, age65plus: 12.0 },
    gaitSpeedMS: { age50to64: 1.2, age65plus: 1.0 },
    riskBmiBelowKgM2: 20,
    riskWeightLossKg: 2.0,
    riskWeightLossWindowDays: 183,
    yubiWakkaJustFitsAbnormal: false,
    possibleWhenMassNormal: true,
    drivesTiersAndFlags: false,
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
  b12Testing: {
    caseFindingOnRiskFactorAlone: true,
    retestIntervalMonths: 12,
    acidSuppressantMinMonths: 12,
  },
  decline: {
    gripDropKg: 5.0,
    gaitSpeedDropMS: 0.1,
    windowMonths: 12,
    dueDays: 30,
  },
  flags: {
    b12ConfirmDueDays: 30,
    b12FollowUpDueDays: 14,
    muscleMassDueDays: 90,
    performanceDueDays: 90,
    sarcopeniaFollowUpDueDays: 30,
    medicationReviewDueDays: 30,
  },
  flagLifecycle: { ...DEFAULT_FLAG_LIFECYCLE },
};

export const SOURCES = {
  ewgsop2: "EWGSOP2, Cruz-Jentoft et al., Age Ageing 2019;48:16-31, Table 3",
  awgs2019: "AWGS 2019, Chen et al., J Am Med Dir Assoc 2020;21:300-307",
  sarcF: "SARC-F, Malmstrom & Morley, J Am Med Dir Assoc 2013; positive cut-off as used by AWGS 2019 (Chen et al., JAMDA 2020;21:300-307)",
  sarcCalF: "SARC-CalF as used for case finding by AWGS 2019 (Chen et al., JAMDA 2020;21:300-307)",
  sdoc: "SDOC, Bhasin et al., J Am Geriatr Soc 2020; cut-points Cawthon et al., J Am Geriatr Soc 2020",
  fnih: "FNIH Sarcopenia Project, Studenski et al., J Gerontol A Biol Sci Med Sci 2014",
  nice: "NICE NG239 (2024), bands as reported by secondary summaries (NICE's own table not seen)",
  mma: "Clinic's MMA policy: NICE NG239 gives no MMA number; cut-offs quoted in secondary sources (upper reference ~0.27 µmol/L; deficiency 0.376 or 0.45 µmol/L; some cohorts > 0.271 µmol/L); MMA is second line per BSH 2014, Devalia et al., Br J Haematol 2014;166:496-513",
  homocysteine: "Homocysteine > 15 µmol/L quoted in secondary sources; less specific (folate, B6, kidney, thyroid)",
  renal: "Local default: eGFR < 60 mL/min/1.73m² (CKD G3a or worse); MMA rises with renal impairment (clinical reference: MMA, homocysteine and kidney function)",
  screeningAge: "Local screening default (clinical reference: B12 deficiency becomes more common with age; AWGS 2019 primary care uses ≥ 60)",
  lookBack: "Local default (clinical reference: each criterion uses the latest value within the look-back window)",
  awgsMassNormal: "Local setting: AWGS 2019 does not name the 'mass measured and normal' case (clinical reference: AWGS 2019)",
  flagDue: "Local default (this project): days from the result that raised the flag to its due date",
  awgs2025: "AWGS 2025, Chen et al., Nature Aging 2025 (doi:10.1038/s43587-025-01004-y), Table 2 and Fig. 2",
  awgs2025MassNormal: "Local setting: AWGS 2025 does not name the 'mass measured and normal' case (clinical reference: AWGS 2025)",
  awgs2025WeightLossWindow: "Local setting: AWGS 2025's weight loss 'within 6 months' read as the 183 days before the latest weight",
  yubiWakka: "Yubi-wakka finger-ring test as used for case finding by AWGS 2025 (Chen et al., Nature Aging 2025); which results count as abnormal is unconfirmed",
  awgsEdition: "Local setting: AWGS 2025 supersedes AWGS 2019 for Asian populations (Chen et al., Nature Aging 2025); 2019 stays the default so that no panel changes unasked",
  b12CaseFinding: "Local case-finding policy, beyond NICE NG239 (2024), which offers a B12 test for at least one symptom or sign together with a risk factor (NICE authors' summary, BMJ 2024;385:q1019)",
  b12Retest: "Local setting: no source fixes an interval (ADA: 'periodic' on metformin; US metformin label: every 2-3 years, secondary; MHRA 2022: test with symptoms; AGA 2017: no routine monitoring of PPI users)",
  acidSuppressant: "Duration of acid-suppressant use that counts as a B12 risk, from secondary sources (unconfirmed); Lam et al., JAMA 2013 found the risk after ≥ 2 years' use",
  gripDecline: "Bohannon RW, J Geriatr Phys Ther 2019: minimal clinically important difference in grip strength 5.0-6.5 kg; no guideline fixes a meaningful decline (unconfirmed)",
  gaitDecline: "Perera S et al., J Am Geriatr Soc 2006: substantial meaningful change in gait speed 0.1 m/s; no guideline fixes a meaningful decline (unconfirmed)",
  declineWindow: "Local setting: two results at most this far apart are compared (WHO ICOPE re-screens every 4-6 months and alerts on decline)",
  flagLifecycle: "Local setting (this project): the flag lifecycle's windows (docs/design.md, Flag lifecycle)",
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
  mma: "clinic's MMA cut-off, unconfirmed: NICE gives none",
  homocysteine: "homocysteine cut-off, unconfirmed",
  renal: "local renal caveat",
  screeningAge: "local screening age",
  lookBack: "look-back window",
  awgsMassNormal: "local setting",
  flagDue: "local default",
  awgs2025: "AWGS 2025",
  awgs2025MassNormal: "local setting",
  awgs2025WeightLossWindow: "local setting",
  yubiWakka: "Yubi-wakka, unconfirmed",
  awgsEdition: "local setting",
  b12CaseFinding: "local case-finding policy",
  b12Retest: "local re-test interval",
  acidSuppressant: "acid-suppressant duration, unconfirmed",
  gripDecline: "Bohannon 2019, unconfirmed",
  gaitDecline: "Perera 2006, unconfirmed",
  declineWindow: "local setting",
  flagLifecycle: "local setting",
} as const satisfies Record<keyof typeof SOURCES, string>;

/**
 * Sections of the Thresholds page and its edit form, one per policy a clinic governs: each has a
 * title and says what it implements (lib/domain/threshold-sections.ts).
 */
export type ThresholdGroup =
  | "screening"
  | "ewgsop2"
  | "awgs_edition"
  | "awgs2019"
  | "awgs2025"
  | "case_finding"
  | "sdoc"
  | "fnih"
  | "b12"
  | "b12_second_line"
  | "b12_testing"
  | "decline"
  | "flags"
  | "flag_lifecycle";

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

  "awgs2025.gripKg.age50to64.male": guideline("awgs2025", "Low strength: grip, men aged 50–64", "kg", "<", "awgs2025", (t) => t.awgs2025.gripKg.age50to64.male),
  "awgs2025.gripKg.age50to64.female": guideline("awgs2025", "Low strength: grip, women aged 50–64", "kg", "<", "awgs2025", (t) => t.awgs2025.gripKg.age50to64.female),
  "awgs2025.gripKg.age65plus.male": guideline("awgs2025", "Low strength: grip, men aged 65 and over", "kg", "<", "awgs2025", (t) => t.awgs2025.gripKg.age65plus.male),
  "awgs2025.gripKg.age65plus.female": guideline("awgs2025", "Low strength: grip, women aged 65 and over", "kg", "<", "awgs2025", (t) => t.awgs2025.gripKg.age65plus.female),
  "awgs2025.asmiDxaKgM2.age50to64.male": guideline("awgs2025", "Low mass: ASM/height² by DXA, men aged 50–64", "kg/m²", "<", "awgs2025", (t) => t.awgs2025.asmiDxaKgM2.age50to64.male),
  "awgs2025.asmiDxaKgM2.age50to64.female": guideline("awgs2025", "Low mass: ASM/height² by DXA, women aged 50–64", "kg/m²", "<", "awgs2025", (t) => t.awgs2025.asmiDxaKgM2.age50to64.female),
  "awgs2025.asmiDxaKgM2.age65plus.male": guideline("awgs2025", "Low mass: ASM/height² by DXA, men aged 65 and over", "kg/m²", "<", "awgs2025", (t) => t.awgs2025.asmiDxaKgM2.age65plus.male),
  "awgs2025.asmiDxaKgM2.age65plus.female": guideline("awgs2025", "Low mass: ASM/height² by DXA, women aged 65 and over", "kg/m²", "<", "awgs2025", (t) => t.awgs2025.asmiDxaKgM2.age65plus.female),
  "awgs2025.asmiBiaKgM2.age50to64.male": guideline("awgs2025", "Low mass: ASM/height² by BIA, men aged 50–64", "kg/m²", "<", "awgs2025", (t) => t.awgs2025.asmiBiaKgM2.age50to64.male),
  "awgs2025.asmiBiaKgM2.age50to64.female": guideline("awgs2025", "Low mass: ASM/height² by BIA, women aged 50–64", "kg/m²", "<", "awgs2025", (t) => t.awgs2025.asmiBiaKgM2.age50to64.female),
  "awgs2025.asmiBiaKgM2.age65plus.male": guideline("awgs2025", "Low mass: ASM/height² by BIA, men aged 65 and over", "kg/m²", "<", "awgs2025", (t) => t.awgs2025.asmiBiaKgM2.age65plus.male),
  "awgs2025.asmiBiaKgM2.age65plus.female": guideline("awgs2025", "Low mass: ASM/height² by BIA, women aged 65 and over", "kg/m²", "<", "awgs2025", (t) => t.awgs2025.asmiBiaKgM2.age65plus.female),
  "awgs2025.asmBmiDxa.age50to64.male": guideline("awgs2025", "Low mass: ASM/BMI by DXA, men aged 50–64", "m²", "<", "awgs2025", (t) => t.awgs2025.asmBmiDxa.age50to64.male),
  "awgs2025.asmBmiDxa.age50to64.female": guideline("awgs2025", "Low mass: ASM/BMI by DXA, women aged 50–64", "m²", "<", "awgs2025", (t) => t.awgs2025.asmBmiDxa.age50to64.female),
  "awgs2025.asmBmiDxa.age65plus.male": guideline("awgs2025", "Low mass: ASM/BMI by DXA, men aged 65 and over", "m²", "<", "awgs2025", (t) => t.awgs2025.asmBmiDxa.age65plus.male),
  "awgs2025.asmBmiDxa.age65plus.female": guideline("awgs2025", "Low mass: ASM/BMI by DXA, women aged 65 and over", "m²", "<", "awgs2025", (t) => t.awgs2025.asmBmiDxa.age65plus.female),
  "awgs2025.asmBmiBia.age50to64.male": guideline("awgs2025", "Low mass: ASM/BMI by BIA, men aged 50–64", "m²", "<", "awgs2025", (t) => t.awgs2025.asmBmiBia.age50to64.male),
  "awgs2025.asmBmiBia.age50to64.female": guideline("awgs2025", "Low mass: ASM/BMI by BIA, women aged 50–64", "m²", "<", "awgs2025", (t) => t.awgs2025.asmBmiBia.age50to64.female),
  "awgs2025.asmBmiBia.age65plus.male": guideline("awgs2025", "Low mass: ASM/BMI by BIA, men aged 65 and over", "m²", "<", "awgs2025", (t) => t.awgs2025.asmBmiBia.age65plus.male),
  "awgs2025.asmBmiBia.age65plus.female": guideline("awgs2025", "Low mass: ASM/BMI by BIA, women aged 65 and over", "m²", "<", "awgs2025", (t) => t.awgs2025.asmBmiBia.age65plus.female),
  "awgs2025.chairStandS.age50to64": guideline("awgs2025", "Outcome (not diagnostic): 5 chair rises, aged 50–64", "s", ">=", "awgs2025", (t) => t.awgs2025.chairStandS.age50to64),
  "awgs2025.chairStandS.age65plus": guideline("awgs2025", "Outcome (not diagnostic): 5 chair rises, aged 65 and over", "s", ">=", "awgs2025", (t) => t.awgs2025.chairStandS.age65plus),
  "awgs2025.gaitSpeedMS.age50to64": guideline("awgs2025", "Outcome (not diagnostic): gait speed, aged 50–64", "m/s", "<", "awgs2025", (t) => t.awgs2025.gaitSpeedMS.age50to64),
  "awgs2025.gaitSpeedMS.age65plus": guideline("awgs2025", "Outcome (not diagnostic): gait speed, aged 65 and over", "m/s", "<", "awgs2025", (t) => t.awgs2025.gaitSpeedMS.age65plus),
  "awgs2025.riskBmiBelowKgM2": guideline("awgs2025", "At risk (age ≥ 50): BMI", "kg/m²", "<", "awgs2025", (t) => t.awgs2025.riskBmiBelowKgM2),
  "awgs2025.riskWeightLossKg": guideline("awgs2025", "At risk (age ≥ 50): weight loss within 6 months", "kg", ">=", "awgs2025", (t) => t.awgs2025.riskWeightLossKg),
  "awgs2025.riskWeightLossWindowDays": setting("awgs2025", "Weight loss 'within 6 months' means within", "days", null, "awgs2025WeightLossWindow", (t) => t.awgs2025.riskWeightLossWindowDays),
  "awgs2025.yubiWakkaJustFitsAbnormal": setting("awgs2025", "Yubi-wakka 'just fits' counts as abnormal (as 'smaller' does)", "", null, "yubiWakka", (t) => t.awgs2025.yubiWakkaJustFitsAbnormal),
  "awgs2025.possibleWhenMassNormal": setting("awgs2025", "Possible sarcopenia when muscle mass is measured and normal", "", null, "awgs2025MassNormal", (t) => t.awgs2025.possibleWhenMassNormal),
  "awgs2025.drivesTiersAndFlags": setting("awgs_edition", "AWGS edition for tiers and flags: the 2025 edition (otherwise 2019)", "", null, "awgsEdition", (t) => t.awgs2025.drivesTiersAndFlags),

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
  "b12.mmaDeficientAboveUmolL": guideline("b12_second_line", "MMA confirms deficiency above", "µmol/L", ">", "mma", (t) => t.b12.mmaDeficientAboveUmolL, false),
  "b12.mmaNormalAtMostUmolL": guideline("b12_second_line", "MMA rules deficiency out at or below", "µmol/L", "<=", "mma", (t) => t.b12.mmaNormalAtMostUmolL, false),
  "b12.homocysteineHighAboveUmolL": guideline("b12_second_line", "Homocysteine supports deficiency above", "µmol/L", ">", "homocysteine", (t) => t.b12.homocysteineHighAboveUmolL, false),
  "b12Testing.caseFindingOnRiskFactorAlone": setting("b12_testing", "b12_test_due on a risk factor alone, without a symptom (local case-finding policy, beyond NICE)", "", null, "b12CaseFinding", (t) => t.b12Testing.caseFindingOnRiskFactorAlone),
  "b12Testing.retestIntervalMonths": setting("b12_testing", "b12_test_due again after the last B12 result", "months", null, "b12Retest", (t) => t.b12Testing.retestIntervalMonths),
  "b12Testing.acidSuppressantMinMonths": guideline("b12_testing", "PPI or H2-receptor antagonist counts as a B12 risk after", "months", ">=", "acidSuppressant", (t) => t.b12Testing.acidSuppressantMinMonths, false),
  "b12.renalCaveatEgfrBelow": setting("b12_second_line", "MMA renal caveat when eGFR is below", "mL/min/1.73m²", "<", "renal", (t) => t.b12.renalCaveatEgfrBelow),

  "decline.gripDropKg": guideline("decline", "muscle_decline: grip strength fall", "kg", ">=", "gripDecline", (t) => t.decline.gripDropKg, false),
  "decline.gaitSpeedDropMS": guideline("decline", "muscle_decline: gait speed fall", "m/s", ">=", "gaitDecline", (t) => t.decline.gaitSpeedDropMS, false),
  "decline.windowMonths": setting("decline", "muscle_decline: the two results at most this far apart", "months", null, "declineWindow", (t) => t.decline.windowMonths),
  "decline.dueDays": setting("flags", "muscle_decline: days after the later result", "days", null, "flagDue", (t) => t.decline.dueDays),
  "flags.b12ConfirmDueDays": setting("flags", "b12_confirm_due: days after the indeterminate result", "days", null, "flagDue", (t) => t.flags.b12ConfirmDueDays),
  "flags.b12FollowUpDueDays": setting("flags", "b12_follow_up: days after the deficient result", "days", null, "flagDue", (t) => t.flags.b12FollowUpDueDays),
  "flags.muscleMassDueDays": setting("flags", "muscle_mass_due: days after the low-strength result", "days", null, "flagDue", (t) => t.flags.muscleMassDueDays),
  "flags.performanceDueDays": setting("flags", "performance_due: days after the confirming result", "days", null, "flagDue", (t) => t.flags.performanceDueDays),
  "flags.sarcopeniaFollowUpDueDays": setting("flags", "sarcopenia_follow_up: days after the finding", "days", null, "flagDue", (t) => t.flags.sarcopeniaFollowUpDueDays),
  "flags.medicationReviewDueDays": setting("flags", "medication_review: days after the finding", "days", null, "flagDue", (t) => t.flags.medicationReviewDueDays),
  "flagLifecycle.dueSoonDays": setting("flag_lifecycle", "A flag is due soon from this many days before its due day", "days", null, "flagLifecycle", (t) => t.flagLifecycle.dueSoonDays),
  "flagLifecycle.awaitingResultDays": setting("flag_lifecycle", "An ordered test's result is awaited this long, then the flag is overdue again", "days", null, "flagLifecycle", (t) => t.flagLifecycle.awaitingResultDays),
  "flagLifecycle.closedReturnDays": setting("flag_lifecycle", "A flag closed by a person may return after", "days", null, "flagLifecycle", (t) => t.flagLifecycle.closedReturnDays),
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

/**
 * `values` with the groups added after threshold sets were first stored (`awgs2025`,
 * `b12Testing`, `decline`) taken from the defaults where they are missing. A stored set read
 * without the schema (lib/validation/thresholds.ts fills them the same way) may lack them,
 * whatever its static type says.
 */
export function withAddedGroups(values: ThresholdValues): ThresholdValues {
  const stored: Partial<ThresholdValues> = values;
  return {
    ...values,
    awgs2025: stored.awgs2025 ?? DEFAULT_THRESHOLDS.awgs2025,
    b12Testing: stored.b12Testing ?? DEFAULT_THRESHOLDS.b12Testing,
    decline: stored.decline ?? DEFAULT_THRESHOLDS.decline,
    flagLifecycle: stored.flagLifecycle ?? DEFAULT_THRESHOLDS.flagLifecycle,
  };
}

/** Every threshold of `values`, described for the "about these thresholds" page. */
export function describeThresholds(values: ThresholdValues): ThresholdCatalogueEntry[] {
  const complete = withAddedGroups(values);
  return (Object.keys(THRESHOLD_META) as ThresholdKey[]).map((key) => {
    const meta: ThresholdMeta = THRESHOLD_META[key];
    return {
      key,
      group: meta.group,
      label: meta.label,
      value: meta.get(complete),
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

/** Whether `key` names a value of a threshold set (an audit detail or a form field may hold anything). */
export function isThresholdKey(key: string): key is ThresholdKey {
  return Object.hasOwn(THRESHOLD_META, key);
}

/** A value as the pages write it, with its unit: "16 kg", "yes", "≤". */
export function formatThresholdValue(value: number | boolean | string | null, unit: string): string {
  if (value === null) return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") return value === "<=" ? "≤" : value;
  return unit ? `${value} ${unit}` : String(value);
}
