import type { z } from "zod";

/**
 * Reading a stored value is decoding it: the columns that hold a word of the engine's vocabulary
 * (a tier, a category, a flag code…) and the JSON the app keeps (an evaluation, a flag's reasons, a
 * threshold set…) are checked once, where the data layer reads them, against what the app writes.
 * A value that does not decode is never passed on as if it did: it is a {@link StoredValueError}
 * naming the table, the row and the column, so the operator can find the row and the reader gets
 * no half-understood data. The decoders for each column are in values.ts.
 */

/** A stored value the app never writes: the row was changed outside the app (or by another version of it). */
export class StoredValueError extends Error {
  constructor(
    readonly table: string,
    readonly rowId: string,
    readonly column: string,
    problem: string,
  ) {
    super(
      `${table} ${rowId}: the stored ${column} ${problem}. The app never writes such a value, so the row was changed outside the app ` +
        "(or by another version of it); nothing was read from it. Correct the row, or restore it from a backup.",
    );
    this.name = "StoredValueError";
  }
}

/** Where a value is stored. */
export interface StoredColumn {
  table: string;
  column: string;
}

/** Decodes a column that holds one of `values`. */
export function storedEnum<T extends string>(values: readonly T[], at: StoredColumn): (value: string, rowId: string) => T {
  const allowed: ReadonlySet<string> = new Set(values);
  const isAllowed = (value: string): value is T => allowed.has(value);
  return (value, rowId) => {
    if (isAllowed(value)) return value;
    throw new StoredValueError(at.table, rowId, at.column, `"${value.slice(0, 80)}" is not one of ${values.join(", ")}`);
  };
}

/** Decodes a nullable column that holds one of `values` or null. */
export function storedOptionalEnum<T extends string>(values: readonly T[], at: StoredColumn): (value: string | null, rowId: string) => T | null {
  const decode = storedEnum(values, at);
  return (value, rowId) => (value === null ? null : decode(value, rowId));
}

/** Decodes a column that holds JSON of the shape `schema` describes. */
export function storedJson<S extends z.ZodType>(schema: S, at: StoredColumn): (text: string, rowId: string) => z.output<S> {
  return (text, rowId) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new StoredValueError(at.table, rowId, at.column, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw new StoredValueError(at.table, rowId, at.column, `is not what the app writes${where}: ${issue?.message ?? "unreadable"}`);
  };
}

/**
 * Decodes a row a raw SQL query returned (`$queryRaw`, which types its rows only by assertion):
 * a value of the wrong type is a StoredValueError naming the row (its `id`, else `rows`) and the
 * column.
 */
export function storedRow<S extends z.ZodType>(schema: S, table: string, row: unknown, rows = "(no id)"): z.output<S> {
  const parsed = schema.safeParse(row);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const id = typeof row === "object" && row !== null && "id" in row && typeof row.id === "string" ? row.id : rows;
  throw new StoredValueError(table, id, String(issue?.path[0] ?? "row"), `is not what the app writes: ${issue?.message ?? "unreadable"}`);
}

/** The time of day at the end of a stored date-time text, with its zone if it has one. */
const TIME_OF_DAY = /\d{2}:\d{2}:\d{2}(?:\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/**
 * Decodes a SQLite DATETIME value as Prisma reads it (so a row read without Prisma gives the same
 * instant): a number is milliseconds since 1970; a text without a zone is UTC, a date alone is UTC
 * midnight, a space may stand for the "T". Anything else (or a text that is no time) is a
 * StoredValueError.
 */
export function storedDateTime(value: unknown, at: StoredColumn, rowId: string): Date {
  let date: Date | null = null;
  if (typeof value === "number" || typeof value === "bigint") date = new Date(Number(value));
  else if (typeof value === "string") date = new Date(normalisedDateTimeText(value));
  if (date === null || Number.isNaN(date.getTime())) throw new StoredValueError(at.table, rowId, at.column, `${JSON.stringify(String(value)).slice(0, 80)} is not a date and time`);
  return date;
}

/** Prisma's normalisation of a SQLite DATETIME text (its client runtime, @prisma/client 7). */
function normalisedDateTimeText(text: string): string {
  const match = TIME_OF_DAY.exec(text);
  if (match === null) return `${text}T00:00:00Z`;
  const [timeOfDay, zone, zoneMinutes] = match;
  let normalised = text;
  if (zone !== undefined && zone !== "Z" && zoneMinutes === undefined) normalised = `${text}:00`;
  else if (zone === undefined) normalised = `${text}Z`;
  if (timeOfDay.length === text.length) return `1970-01-01T${normalised}`;
  const separator = match.index - 1;
  return normalised[separator] === " " ? `${normalised.slice(0, separator)}T${normalised.slice(separator + 1)}` : normalised;
}
