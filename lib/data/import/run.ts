import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";

export type ImportJobStatus = "validated" | "completed" | "failed";

/** Thrown inside the dry-run transaction to roll it back with the counts it would have written. */
class DryRunRollback<C> extends Error {
  constructor(readonly counts: C) {
    super("dry run: rolled back");
  }
}

export interface ImportWrite<C> {
  dryRun: boolean;
  transaction: { maxWait: number; timeout: number };
  /** Every write of the import, in the one transaction. */
  write: (tx: Tx) => Promise<C>;
  /** Copies the counts into the caller's result (also for a dry run). */
  apply: (counts: C) => void;
  /** Writes the ImportJob row and its audit event. */
  record: (tx: Tx, status: ImportJobStatus, counts: C | null, failure?: string) => Promise<void>;
  /** Called before a failure is recorded (e.g. to zero the result's counts). */
  onFailure?: () => void;
}

/**
 * How both importers (spreadsheet and FHIR) write, all or nothing. A dry run performs every write
 * and rolls it back, keeping only the counts, then records the job as "validated". A real run
 * commits the writes and the "completed" job record together. A failure is recorded as "failed"
 * (best effort, in its own transaction) and the original error rethrown.
 */
export async function runImportWrite<C>(db: Db, run: ImportWrite<C>): Promise<void> {
  if (run.dryRun) {
    try {
      await db.$transaction(async (tx) => {
        throw new DryRunRollback(await run.write(tx));
      }, run.transaction);
    } catch (error) {
      if (!(error instanceof DryRunRollback)) throw error;
      run.apply(error.counts as C);
    }
    await db.$transaction((tx) => run.record(tx, "validated", null));
    return;
  }
  try {
    await db.$transaction(async (tx) => {
      const counts = await run.write(tx);
      run.apply(counts);
      await run.record(tx, "completed", counts);
    }, run.transaction);
  } catch (error) {
    run.onFailure?.();
    const failure = error instanceof Error ? error.message : String(error);
    await db.$transaction((tx) => run.record(tx, "failed", null, failure.slice(0, 2_000))).catch(() => undefined);
    throw error;
  }
}
