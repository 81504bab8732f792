"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { guardedAction } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { restoreThresholdsAndRecompute } from "@/lib/data/jobs/restore-thresholds";
import { textProblem, TEXT_LIMITS } from "@/lib/domain/text-rules";

const restoreInput = z.object({
  version: z.coerce.number().int().min(1),
  note: z.string().trim().min(3, "Say why the earlier version comes back (for the audit trail)."),
});

/**
 * Restores an earlier threshold version as a new version in force now and starts re-evaluating
 * everyone with it; the Thresholds page then shows the progress (like "Recompute now").
 */
export const restoreThresholdsAction = guardedAction("thresholds:edit", restoreInput, async ({ version, note }, actor) => {
  const noteProblem = textProblem(note, "The reason", TEXT_LIMITS.note, { multiline: true });
  if (noteProblem) return { ok: false, fieldErrors: { note: [noteProblem] }, message: "Check the reason; nothing was restored." };
  const { version: created, recompute } = await restoreThresholdsAndRecompute(getDb(), actor, { version, note }, { now: new Date() });
  // The re-evaluation continues in the server; its progress is read from /api/jobs/recompute. A
  // refusal (another run holds the clinic's lock) comes at once: say so on the Thresholds page.
  const early = await Promise.race([
    recompute.then(() => "done" as const, () => "refused" as const),
    new Promise<"running">((resolve) => setTimeout(() => resolve("running"), 300)),
  ]);
  if (early === "running") recompute.catch((error: unknown) => console.error("recompute after a threshold restore failed:", error instanceof Error ? error.message : error));
  redirect(`/thresholds?restored=${created}${early === "refused" ? "&recompute=refused" : ""}`);
});
