import "server-only";
import { randomUUID } from "node:crypto";
import { databaseKind, type Tx } from "./client";
import { transactionConnection } from "./sqlite-connection";
import { chunks, ROWS_PER_STATEMENT } from "./batches";

/**
 * Bulk INSERT for the tables written by the thousand (imports, seeds, recomputes), inside the
 * caller's transaction.
 *
 * SQLite: one prepared single-row INSERT per table, reused for every row, run on the transaction's
 * own connection (lib/data/db/sqlite-connection.ts explains why that is safe and what it saves).
 * PostgreSQL: the rows go to the server as one JSON document per statement, which it expands with
 * `jsonb_populate_recordset` over the table's own row type — one round trip per 5,000 rows.
 *
 * Why not Prisma's createMany or a multi-row `VALUES (?, ?, …), …`: both hand every cell to
 * Prisma's query layer and the driver one by one (createMany ≈ 1 ms a row). Callers give every
 * column explicitly (ids, timestamps, defaults), so the rows are what Prisma would have written;
 * tests/integration/bulk-import.int.test.ts reads them back through Prisma on both databases,
 * value for value.
 */
export type BulkTable = "Patient" | "Observation" | "PatientMedication" | "PatientCondition" | "RiskSnapshot" | "Flag";

/**
 * A row's cells in the form Prisma stores them in SQLite: dates as ISO text ending "+00:00",
 * booleans as 0/1. Dates repeat a lot (one visit date for several results, one write time for a
 * whole batch), so their text is remembered per call.
 */
function sqliteRow(row: readonly unknown[], dates: Map<number, string>): unknown[] {
  return row.map((value) => {
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
 * SQLite: runs `sql`, prepared once, for each row (its parameters in `sqliteRow` form) on the
 * transaction's connection, yielding to the event loop between stretches of rows so that another
 * request's query waits at most one stretch.
 */
async function runForEachRow(tx: Tx, sql: string, rows: readonly (readonly unknown[])[]): Promise<void> {
  const direct = transactionConnection(tx);
  if (!direct) throw new Error("Bulk writes on SQLite need a client made by createDb (lib/data/db/client.ts).");
  const statement = direct.prepare(sql);
  const dates = new Map<number, string>();
  let first = true;
  for (const stretch of chunks(rows, ROWS_PER_STATEMENT)) {
    if (!first) await yieldToEventLoop();
    first = false;
    for (const row of stretch) statement.run(sqliteRow(row, dates));
  }
}

/**
 * PostgreSQL: runs `sql` once per 5,000 rows with `$1` = those rows as a JSON array of objects
 * keyed by column name (timestamps as ISO text in UTC, which is how Prisma stores them).
 */
async function runForEachBatch(tx: Tx, sql: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
  for (const batch of chunks(rows, ROWS_PER_STATEMENT)) {
    await tx.$executeRawUnsafe(sql, JSON.stringify(batch.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i] ?? null])))));
  }
}

/**
 * Inserts `rows` (cells in `columns` order) into `table`. With `replaceOn`, a row whose value in
 * that unique column is already stored updates the stored row in place instead (its id and that
 * column kept, every other given column replaced): cheaper than a delete and an insert, which
 * each touch every index of the table.
 */
export async function insertRows(
  tx: Tx,
  table: BulkTable,
  columns: readonly string[],
  rows: readonly unknown[][],
  options: { replaceOn?: string } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const columnList = columns.map((c) => `"${c}"`).join(", ");
  const { replaceOn } = options;
  const upsert = replaceOn
    ? ` ON CONFLICT ("${replaceOn}") DO UPDATE SET ${columns
        .filter((c) => c !== "id" && c !== replaceOn)
        .map((c) => `"${c}" = excluded."${c}"`)
        .join(", ")}`
    : "";
  if (databaseKind(tx) === "postgresql") {
    const sql = `INSERT INTO "${table}" (${columnList}) SELECT ${columnList} FROM jsonb_populate_recordset(NULL::"${table}", $1::jsonb)${upsert}`;
    await runForEachBatch(tx, sql, columns, rows);
  } else {
    await runForEachRow(tx, `INSERT INTO "${table}" (${columnList}) VALUES (${columns.map(() => "?").join(", ")})${upsert}`, rows);
  }
}

/**
 * Sets `columns` of the rows of `table` whose id is each row's first cell (cells: id, then the
 * new values in `columns` order), and adds 1 to each column in `increment` — one statement reused
 * for every row on SQLite, one per 5,000 rows on PostgreSQL, instead of one Prisma `update` (a
 * round trip and ≈ 1–2 ms) per row. Callers set `updatedAt` themselves: Prisma's @updatedAt does
 * not apply to raw statements.
 */
export async function updateRows(
  tx: Tx,
  table: BulkTable,
  columns: readonly string[],
  rows: readonly unknown[][],
  options: { increment?: readonly string[] } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const increments = (alias: string) => (options.increment ?? []).map((c) => `"${c}" = ${alias}"${c}" + 1`);
  if (databaseKind(tx) === "postgresql") {
    const sets = [...columns.map((c) => `"${c}" = v."${c}"`), ...increments("t.")];
    const sql = `UPDATE "${table}" AS t SET ${sets.join(", ")} FROM jsonb_populate_recordset(NULL::"${table}", $1::jsonb) AS v WHERE t."id" = v."id"`;
    await runForEachBatch(tx, sql, ["id", ...columns], rows);
  } else {
    // The id moves last, to the WHERE.
    const sets = [...columns.map((c) => `"${c}" = ?`), ...increments("")];
    await runForEachRow(tx, `UPDATE "${table}" SET ${sets.join(", ")} WHERE "id" = ?`, rows.map(([id, ...values]) => [...values, id]));
  }
}

/** Column order of an observation row for {@link insertRows} (every column given explicitly). */
export const OBSERVATION_COLUMNS = [
  "id", "clinicId", "patientId", "kind", "value", "isUnable", "reportedValue", "reportedUnit", "observedAt", "method",
  "source", "sourceRef", "enteredById", "status", "version", "createdAt", "updatedAt",
] as const;

/** Column order of a patient medication row for {@link insertRows}. */
export const MEDICATION_COLUMNS = [
  "id", "clinicId", "patientId", "catalogueId", "name", "atcCode", "rxnormCode", "startedOn", "stoppedOn", "source", "sourceRef", "createdAt", "updatedAt",
] as const;

/** Column order of a patient row for {@link insertRows}: demographics and the panel columns. */
export const PATIENT_COLUMNS = [
  "id", "clinicId", "mrn", "familyName", "givenName", "birthDate", "sex", "diet", "attributedClinicianId", "searchText", "version",
  "lastAssessedAt", "latestGripKg", "latestGripAt", "latestGaitMs", "latestGaitAt", "latestB12Pmol", "latestB12At", "medicationClasses",
  "createdAt", "updatedAt",
] as const;

/** Column order of a patient condition row for {@link insertRows}. */
export const CONDITION_COLUMNS = ["id", "patientId", "code", "recordedAt", "source", "sourceRef"] as const;

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
