import { cdsCall } from "@/lib/cds-hooks/call";
import { discoveryResponse, preflightResponse } from "@/lib/cds-hooks/handle";

/** GET /cds-services: CDS Hooks 2.0 discovery (docs/ehr-integration.md), for a CDS client with its JWT. */
export async function GET(request: Request): Promise<Response> {
  return discoveryResponse(request, cdsCall());
}

/** The CORS preflight of a browser-based CDS client (lib/cds-hooks/handle.ts CORS_HEADERS). */
export function OPTIONS(): Response {
  return preflightResponse();
}
