import "server-only";
import type { Db } from "@/lib/data/db/client";
import type { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { parseSearchQuery } from "@/lib/domain/search-key";

/**
 * The panel's search box as a filter (lib/domain/search-key.ts): every word of the query in the
 * patient's normalised key (a LIKE '%word%' each, which SQLite and PostgreSQL both run), and the
 * birth date equal to any YYYY-MM-DD in it. A query with nothing to search by (only punctuation)
 * matches no patient, rather than silently listing all of them.
 */
export function searchWhere(q: string): Prisma.PatientWhereInput {
  const { words, birthDates } = parseSearchQuery(q);
  if (words.length === 0 && birthDates.length === 0) return { id: { in: [] } };
  return { AND: [...words.map((word) => ({ searchText: { contains: word } })), ...birthDates.map((birthDate) => ({ birthDate }))] };
}

/**
 * At most this many matching patients are looked up as ids first: the panel binds each id twice
 * in one statement (the snapshot's patientId and the patient's id), and Prisma refuses more than
 * 999 bind values on SQLite. A broader query (a common family name, "a") keeps the LIKE filter in
 * every statement instead, which is correct but walks the clinic for each.
 */
export const SEARCH_ID_LIMIT = 400;

const MATCH_CACHE_ENTRIES = 500;

/** The patients a search matched (null: more than the limit), and the clinic's PanelVersion when they were found. */
export interface SearchMatches {
  ids: string[] | null;
  version: number;
}

const matchCaches = new WeakMap<Db, Map<string, SearchMatches>>();

/**
 * The patients of the clinic a search matches, as ids (null when more than `limit` match).
 *
 * Why: given the search as a filter on the joined patient, the panel's per-tier counts and its
 * tier-ordered page walk every snapshot of the clinic and look its patient up (about 1 s at
 * 100,000 patients on SQLite); found first — one pass over the (clinicId, searchText) index,
 * which holds the keys without the wide rows, about 12 ms of CPU at 100,000 — the matching
 * patients are a handful of ids whose snapshots are read by key. The ids are cached per (clinic,
 * query words) under the clinic's PanelVersion, as the panel's counts are (lib/data/patients/panel.ts):
 * paging through a search or repeating it costs no second pass while no patient has changed.
 */
export async function searchMatchIds(db: Db, clinicId: string, q: string, limit = SEARCH_ID_LIMIT): Promise<SearchMatches> {
  let cache = matchCaches.get(db);
  if (!cache) matchCaches.set(db, (cache = new Map()));
  const key = `${clinicId}\n${limit}\n${JSON.stringify(parseSearchQuery(q))}`;
  const version = (await db.panelVersion.findUnique({ where: { clinicId }, select: { version: true } }))?.version ?? 0;
  const hit = cache.get(key);
  cache.delete(key);
  if (hit?.version === version) {
    cache.set(key, hit);
    return hit;
  }
  const found = await db.patient.findMany({ where: { clinicId, ...searchWhere(q) }, select: { id: true }, take: limit + 1 });
  const matches = { ids: found.length > limit ? null : found.map((p) => p.id), version };
  cache.set(key, matches);
  if (cache.size > MATCH_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return matches;
}
