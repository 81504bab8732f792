import "server-only";
import { databaseKind, type Db } from "@/lib/data/db/client";
import { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { parseSearchQuery, type SearchQuery } from "@/lib/domain/search-key";
import { z } from "zod";
import { storedDateTime } from "@/lib/data/stored/decode";

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

/**
 * A search box query alone, listed by tier (the panel's default), needs its matches only as rows
 * to count and order in memory, then the page's 25 by id: up to this many are looked up so (a
 * common family or given name, about 1 ms of SQLite per 1,000 matches at 100,000 patients) before
 * the LIKE filter above takes over.
 */
export const SEARCH_ROWS_LIMIT = 5000;

/** A patient a search matched, with what the panel's tier sort and counts need (null: no stored evaluation). */
export interface SearchMatch {
  patientId: string;
  tierRank: number | null;
  nextDueAt: Date | null;
}

/**
 * The patients of the clinic a search matches (null when more than `limit` match), each with its
 * tier rank and next due date.
 *
 * Why: given the search as a filter on the joined patient, the panel's per-tier counts and its
 * tier-ordered page walk every snapshot of the clinic and look its patient up (about 1 s at
 * 100,000 patients on SQLite); found first, the matching patients are a handful of ids whose
 * rows are read by key. They are found in the PatientSearchSuffix index ({@link findMatches}), in
 * one statement with their snapshots' tier and due date, so a search box query without other
 * filters needs no statement to count or order them (lib/data/patients/panel.ts). Nothing is
 * cached: the look-up costs about what reading the clinic's PanelVersion to validate a cache did.
 */
export async function searchMatches(db: Db, clinicId: string, q: string, limit = SEARCH_ID_LIMIT): Promise<SearchMatch[] | null> {
  const found = await findMatches(db, clinicId, q, parseSearchQuery(q), limit + 1);
  return found.length > limit ? null : found;
}

/**
 * Words shorter than this are not looked up in the suffix index when the query has a longer one:
 * "a" or "12" start a large part of all suffixes, and intersecting that range with the others'
 * would read it whole. They are checked on the few patients the longer words found instead.
 */
const SHORT_WORD = 3;

/** Above every character a normalised word can hold (U+10FFFF is not a letter or digit): `word + TOP` bounds the suffixes starting with `word`. */
const TOP = "\u{10FFFF}";

const matchRows = z.array(
  z.object({
    patientId: z.string(),
    tierRank: z.union([z.number(), z.bigint()]).nullable(),
    // A DATETIME through $queryRaw: a Date, or on SQLite the stored text (lib/data/stored/decode.ts).
    nextDueAt: z.union([z.date(), z.string(), z.number()]).nullable(),
  }),
);
const NEXT_DUE_AT = { table: "RiskSnapshot", column: "nextDueAt" };

/**
 * At most `take` of the clinic's patients matching a query: a word is contained in a key
 * exactly when it starts one of the key's word suffixes, so each word is a range of the
 * (clinicId, suffix, patientId) primary key of PatientSearchSuffix, and a patient matching every
 * word is in the intersection of the ranges. Longest word first (the fewest rows, usually);
 * short words among longer ones are checked on the patients found (LIKE on their keys, by
 * primary key). A query by birth date reads the (clinicId, birthDate) index instead, and one of
 * several short words only ("Li Xu") the keys of the clinic. On PostgreSQL with the key's trigram
 * index, a query whose longest word has three or more characters reads that index instead
 * ({@link trigramMatches}).
 */
async function findMatches(db: Db, clinicId: string, q: string, { words, birthDates }: SearchQuery, take: number): Promise<SearchMatch[]> {
  if (words.length === 0 && birthDates.length === 0) return [];
  const longFirst = [...words].sort((a, b) => b.length - a.length);
  const indexed = longFirst.length === 1 ? longFirst : longFirst.filter((w) => w.length >= SHORT_WORD);
  if (birthDates.length > 0 || indexed.length === 0) {
    const found = await db.patient.findMany({ where: { clinicId, ...searchWhere(q) }, select: { id: true, snapshot: { select: { tierRank: true, nextDueAt: true } } }, take });
    return found.map((p) => ({ patientId: p.id, tierRank: p.snapshot?.tierRank ?? null, nextDueAt: p.snapshot?.nextDueAt ?? null }));
  }
  if (longFirst[0]!.length >= SHORT_WORD && (await hasTrigramIndex(db))) return trigramMatches(db, clinicId, longFirst, take);
  const ranges = indexed.map(
    (word) => Prisma.sql`SELECT "patientId" FROM "PatientSearchSuffix" WHERE "clinicId" = ${clinicId} AND "suffix" >= ${word} AND "suffix" < ${word + TOP}`,
  );
  const short = longFirst.filter((w) => !indexed.includes(w));
  // One word: its range, each patient once (a key can hold several suffixes starting with it).
  const matching = ranges.length === 1 ? Prisma.sql`SELECT DISTINCT "patientId" FROM (${ranges[0]!}) AS r` : Prisma.join(ranges, " INTERSECT ");
  const limit = Prisma.raw(`LIMIT ${take}`);
  const ids =
    short.length === 0
      ? Prisma.sql`${matching} ${limit}`
      : Prisma.sql`SELECT "id" AS "patientId" FROM "Patient" WHERE "id" IN (${matching}) AND ${Prisma.join(
          short.map((word) => Prisma.sql`"searchText" LIKE ${`%${word}%`}`),
          " AND ",
        )} ${limit}`;
  const rows = await db.$queryRaw<unknown[]>`
    SELECT m."patientId", s."tierRank", s."nextDueAt"
    FROM (${ids}) AS m LEFT JOIN "RiskSnapshot" AS s ON s."patientId" = m."patientId"`;
  return decodeMatches(rows);
}

/**
 * On PostgreSQL with the trigram index on the key (migration `patient_search_trigrams`): the words
 * of three or more characters as LIKE '%word%' through that index, which ANDs their trigram lists
 * instead of intersecting two suffix ranges (0.4 ms against 2.9 ms for "Santos, Ernest" at 100,000
 * patients); shorter words are checked on the rows found (`strpos`, which the index planner leaves
 * alone: a pattern under three characters has no trigram and would make it read the whole index).
 * A query word holds letters and digits only (normaliseForSearch), so it needs no LIKE escaping.
 */
async function trigramMatches(db: Db, clinicId: string, longFirst: readonly string[], take: number): Promise<SearchMatch[]> {
  const conditions = longFirst.map((word) => (word.length >= SHORT_WORD ? Prisma.sql`p."searchText" LIKE ${`%${word}%`}` : Prisma.sql`strpos(p."searchText", ${word}) > 0`));
  const rows = await db.$queryRaw<unknown[]>`
    SELECT p."id" AS "patientId", s."tierRank", s."nextDueAt"
    FROM "Patient" AS p LEFT JOIN "RiskSnapshot" AS s ON s."patientId" = p."id"
    WHERE p."clinicId" = ${clinicId} AND ${Prisma.join(conditions, " AND ")}
    ${Prisma.raw(`LIMIT ${take}`)}`;
  return decodeMatches(rows);
}

const trigramIndexes = new WeakMap<Db, Promise<boolean>>();

/** Whether this PostgreSQL database has the key's trigram index (looked up once per client; never on SQLite). */
function hasTrigramIndex(db: Db): Promise<boolean> {
  if (databaseKind(db) !== "postgresql") return Promise.resolve(false);
  let known = trigramIndexes.get(db);
  if (!known) {
    known = db
      .$queryRaw<unknown[]>`SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'Patient_searchText_trgm_idx'`
      .then((rows) => rows.length > 0)
      .catch((error: unknown) => {
        trigramIndexes.delete(db);
        throw error;
      });
    trigramIndexes.set(db, known);
  }
  return known;
}

function decodeMatches(rows: unknown[]): SearchMatch[] {
  return matchRows.parse(rows).map((r) => ({
    patientId: r.patientId,
    tierRank: r.tierRank === null ? null : Number(r.tierRank),
    nextDueAt: r.nextDueAt === null || r.nextDueAt instanceof Date ? r.nextDueAt : storedDateTime(r.nextDueAt, NEXT_DUE_AT, r.patientId),
  }));
}
