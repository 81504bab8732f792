import { guardedRoute } from "@/lib/auth/guarded";
import { env } from "@/lib/config/env";
import { getDb } from "@/lib/data/db/client";
import { countFhirExport, fhirCohortWhere } from "@/lib/data/export/fhir";
import { AppError } from "@/lib/errors";
import { buildExportManifest } from "@/lib/domain/fhir-export";
import { fhirExportSearch, parseFhirExportQuery, type FhirExportQuery } from "@/lib/validation/fhir-export-query";

function parse(request: Request): FhirExportQuery {
  try {
    return parseFhirExportQuery(new URL(request.url).searchParams);
  } catch (error) {
    if (error instanceof RangeError) throw new AppError("invalid", error.message);
    throw error;
  }
}

/**
 * GET /api/export/fhir?tier=high&flag=b12_test_due → a FHIR Bulk Data manifest of the cohort's
 * export: one output per resource type with its count and the URL that streams it as NDJSON
 * (GET /api/export/fhir/<type> with the same cohort). Fetching those needs the same signed-in
 * session, hence `requiresAccessToken`. Audited ("export.run", format "fhir-manifest").
 */
export const GET = guardedRoute("export:identified", async (request, actor) => {
  const query = parse(request);
  const now = new Date();
  const summary = await countFhirExport(getDb(), actor, { now, where: fhirCohortWhere(query), filter: { ...query } });
  const base = env().NEXTAUTH_URL ?? new URL(request.url).origin;
  const search = fhirExportSearch(query);
  const manifest = buildExportManifest({
    transactionTime: now,
    request: new URL(`/api/export/fhir${search}`, base).toString(),
    requiresAccessToken: true,
    counts: summary.counts,
    urlOf: (type) => new URL(`/api/export/fhir/${type}${search}`, base).toString(),
  });
  return Response.json(manifest, { headers: { "Cache-Control": "no-store" } });
});
