import "server-only";
import { randomUUID } from "node:crypto";
import type { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { databaseKind, type Tx } from "./client";
import { transactionConnection } from "./sqlite-connection";
import { pgTransactionConnection, type TransactionConnection } from "./pg-connection";
import { chunks, ROWS_PER_STATEMENT } from "./batches";

/**
 * Bulk INSERT and UPDATE for the tables written by the thousand (imports, seeds, recomputes),
 * inside the caller's transaction.
 *
 * SQLite: one prepared single-row statement per table, reused for every row, run on the
 * transaction's own connection (lib/data/db/sqlite-connection.ts explains why that is safe and what
 * it saves). PostgreSQL: new rows go to the server as one array per column (`columnArrays` says
 * why); rows with JSON text columns, or that replace or update stored ones, as one JSON document
 * per statement, which the server expands with `json_populate_recordset` over the table's own row
 * type (`batchParameters` says how a batch travels, and why). Either way one statement per
 * {@link ROWS_PER_STATEMENT} rows, sent on the transaction's own pg connection
 * (lib/data/db/pg-connection.ts) without waiting for the server to run it (`settleBulkWrites`).
 *
 * Why not Prisma's createMany or a multi-row `VALUES (?, ?, …), …`: both hand every cell to
 * Prisma's query layer and the driver one by one (createMany ≈ 1 ms a row).
 *
 * Rows are typed objects, one row type per table (`bulkTable`): the compiler checks that the type
 * fits the table's Prisma model and that the column list names every one of its keys, and this file
 * is the one place that turns a row into the cells of a statement. Callers give every column
 * explicitly (ids, timestamps, defaults), so the rows are what Prisma would have written;
 * tests/integration/bulk-import.int.test.ts reads them back through Prisma on both databases,
 * value for value.
 */

/** What Prisma accepts for a new row of each table written in bulk. */
interface BulkTableInputs {
  Patient: Prisma.PatientCreateManyInput;
  Observation: Prisma.ObservationCreateManyInput;
  PatientMedication: Prisma.PatientMedicationCreateManyInput;
  PatientCondition: Prisma.PatientConditionCreateManyInput;
  PatientFinding: Prisma.PatientFindingCreateManyInput;
  RiskSnapshot: Prisma.RiskSnapshotCreateManyInput;
  Flag: Prisma.FlagCreateManyInput;
}

export type BulkTableName = keyof BulkTableInputs;

/** A table written in bulk with rows of type `R`: its name and its columns (exactly the keys of `R`). */
export interface BulkTable<R> {
  name: BulkTableName;
  columns: readonly (keyof R & string)[];
  /**
   * Text columns that hold a JSON document of some size (a snapshot's explained evaluation, ≈ 8 kB;
   * a flag's reasons). On PostgreSQL their text travels beside the batch's JSON document instead of
   * inside it (see `batchParameters`); it is stored exactly as given either way. Absent: none.
   */
  jsonColumns?: ReadonlySet<string>;
}

/** `C` when it names every key of `R`, else a type no list matches, which names the missing keys. */
type EveryKeyOf<R, C extends readonly PropertyKey[]> = [Exclude<keyof R, C[number]>] extends [never] ? unknown : { missingColumns: Exclude<keyof R, C[number]> };
/** Nothing when rows of type `R` fit table `N`'s Prisma model, else a type no table name matches. */
type FitsTable<R, N extends BulkTableName> = R extends BulkTableInputs[N] ? unknown : { rowTypeDoesNotFit: N };

/**
 * Declares the table rows of type `R` are written to, with its column list:
 * `bulkTable<ObservationRow>()("Observation", ["id", …])`. A column list that misses a key of `R`,
 * or a row type with a field the model lacks (or of another type), does not compile. `json` names
 * the text columns that hold JSON documents ({@link BulkTable.jsonColumns}).
 */
export function bulkTable<R>() {
  return <N extends BulkTableName, const C extends readonly (keyof R & string)[]>(
    name: N & FitsTable<R, N>,
    columns: C & EveryKeyOf<R, C>,
    options: { json?: readonly (C[number] & JsonTextKeys<R>)[] } = {},
  ): BulkTable<R> => ({
    name,
    columns,
    ...(options.json && options.json.length > 0 ? { jsonColumns: new Set<string>(options.json) } : {}),
  });
}

/** The keys of `R` whose values are text or null (only those can hold a JSON document). */
type JsonTextKeys<R> = { [K in keyof R]-?: NonNullable<R[K]> extends string ? K : never }[keyof R];

/**
 * A row's cells in `columns` order, in the form Prisma stores them in SQLite: dates as ISO text
 * ending "+00:00", booleans as 0/1. Dates repeat a lot (one visit date for several results, one
 * write time for a whole batch), so their text is remembered per call.
 */
function sqliteCells<R>(row: R, columns: readonly (keyof R & string)[], dates: Map<number, string>): unknown[] {
  return columns.map((column) => {
    const value: unknown = row[column];
    if (value instanceof Date) {
      const time = value.getTime();
      let text = dates.get(time);
      if (text === undefined) {
        text = value.toISOString().replace("Z", "+00:00");
        dates.set(time, text);
      }
      return text;
    }
    if (typeof value === "boolean") return value ? 1 : 0;
    return value ?? null;
  });
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * SQLite: runs `sql`, prepared once, for each row with its `columns` as the parameters (in
 * `sqliteCells` form) on the transaction's connection, yielding to the event loop between
 * stretches of rows so that another request's query waits at most one stretch.
 */
async function runForEachRow<R>(tx: Tx, sql: string, rows: readonly R[], columns: readonly (keyof R & string)[]): Promise<void> {
  const direct = transactionConnection(tx);
  if (!direct) throw new Error("Bulk writes on SQLite need a client made by createDb (lib/data/db/client.ts).");
  const statement = direct.prepare(sql);
  const dates = new Map<number, string>();
  let first = true;
  for (const stretch of chunks(rows, ROWS_PER_STATEMENT)) {
    if (!first) await yieldToEventLoop();
    first = false;
    for (const row of stretch) statement.run(sqliteCells(row, columns, dates));
  }
}

/**
 * PostgreSQL: a batch of rows as the statement's two parameters, both UTF-8 bytes —
 *
 * - `$1`, a JSON array of objects keyed by column name (timestamps as ISO text in UTC, which is
 *   how Prisma stores them), read with `json_populate_recordset` over the table's own row type;
 * - `$2`, the texts of the JSON columns one after another. In `$1` such a column holds where its
 *   text is in `$2`, "start:length" in bytes (null for null), and the statement cuts it out
 *   ({@link columnValue}).
 *
 * Why bytes: pg sends a `Buffer` parameter as it is, as a binary `bytea`, turned back into text by
 * `convert_from(…, 'UTF8')`, which checks the encoding. (Through Prisma's `$executeRawUnsafe`, as
 * before the sixth session, every parameter was encoded by the client and decoded again by the
 * adapter first: for a batch of 5,000 snapshots, ≈ 40 MB each way.)
 *
 * Why the JSON columns travel apart: a snapshot's explained evaluation is ≈ 8 kB of JSON text.
 * Inside the document it was escaped as a string (once by `JSON.stringify` here, once more by
 * Prisma), and the server then had to parse all of it, character by character, to find where the
 * row's next column starts — ≈ 150 µs a row, more than half of the server's work on a recompute.
 * Cut out of `$2` by byte offsets, the text is copied, never parsed, and stored exactly as given.
 */
function batchParameters<R>(rows: readonly R[], columns: readonly (keyof R & string)[], jsonColumns: ReadonlySet<string>): Buffer[] {
  const keys = columns.map((column, i) => `${i === 0 ? "{" : ","}${JSON.stringify(column)}:`);
  const isJson = columns.map((column) => jsonColumns.has(column));
  const parts: string[] = [];
  const texts = new ByteWriter();
  const dates = new Map<number, string>();
  for (const row of rows) {
    let text = "";
    for (let i = 0; i < columns.length; i += 1) {
      const value: unknown = row[columns[i]!] ?? null;
      if (isJson[i] && typeof value === "string") {
        const offset = texts.length;
        text += `${keys[i]!}"${offset}:${texts.write(value)}"`;
      } else {
        text += keys[i]! + jsonValue(value, dates);
      }
    }
    parts.push(`${text}}`);
  }
  const document = Buffer.from(`[${parts.join(",")}]`, "utf8");
  return isJson.includes(true) ? [document, texts.bytes()] : [document];
}

/**
 * `JSON.stringify(value)` for a cell, faster for the common kinds: a date's text is made once per
 * instant and call (one visit date serves several results, one write time a whole batch), a
 * number or a boolean needs no escaping. 60,000 cells of an import's rows went through
 * `Date.prototype.toJSON` one by one before.
 */
function jsonValue(value: unknown, dates: Map<number, string>): string {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (value instanceof Date) {
        const time = value.getTime();
        let text = dates.get(time);
        if (text === undefined) dates.set(time, (text = JSON.stringify(value)));
        return text;
      }
      return JSON.stringify(value);
    default:
      return JSON.stringify(value);
  }
}

/**
 * Texts encoded as UTF-8 one after another into large buffers, each text in one pass (its byte
 * length is what the encoder wrote). Measuring each text, joining them and encoding the whole
 * took three passes and three times the CPU for a batch of 5,000 snapshots.
 */
class ByteWriter {
  /** Buffers start at 64 kB (a one-patient write) and double up to 8 MB (a batch of thousands). */
  private static readonly FIRST_CHUNK_BYTES = 64 * 1024;
  private static readonly LARGEST_CHUNK_BYTES = 8 * 1024 * 1024;
  private readonly full: Buffer[] = [];
  private current = Buffer.allocUnsafe(0);
  private nextChunkBytes = ByteWriter.FIRST_CHUNK_BYTES;
  private used = 0;
  /** Bytes written so far. */
  length = 0;

  /** Appends `text` and returns its length in bytes. */
  write(text: string): number {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (this.current.length - this.used < text.length * 3) {
      if (this.used > 0) this.full.push(this.current.subarray(0, this.used));
      this.current = Buffer.allocUnsafe(Math.max(this.nextChunkBytes, text.length * 3));
      this.nextChunkBytes = Math.min(this.nextChunkBytes * 2, ByteWriter.LARGEST_CHUNK_BYTES);
      this.used = 0;
    }
    const written = this.current.write(text, this.used, "utf8");
    this.used += written;
    this.length += written;
    return written;
  }

  /** Everything written, as one buffer. */
  bytes(): Buffer {
    return Buffer.concat([...this.full, this.current.subarray(0, this.used)], this.length);
  }
}

/**
 * PostgreSQL: new rows as one array per column — statement parameter `$i` is column `i`'s values
 * as the text of a PostgreSQL array (`{"a","b",NULL}`), read back with
 * `unnest($1::text[], $2::double precision[], …)` under each column's own type
 * (`pgColumnTypes`). Texts and dates are quoted, with a backslash before `"` and `\` (so the text
 * "NULL" stays text); null is NULL, unquoted; numbers are written as JavaScript writes them,
 * booleans as t and f; dates are ISO text in UTC (as in `batchParameters`).
 *
 * Why arrays for new rows: the server reads a column's values with no JSON to parse and no column
 * names repeated for each row. Inserting 200,000 stored results into the Observation table took the
 * server 3.1 s this way, against 6.1–6.4 s through `json_populate_recordset` and 2.3–3.8 s with
 * `COPY` (psql, 100,000-patient database, each in a rolled-back transaction). COPY needs a round
 * trip in the middle of the statement, which waits whenever this process is busy building the
 * next rows; a statement with parameters goes in one message. The parameters are also less than
 * half the size of the JSON document, so building them costs this process less.
 */
function columnArrays<R>(rows: readonly R[], columns: readonly (keyof R & string)[]): string[] {
  const dates = new Map<number, string>();
  return columns.map((column) => {
    let text = "{";
    for (let i = 0; i < rows.length; i += 1) {
      if (i > 0) text += ",";
      text += arrayElement(rows[i]![column], dates);
    }
    return `${text}}`;
  });
}

const ARRAY_SPECIAL = /["\\]/;
const quotedElement = (text: string) => `"${ARRAY_SPECIAL.test(text) ? text.replace(/["\\]/g, "\\$&") : text}"`;

/** One element of a column's array (see `columnArrays`). */
function arrayElement(value: unknown, dates: Map<number, string>): string {
  switch (typeof value) {
    case "string":
      return quotedElement(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "NULL";
    case "boolean":
      return value ? "t" : "f";
    case "undefined":
      return "NULL";
    case "object": {
      if (value === null) return "NULL";
      if (!(value instanceof Date)) return quotedElement(JSON.stringify(value));
      const time = value.getTime();
      let text = dates.get(time);
      if (text === undefined) dates.set(time, (text = `"${value.toISOString()}"`));
      return text;
    }
    default:
      throw new Error(`A bulk row holds a ${typeof value}, which has no PostgreSQL array form.`);
  }
}

/**
 * Each bulk table's column types, as `format_type` spells them, kept once read: the schema is the
 * migrations', the same in every database this build runs on. Only answers are kept — a
 * transaction that finds none reads them itself, on its own connection, never waiting for
 * another transaction's read.
 */
const columnTypesOf = new Map<BulkTableName, ReadonlyMap<string, string>>();

/** The PostgreSQL type of each of `columns` of `table`, for the casts of `columnArrays`. */
async function pgColumnTypes(direct: TransactionConnection, table: BulkTableName, columns: readonly string[]): Promise<string[]> {
  let known = columnTypesOf.get(table);
  if (!known) {
    const result = await direct.query<{ name: string; type: string }>(
      "SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
      [`"${table}"`],
    );
    known = new Map(result.rows.map((row) => [row.name, row.type]));
    columnTypesOf.set(table, known);
  }
  return columns.map((column) => {
    const type = known.get(column);
    if (!type) throw new Error(`Table ${table} has no column ${column}; the bulk row type and the schema disagree.`);
    // An array column's values would need arrays of arrays, which unnest flattens.
    if (type.endsWith("[]")) throw new Error(`Column ${table}.${column} is an array (${type}); the bulk insert of new rows has no form for it yet.`);
    return type;
  });
}

/** The rows of a batch (`batchParameters`), as records of table `name`'s row type, named `alias`. */
const batchRows = (name: BulkTableName, alias: string) => `json_populate_recordset(NULL::"${name}", convert_from($1::bytea, 'UTF8')::json) AS ${alias}`;

/** The value of `column` of a batch row `alias`: a JSON column's text cut out of `$2`, any other column as it is. */
function columnValue(alias: string, column: string, jsonColumns: ReadonlySet<string>): string {
  const cell = `${alias}."${column}"`;
  if (!jsonColumns.has(column)) return cell;
  return `convert_from(substring($2::bytea FROM split_part(${cell}, ':', 1)::int + 1 FOR split_part(${cell}, ':', 2)::int), 'UTF8')`;
}

/**
 * TOAST compression with lz4 for the rest of the transaction, when the server has it (PostgreSQL
 * 14 and later, built with lz4, as Debian's are). A snapshot's explained evaluation is stored
 * compressed; the default, pglz, took ≈ 120 µs more a row than lz4 to compress it (measured with
 * 2,000 snapshots), for a value about 9 % smaller. It changes how the server stores the bytes, not
 * what is read back, and values already stored keep their compression.
 */
const LZ4_FOR_THIS_TRANSACTION =
  "SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)";

/** PostgreSQL: the transaction's own connection, which bulk writes are sent on. */
async function pgBulkConnection(tx: Tx): Promise<TransactionConnection> {
  const direct = await pgTransactionConnection(tx);
  if (!direct) throw new Error("Bulk writes on PostgreSQL need a client made by createDb (lib/data/db/client.ts).");
  return direct;
}

/**
 * PostgreSQL: sends `sql` once per {@link ROWS_PER_STATEMENT} rows with the batch's parameters
 * (`batchParameters`) on the transaction's connection, without waiting for the server to run it
 * ({@link settleBulkWrites}); for a table with JSON columns, under lz4 compression first.
 */
async function runForEachBatch<R>(tx: Tx, sql: string, rows: readonly R[], columns: readonly (keyof R & string)[], jsonColumns: ReadonlySet<string>): Promise<void> {
  const direct = await pgBulkConnection(tx);
  if (columns.some((column) => jsonColumns.has(column))) await direct.send(LZ4_FOR_THIS_TRANSACTION, []);
  for (const batch of chunks(rows, ROWS_PER_STATEMENT)) {
    await direct.send(sql, batchParameters(batch, columns, jsonColumns));
  }
}

/** PostgreSQL: inserts `rows` into `table` with one statement per {@link ROWS_PER_STATEMENT} rows, its columns as arrays (`columnArrays`), sent like `runForEachBatch`. */
async function insertColumnArrays<R>(tx: Tx, table: BulkTableName, rows: readonly R[], columns: readonly (keyof R & string)[]): Promise<void> {
  const direct = await pgBulkConnection(tx);
  const types = await pgColumnTypes(direct, table, columns);
  const sql = `INSERT INTO "${table}" (${columns.map(quoted).join(", ")}) SELECT * FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(", ")})`;
  for (const batch of chunks(rows, ROWS_PER_STATEMENT)) {
    await direct.send(sql, columnArrays(batch, columns));
  }
}

/**
 * Waits until the server has run every bulk write sent in transaction `tx` and rejects with the
 * first that failed. On PostgreSQL a bulk write returns once it is sent, and the caller goes on
 * while the server writes (lib/data/db/pg-connection.ts, "Writes in flight"); the transaction's
 * later statements and its COMMIT still come after it. Call it where a failure should be seen
 * before going further. On SQLite the writes are done when they return.
 */
export async function settleBulkWrites(tx: Tx): Promise<void> {
  if (databaseKind(tx) !== "postgresql") return;
  const direct = await pgTransactionConnection(tx);
  await direct?.settle();
}

const quoted = (column: string) => `"${column}"`;

const NO_COLUMNS: ReadonlySet<string> = new Set();

/**
 * Inserts `rows` into `table`. With `replaceOn`, a row whose value in that unique column is already
 * stored updates the stored row in place instead (its id and that column kept, every other column
 * replaced): cheaper than a delete and an insert, which each touch every index of the table.
 */
export async function insertRows<R>(tx: Tx, table: BulkTable<R>, rows: readonly R[], options: { replaceOn?: keyof R & string } = {}): Promise<void> {
  if (rows.length === 0) return;
  const { name, columns } = table;
  const columnList = columns.map(quoted).join(", ");
  const { replaceOn } = options;
  const upsert = replaceOn
    ? ` ON CONFLICT ("${replaceOn}") DO UPDATE SET ${columns
        .filter((c) => c !== "id" && c !== replaceOn)
        .map((c) => `"${c}" = excluded."${c}"`)
        .join(", ")}`
    : "";
  if (databaseKind(tx) === "postgresql" && !replaceOn && !table.jsonColumns) {
    await insertColumnArrays(tx, name, rows, columns);
  } else if (databaseKind(tx) === "postgresql") {
    const jsonColumns = table.jsonColumns ?? NO_COLUMNS;
    const values = columns.map((c) => columnValue("r", c, jsonColumns)).join(", ");
    const sql = `INSERT INTO "${name}" (${columnList}) SELECT ${values} FROM ${batchRows(name, "r")}${upsert}`;
    await runForEachBatch(tx, sql, rows, columns, jsonColumns);
  } else {
    const sql = `INSERT INTO "${name}" (${columnList}) VALUES (${columns.map(() => "?").join(", ")})${upsert}`;
    await runForEachRow(tx, sql, rows, columns);
  }
}

/**
 * Sets the `set` columns of the rows of `table` whose id is each row's `id`, and adds 1 to each
 * column in `increment` — one statement reused for every row on SQLite, one per
 * {@link ROWS_PER_STATEMENT} rows on PostgreSQL, instead of one Prisma `update` (a round trip and
 * ≈ 1–2 ms) per row. Callers set `updatedAt` themselves: Prisma's @updatedAt does not apply to raw
 * statements.
 */
export async function updateRows<R extends { id: string }, K extends keyof R & string>(
  tx: Tx,
  table: BulkTable<R>,
  set: readonly K[],
  rows: readonly Pick<R, "id" | K>[],
  options: { increment?: readonly (keyof R & string)[] } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const { name } = table;
  const increments = (alias: string) => (options.increment ?? []).map((c) => `"${c}" = ${alias}"${c}" + 1`);
  if (databaseKind(tx) === "postgresql") {
    const jsonColumns = table.jsonColumns ?? NO_COLUMNS;
    const sets = [...set.map((c) => `"${c}" = ${columnValue("v", c, jsonColumns)}`), ...increments("t.")];
    const sql = `UPDATE "${name}" AS t SET ${sets.join(", ")} FROM ${batchRows(name, "v")} WHERE t."id" = v."id"`;
    await runForEachBatch<Pick<R, "id" | K>>(tx, sql, rows, ["id", ...set], jsonColumns);
  } else {
    const sets = [...set.map((c) => `"${c}" = ?`), ...increments("")];
    // The id goes last, to the WHERE.
    await runForEachRow<Pick<R, "id" | K>>(tx, `UPDATE "${name}" SET ${sets.join(", ")} WHERE "id" = ?`, rows, [...set, "id"]);
  }
}

const idClock = { ms: 0, sequence: 0 };

/**
 * A row id for bulk inserts: a UUID version 7 (RFC 9562) — the millisecond time, a 12-bit
 * sequence within the millisecond, then random bits — so ids made one after another sort one
 * after another. A batch of new rows then lands at one end of the primary-key index (and of the
 * indexes that lead with `patientId`) instead of at random pages all over it: inserting
 * observations into a large table costs a fraction of what random ids cost.
 */
export function newRowId(): string {
  const now = Date.now();
  if (now > idClock.ms) {
    idClock.ms = now;
    idClock.sequence = 0;
  } else if (++idClock.sequence > 0xfff) {
    idClock.ms += 1;
    idClock.sequence = 0;
  }
  const time = idClock.ms.toString(16).padStart(12, "0");
  // randomUUID() is "xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx": keep its variant and random tail.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${idClock.sequence.toString(16).padStart(3, "0")}-${randomUUID().slice(19)}`;
}
