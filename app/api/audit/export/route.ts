import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db";
import { streamAuditCsv } from "@/lib/data/audit-search";
import { auditFilterOf, parseAuditQuery } from "@/lib/validation/audit-filter";

/**
 * GET /api/audit/export?actor=&action=&mrn=&from=&to= → the matching audit events as CSV (the
 * audit page's filters), streamed page by page, formula-safe, and itself audited.
 */
export const GET = guardedRoute("audit:view", async (request, actor) => {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const now = new Date();
  const rows = streamAuditCsv(getDb(), actor, auditFilterOf(parseAuditQuery(params)), now);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // SQLite answers synchronously, so without this the whole export would run as one chain of
      // microtasks and hold the server's event loop: every other request waited for it.
      await new Promise((resolve) => setImmediate(resolve));
      const next = await rows.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await rows.return({ rows: 0 });
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="audit-${now.toISOString().slice(0, 10)}.csv"`,
      "Cache-Control": "no-store",
    },
  });
});
