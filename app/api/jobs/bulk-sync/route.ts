import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { latestSync } from "@/lib/data/bulk/sync";
import { bulkSourceForEhr } from "@/lib/data/ehr/bulk-settings";

/** GET /api/jobs/bulk-sync?ehr=<id> → the clinic's latest Bulk Data sync from that EHR, for the EHR page's progress bar. */
export const GET = guardedRoute("users:manage", async (request, actor) => {
  const ehrId = new URL(request.url).searchParams.get("ehr") ?? "";
  const source = await bulkSourceForEhr(getDb(), actor, { id: ehrId });
  const sync = await latestSync(getDb(), actor, source.fhirBaseUrl);
  return Response.json({ sync }, { headers: { "Cache-Control": "no-store" } });
});
