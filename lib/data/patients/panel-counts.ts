import "server-only";
import { z } from "zod";
import { databaseKind, type Db } from "@/lib/data/db/client";
import type { Actor } from "@/lib/data/access/actor";
import type { PanelQuery } from "@/lib/validation/panel-query";

/**
 * The panel's per-tier counts for the common worklist filters, maintained by database triggers as
 * writes happen (migration …_panel_counts, issue 19) instead of counted after every write.
 *
 * Every patient has a PanelMember row — its tier rank (-1: not evaluated), whether its snapshot
 * has a due date, and the slices it belongs to — recomputed by triggers whenever its snapshot, its
 * open flags or its attributed clinician change, whichever code path or app instance wrote them;
 * and every change of a PanelMember row moves the patient between PanelCount rows in the same
 * transaction. A slice is one of the filters below, as a key:
 *
 *   ""                                      no filter
 *   "clinician=<id>;"                       attributed clinician ("My patients", or a chosen one)
 *   "flag=<code>;"                          an open flag of that kind
 *   "outreach=<status>;"                    an open flag in that outreach status
 *   "flag=<code>;outreach=<status>;"        one open flag of that kind in that outreach status
 *   "clinician=<id>;" + any of the three    both
 *
 * Any other filter — a search, sex, age, diet, medicine, the guideline categories, a flag state
 * (overdue, due soon…: these move with the clock, not with writes) or cohort criteria — is counted
 * as before (lib/data/patients/panel.ts `countByTier`).
 */

/** Matching patients per tier rank, and how many of them have an open flag with a due date. */
export interface TierCount {
  tierRank: number;
  all: number;
  withDue: number;
}

/**
 * The slice whose maintained counts answer `query` (the tier filter aside: the counts are per tier),
 * or null when the query has a filter the triggers do not maintain. Mirrors panelWhere: "mine" is
 * the signed-in user's patients, and otherwise the chosen clinician's.
 */
export function countSlice(actor: Actor, query: PanelQuery): string | null {
  // Named one by one, so that a filter added to the panel later is counted until someone decides
  // it can be maintained — never silently ignored by a maintained count.
  const { clinician: chosen, mine, flag, outreach, tier: _tier, match: _match, criteria, view: _view, sort: _sort, dir: _dir, page: _page, size: _size, ...other } = query;
  if (criteria.length > 0 || Object.values(other).some((value) => value !== undefined)) return null;
  const clinician = mine && actor.kind === "user" ? actor.userId : chosen;
  // A clinician id from the URL that could read as another slice's key is counted, never looked up.
  if (clinician !== undefined && /[;=]/.test(clinician)) return null;
  return `${clinician !== undefined ? `clinician=${clinician};` : ""}${flag ? `flag=${flag};` : ""}${outreach ? `outreach=${outreach};` : ""}`;
}

const countRow = z.object({ tierRank: z.coerce.number().int(), all: z.coerce.number().int(), withDue: z.coerce.number().int(), rows: z.coerce.number().int() });

/**
 * On PostgreSQL each writing transaction adds rows of its own; past this many rows behind one
 * slice, the reader folds the committed ones into writer 0 (at two writes a second, every few
 * seconds; the fold touches only the clinic's few dozen unfolded rows).
 */
const FOLD_AFTER_ROWS = 64;

/** The maintained counts of one slice: one indexed read of a few rows, whatever the clinic's size. */
export async function readPanelCounts(db: Db, clinicId: string, slice: string): Promise<TierCount[]> {
  const rows = z.array(countRow).parse(
    await db.$queryRaw<unknown[]>`
      SELECT "tierRank", CAST(SUM("patients") AS INTEGER) AS "all", CAST(SUM("withDue") AS INTEGER) AS "withDue", CAST(COUNT(*) AS INTEGER) AS "rows"
      FROM "PanelCount" WHERE "clinicId" = ${clinicId} AND "slice" = ${slice}
      GROUP BY "tierRank"`,
  );
  if (rows.reduce((n, r) => n + r.rows, 0) > FOLD_AFTER_ROWS) await foldOnce(db, clinicId);
  // Tiers nobody is in are left out, as a grouped count leaves them out.
  return rows.filter((r) => r.all > 0).map(({ tierRank, all, withDue }) => ({ tierRank, all, withDue }));
}

const folding = new WeakMap<Db, Map<string, Promise<void>>>();

/** One fold per clinic at a time from this process: concurrent readers that see many rows share it. */
function foldOnce(db: Db, clinicId: string): Promise<void> {
  let running = folding.get(db);
  if (!running) folding.set(db, (running = new Map()));
  const inFlight = running.get(clinicId);
  if (inFlight) return inFlight;
  const fold = compactPanelCounts(db, clinicId).finally(() => running.delete(clinicId));
  running.set(clinicId, fold);
  return fold;
}

/**
 * PostgreSQL: folds the clinic's rows of committed writing transactions into writer 0, in one
 * statement (the rows it deletes are exactly the rows it adds up; rows of transactions still
 * running are not visible to it and stay; a second fold running at once skips the rows the first
 * deleted). Slices that came to nobody are dropped. SQLite keeps writer 0 only: nothing to do.
 */
export async function compactPanelCounts(db: Db, clinicId: string): Promise<void> {
  if (databaseKind(db) !== "postgresql") return;
  await db.$executeRaw`
    WITH "gone" AS (DELETE FROM "PanelCount" WHERE "clinicId" = ${clinicId} AND "writer" <> 0 RETURNING "clinicId", "slice", "tierRank", "patients", "withDue")
    INSERT INTO "PanelCount" ("clinicId", "slice", "tierRank", "writer", "patients", "withDue")
    SELECT "clinicId", "slice", "tierRank", 0, SUM("patients"), SUM("withDue") FROM "gone" GROUP BY "clinicId", "slice", "tierRank"
    ON CONFLICT ("clinicId", "slice", "tierRank", "writer") DO UPDATE SET
      "patients" = "PanelCount"."patients" + EXCLUDED."patients", "withDue" = "PanelCount"."withDue" + EXCLUDED."withDue"`;
  await db.$executeRaw`DELETE FROM "PanelCount" WHERE "clinicId" = ${clinicId} AND "writer" = 0 AND "patients" = 0`;
}
