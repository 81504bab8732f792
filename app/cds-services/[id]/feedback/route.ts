import { cdsCall } from "@/lib/cds-hooks/call";
import { feedbackResponse } from "@/lib/cds-hooks/handle";

/** POST /cds-services/{id}/feedback: the EHR reports which cards were accepted or overridden; audited. JWT as for the service. */
export async function POST(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await context.params;
  return feedbackResponse(request, id, cdsCall());
}
