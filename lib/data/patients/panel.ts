import "server-only";
import type { Db } from "@/lib/data/db/client";
import type { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { auditReadGrouped } from "@/lib/data/audit/group";
import type { Actor } from "@/lib/data/access/actor";
import type { PanelQuery } from "@/lib/validation/panel-query";
import { cohortWhere } from "./cohort-where";
import { countSlice, readPanelCounts, type TierCount } from "./panel-counts";
import { SEARCH_ID_LIMIT, SEARCH_ROWS_LIMIT, searchMatches, searchWhere, type SearchMatch } from "./search";
import { readPanelRows, type PanelRow } from "./panel-rows";
import { TIER_RANK, type Tier } from "@/lib/domain/types";
import { decodeTierRank } from "@/lib/data/stored/values";
import { bornBeforeForAge } from "@/lib/domain/dates";
import type { FlagLifecycleSettings } from "@/lib/domain/flag-lifecycle";
import { flagStateWhere } from "@/lib/data/flags/state-where";
import { outreachDueWhere } from "@/lib/data/flags/outreach";
import { getActiveFlagLifecycle } from "@/lib/data/evaluation/thresholds";

export type { PanelRow } from "./panel-rows";

export interface PanelPage {
  rows: PanelRow[];
  total: number;
  /** Patients per tier under the current filters other than the tier filter itself. */
  tierCounts: Partial<Record<Tier, number>>;
  page: number;
  pageCount: number;
}

/**
 * The `where` for a panel query, always scoped to the actor's clinic. Age bounds become birth-date
 * bounds relative to `now` on the UTC calendar (bornBeforeForAge), the clock the displayed ages
 * use: age ≥ a ⇔ born before the cut-off for a; age ≤ b ⇔ not born before the cut-off for b + 1.
 */
export function panelWhere(actor: Actor, query: PanelQuery, now: Date, lifecycle: Pick<FlagLifecycleSettings, "dueSoonDays">): Prisma.PatientWhereInput {
  const clinicId = actor.clinicId;
  if (!clinicId) throw new Error("panelWhere: actor without a clinic");
  const where: Prisma.PatientWhereInput = { clinicId };
  const birth: Prisma.DateTimeFilter = {};
  if (query.ageMin !== undefined) birth.lt = bornBeforeForAge(query.ageMin, now);
  if (query.ageMax !== undefined) birth.gte = bornBeforeForAge(query.ageMax + 1, now);
  if (birth.lt || birth.gte) where.birthDate = birth;
  if (query.sex) where.sex = query.sex;
  if (query.diet) where.diet = query.diet === "not_recorded" ? null : query.diet;
  if (query.med) where.medicationClasses = { contains: `;${query.med};` };
  if (query.mine && actor.kind === "user") where.attributedClinicianId = actor.userId;
  else if (query.clinician) where.attributedClinicianId = query.clinician;
  const and: Prisma.PatientWhereInput[] = [];
  if (query.q) and.push(searchWhere(query.q));
  const snapshot: Prisma.RiskSnapshotWhereInput = {};
  if (query.tier) snapshot.tier = query.tier;
  if (query.ewgsop2) snapshot.ewgsop2 = query.ewgsop2;
  if (query.awgs) snapshot.awgs2019 = query.awgs;
  if (query.b12) snapshot.b12Status = query.b12;
  if (Object.keys(snapshot).length > 0) where.snapshot = { is: snapshot };
  if (query.flag || query.outreach || query.overdue || query.state || query.outreachDue) {
    // `overdue=1` (older bookmarks) is `state=overdue`.
    const state = query.state ?? (query.overdue ? "overdue" : undefined);
    where.flags = {
      some: {
        status: "open",
        ...(query.flag ? { code: query.flag } : {}),
        ...(query.outreach ? { outreach: query.outreach } : {}),
        ...(state ? flagStateWhere(state, now, lifecycle) : {}),
        ...(query.outreachDue ? outreachDueWhere(clinicId, now) : {}),
      },
    };
  }
  if (query.criteria.length > 0) and.push(cohortWhere(query.criteria, query.match, now, lifecycle));
  if (and.length > 0) where.AND = and;
  return where;
}

function panelOrder(sort: Exclude<PanelQuery["sort"], "tier">, dir: PanelQuery["dir"]): Prisma.PatientOrderByWithRelationInput[] {
  switch (sort) {
    case "age":
      // Age ascending (youngest first) is birth date descending.
      return [{ birthDate: dir === "asc" ? "desc" : "asc" }, { id: "asc" }];
    case "last_assessed":
      return [{ lastAssessedAt: { sort: dir, nulls: "last" } }, { id: "asc" }];
    case "name":
      return [{ familyName: dir }, { givenName: dir }, { id: "asc" }];
    case "next_due":
      // The earliest due date among the patient's open flags (RiskSnapshot.nextDueAt); patients
      // with nothing due come last either way.
      return [{ snapshot: { nextDueAt: { sort: dir, nulls: "last" } } }, { id: "asc" }];
  }
}

/** The pseudo rank of patients without a stored evaluation: after every tier, in either direction. */
const UNEVALUATED = -1;

const COUNT_CACHE_ENTRIES = 500;
const countCaches = new WeakMap<Db, Map<string, { version: number; counts: TierCount[] }>>();

/**
 * Matching patients per tier for a filter the database does not maintain counts for
 * (lib/data/patients/panel-counts.ts): one grouped query over RiskSnapshot, which visits every matching
 * patient — the one part of a panel call whose cost grows with the clinic. So the result is cached
 * per (clinic, filter) under the clinic's PanelVersion, which database triggers bump with every
 * change to its patients, snapshots or flags (any code path, any app instance): a cached count is
 * used only while nothing it was computed from has changed. The version is read before counting,
 * so a write that commits in between leaves counts newer than their version (a recount next time),
 * never older. Filters relative to "now" (age, overdue) make a new key each call and are recounted.
 */
async function countByTier(db: Db, clinicId: string, where: Prisma.PatientWhereInput): Promise<TierCount[]> {
  let cache = countCaches.get(db);
  if (!cache) countCaches.set(db, (cache = new Map()));
  const key = `${clinicId}\n${JSON.stringify(where)}`;
  const version = (await db.panelVersion.findUnique({ where: { clinicId }, select: { version: true } }))?.version ?? 0;
  const hit = cache.get(key);
  cache.delete(key);
  if (hit?.version === version) {
    cache.set(key, hit);
    return hit.counts;
  }
  const counts = await countTiers(db, clinicId, where);
  cache.set(key, { version, counts });
  if (cache.size > COUNT_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return counts;
}

/** The per-tier counts, counted: for filters the database does not keep counts of (lib/data/patients/panel-counts.ts) and that are not a search (its matches carry their tiers). */
async function countTiers(db: Db, clinicId: string, where: Prisma.PatientWhereInput): Promise<TierCount[]> {
  const grouped = await db.riskSnapshot.groupBy({
    by: ["tierRank"],
    where: { clinicId, patient: where },
    _count: { _all: true, nextDueAt: true },
  });
  const counts = grouped.map((g) => ({ tierRank: g.tierRank, all: g._count._all, withDue: g._count.nextDueAt }));
  // Every write path stores a snapshot with the patient; a patient without one (written outside
  // the app) is still listed — last, as not yet evaluated — rather than silently left out.
  const unevaluated = await db.patient.count({ where: { AND: [where, { snapshot: { is: null } }] } });
  if (unevaluated > 0) counts.push({ tierRank: UNEVALUATED, all: unevaluated, withDue: 0 });
  return counts;
}

/**
 * The page of the tier sort ("ranked by risk tier, then by the most overdue flag",
 * docs/design.md#who-uses-it), as patient ids. Instead of sorting every matching patient, the
 * order is walked in segments that the (clinicId, tierRank, nextDueAt, patientId) index returns
 * already sorted: for each tier in order, first the patients with a due date (by nextDueAt,
 * patientId), then those without (by patientId). The counts say where each segment starts, so only the segments the page
 * overlaps are read, with LIMIT/OFFSET inside the segment — the database stops after `size` rows.
 */
async function tierOrderedIds(db: Db, clinicId: string, where: Prisma.PatientWhereInput, counts: readonly TierCount[], query: PanelQuery, skip: number): Promise<string[]> {
  const ranks = counts
    .filter((c) => c.all > 0)
    .sort((a, b) => (a.tierRank === UNEVALUATED ? 1 : b.tierRank === UNEVALUATED ? -1 : query.dir === "asc" ? a.tierRank - b.tierRank : b.tierRank - a.tierRank));
  const ids: string[] = [];
  let offset = 0;
  for (const { tierRank, all, withDue } of ranks) {
    for (const [due, length] of [[true, withDue], [false, all - withDue]] as const) {
      const from = Math.max(0, skip + ids.length - offset);
      offset += length;
      if (from >= length) continue;
      if (tierRank === UNEVALUATED) {
        const rest = await db.patient.findMany({ where: { AND: [where, { snapshot: { is: null } }] }, orderBy: { id: "asc" }, skip: from, take: query.size - ids.length, select: { id: true } });
        ids.push(...rest.map((p) => p.id));
        return ids;
      }
      const found = await db.riskSnapshot.findMany({
        where: { clinicId, tierRank, nextDueAt: due ? { not: null } : null, patient: where },
        orderBy: due ? [{ nextDueAt: "asc" }, { patientId: "asc" }] : [{ patientId: "asc" }],
        skip: from,
        take: query.size - ids.length,
        select: { patientId: true },
      });
      ids.push(...found.map((s) => s.patientId));
      if (ids.length >= query.size) return ids;
    }
  }
  return ids;
}

/**
 * The tier and due date of a search's matches under the panel's other filters (`where` holds the
 * search's ids): one statement, plus one for patients without a stored evaluation only when
 * fewer snapshots than ids were found.
 */
async function searchTiers(db: Db, where: Prisma.PatientWhereInput, matchIds: string[]): Promise<SearchMatch[]> {
  const matched: SearchMatch[] = await db.riskSnapshot.findMany({ where: { patientId: { in: matchIds }, patient: where }, select: { patientId: true, tierRank: true, nextDueAt: true } });
  if (matched.length < matchIds.length) {
    const without = await db.patient.findMany({ where: { AND: [where, { snapshot: { is: null } }] }, select: { id: true } });
    matched.push(...without.map((p) => ({ patientId: p.id, tierRank: null, nextDueAt: null })));
  }
  return matched;
}

/**
 * A search's matches, counted per tier in memory: with the matches read in one statement
 * (lib/data/patients/search.ts), they give both the per-tier counts and the tier sort's order,
 * where countByTier and tierOrderedIds take a statement per tier segment — and each statement
 * through Prisma costs about half a millisecond of CPU of its own, most of a cold search's cost
 * once the matches are found by index.
 */
function countMatches(matched: readonly SearchMatch[]): TierCount[] {
  const byRank = new Map<number, TierCount>();
  for (const m of matched) {
    const tierRank = m.tierRank ?? UNEVALUATED;
    const count = byRank.get(tierRank) ?? { tierRank, all: 0, withDue: 0 };
    count.all += 1;
    if (m.nextDueAt) count.withDue += 1;
    byRank.set(tierRank, count);
  }
  return [...byRank.values()];
}

/** The tier sort of tierOrderedIds, in memory: tier (unevaluated last either way), then those with a due date by it, then by id. */
function byTierOrder(dir: PanelQuery["dir"]): (a: SearchMatch, b: SearchMatch) => number {
  const ids = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return (a, b) => {
    if (a.tierRank !== b.tierRank) {
      if (a.tierRank === null) return 1;
      if (b.tierRank === null) return -1;
      return dir === "asc" ? a.tierRank - b.tierRank : b.tierRank - a.tierRank;
    }
    if (a.nextDueAt && b.nextDueAt) return a.nextDueAt.getTime() - b.nextDueAt.getTime() || ids(a.patientId, b.patientId);
    if (a.nextDueAt || b.nextDueAt) return a.nextDueAt ? -1 : 1;
    return ids(a.patientId, b.patientId);
  };
}

/**
 * One page of the actor's clinic's patients, and an audit record of who was listed. Every patient
 * written by the app has a snapshot (written in the same transaction, lib/data/evaluation/snapshots.ts), so
 * the counts come from one grouped query over RiskSnapshot — the per-tier counts shown above the
 * table — plus the patients without one; the total is their sum.
 */
export async function getPatientPanel(db: Db, actor: Actor, query: PanelQuery, now: Date = new Date()): Promise<PanelPage> {
  const clinicId = actor.clinicId;
  if (!clinicId) throw new Error("getPatientPanel: actor without a clinic");
  const lifecycle = await getActiveFlagLifecycle(db, clinicId, now);
  // A search's matches come with their tiers; other filters than the tier (sex, flag, criteria…) are applied by reading them again under those.
  const otherFilters = Object.keys(panelWhere(actor, { ...query, q: undefined, tier: undefined }, now, lifecycle)).some((key) => key !== "clinicId");
  // The search is looked up first. Alone and listed by tier, up to SEARCH_ROWS_LIMIT matches are
  // counted and ordered in memory and only the page is read by id; otherwise up to SEARCH_ID_LIMIT
  // are read by id. The ids come from the clinic-scoped search, so `clinicId` is left out: kept,
  // SQLite's planner walks the whole clinic on a (clinicId, …) index instead of looking the ids up
  // (as for the tier page below).
  const inMemory = !otherFilters && query.sort === "tier";
  const matches = query.q ? await searchMatches(db, clinicId, query.q, inMemory ? SEARCH_ROWS_LIMIT : SEARCH_ID_LIMIT) : null;
  const matchIds = matches?.map((m) => m.patientId) ?? null;
  const byIds = (w: Prisma.PatientWhereInput): Prisma.PatientWhereInput => {
    if (!matchIds) return w;
    const { clinicId: _scopedBySearch, ...rest } = w;
    return { ...rest, id: { in: matchIds } };
  };
  const filters = matchIds ? { ...query, q: undefined } : query;
  const where = byIds(panelWhere(actor, filters, now, lifecycle));
  const tierWhere = query.tier ? byIds(panelWhere(actor, { ...filters, tier: undefined }, now, lifecycle)) : where;
  const matched = matches && matchIds ? (otherFilters ? await searchTiers(db, tierWhere, matchIds) : matches) : null;
  // The common worklist filters read counts the database keeps up to date as writes happen
  // (lib/data/patients/panel-counts.ts); a search counts its matches; any other filter is counted.
  const slice = matched ? null : countSlice(actor, query);
  const allCounts = matched ? countMatches(matched) : slice !== null ? await readPanelCounts(db, clinicId, slice) : await countByTier(db, clinicId, tierWhere);
  // A rank is stored beside its tier on every snapshot (TIER_RANK); the counts are grouped by rank.
  const tierCounts = Object.fromEntries(allCounts.filter((c) => c.tierRank !== UNEVALUATED).map((c) => [decodeTierRank(c.tierRank, `rows of clinic ${clinicId}`), c.all]));
  const counts = query.tier ? allCounts.filter((c) => c.tierRank === TIER_RANK[query.tier!]) : allCounts;
  const total = counts.reduce((n, c) => n + c.all, 0);
  const pageCount = Math.max(1, Math.ceil(total / query.size));
  const page = Math.min(query.page, pageCount);
  const skip = (page - 1) * query.size;
  let ids: string[];
  if (query.sort === "tier") {
    ids = matched
      ? matched
          .filter((m) => !query.tier || m.tierRank === TIER_RANK[query.tier])
          .sort(byTierOrder(query.dir))
          .slice(skip, skip + query.size)
          .map((m) => m.patientId)
      : await tierOrderedIds(db, clinicId, where, counts, query, skip);
  } else {
    ids = (await db.patient.findMany({ where, orderBy: panelOrder(query.sort, query.dir), skip, take: query.size, select: { id: true } })).map((p) => p.id);
  }
  // The page's columns by id (lib/data/patients/panel-rows.ts), in the order just found.
  const rows = await readPanelRows(db, ids, now, lifecycle);
  // Grouped with the audits of concurrent panel calls: one commit for many (lib/data/audit/group.ts).
  await auditReadGrouped(db, actor, [{ action: "patient.search", detail: { query: { ...query }, total, patientIds: rows.map((r) => r.id) } }], now);
  return { rows, total, tierCounts, page, pageCount };
}
