import type { Rejection } from "@/lib/domain/fhir-map";

/**
 * What an import does with a bad row (docs/design.md#import-semantics), for the spreadsheet and
 * for FHIR — the whole policy in one place:
 *
 * - **Every problem is collected**, never only the first: the whole source is read and checked
 *   before anything is written (lib/data/import/read-csv.ts, read-fhir.ts), and each problem is
 *   reported with where it is (spreadsheet row and column; FHIR file and line, or resource id and
 *   code) and what to do.
 * - **Spreadsheet, by default all or nothing**: any row problem means nothing is written; the
 *   ImportJob is recorded as "failed" with every problem. With `--skip-invalid` (the upload page's
 *   "skip invalid rows") the valid rows are written and the invalid ones listed.
 * - **A patient is imported whole or not at all**: a problem in any row of an MRN (a demographic
 *   that disagrees with another row or with the clinic's record, a birth date after a visit, a new
 *   MRN without its demographics) leaves out every row of that MRN, each reported as "Not
 *   imported: patient … has a problem reported in row …" ({@link leaveOutBlockedPatients}).
 * - **A problem with the file itself stops everything**, with or without `--skip-invalid`: not
 *   UTF-8, not CSV, no header, a header with unknown or repeated columns
 *   ({@link isSpreadsheetBlocked}).
 * - **FHIR**: a file that cannot be read (not JSON, not a resource) stops the import; a resource
 *   that cannot be imported (a mislabelled code, a wrong unit, an implausible value, an unknown
 *   subject…) is rejected with its id, code and reason and does not stop the rest
 *   ({@link isFhirBlocked}). An ordinary Observation screening does not use (a code the app does
 *   not map: blood pressure, HbA1c…) is not a problem: it is **ignored**, counted by code
 *   ({@link FhirIgnoredCode}), so the preview keeps the real problems in view.
 * - **Nothing half-written**: whatever is written is written in one transaction, so a failure
 *   part-way (or a crash) leaves the database as it was (lib/data/import/run.ts).
 * - The ImportJob keeps the first {@link SUMMARY_PROBLEM_LIMIT} problems and their count; the
 *   result and the upload page show them all.
 */

/** A problem with a spreadsheet: its row (1 = the header, 2 = the first data row; 0 = the file) and column. */
export interface ImportProblem {
  row: number;
  column: string;
  message: string;
}

/** A FHIR file, or one NDJSON line of it, that could not be read. */
export interface FhirFileError {
  file: string;
  /** 1-based line for NDJSON, null for a JSON document. */
  line: number | null;
  message: string;
}

/** A FHIR resource that was read but cannot be imported, with why. */
export interface FhirRejection extends Rejection {
  file: string;
}

/** Observations of one code that screening does not use (ignored, not rejected), counted. */
export interface FhirIgnoredCode {
  system: string | null;
  code: string | null;
  display: string | null;
  count: number;
}

/** Problems kept in an ImportJob's summary; the count is kept whole. */
export const SUMMARY_PROBLEM_LIMIT = 200;

/**
 * Whether a spreadsheet import writes nothing: a problem with the file itself always stops it;
 * a row problem stops it unless invalid rows are to be skipped.
 */
export function isSpreadsheetBlocked(reading: { fileBlocked: boolean; errors: readonly ImportProblem[] }, skipInvalid: boolean): boolean {
  return reading.fileBlocked || (reading.errors.length > 0 && !skipInvalid);
}

/** Whether a FHIR import writes nothing: only when a file could not be read; rejected resources are left out. */
export function isFhirBlocked(fileErrors: readonly FhirFileError[]): boolean {
  return fileErrors.length > 0;
}

/** The rows of one patient (MRN) and the first row whose problem stops it, if any. */
export interface PatientRows {
  mrn: string;
  rows: readonly number[];
  blockedAtRow?: number;
}

/**
 * A patient is imported whole or not at all: every row of a blocked patient that is still valid
 * becomes invalid, with an error pointing at the row whose problem stopped the patient.
 */
export function leaveOutBlockedPatients(patients: Iterable<PatientRows>, invalidRows: Set<number>, errors: ImportProblem[]): void {
  for (const patient of patients) {
    if (patient.blockedAtRow === undefined) continue;
    for (const row of patient.rows) {
      if (invalidRows.has(row)) continue;
      invalidRows.add(row);
      errors.push({ row, column: "mrn", message: `Not imported: patient ${patient.mrn} has a problem reported in row ${patient.blockedAtRow}.` });
    }
  }
}
