import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { resolveCohortCutOffs } from "@/lib/data/patients/cohort-where";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { parsePanelParams } from "@/lib/validation/panel-query";
import { NO_STORE } from "@/lib/http/security-headers";

/**
 * GET /api/patients?…panel query… → one page of the panel as JSON (same query as the page,
 * cohort criteria included). A criteria row that does not parse → 422 with one sentence per row.
 */
export const GET = guardedRoute("panel:view", async (request, actor) => {
  const { query, issues } = parsePanelParams(Object.fromEntries(new URL(request.url).searchParams));
  if (issues.length > 0) return Response.json({ error: "invalid", message: issues.map((i) => i.message).join(" "), issues }, { status: 422, headers: { "Cache-Control": NO_STORE } });
  const db = getDb();
  const now = new Date();
  const panel = await getPatientPanel(db, actor, await resolveCohortCutOffs(db, actor.clinicId, query, now), now);
  // Patient data: never kept by a browser or proxy (next.config.js says so for all of /api too).
  return Response.json(panel, { headers: { "Cache-Control": NO_STORE } });
});
