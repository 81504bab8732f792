import { parseIsoDate } from "./dates";

/**
 * Patient search as a clinician types it: "Jackson, Jan" (as the app writes names), "Jan Jackson",
 * an MRN or part of one, a birth date as YYYY-MM-DD, in any case and with or without accents
 * ("Muller" finds "Müller", "muller" finds "MÜLLER").
 *
 * Every patient carries a search key (Patient.searchText), written by every path that writes a
 * patient: MRN, family and given names, normalised by {@link normaliseForSearch}. A query is
 * normalised the same way and split into words; a patient matches when every word is found in the
 * key (in any order, anywhere, so part of an MRN matches) and the birth date equals every date in
 * the query. The database does the matching with plain LIKE on both SQLite and PostgreSQL, which
 * is why the key is stored normalised rather than compared through a collation (SQLite has no
 * accent-insensitive one).
 */

/** Letters that Unicode decomposition leaves alone but a reader types without the stroke or ligature. */
const FOLDS: Record<string, string> = { ß: "ss", æ: "ae", œ: "oe", ø: "o", ł: "l", đ: "d", ð: "d", þ: "th", ı: "i", ŀ: "l" };
const FOLDABLE = new RegExp(`[${Object.keys(FOLDS).join("")}]`, "gu");

/** Apostrophes inside a name join its parts: "O'Brien" is found as "obrien" and as "o brien". */
const APOSTROPHES = /['\u2019\u02bc`]/gu;

/**
 * Compatibility decomposition (NFKD, so "ﬁ" is "fi" and "Ü" is "U" + a combining mark), combining
 * marks removed, lower case, the letters above folded, apostrophes dropped, and everything else but
 * letters and digits made a single space: "Müller-Lüdenscheidt, Zoë" → "muller ludenscheidt zoe".
 */
export function normaliseForSearch(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(FOLDABLE, (c) => FOLDS[c] ?? c)
    .replace(APOSTROPHES, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** The key stored with a patient (Patient.searchText). */
export function patientSearchKey(patient: { mrn: string; familyName: string; givenName: string }): string {
  return normaliseForSearch(`${patient.mrn} ${patient.familyName} ${patient.givenName}`);
}

export interface SearchQuery {
  /** Normalised words, each of which the key must contain. */
  words: string[];
  /** Birth dates (UTC midnight) the patient must have been born on. */
  birthDates: Date[];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A typed query as words and birth dates. A token that is a valid YYYY-MM-DD date is a birth
 * date; anything else is normalised into words ("Jackson," → "jackson", "DEMO-0012" → "demo",
 * "0012"). A query with neither (only punctuation) has no words and no dates.
 */
export function parseSearchQuery(query: string): SearchQuery {
  const words: string[] = [];
  const birthDates: Date[] = [];
  for (const token of query.split(/[\s,;]+/u).filter(Boolean)) {
    const date = ISO_DATE.test(token) ? parseIsoDate(token) : null;
    if (date) birthDates.push(date);
    else words.push(...normaliseForSearch(token).split(" ").filter(Boolean));
  }
  return { words: [...new Set(words)], birthDates };
}
