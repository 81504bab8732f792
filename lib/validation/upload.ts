import { z } from "zod";
import { textProblem, TEXT_LIMITS } from "@/lib/domain/text-rules";

/**
 * The in-app upload (page /import, route handlers under /api/import): what files are accepted,
 * the form fields that come with them, and the NDJSON events the route handlers stream back.
 * Shared by the browser (instant feedback) and the server (the check that counts).
 */

/**
 * Largest upload, per request: 50 MB. A 50 MB spreadsheet is roughly 400,000 visits, well past a
 * clinic's yearly volume; the importers hold the file in memory (FHIR parses it whole), so the
 * cap also bounds the server's memory per upload. Larger files: split them, or use the CLI.
 */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
/** FHIR files per upload (bulk exports are one NDJSON file per resource type). */
export const MAX_FHIR_FILES = 100;
/** A preview may be confirmed within this time; after it, preview again (the data may have moved on). */
export const PREVIEW_VALID_HOURS = 24;

export const UPLOAD_MODES = ["preview", "import"] as const;
export type UploadMode = (typeof UPLOAD_MODES)[number];

export interface UploadFileInfo {
  name: string;
  size: number;
  type: string;
}

export function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;
}

const SPREADSHEET_WORKBOOK = /\.(xlsx|xlsm|xls|ods|numbers)$/i;
const CSV_TYPES = new Set(["", "text/csv", "text/plain", "application/csv", "application/vnd.ms-excel", "text/x-csv", "text/comma-separated-values"]);
const FHIR_TYPES = new Set(["", "application/json", "application/fhir+json", "application/x-ndjson", "application/ndjson", "application/fhir+ndjson", "text/plain"]);

/**
 * Why this file cannot be an assessment spreadsheet, or null. Workbooks get the export step
 * (browsers report `.csv` as text/csv, or as application/vnd.ms-excel on Windows).
 */
export function spreadsheetFileProblem(file: UploadFileInfo): string | null {
  const badName = fileNameProblem(file.name);
  if (badName) return badName;
  if (SPREADSHEET_WORKBOOK.test(file.name)) {
    return `"${file.name}" is a spreadsheet workbook, not CSV. In your spreadsheet choose "Save as… CSV UTF-8 (comma-delimited)" and upload that file.`;
  }
  if (!/\.csv$/i.test(file.name) || !CSV_TYPES.has(file.type.toLowerCase())) {
    return `"${file.name}" is not a CSV file. Upload the assessment spreadsheet saved as CSV (a .csv file); download the template below for the columns.`;
  }
  return sizeProblem(`"${file.name}" is`, file.size, "npm run cli -- import <file>");
}

/** Why these files cannot be a FHIR upload, or null. */
export function fhirFilesProblem(files: readonly UploadFileInfo[]): string | null {
  if (files.length === 0) return "Choose one or more FHIR files (.json Bundles or .ndjson bulk files).";
  if (files.length > MAX_FHIR_FILES) return `Choose at most ${MAX_FHIR_FILES} files at a time; upload the rest in a second batch.`;
  for (const file of files) {
    const badName = fileNameProblem(file.name);
    if (badName) return badName;
    if (!/\.(json|ndjson|jsonl)$/i.test(file.name) || !FHIR_TYPES.has(file.type.toLowerCase())) {
      return `"${file.name}" is not a FHIR JSON or NDJSON file. Choose Bundle files ending in .json, or bulk-data files ending in .ndjson.`;
    }
  }
  const total = files.reduce((sum, f) => sum + f.size, 0);
  return sizeProblem(files.length === 1 ? `"${files[0]!.name}" is` : `These ${files.length} files are`, total, "npm run cli -- import-fhir <files…>");
}

/**
 * The file name is stored on the import job and shown in the import history, so it is held to the
 * stored-text rule (a NUL in it failed the upload on PostgreSQL).
 */
function fileNameProblem(name: string): string | null {
  const problem = textProblem(name, "The file's name", TEXT_LIMITS.fileName);
  return problem ? `${problem} Rename the file and choose it again.` : null;
}

/** `subject` reads as the start of a sentence: `"visits.csv" is` or `These 3 files are`. */
function sizeProblem(subject: string, bytes: number, cli: string): string | null {
  if (bytes === 0) return `${subject} empty. Choose the file again; if it is the right one, export it again from its source.`;
  if (bytes > MAX_UPLOAD_BYTES) {
    return `${subject} ${formatMegabytes(bytes)}; the limit is ${formatMegabytes(MAX_UPLOAD_BYTES)} per upload. Split it into smaller files, or import it with the command line (${cli}).`;
  }
  return null;
}

/** FormData booleans: a checked checkbox sends "on"; our client sends "true"/"false". */
const formBoolean = z
  .enum(["on", "true", "false", ""])
  .optional()
  .transform((v) => v === "on" || v === "true");

/** The text fields that accompany an assessment spreadsheet upload. */
export const spreadsheetUploadFieldsSchema = z
  .object({
    mode: z.enum(UPLOAD_MODES, { error: "Say whether to preview or import (mode=preview or mode=import)." }),
    skipInvalid: formBoolean,
    previewJobId: z.string().trim().max(100).optional(),
  })
  .refine((v) => v.mode === "preview" || (v.previewJobId !== undefined && v.previewJobId !== ""), {
    message: "Preview the file before importing it.",
    path: ["previewJobId"],
  });

/** The text fields that accompany a FHIR upload. */
export const fhirUploadFieldsSchema = z
  .object({
    mode: z.enum(UPLOAD_MODES, { error: "Say whether to preview or import (mode=preview or mode=import)." }),
    previewJobId: z.string().trim().max(100).optional(),
  })
  .refine((v) => v.mode === "preview" || (v.previewJobId !== undefined && v.previewJobId !== ""), {
    message: "Preview the files before importing them.",
    path: ["previewJobId"],
  });

/**
 * One line of the NDJSON stream an upload route answers with: progress while the importer works,
 * then exactly one `result` or `error`.
 */
export type UploadEvent<R> =
  | { type: "progress"; phase: "reading" | "writing"; done: number; total: number }
  | { type: "result"; result: R }
  | { type: "error"; message: string };
