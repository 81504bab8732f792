import { parseIsoDate } from "@/lib/domain/dates";

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const PLAIN_DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const COMMA_DECIMAL = /^[+-]?\d+,\d+$/;

/**
 * Parses a plain decimal as clinicians and lab exports write it ("12", "12.5", ".5").
 * Rejects, with a reason: decimal commas ("12,5"), exponents ("1e309"), NaN, Infinity, and
 * anything too large to be a finite number.
 */
export function parseDecimal(text: string, what: string): Parsed<number> {
  const trimmed = text.trim();
  if (COMMA_DECIMAL.test(trimmed)) {
    return {
      ok: false,
      message: `${what} "${trimmed}" is not a number: use a point for decimals (${trimmed.replace(",", ".")}).`,
    };
  }
  if (!PLAIN_DECIMAL.test(trimmed)) {
    return { ok: false, message: `${what} "${trimmed}" is not a number: write digits with an optional decimal point, e.g. 12.5.` };
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value)) {
    return { ok: false, message: `${what} "${trimmed}" is too large to be a measurement.` };
  }
  return { ok: true, value };
}

/** YYYY-MM-DD that is a real calendar date (2023-02-30 is rejected), as midnight UTC. */
export function parseDateCell(text: string, what: string): Parsed<Date> {
  const trimmed = text.trim();
  const date = parseIsoDate(trimmed);
  if (date === null) {
    return /^\d{4}-\d{2}-\d{2}$/.test(trimmed)
      ? { ok: false, message: `${what} "${trimmed}" is not a real calendar date.` }
      : { ok: false, message: `${what} "${trimmed}" must be a date written YYYY-MM-DD.` };
  }
  if (date.getUTCFullYear() < 1900) {
    return { ok: false, message: `${what} "${trimmed}" is before 1900; check the year.` };
  }
  return { ok: true, value: date };
}
