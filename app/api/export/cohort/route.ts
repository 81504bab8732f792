import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { resolveCohortCutOffs } from "@/lib/data/patients/cohort-where";
import { streamCohortCsv } from "@/lib/data/export/cohort-csv";
import { FLAG_CODES, TIERS, type FlagCode } from "@/lib/domain/types";
import { parsePanelParams } from "@/lib/validation/panel-query";
import { streamedDownload } from "@/lib/http/streamed-download";

/**
 * Patients per batch of the download. Each batch waits one turn of the server's event loop behind
 * every other request, so under load an export in the CLI's batches of 200 waited fifty turns for
 * 10,000 patients (docs/operations.md "Load"); larger batches cost a little more memory per download.
 */
const EXPORT_PATIENTS_PER_BATCH = 900;

function listParam<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): T[] {
  return params.getAll(name).flatMap((v) => v.split(",")).filter((v): v is T => (allowed as readonly string[]).includes(v));
}

/**
 * GET /api/export/cohort?…panel query… → the CSV of exactly the panel's cohort (its filters and
 * cohort criteria, the same schema as /patients; every page, no row cap), the contract columns
 * (docs/design.md#cohort-export-csv) first, streamed batch by batch with the same code as
 * `npm run cli -- export`, audited.
 * Several `tier`/`flag` values (`tier=high,elevated`) select any of them, as before.
 * A criteria row that does not parse is refused with 422 and what to fix, rather than exporting
 * a wider cohort than the one asked for.
 */
export const GET = guardedRoute("export:identified", async (request, actor) => {
  const params = new URL(request.url).searchParams;
  const now = new Date();
  // Several `tier`/`flag` values are the exporter's own "any of" lists (below); only a single one
  // is the panel's filter. Object.fromEntries would keep just the last of them and narrow the cohort.
  const panelParams = Object.fromEntries(params);
  for (const name of ["tier", "flag"]) if (params.getAll(name).flatMap((v) => v.split(",")).length > 1) delete panelParams[name];
  const { query, issues } = parsePanelParams(panelParams);
  if (issues.length > 0) return Response.json({ error: "invalid", message: issues.map((i) => i.message).join(" "), issues }, { status: 422 });
  // One tier or flag is the panel's own filter (in `query`); a list of several is the exporter's.
  const tiers = listParam(params, "tier", TIERS);
  const flags = listParam(params, "flag", FLAG_CODES as readonly FlagCode[]);
  const db = getDb();
  const panelQuery = await resolveCohortCutOffs(db, actor.clinicId, query, now);
  const rows = streamCohortCsv(db, actor, { batchSize: EXPORT_PATIENTS_PER_BATCH, now, tiers: tiers.length > 1 ? tiers : [], flags: flags.length > 1 ? flags : [], panel: { actor, query: panelQuery } });
  return streamedDownload(rows, `cohort-${now.toISOString().slice(0, 10)}.csv`);
});
