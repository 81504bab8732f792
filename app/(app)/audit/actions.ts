"use server";

import { z } from "zod";
import { guardedAction } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { verifyAuditChainAs } from "@/lib/data/audit/search";
import { verificationReport } from "@/lib/data/audit/verify";

/** Verifies the clinic's audit chain against the key and the anchors (it reads the clinic's whole log, so only on request). */
export const verifyAuditChainAction = guardedAction("audit:view", z.object({}), async (_input, actor) => {
  const result = await verifyAuditChainAs(getDb(), actor, new Date());
  const report = verificationReport(result, "clinic");
  // One line per paragraph (verify-panel.tsx): the verdict, each problem with what to do, the anchors.
  return { ok: result.ok, message: [report.headline, ...report.lines].join("\n") };
});
