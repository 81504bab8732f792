import "server-only";
import { createHash, randomUUID } from "node:crypto";
import type { Db, Tx } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { actorId, actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { incomingPatients, type PlanTotals } from "./plan";
import { isFhirBlocked, SUMMARY_PROBLEM_LIMIT, type FhirFileError, type FhirIgnoredCode, type FhirRejection } from "./problems";
import { fhirPatients, readFhirFiles, type FhirImportFile } from "./read-fhir";
import { runImport, type ImportJobStatus } from "./run";

/**
 * FHIR R4 import (docs/design.md#fhir-import, docs/clinical-reference.md#codes): FHIR's side of the
 * one import pipeline (lib/data/import/run.ts) — it reads and maps every file (read-fhir.ts),
 * decides from the problems found whether anything is written (problems.ts), runs the plan and
 * the write, and records the ImportJob (format "fhir") and its "import.run" audit event with the
 * FHIR counts.
 *
 * Idempotent: observations and medications carry sourceRef `fhir:<resourceType>/<id>` and one
 * already stored for the patient is skipped (so are findings, by the same source reference); a condition code the patient already has is
 * skipped; a patient (matched by MRN) is updated only when its demographics differ.
 */

export type { FhirImportFile } from "./read-fhir";
export type { FhirFileError, FhirIgnoredCode, FhirRejection } from "./problems";

export interface FhirImportResult {
  importJobId: string;
  dryRun: boolean;
  /** True when an unreadable file stopped the import (nothing written). */
  blocked: boolean;
  files: number;
  resources: number;
  patients: { created: number; updated: number; unchanged: number };
  observations: { created: number; existing: number };
  medications: { created: number; existing: number; freeText: number };
  conditions: { created: number; existing: number; ignored: number };
  /** B12 symptoms and signs and Yubi-wakka results (from Conditions and Observations). */
  findings: { created: number; existing: number };
  /** Resources of types this importer does not read, by type. */
  skippedByType: Record<string, number>;
  /** Resources deliberately not imported (entered-in-error, cancelled…), by reason. */
  skippedByStatus: Record<string, number>;
  /** Rejected: a problem with the data (wrong unit, mislabelled code, implausible value…), each with its reason. */
  rejected: FhirRejection[];
  /** Ignored: Observations screening does not use, counted by code (not problems). */
  ignored: FhirIgnoredCode[];
  errors: FhirFileError[];
}

export interface FhirImportOptions {
  now: Date;
  dryRun?: boolean;
  /**
   * Where the resources came from when not from files: a SMART launch read them from the EHR's
   * FHIR API (lib/smart/patient-record.ts). Recorded in the ImportJob and its audit event.
   */
  via?: { kind: "SMART launch"; ehr: string; issuer: string };
}

/**
 * Imports FHIR files into the actor's clinic (see the file comment). Throws AppError "forbidden"
 * when the actor may not import.
 */
export async function importFhir(db: Db, actor: Actor, files: readonly FhirImportFile[], options: FhirImportOptions): Promise<FhirImportResult> {
  if (!can(actorRole(actor), "import:run")) throw new AppError("forbidden", "You may not import data.");
  const clinicId = actor.clinicId;
  if (!clinicId) throw new AppError("forbidden", "Importing needs a clinic.");
  const { now } = options;
  const dryRun = options.dryRun ?? false;
  const jobId = randomUUID();
  const startedAt = new Date();
  const hash = createHash("sha256");
  for (const f of files) hash.update(f.name).update("\0").update(f.content).update("\0");
  const sha256 = hash.digest("hex");

  const reading = readFhirFiles(files, now);
  const ignored = reading.ignoredConditions;
  const result: FhirImportResult = {
    importJobId: jobId,
    dryRun,
    blocked: isFhirBlocked(reading.errors),
    files: files.length,
    resources: reading.resources,
    patients: { created: 0, updated: 0, unchanged: 0 },
    observations: { created: 0, existing: 0 },
    medications: { created: 0, existing: 0, freeText: 0 },
    conditions: { created: 0, existing: 0, ignored },
    findings: { created: 0, existing: 0 },
    skippedByType: reading.skippedByType,
    skippedByStatus: reading.skippedByStatus,
    rejected: reading.rejected,
    ignored: reading.ignored,
    errors: reading.errors,
  };

  const record = async (tx: Tx, status: ImportJobStatus, totals: PlanTotals | null, failure?: string) => {
    if (totals) {
      result.patients = totals.patients;
      result.observations = totals.observations;
      result.medications = totals.medications;
      result.conditions = { ...totals.conditions, ignored };
      result.findings = totals.findings;
    }
    const summary = {
      files: files.map((f) => f.name),
      resources: result.resources,
      patients: result.patients,
      observations: result.observations,
      medications: result.medications,
      conditions: result.conditions,
      findings: result.findings,
      skippedByType: result.skippedByType,
      skippedByStatus: result.skippedByStatus,
      rejectedCount: result.rejected.length,
      rejected: result.rejected.slice(0, SUMMARY_PROBLEM_LIMIT),
      ignoredCount: result.ignored.reduce((n, i) => n + i.count, 0),
      ignored: result.ignored.slice(0, SUMMARY_PROBLEM_LIMIT),
      errors: result.errors.slice(0, SUMMARY_PROBLEM_LIMIT),
      ...(options.via ? { via: options.via.kind, ehr: options.via.ehr, issuer: options.via.issuer } : {}),
      ...(failure ? { failure } : {}),
    };
    await tx.importJob.create({
      data: {
        id: jobId, clinicId, actorId: actorId(actor), format: "fhir",
        fileName: files.map((f) => f.name).join(", ").slice(0, 1_000), fileSha256: sha256, status, dryRun,
        rowsTotal: result.resources, rowsValid: result.resources - result.rejected.length, rowsInvalid: result.rejected.length,
        summaryJson: JSON.stringify(summary), startedAt, finishedAt: new Date(),
      },
    });
    await appendAudit(tx, actor, [
      {
        action: "import.run",
        entityType: "import_job",
        entityId: jobId,
        detail: {
          format: "fhir", ...(options.via ? { via: options.via.kind, ehr: options.via.ehr, issuer: options.via.issuer } : {}), files: files.length, sha256, status, dryRun, blocked: result.blocked, resources: result.resources,
          patients: result.patients, observations: result.observations, medications: result.medications, conditions: result.conditions, findings: result.findings,
          rejected: result.rejected.length, ignored: result.ignored.reduce((n, i) => n + i.count, 0), errors: result.errors.length, ...(failure ? { failure } : {}),
          ...(totals && status === "completed" ? { patientIds: { created: totals.createdPatientIds, updated: totals.updatedPatientIds } } : {}),
        },
      },
    ]);
  };

  if (result.blocked) {
    await db.$transaction((tx) => record(tx, "failed", null));
    return result;
  }
  await runImport(db, {
    patients: incomingPatients(fhirPatients(reading)),
    rules: { identity: "sourceRef", updatesDemographics: true, evaluatesNewPatientsFromPlan: false },
    origin: { clinicId, source: "fhir", enteredById: actorId(actor) },
    now,
    dryRun,
    record,
  });
  return result;
}
