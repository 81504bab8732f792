import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db";
import { fhirCohortWhere, streamFhirExport } from "@/lib/data/export-fhir";
import { AppError } from "@/lib/errors";
import { FHIR_EXPORT_TYPES, emptyFhirCounts, isFhirExportType } from "@/lib/domain/fhir-export";
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
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await batches.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value.ndjson[type] ?? ""));
    },
    async cancel() {
      await batches.return({ patients: 0, counts: emptyFhirCounts() });
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "application/fhir+ndjson",
      "Content-Disposition": `attachment; filename="${type}.ndjson"`,
      "Cache-Control": "no-store",
    },
  });
});
