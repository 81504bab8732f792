import { cdsCall } from "@/lib/cds-hooks/call";
import { feedbackResponse, preflightResponse } from "@/lib/cds-hooks/handle";

/** POST /cds-services/{id}/feedback: the EHR reports which cards were accepted or overridden; audited. JWT as for the service. */
export async function POST(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await context.params;
  return feedbackResponse(request, id, cdsCall());
}

/** The CORS preflight of a browser-based CDS client (lib/cds-hooks/handle.ts CORS_HEADERS). */
export function OPTIONS(): Response {
  return preflightResponse();
}
