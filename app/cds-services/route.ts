import { cdsCall } from "@/lib/cds-hooks/call";
import { discoveryResponse } from "@/lib/cds-hooks/handle";

/** GET /cds-services: CDS Hooks 2.0 discovery (docs/ehr-integration.md), for a CDS client with its JWT. */
export async function GET(request: Request): Promise<Response> {
  return discoveryResponse(request, cdsCall());
}
