import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { fhirCohortWhere, streamFhirExport } from "@/lib/data/export/fhir";
import { AppError } from "@/lib/errors";
import { FHIR_EXPORT_TYPES, isFhirExportType } from "@/lib/domain/fhir-export";
import { streamedDownload } from "@/lib/http/streamed-download";
import { parseFhirExportQuery } from "@/lib/validation/fhir-export-query";

/**
 * GET /api/export/fhir/<type>?tier=…&flag=… → the cohort's resources of one type as NDJSON
 * (application/fhir+ndjson), streamed batch by batch with the code `npm run cli -- export-fhir`
 * uses, audited ("export.run", format "fhir"). The manifest (GET /api/export/fhir) links here.
 */
export const GET = guardedRoute("export:identified", async (request, actor, context: { params: Promise<{ type: string }> }) => {
  const { type } = await context.params;
  if (!isFhirExportType(type)) throw new AppError("not_found", `No FHIR export of "${type}"; use one of ${FHIR_EXPORT_TYPES.join(", ")}.`);
  let query;
  try {
    query = parseFhirExportQuery(new URL(request.url).searchParams);
  } catch (error) {
    if (error instanceof RangeError) throw new AppError("invalid", error.message);
    throw error;
  }
  const now = new Date();
  const batches = streamFhirExport(getDb(), actor, { now, where: fhirCohortWhere(query), filter: { ...query }, types: [type] });
  // `for await` closes the export generator (and so writes its audit record) if the download is cancelled.
  const resourceType = type;
  async function* lines(): AsyncGenerator<string> {
    for await (const batch of batches) yield batch.ndjson[resourceType] ?? "";
  }
  return streamedDownload(lines(), `${type}.ndjson`, "application/fhir+ndjson");
});
