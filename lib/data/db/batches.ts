/**
 * How much the data layer reads or writes at once, one constant per reason, and the one helper
 * that cuts a list into batches. Every bulk path (imports, seed, recompute, exports, backups)
 * takes its sizes from here, so a size is changed in one place and its reason read beside it.
 */

import type { DatabaseProvider } from "@/lib/config/env";

/**
 * Ids in one `IN (…)` list. Prisma refuses a statement with more bind values than the database
 * takes, and through the SQLite adapter that is 999; 900 ids leave room for a statement's other
 * binds (a clinic id, a few dates). PostgreSQL takes far more; the same lists serve both.
 */
export const IDS_PER_QUERY = 900;

/**
 * Patients read, evaluated and written together: a re-evaluation batch, a recompute transaction,
 * an import or seed write batch, a page of an export. Bounds the memory one batch holds (a
 * patient's history is tens of rows) and keeps each batch's id list within {@link IDS_PER_QUERY}.
 */
export const PATIENTS_PER_BATCH = 500;

/**
 * Spreadsheet rows (or FHIR resources) an import writes per batch, about, by database: a batch
 * closes at {@link PATIENTS_PER_BATCH} patients or at this many rows, whichever comes first (a
 * patient's rows are never split), so a file of a few patients with thousands of visits each still
 * writes in bounded batches.
 *
 * Small, because what one batch holds while it is planned, evaluated and written outlives V8's
 * young-generation collections: it is copied, then moved to the old generation, which grows to
 * several times what is live before it is collected. A 100,000-row import spent 3.2–3.3 s (SQLite)
 * and 5.3–5.9 s (PostgreSQL) in young-generation collections with 2,000 rows a batch, and 1.2 s and
 * 2.0 s with 500 (eleventh session). On SQLite, 100 rows a batch took the import's peak RSS from
 * 551–595 MB to 459–474 MB, in no more time (run in turn: 26.9, 26.3, 34.4 s against 31.6, 25.9,
 * 36.6 s); SQLite runs each table's one prepared statement row by row, so more batches cost it no
 * more statements. On PostgreSQL each batch's statements (and their statement-level triggers) cost
 * the server a share that does not shrink with the batch: 100 rows a batch took 64.5–67.5 s against
 * 40.8–45.5 s, and 250 rows 36.8 s of the server's CPU against 27.7 s. It keeps 500
 * (docs/benchmarks.md, thirteenth session).
 */
export const IMPORT_ROWS_PER_BATCH: Readonly<Record<DatabaseProvider, number>> = { sqlite: 100, postgresql: 500 };

/**
 * Patients whose spreadsheet rows an import parses again together, from their bytes in the file
 * (lib/data/import/read-csv.ts `rereadVisits`): one parse per group rather than per patient, while a
 * group's parsed rows stay few (the bench's patients have about 4 rows each) and die young. 25
 * against 100, PostgreSQL 100,000 rows, five pairs run in turn: no slower (medians 37.1 s against
 * 39.1 s; docs/benchmarks.md, thirteenth session).
 */
export const PATIENTS_REREAD_TOGETHER = 25;

/**
 * Rows per statement when a whole table is written or walked: one PostgreSQL bulk INSERT's JSON
 * document, one SQLite stretch between yields to the event loop (lib/data/db/bulk-insert.ts),
 * one page of a backup's checksum, an audit verification or a backfill.
 */
export const ROWS_PER_STATEMENT = 5_000;

/** `items` in consecutive slices of at most `size` (the last may be shorter; none when empty). */
export function chunks<T>(items: readonly T[], size: number = IDS_PER_QUERY): T[][] {
  if (!Number.isSafeInteger(size) || size < 1) throw new Error(`chunks: the size must be a positive integer, not ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
