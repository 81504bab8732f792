import { neutraliseCell, type CsvCell } from "./csv-export";
import { ageInYears } from "./dates";
import { ageBandOf, B12_LOWERING_CLASSES } from "./summary-tables";

/**
 * The analyst's patient-level export: no name, MRN, birth date or exact date (the HIPAA Safe
 * Harbor identifiers, 45 CFR §164.514(b)(2), that the clinic holds), only the age band (90 and
 * over top-coded), sex, the stored categories, the flag codes and the B12-lowering medicine
 * classes, under a pseudonym that is new for every export so two exports cannot be joined.
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
] as const;

export interface DeidentifiedInput {
  pseudonym: string;
  birthDate: Date;
  sex: string;
  /** The stored `;metformin;ppi;` list of current medicine classes. */
  medicationClasses: string;
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
  ];
  return cells.map(neutraliseCell);
}
