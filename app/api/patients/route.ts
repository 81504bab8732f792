import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db";
import { getPatientPanel } from "@/lib/data/patient-panel";
import { parsePanelQuery } from "@/lib/validation/panel-query";

/** GET /api/patients?…panel query… → one page of the panel as JSON (same query as the page). */
export const GET = guardedRoute("panel:view", async (request, actor) => {
  const query = parsePanelQuery(Object.fromEntries(new URL(request.url).searchParams));
  const panel = await getPatientPanel(getDb(), actor, query);
  return Response.json(panel);
});
