import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { latestSync } from "@/lib/data/bulk/sync";
import { bulkSourceForEhr } from "@/lib/data/ehr/bulk-settings";

/**
 * GET /api/jobs/bulk-sync?ehr=<id> → the clinic's latest Bulk Data sync from that EHR (for the EHR
 * page's progress bar); without `ehr`, the clinic's latest sync from any EHR. `{ sync: null }`
 * when there has been none.
 */
export const GET = guardedRoute("users:manage", async (request, actor) => {
  const ehrId = new URL(request.url).searchParams.get("ehr");
  const fhirBaseUrl = ehrId === null ? null : (await bulkSourceForEhr(getDb(), actor, { id: ehrId })).fhirBaseUrl;
  const sync = await latestSync(getDb(), actor, fhirBaseUrl);
  return Response.json({ sync }, { headers: { "Cache-Control": "no-store" } });
});
