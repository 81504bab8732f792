import { neutraliseCell, type CsvCell } from "./csv-export";
import { ageInYears } from "./dates";
import { gaitSpeedBand, gripBand, serumB12Band } from "./measure-bands";
import { ageBandOf, B12_LOWERING_CLASSES } from "./summary-tables";

/**
 * The analyst's patient-level export: no name, MRN, birth date or exact date (the HIPAA Safe
 * Harbor identifiers, 45 CFR §164.514(b)(2), that the clinic holds), only the age band (90 and
 * over top-coded), sex, the stored categories, the flag codes, the B12-lowering medicine classes
 * and the latest grip strength, gait speed and serum B12 in guideline bands (./measure-bands.ts),
 * under a pseudonym that is new for every export so two exports cannot be joined. The columns and
 * their values are a contract with analysts: docs/analyst-data.md. New columns go at the
 * end.
 */
export const DEIDENTIFIED_COLUMNS = [
  "pseudonym",
  "age_band",
  "sex",
  "tier",
  "ewgsop2",
  "awgs2019",
  "b12_status",
  "b12_on_treatment",
  "flags",
  "b12_lowering_medications",
  "grip_strength_band",
  "gait_speed_band",
  "serum_b12_band",
] as const;
export type DeidentifiedColumn = (typeof DEIDENTIFIED_COLUMNS)[number];

/**
 * The cells a row gives up, first to last, when too few patients share all of it
 * (./k-anonymity.ts): first the lists that split patients most finely and matter least to an
 * analysis of screening — the open flags (32 different lists in the demo clinic of 1,000) and the
 * medicine list (10) — then the measure bands, the categories derived from them, and B12. Age
 * band, sex and tier are never given up: a row that is rare by them alone is withheld.
 */
export const DEIDENTIFIED_SUPPRESSION_ORDER = [
  "flags",
  "b12_lowering_medications",
  "serum_b12_band",
  "gait_speed_band",
  "grip_strength_band",
  "awgs2019",
  "ewgsop2",
  "b12_on_treatment",
  "b12_status",
] as const satisfies readonly DeidentifiedColumn[];

export interface DeidentifiedInput {
  pseudonym: string;
  birthDate: Date;
  sex: string;
  /** The stored `;metformin;ppi;` list of current medicine classes. */
  medicationClasses: string;
  /** The latest results, as stored for the panel (kg, m/s, pmol/L), with when they were taken. */
  latestGripKg: number | null;
  latestGripAt: Date | null;
  latestGaitMs: number | null;
  latestGaitAt: Date | null;
  latestB12Pmol: number | null;
  latestB12At: Date | null;
  snapshot: { tier: string; ewgsop2: string; awgs2019: string; b12Status: string; b12OnTreatment: boolean; flagCodes: string } | null;
}

/** One row in {@link DEIDENTIFIED_COLUMNS} order, cells neutralised against formula injection. */
export function toDeidentifiedRow(patient: DeidentifiedInput, now: Date): CsvCell[] {
  const classes = patient.medicationClasses.split(";").filter(Boolean);
  const s = patient.snapshot;
  const cells: CsvCell[] = [
    patient.pseudonym,
    ageBandOf(ageInYears(patient.birthDate, now)),
    patient.sex,
    s?.tier ?? null,
    s?.ewgsop2 ?? null,
    s?.awgs2019 ?? null,
    s?.b12Status ?? null,
    s ? String(s.b12OnTreatment) : null,
    s ? s.flagCodes.split(";").filter(Boolean).sort().join(";") : null,
    B12_LOWERING_CLASSES.filter((c) => classes.includes(c)).join(";"),
    gripBand(patient.latestGripKg, patient.latestGripAt, patient.sex, now),
    gaitSpeedBand(patient.latestGaitMs, patient.latestGaitAt, now),
    serumB12Band(patient.latestB12Pmol, patient.latestB12At, now),
  ];
  return cells.map(neutraliseCell);
}
