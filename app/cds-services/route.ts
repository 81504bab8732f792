import { discoveryResponse } from "@/lib/cds-hooks/handle";

/** GET /cds-services: CDS Hooks 2.0 discovery (docs/ehr-integration.md). Public: it lists services and prefetch only. */
export function GET(): Response {
  return discoveryResponse();
}
