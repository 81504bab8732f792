/**
 * The one rule for text the app stores (names, MRNs, medicine names, notes, identifiers): a
 * length limit per field and no invisible or control characters. Used by the spreadsheet row
 * parser, the FHIR mapping, the in-app forms and the upload file names, so the same text is
 * refused with the same sentence everywhere, on SQLite and PostgreSQL alike. The zod schema the
 * forms build their text fields with is lib/validation/safe-text.ts.
 *
 * Why: PostgreSQL cannot store NUL (U+0000) in text at all, so one NUL used to fail a whole
 * upload with an unexplained server error (SQLite stored it). The other characters store fine but
 * do harm when shown or exported: ANSI escape sequences rewrite a terminal running the CLI or
 * reading the logs, and bidirectional overrides/isolates make a name or MRN display differently
 * from what is stored (a reversed MRN, a disguised file name).
 *
 * Limits and the reasoning behind each: docs/input-limits.md.
 */

/** Longest stored text per field, in characters (UTF-16 code units, as `String.length` counts). */
export const TEXT_LIMITS = {
  /** Medical record numbers are short codes; 64 also bounds FHIR ids used as MRNs. */
  mrn: 64,
  /** Family or given name(s); well past any real name, well under PostgreSQL's index entry limit. */
  name: 200,
  /** A medicine name kept as free text (RxNorm's longest clinical-drug names are ~150). */
  medicineName: 200,
  /** Free-text notes and reasons (flag close note, entered-in-error reason, threshold change note). */
  note: 500,
  /** A saved view's name, shown in a list. */
  viewName: 80,
  /** A FHIR resource id: the FHIR `id` datatype allows at most 64 characters. */
  fhirId: 64,
  /** A FHIR reference (`Patient/123`, `urn:uuid:…`, an absolute URL). */
  fhirReference: 256,
  /** A code (ATC, RxNorm) kept beside a medicine. */
  code: 64,
  /** An uploaded file's name (stored on the import job and shown in the import history). */
  fileName: 255,
  /** Any spreadsheet cell; the longest legitimate one is a medication list. */
  spreadsheetCell: 4_000,
} as const;

/** Whether a field may hold line breaks and tabs (notes); single-line fields (names, codes) may not. */
export interface TextRule {
  multiline?: boolean;
}

const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/u;
const LINE_CONTROLS = /[\t\n\r]/u;
/** C0 controls, DEL and C1 controls (U+0080–U+009F, which include the 8-bit CSI of ANSI sequences). */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/u;
/** With the `u` flag a surrogate class matches only unpaired halves: text that is not valid Unicode. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

const MAYBE_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/u;

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** The first character this rule refuses in `text`, or null. */
function firstUnsafe(text: string, rule: TextRule): string | null {
  for (const ch of text) {
    if (LONE_SURROGATE.test(ch) || BIDI_CONTROLS.test(ch)) return ch;
    if (CONTROLS.test(ch) && !(rule.multiline && LINE_CONTROLS.test(ch))) return ch;
  }
  return null;
}

/**
 * Why `text` may not be stored because of a character in it, as the end of a sentence starting
 * with the field ("… contains …"), or null. Cheap for clean text: one regular-expression test.
 */
function unsafeCharacterReason(text: string, rule: TextRule): string | null {
  // Fast path: almost every cell is clean.
  if (!MAYBE_UNSAFE.test(text)) return null;
  const ch = firstUnsafe(text, rule);
  if (ch === null) return null;
  if (ch === "\u0000") return "contains a NUL character (U+0000), which cannot be stored. Remove it: it usually comes from a broken export or from copying out of another program.";
  if (ch === "\u001b" || ch === "\u009b") return `contains an escape character (${codePoint(ch)}), the start of a terminal control sequence. Remove it and any codes that follow it.`;
  if (ch === "\n" || ch === "\r" || ch === "\t") return `contains a ${ch === "\t" ? "tab" : "line break"} (${codePoint(ch)}); keep it on one line.`;
  if (BIDI_CONTROLS.test(ch)) return `contains an invisible text-direction control (${codePoint(ch)}) that can make it display differently from what is stored. Retype it without that character.`;
  if (LONE_SURROGATE.test(ch)) return `contains a broken character (${codePoint(ch)}, half of a character pair), so it is not valid text. Export or type it again.`;
  return `contains an invisible control character (${codePoint(ch)}), which is not allowed. Remove it: it usually comes from a broken export or from copying out of another program.`;
}

/**
 * Why `text` may not be stored as the field called `label` ("The family name", "This cell"), as
 * one sentence, or null when it may. Checks the length first (a huge value gets the short
 * answer), then the characters.
 */
export function textProblem(text: string, label: string, max: number, rule: TextRule = {}): string | null {
  if (text.length > max) return `${label} is ${text.length.toLocaleString("en")} characters long; at most ${max.toLocaleString("en")} are accepted.`;
  const reason = unsafeCharacterReason(text, rule);
  return reason === null ? null : `${label} ${reason}`;
}

/** Like {@link textProblem} without a length limit, for text bounded elsewhere. */
export function characterProblem(text: string, label: string, rule: TextRule = {}): string | null {
  const reason = unsafeCharacterReason(text, rule);
  return reason === null ? null : `${label} ${reason}`;
}

const UNSAFE_ANYWHERE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;

/**
 * `text` with every character this rule refuses written out as an escape (`\u001b`), for echoing
 * input back in a message, a log line or the terminal: what was sent stays visible, and an escape
 * sequence or a text-direction override cannot act.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE_ANYWHERE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
