import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { exportSummaryCsv } from "@/lib/data/reports/summary";

/** GET /api/export/summary → the clinic summary as CSV (small cells suppressed for analysts), audited. */
export const GET = guardedRoute("summary:view", async (_request, actor) => {
  const now = new Date();
  const csv = await exportSummaryCsv(getDb(), actor, now);
  return new Response(csv, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="summary-${now.toISOString().slice(0, 10)}.csv"`,
      "Cache-Control": "no-store",
    },
  });
});
