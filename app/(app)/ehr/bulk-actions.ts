"use server";

import path from "node:path";
import { revalidatePath } from "next/cache";
import { guardedAction } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { startSync } from "@/lib/data/bulk/sync";
import { bulkSourceForEhr, saveBulkSettings } from "@/lib/data/ehr/bulk-settings";
import { bulkSettingsFormSchema, bulkSyncFormSchema } from "@/lib/validation/ehr-form";

/** The EHR page's Bulk Data actions (admins only); the data layer checks, encrypts and audits. */

export const saveBulkSettingsAction = guardedAction("users:manage", bulkSettingsFormSchema, async (input, actor) => {
  const saved = await saveBulkSettings(getDb(), actor, input);
  revalidatePath("/ehr");
  return { ok: true, message: saved.on ? `Bulk Data sync from ${saved.name} is set up: "Sync now" reads its patients.` : `Bulk Data sync from ${saved.name} is off; its key is forgotten.` };
});

/**
 * Starts (or resumes) a sync from the EHR. The work continues in the server after this returns;
 * the page follows it through /api/jobs/bulk-sync. A refusal (a sync already running, Bulk Data
 * not set up) is reported at once.
 */
export const startBulkSyncAction = guardedAction("users:manage", bulkSyncFormSchema, async (input, actor) => {
  const db = getDb();
  const source = await bulkSourceForEhr(db, actor, { id: input.ehrId });
  const started = await startSync(db, actor, source, { now: new Date(), stagingDir: path.resolve("data", "bulk-staging") });
  started.done.catch((error: unknown) => console.error("bulk sync failed:", error instanceof Error ? error.message : error));
  return { ok: true, message: started.resumed ? `Resumed the unfinished sync from ${source.ehrName}.` : `Sync from ${source.ehrName} started.` };
});
