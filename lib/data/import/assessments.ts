import "server-only";
import { createHash, randomUUID } from "node:crypto";
import type { Db, Tx } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { actorId, actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import type { PlanTotals } from "./plan";
import { isSpreadsheetBlocked, SUMMARY_PROBLEM_LIMIT, type ImportProblem } from "./problems";
import { readSpreadsheet, spreadsheetPatients } from "./read-csv";
import { runImport, type ImportJobStatus } from "./run";

/**
 * The assessment spreadsheet importer (docs/design.md#assessment-spreadsheet-csv-import and its
 * #import-semantics): the spreadsheet's side of the one import pipeline (lib/data/import/run.ts) —
 * it reads the file (read-csv.ts), decides from the problems found whether anything is written
 * (problems.ts), runs the plan and the write, and records the ImportJob and its audit event with
 * the spreadsheet's counts.
 *
 * Results and medicines are recognised by their content, since a spreadsheet has no ids: one
 * already stored for the patient with the same kind, time, reported value and unit is skipped, as
 * is a medicine with the same catalogue id (or, for free text, the same name ignoring case) and
 * start date; so importing a file twice changes nothing. A patient the clinic has keeps its
 * demographics (a file that disagrees is an error); its diet is replaced by a newer one.
 */

export type { ImportProblem } from "./problems";

export interface ImportResult {
  importJobId: string;
  rowsTotal: number;
  rowsValid: number;
  errors: ImportProblem[];
  warnings: ImportProblem[];
  /** What was created (or, in a dry run, would be). */
  created: { patients: number; observations: number; medications: number };
  /** Existing patients that got new results, medicines, conditions or a diet change. */
  updatedPatients: number;
  /** Valid rows that brought nothing new (already imported). */
  unchanged: number;
  dryRun: boolean;
  /** True when errors stopped the import (nothing written). */
  blocked: boolean;
}

export interface ImportOptions {
  /** The evaluation time for the re-evaluation of touched patients; assessments after it are rejected. */
  now: Date;
  /** Validate and count what would change; write nothing (the ImportJob and audit record are kept). */
  dryRun?: boolean;
  /** Write the valid rows and list the invalid ones, instead of writing nothing. */
  skipInvalid?: boolean;
  /** Called as rows are written and patients re-evaluated (and, in a dry run, as rows are planned). */
  onProgress?: (done: number, total: number) => void;
  /** Rows per write batch (about: a patient's rows are never split between batches). */
  batchSize?: number;
}

export interface ImportFile {
  name: string;
  content: Buffer | string;
}

const NOTHING_CREATED = { patients: 0, observations: 0, medications: 0 };

/**
 * Imports an assessment spreadsheet into the actor's clinic (see the file comment for the
 * semantics). By default any invalid row means nothing is written; `skipInvalid` writes the valid
 * rows; `dryRun` writes nothing but the ImportJob record and the audit event, and reports what
 * would change. Throws AppError "forbidden" when the actor may not import.
 */
export async function importAssessments(db: Db, actor: Actor, file: ImportFile, options: ImportOptions): Promise<ImportResult> {
  if (!can(actorRole(actor), "import:run")) throw new AppError("forbidden", "You may not import data.");
  const clinicId = actor.clinicId;
  if (!clinicId) throw new AppError("forbidden", "Importing needs a clinic.");
  const { now } = options;
  const dryRun = options.dryRun ?? false;
  const skipInvalid = options.skipInvalid ?? false;
  const jobId = randomUUID();
  const sha256 = createHash("sha256").update(file.content).digest("hex");
  const startedAt = new Date();

  const reading = await readSpreadsheet(db, clinicId, file.content, now);
  const rowsValid = reading.rowsTotal - reading.invalidRows.size;
  const blocked = isSpreadsheetBlocked(reading, skipInvalid);

  const result: ImportResult = {
    importJobId: jobId,
    rowsTotal: reading.rowsTotal,
    rowsValid,
    errors: reading.errors,
    warnings: reading.warnings,
    created: NOTHING_CREATED,
    updatedPatients: 0,
    unchanged: 0,
    dryRun,
    blocked,
  };

  const record = async (tx: Tx, status: ImportJobStatus, totals: PlanTotals | null, failure?: string) => {
    if (totals) {
      result.created = { patients: totals.patients.created, observations: totals.observations.created, medications: totals.medications.created };
      result.updatedPatients = totals.patients.updated;
      result.unchanged = totals.unchangedRows;
    } else {
      result.created = NOTHING_CREATED;
      result.updatedPatients = 0;
      result.unchanged = 0;
    }
    const summary = {
      created: result.created,
      updatedPatients: result.updatedPatients,
      unchanged: result.unchanged,
      warnings: result.warnings.length,
      errors: result.errors.slice(0, SUMMARY_PROBLEM_LIMIT),
      errorCount: result.errors.length,
      ...(failure ? { failure } : {}),
    };
    await tx.importJob.create({
      data: {
        id: jobId,
        clinicId,
        actorId: actorId(actor),
        format: "csv",
        fileName: file.name,
        fileSha256: sha256,
        status,
        dryRun,
        rowsTotal: result.rowsTotal,
        rowsValid: result.rowsValid,
        rowsInvalid: result.rowsTotal - result.rowsValid,
        summaryJson: JSON.stringify(summary),
        startedAt,
        finishedAt: new Date(),
      },
    });
    await appendAudit(tx, actor, [
      {
        action: "import.run",
        entityType: "import_job",
        entityId: jobId,
        detail: {
          fileName: file.name,
          sha256,
          status,
          dryRun,
          skipInvalid,
          blocked,
          rowsTotal: result.rowsTotal,
          rowsValid: result.rowsValid,
          errors: result.errors.length,
          warnings: result.warnings.length,
          created: result.created,
          updatedPatients: result.updatedPatients,
          unchanged: result.unchanged,
          ...(failure ? { failure } : {}),
          // Compact per-patient trail: which records this import created or changed.
          ...(totals && status === "completed" ? { patients: { created: totals.createdPatientIds, updated: totals.updatedPatientIds } } : {}),
        },
      },
    ]);
  };

  if (blocked || rowsValid === 0) {
    await db.$transaction((tx) => record(tx, blocked ? "failed" : "completed", null));
    return result;
  }
  await runImport(db, {
    patients: spreadsheetPatients(reading, jobId),
    rules: { identity: "content", updatesDemographics: false, evaluatesNewPatientsFromPlan: true },
    origin: { clinicId, source: "csv", enteredById: actorId(actor) },
    now,
    dryRun,
    batchSize: options.batchSize,
    onProgress: options.onProgress,
    record,
  });
  return result;
}
