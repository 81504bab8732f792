import "server-only";
import type { Db } from "@/lib/data/db/client";
import type { Actor } from "@/lib/data/access/actor";
import { restoreThresholdVersion } from "@/lib/data/evaluation/thresholds";
import { recomputeClinic, type RecomputeOptions, type RecomputeResult } from "./recompute";

export interface RestoreStarted {
  /** The new version holding the restored values, in force from `options.now`. */
  version: number;
  /** The re-evaluation of every patient with it (progress on the JobRun, like any recompute). */
  recompute: Promise<RecomputeResult>;
}

/**
 * Restores an earlier threshold version as a new one and starts re-evaluating the whole clinic
 * with it at once: a restore takes effect now, so nobody's panel should wait for a separate
 * "Recompute". The version is saved before the re-evaluation starts; if another recompute holds
 * the clinic's lock, `recompute` rejects with its "already running" message and the new version
 * is in force for the next run.
 */
export async function restoreThresholdsAndRecompute(db: Db, actor: Actor, input: { version: number; note: string }, options: RecomputeOptions): Promise<RestoreStarted> {
  const created = await restoreThresholdVersion(db, actor, input, options.now);
  return { version: created.version, recompute: recomputeClinic(db, actor, options) };
}
