import { cdsCall } from "@/lib/cds-hooks/call";
import { serviceResponse, preflightResponse } from "@/lib/cds-hooks/handle";

/**
 * POST /cds-services/{patient-view|order-select}: a CDS Hooks 2.0 service call from an EHR,
 * authenticated by the client's JWT (no session, no same-origin check: it is server to server).
 */
export async function POST(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await context.params;
  return serviceResponse(request, id, cdsCall());
}

/** The CORS preflight of a browser-based CDS client (lib/cds-hooks/handle.ts CORS_HEADERS). */
export function OPTIONS(): Response {
  return preflightResponse();
}
