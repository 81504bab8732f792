import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { getLatestJob } from "@/lib/data/jobs/latest";

/** GET /api/jobs/recompute → the clinic's latest recompute job and its progress. */
export const GET = guardedRoute("recompute:run", async (_request, actor) => {
  const job = await getLatestJob(getDb(), actor, "recompute");
  return Response.json({ job }, { headers: { "Cache-Control": "no-store" } });
});
