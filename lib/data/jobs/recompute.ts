import "server-only";
import { appendAudit } from "@/lib/data/audit/log";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { PATIENTS_PER_BATCH } from "@/lib/data/db/batches";
import { databaseKind, type Db } from "@/lib/data/db/client";

export interface RecomputeOptions {
  /** The evaluation time; the threshold set in force at this time is used. */
  now: Date;
  /** Patients per transaction. */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * A running job whose heartbeat is older than this is taken to have died (process killed) and
   * its lock is taken over; every batch refreshes the heartbeat.
   */
  staleAfterMs?: number;
}

export interface RecomputeResult {
  jobRunId: string;
  evaluated: number;
  ruleSetVersion: number;
}

const DEFAULT_STALE_MS = 15 * 60_000;

export function recomputeLockKey(clinicId: string): string {
  return `recompute:${clinicId}`;
}

/** Takes the clinic's recompute lock (JobRun.lockKey is unique while a job holds it). */
async function acquireJob(db: Db, clinicId: string, total: number, staleAfterMs: number): Promise<string> {
  const lockKey = recomputeLockKey(clinicId);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const now = new Date();
      const job = await db.jobRun.create({
        data: { kind: "recompute", clinicId, lockKey, status: "running", total, startedAt: now, heartbeatAt: now },
        select: { id: true },
      });
      return job.id;
    } catch (error) {
      const holder = await db.jobRun.findUnique({ where: { lockKey }, select: { id: true, startedAt: true, heartbeatAt: true, done: true, total: true } });
      if (!holder) throw error;
      if (Date.now() - holder.heartbeatAt.getTime() < staleAfterMs) {
        throw new AppError(
          "conflict",
          `A recompute of this clinic is already running (started ${holder.startedAt.toISOString()}, ${holder.done} of ${holder.total} patients done); wait for it to finish.`,
        );
      }
      await db.jobRun.updateMany({
        where: { id: holder.id, lockKey },
        data: { lockKey: null, status: "failed", finishedAt: new Date(), message: "abandoned: no heartbeat; lock taken over by a new run" },
      });
    }
  }
  throw new AppError("conflict", "Could not take the recompute lock; try again.");
}

/**
 * Re-evaluates every patient of the actor's clinic with the threshold set in force at `now` (after
 * a threshold change, or to move "now" forward), in batches of `batchSize` patients, each batch
 * its own transaction — so a large clinic does not hold one long write lock, and an interrupted
 * run leaves every finished batch evaluated. Progress is kept on a JobRun row (kind "recompute")
 * whose lock key stops two runs on one clinic overlapping; a second concurrent run fails with
 * AppError "conflict". Audited once ("recompute.run").
 */
export async function recomputeClinic(db: Db, actor: Actor, options: RecomputeOptions): Promise<RecomputeResult> {
  if (!can(actorRole(actor), "recompute:run")) throw new AppError("forbidden", "You may not re-evaluate the clinic.");
  const clinicId = actor.clinicId;
  if (!clinicId) throw new AppError("forbidden", "Re-evaluating needs a clinic.");
  const { now } = options;
  const batchSize = options.batchSize ?? PATIENTS_PER_BATCH;
  const thresholds = await getActiveThresholds(db, clinicId, now);
  const total = await db.patient.count({ where: { clinicId } });
  const jobRunId = await acquireJob(db, clinicId, total, options.staleAfterMs ?? DEFAULT_STALE_MS);

  let done = 0;
  // On PostgreSQL the next batch is read and evaluated while the server writes the last one: two
  // transactions at a time, on two connections, over disjoint patients (docs/benchmarks.md, "Recompute
  // on PostgreSQL, sixth session"). SQLite has one writer, so one batch at a time there.
  const inFlight = databaseKind(db) === "postgresql" ? 2 : 1;
  const pending: Promise<void>[] = [];
  try {
    let afterMrn: string | null = null;
    for (;;) {
      const batch: { id: string; mrn: string }[] = await db.patient.findMany({
        where: afterMrn === null ? { clinicId } : { clinicId, mrn: { gt: afterMrn } },
        orderBy: { mrn: "asc" },
        take: batchSize,
        select: { id: true, mrn: true },
      });
      if (batch.length === 0) break;
      const written = db
        .$transaction(
          async (tx) => {
            await reevaluatePatients(tx, clinicId, batch.map((p) => p.id), now, thresholds);
            // An increment: with two batches in flight either may commit first.
            await tx.jobRun.update({ where: { id: jobRunId }, data: { done: { increment: batch.length }, heartbeatAt: new Date() } });
          },
          { maxWait: 30_000, timeout: 10 * 60_000 },
        )
        .then(() => {
          done += batch.length;
          options.onProgress?.(done, Math.max(total, done));
        });
      // Its failure is handled where it is awaited (below, or in the catch), not reported as unhandled meanwhile.
      written.catch(() => undefined);
      pending.push(written);
      if (pending.length >= inFlight) await pending.shift();
      afterMrn = batch.at(-1)!.mrn;
      if (batch.length < batchSize) break;
    }
    while (pending.length > 0) await pending.shift();
    await db.$transaction(async (tx) => {
      await tx.jobRun.update({ where: { id: jobRunId }, data: { status: "completed", lockKey: null, done, finishedAt: new Date(), heartbeatAt: new Date() } });
      await appendAudit(tx, actor, [
        {
          action: "recompute.run",
          entityType: "job_run",
          entityId: jobRunId,
          detail: { status: "completed", evaluated: done, ruleSetVersion: thresholds.version, thresholdSetId: thresholds.id, asOf: now.toISOString() },
        },
      ]);
    });
  } catch (error) {
    // A batch still in flight finishes (or fails) before the run is recorded as failed.
    await Promise.allSettled(pending);
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 2_000);
    await db
      .$transaction(async (tx) => {
        await tx.jobRun.update({ where: { id: jobRunId }, data: { status: "failed", lockKey: null, done, finishedAt: new Date(), message } });
        await appendAudit(tx, actor, [
          {
            action: "recompute.run",
            entityType: "job_run",
            entityId: jobRunId,
            detail: { status: "failed", evaluated: done, ruleSetVersion: thresholds.version, asOf: now.toISOString(), failure: message },
          },
        ]);
      })
      .catch(() => undefined);
    throw error;
  }
  return { jobRunId, evaluated: done, ruleSetVersion: thresholds.version };
}
