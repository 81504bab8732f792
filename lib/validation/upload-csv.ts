import { stringify } from "csv-stringify/sync";
import { neutraliseCell, type CsvCell } from "@/lib/domain/csv-export";
import { ASSESSMENT_COLUMNS, type AssessmentColumn } from "./assessment-row";

/**
 * CSV files the upload page hands out: the assessment spreadsheet template and the list of a
 * preview's problems. Both are formula-safe (lib/domain/csv-export.ts `neutraliseCell`), like the
 * cohort export, because they are opened in spreadsheets.
 */

/** Example visits for the template: values a clinician recognises, valid under the importer's rules. */
const TEMPLATE_EXAMPLES: readonly Partial<Record<AssessmentColumn, string>>[] = [
  {
    mrn: "EXAMPLE-001",
    family_name: "Example",
    given_name: "Ada",
    birth_date: "1948-03-02",
    sex: "female",
    diet: "omnivore",
    assessed_on: "2026-10-01",
    grip_strength_kg: "22.5",
    gait_speed_m_s: "1.15",
    chair_stand_5x_s: "10.2",
    sppb_score: "11",
    asm_kg: "15.8",
    asm_method: "dxa",
    height_cm: "160",
    weight_kg: "62",
    calf_circumference_cm: "35",
    sarc_f_score: "1",
    b12_value: "410",
    b12_unit: "pmol/L",
    yubi_wakka: "bigger",
  },
  {
    mrn: "EXAMPLE-002",
    family_name: "Example",
    given_name: "Ben",
    birth_date: "1944-07-19",
    sex: "male",
    diet: "vegetarian",
    conditions: "gastrectomy",
    assessed_on: "2026-10-01",
    grip_strength_lb: "52",
    walk_4m_s: "5.4",
    chair_stand_5x_s: "unable",
    asm_kg: "17.9",
    asm_method: "bia",
    height_cm: "172",
    weight_kg: "70",
    b12_value: "160",
    b12_unit: "pg/mL",
    mma_umol_l: "0.62",
    medications: "metformin@2015-05-01;omeprazole",
    b12_symptoms: "fatigue;pins_and_needles",
    medications_stopped: "prednisolone@2026-08-15",
  },
];

function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return stringify(rows.map((row) => row.map(neutraliseCell)));
}

/** The assessment spreadsheet template: every column of docs/design.md, in order, and two example visits. */
export function buildAssessmentTemplateCsv(): string {
  return toCsv([[...ASSESSMENT_COLUMNS], ...TEMPLATE_EXAMPLES.map((example) => ASSESSMENT_COLUMNS.map((column) => example[column] ?? ""))]);
}

export interface UploadProblem {
  row: number;
  column: string;
  message: string;
}

/** A preview's problems as CSV (`severity,row,column,message`), errors first, in row order. */
export function buildProblemsCsv(problems: { errors: readonly UploadProblem[]; warnings: readonly UploadProblem[] }): string {
  const line = (severity: string) => (p: UploadProblem) => [severity, p.row, p.column, p.message];
  return toCsv([["severity", "row", "column", "message"], ...problems.errors.map(line("error")), ...problems.warnings.map(line("warning"))]);
}
