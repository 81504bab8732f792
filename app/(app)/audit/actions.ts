"use server";

import { z } from "zod";
import { guardedAction } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db";
import { verifyAuditChainAs } from "@/lib/data/audit-search";

/** Recomputes every hash of the audit chain (it reads the whole log, so only on request). */
export const verifyAuditChainAction = guardedAction("audit:view", z.object({}), async (_input, actor) => {
  const result = await verifyAuditChainAs(getDb(), actor, new Date());
  return result.ok
    ? { ok: true, message: `The audit chain is intact: ${result.checked.toLocaleString("en")} events checked.` }
    : { ok: false, message: `The audit chain is broken at event ${result.brokenAtSeq}: ${result.problem}. ${result.checked.toLocaleString("en")} events before it are intact.` };
});
