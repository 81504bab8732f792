import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { streamAuditCsv } from "@/lib/data/audit/search";
import { auditFilterOf, parseAuditQuery } from "@/lib/validation/audit-filter";
import { streamedDownload } from "@/lib/http/streamed-download";

/**
 * GET /api/audit/export?actor=&action=&mrn=&from=&to= → the matching audit events as CSV (the
 * audit page's filters), streamed page by page, formula-safe, and itself audited.
 */
export const GET = guardedRoute("audit:view", async (request, actor) => {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const now = new Date();
  const rows = streamAuditCsv(getDb(), actor, auditFilterOf(parseAuditQuery(params)), now);
  return streamedDownload(rows, `audit-${now.toISOString().slice(0, 10)}.csv`);
});
