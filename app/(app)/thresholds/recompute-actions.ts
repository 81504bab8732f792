"use server";

import { z } from "zod";
import { guardedAction } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { recomputeClinic } from "@/lib/data/jobs/recompute";

/**
 * Starts re-evaluating every patient of the clinic with the thresholds in force now. The work
 * continues in the server after this returns; its progress is read from /api/jobs/recompute.
 */
export const startRecomputeAction = guardedAction("recompute:run", z.object({}), async (_input, actor) => {
  const started = recomputeClinic(getDb(), actor, { now: new Date() });
  // Report a refusal (another run holds the lock) at once; otherwise let it run.
  const early = await Promise.race([started.then(() => "done" as const), new Promise<"running">((resolve) => setTimeout(() => resolve("running"), 300))]);
  if (early === "running") started.catch((error: unknown) => console.error("recompute failed:", error instanceof Error ? error.message : error));
  return { ok: true, message: early === "done" ? "Re-evaluation finished." : "Re-evaluation started." };
});
