import "server-only";
import { databaseKind, type Db, type Tx } from "@/lib/data/db/client";
import { chunks, IMPORT_ROWS_PER_BATCH, PATIENTS_PER_BATCH } from "@/lib/data/db/batches";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import type { RowOrigin } from "@/lib/data/patients/record-rows";
import { addToTotals, emptyTotals, planBatch, writeBatches, type ImportRules, type IncomingPatient, type IncomingPatients, type PlannedPatient, type PlanTotals } from "./plan";
import { writePlannedBatch } from "./write";
import { settleBulkWrites } from "@/lib/data/db/bulk-insert";
import { analyzeAsPatientsGrow } from "@/lib/data/db/growing-tables";
import { refreshPlannerStatistics } from "@/lib/data/db/sqlite-connection";

/**
 * The one import pipeline, for the spreadsheet (assessments.ts) and FHIR (fhir.ts) alike:
 *
 * 1. **read** — the caller parses and validates the whole source and collects every problem
 *    (read-csv.ts, read-fhir.ts; what a problem does to the import: problems.ts), giving the
 *    patients to import as {@link IncomingPatients}, made one by one as the batches are planned;
 * 2. **plan** — what will be created, changed and left alone, against the clinic's records
 *    (plan.ts), batch by batch;
 * 3. **write** — the plan applied (write.ts).
 *
 * A dry run is the plan alone: read against the database, nothing written but the ImportJob
 * record ("validated") and its audit event. A real run makes the same plan inside ONE
 * transaction and applies each batch as it is planned (the next batch's plan is started before
 * the batch is written: `plannedAhead`), re-evaluates every stored patient that
 * changed, and records the ImportJob ("completed") and its audit event in that transaction: all
 * or nothing, so a crash or an error part-way leaves the database as it was. A failed run is
 * recorded as "failed" (best effort, in its own transaction) and the error rethrown.
 */

export type ImportJobStatus = "validated" | "completed" | "failed";

/** A large import is one transaction by design (all or nothing); give it room. */
const IMPORT_TRANSACTION = { maxWait: 30_000, timeout: 6 * 60 * 60_000 };

export interface ImportRun {
  /** Valid patients only: the reading has left out everything a problem stopped. Taken once. */
  patients: IncomingPatients;
  rules: ImportRules;
  origin: Omit<RowOrigin, "writtenAt">;
  now: Date;
  dryRun: boolean;
  /** Rows (or resources) per write batch, about (a patient is never split); the database's own by default (IMPORT_ROWS_PER_BATCH). */
  batchSize?: number;
  /** Called as rows are planned or written and patients evaluated. */
  onProgress?: (done: number, total: number) => void;
  /** Writes the ImportJob row and its audit event; `totals` is null when the run failed. */
  record: (tx: Tx, status: ImportJobStatus, totals: PlanTotals | null, failure?: string) => Promise<void>;
}

/** Runs the pipeline (see the file comment) and returns what was planned, and written unless a dry run. */
export async function runImport(db: Db, run: ImportRun): Promise<PlanTotals> {
  const batches = writeBatches(run.patients.take(), run.batchSize ?? IMPORT_ROWS_PER_BATCH[databaseKind(db)]);
  // Progress counts rows planned or written, then each patient evaluated.
  const total = run.patients.rows + (run.dryRun ? 0 : run.patients.count);
  let done = 0;
  const progress = (step: number) => {
    done += step;
    run.onProgress?.(Math.min(done, total), total);
  };

  if (run.dryRun) {
    const totals = emptyTotals();
    for (const batch of batches) {
      addToTotals(totals, await planBatch(db, run.origin.clinicId, batch, run.rules));
      progress(batch.reduce((n, p) => n + p.size, 0));
    }
    run.onProgress?.(total, total);
    await db.$transaction((tx) => run.record(tx, "validated", totals));
    return totals;
  }

  try {
    const written = await db.$transaction(async (tx) => {
      const totals = emptyTotals();
      const thresholds = await getActiveThresholds(tx, run.origin.clinicId, run.now);
      const readBack: string[] = [];
      // Each batch looks up its MRNs among the patients written before it (lib/data/db/growing-tables.ts).
      const patientsGrew = analyzeAsPatientsGrow(tx);
      for await (const { batch, planned } of plannedAhead(tx, run, batches)) {
        await writePlannedBatch(tx, planned, { origin: { ...run.origin, writtenAt: new Date() }, now: run.now, thresholds });
        addToTotals(totals, planned);
        await patientsGrew(totals.patients.created);
        readBack.push(...planned.filter((p) => p.evaluation === "read-back").map((p) => p.patientId));
        progress(batch.reduce((n, p) => n + p.size, 0) + countEvaluatedFromPlan(planned));
      }
      await settleBulkWrites(tx);
      for (const ids of chunks(readBack, PATIENTS_PER_BATCH)) {
        await reevaluatePatients(tx, run.origin.clinicId, ids, run.now, thresholds);
        progress(ids.length);
      }
      run.onProgress?.(total, total);
      await run.record(tx, "completed", totals);
      return totals;
    }, IMPORT_TRANSACTION);
    refreshPlannerStatistics(db);
    return written;
  } catch (error) {
    const failure = (error instanceof Error ? error.message : String(error)).slice(0, 2_000);
    await db.$transaction((tx) => run.record(tx, "failed", null, failure)).catch(() => undefined);
    throw error;
  }
}

/**
 * The batches with their plans. Each batch is made from the reader's patients only when it is
 * needed, so a batch once written can be collected; and its plan is started before the previous
 * batch is written, so that on PostgreSQL the planning and evaluating of one batch overlap the server writing the one
 * before (lib/data/db/bulk-insert.ts, `settleBulkWrites`). The plan's reads and the writes share
 * the transaction's one connection, in the order asked for, so they may interleave either way —
 * which is safe because no two batches share a patient: the readers give one IncomingPatient per
 * MRN (read-csv.ts, read-fhir.ts), a plan reads only its own batch's MRNs and their stored rows,
 * and a batch's writes touch only its own patients.
 */
async function* plannedAhead(tx: Tx, run: ImportRun, batches: Iterator<readonly IncomingPatient[]>): AsyncGenerator<{ batch: readonly IncomingPatient[]; planned: PlannedPatient[] }> {
  const plan = (batch: readonly IncomingPatient[]) => {
    const planned = planBatch(tx, run.origin.clinicId, batch, run.rules);
    // Seen here if the writing stops first; awaited below otherwise.
    planned.catch(() => undefined);
    return planned;
  };
  const planNext = () => {
    const following = batches.next();
    return following.done ? null : { batch: following.value, planned: plan(following.value) };
  };
  let next = planNext();
  while (next !== null) {
    const { batch } = next;
    const planned = await next.planned;
    next = planNext();
    yield { batch, planned };
  }
}

function countEvaluatedFromPlan(planned: readonly PlannedPatient[]): number {
  return planned.filter((p) => p.evaluation === "from-plan").length;
}
