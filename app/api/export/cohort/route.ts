import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db";
import { streamCohortCsv } from "@/lib/data/export-cohort";
import { FLAG_CODES, TIER_RANK, type FlagCode, type Tier } from "@/lib/domain/types";

function listParam<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): T[] {
  return params.getAll(name).flatMap((v) => v.split(",")).filter((v): v is T => (allowed as readonly string[]).includes(v));
}

/**
 * GET /api/export/cohort?tier=high&flag=b12_test_due → the cohort CSV (DESIGN.md columns),
 * streamed batch by batch with the same code as `npm run cli -- export`, audited.
 */
export const GET = guardedRoute("export:identified", async (request, actor) => {
  const params = new URL(request.url).searchParams;
  const now = new Date();
  const tiers = listParam(params, "tier", Object.keys(TIER_RANK) as Tier[]);
  const flags = listParam(params, "flag", FLAG_CODES as readonly FlagCode[]);
  const rows = streamCohortCsv(getDb(), actor, { now, tiers, flags });
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
      "Content-Disposition": `attachment; filename="cohort-${now.toISOString().slice(0, 10)}.csv"`,
      "Cache-Control": "no-store",
    },
  });
});
