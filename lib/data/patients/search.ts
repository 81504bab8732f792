import "server-only";
import type { Db } from "@/lib/data/db/client";
import { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { parseSearchQuery, type SearchQuery } from "@/lib/domain/search-key";
import { z } from "zod";

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
 * 100,000 patients on SQLite); found first, the matching patients are a handful of ids whose
 * snapshots are read by key. They are found in the PatientSearchSuffix index (see
 * {@link findMatchIds}), and cached per (clinic, query words) under the clinic's PanelVersion, as
 * the panel's counts are (lib/data/patients/panel.ts): paging through a search or repeating it
 * costs no second look-up while no patient has changed.
 */
export async function searchMatchIds(db: Db, clinicId: string, q: string, limit = SEARCH_ID_LIMIT): Promise<SearchMatches> {
  let cache = matchCaches.get(db);
  if (!cache) matchCaches.set(db, (cache = new Map()));
  const parsed = parseSearchQuery(q);
  const key = `${clinicId}\n${limit}\n${JSON.stringify(parsed)}`;
  const version = (await db.panelVersion.findUnique({ where: { clinicId }, select: { version: true } }))?.version ?? 0;
  const hit = cache.get(key);
  cache.delete(key);
  if (hit?.version === version) {
    cache.set(key, hit);
    return hit;
  }
  const found = await findMatchIds(db, clinicId, q, parsed, limit + 1);
  const matches = { ids: found.length > limit ? null : found, version };
  cache.set(key, matches);
  if (cache.size > MATCH_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return matches;
}

/**
 * Words shorter than this are not looked up in the suffix index when the query has a longer one:
 * "a" or "12" start a large part of all suffixes, and intersecting that range with the others'
 * would read it whole. They are checked on the few patients the longer words found instead.
 */
const SHORT_WORD = 3;

/** Above every character a normalised word can hold (U+10FFFF is not a letter or digit): `word + TOP` bounds the suffixes starting with `word`. */
const TOP = "\u{10FFFF}";

const patientIdRows = z.array(z.object({ patientId: z.string() }));

/**
 * At most `take` ids of the clinic's patients matching a query: a word is contained in a key
 * exactly when it starts one of the key's word suffixes, so each word is a range of the
 * (clinicId, suffix, patientId) primary key of PatientSearchSuffix, and a patient matching every
 * word is in the intersection of the ranges. Longest word first (the fewest rows, usually);
 * short words among longer ones are checked on the patients found (LIKE on their keys, by
 * primary key). A query by birth date reads the (clinicId, birthDate) index instead, and one of
 * several short words only ("Li Xu") the keys of the clinic.
 */
async function findMatchIds(db: Db, clinicId: string, q: string, { words, birthDates }: SearchQuery, take: number): Promise<string[]> {
  if (words.length === 0 && birthDates.length === 0) return [];
  const longFirst = [...words].sort((a, b) => b.length - a.length);
  const indexed = longFirst.length === 1 ? longFirst : longFirst.filter((w) => w.length >= SHORT_WORD);
  if (birthDates.length > 0 || indexed.length === 0) {
    const found = await db.patient.findMany({ where: { clinicId, ...searchWhere(q) }, select: { id: true }, take });
    return found.map((p) => p.id);
  }
  const ranges = indexed.map(
    (word) => Prisma.sql`SELECT "patientId" FROM "PatientSearchSuffix" WHERE "clinicId" = ${clinicId} AND "suffix" >= ${word} AND "suffix" < ${word + TOP}`,
  );
  const short = longFirst.filter((w) => !indexed.includes(w));
  // One word: its range, each patient once (a key can hold several suffixes starting with it).
  const matching = ranges.length === 1 ? Prisma.sql`SELECT DISTINCT "patientId" FROM (${ranges[0]!}) AS r` : Prisma.join(ranges, " INTERSECT ");
  const sql =
    short.length === 0
      ? Prisma.sql`${matching} LIMIT ${Prisma.raw(String(take))}`
      : Prisma.sql`SELECT "id" AS "patientId" FROM "Patient" WHERE "id" IN (${matching}) AND ${Prisma.join(
          short.map((word) => Prisma.sql`"searchText" LIKE ${`%${word}%`}`),
          " AND ",
        )} LIMIT ${Prisma.raw(String(take))}`;
  return patientIdRows.parse(await db.$queryRaw<unknown[]>(sql)).map((r) => r.patientId);
}
