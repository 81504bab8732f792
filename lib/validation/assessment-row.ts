import { matchMedicine } from "@/lib/domain/medicine-catalogue";
import {
  B12_SYMPTOM_CODES, CONDITION_CODES, YUBI_WAKKA_RESULTS, type B12SymptomCode, type ConditionCode, type Diet, type MassMethod, type MeasureKind,
  type ObservationInput, type Sex, type YubiWakkaResult,
} from "@/lib/domain/types";
import { normaliseUnit } from "@/lib/domain/units";
import { buildObservation, UNABLE } from "./measurement";
import { parseDateCell } from "./numbers";
import { characterProblem, printable, TEXT_LIMITS } from "@/lib/domain/text-rules";

/**
 * Columns of the assessment spreadsheet (docs/design.md#assessment-spreadsheet-csv-import), lower-case. Only `mrn` is required.
 * The last four came with AWGS 2025 and NICE NG239 (all optional: a file without them reads as before).
 */
export const ASSESSMENT_COLUMNS = [
  "mrn",
  "family_name",
  "given_name",
  "birth_date",
  "sex",
  "diet",
  "conditions",
  "assessed_on",
  "grip_strength_kg",
  "grip_strength_lb",
  "gait_speed_m_s",
  "walk_4m_s",
  "chair_stand_5x_s",
  "sppb_score",
  "tug_s",
  "walk_400m_s",
  "asm_kg",
  "asm_method",
  "height_cm",
  "weight_kg",
  "calf_circumference_cm",
  "sarc_f_score",
  "b12_value",
  "b12_unit",
  "holotc_pmol_l",
  "mma_umol_l",
  "homocysteine_umol_l",
  "egfr",
  "medications",
  "yubi_wakka",
  "b12_symptoms",
  "medications_stopped",
  "mma_nmol_l",
] as const;
export type AssessmentColumn = (typeof ASSESSMENT_COLUMNS)[number];

/** A problem in one row; the caller adds the row number. */
export interface RowError {
  column: string;
  message: string;
}

export interface ImportedMedication {
  name: string;
  catalogueId: string | null;
  startedOn: Date | null;
}

/** A medicine the row says was stopped, on its own date or else the visit's. */
export interface StoppedMedication {
  name: string;
  catalogueId: string | null;
  stoppedOn: Date;
}

/** One validated, normalised spreadsheet row (one visit). Absent = not given in the row. */
export interface AssessmentRow {
  mrn: string;
  demographics: { familyName?: string; givenName?: string; birthDate?: Date; sex?: Sex };
  diet?: Diet;
  conditions?: ConditionCode[];
  assessedOn?: Date;
  observations: ObservationInput[];
  medications: ImportedMedication[];
  /** Medication names that matched no catalogue entry: kept as free text and reported. */
  unknownMedications: string[];
  /** The Yubi-wakka finger-ring test at this visit (AWGS 2025 case finding). */
  yubiWakka?: YubiWakkaResult;
  /** NICE NG239 symptoms and signs of B12 deficiency noted at this visit, each once. */
  b12Symptoms: B12SymptomCode[];
  /** Medicines stopped (`medications_stopped`), each with its stop date. */
  stoppedMedications: StoppedMedication[];
}

/** Header names are case-insensitive; surrounding spaces and a UTF-8 byte-order mark are ignored. */
export function normaliseHeader(header: string): string {
  return header.replace(/^\uFEFF/, "").trim().toLowerCase();
}

const KNOWN = new Set<string>(ASSESSMENT_COLUMNS);

/** Every unknown or repeated column is an error naming it; `mrn` must be present. */
export function validateHeaders(headers: readonly string[]): RowError[] {
  const errors: RowError[] = [];
  const seen = new Set<string>();
  for (const header of headers) {
    const name = normaliseHeader(header);
    if (!KNOWN.has(name)) {
      errors.push({
        column: printable(header),
        message: `Unknown column "${printable(header.trim())}": it is not part of the assessment spreadsheet format; rename or remove it.`,
      });
    } else if (seen.has(name)) {
      errors.push({ column: printable(header), message: `Column "${printable(name)}" appears more than once.` });
    }
    seen.add(name);
  }
  if (!seen.has("mrn")) errors.push({ column: "mrn", message: "The required column mrn (patient identifier) is missing." });
  return errors;
}

/** Looked up in a Map, never a plain object: "constructor" or "__proto__" in the cell must not find Object.prototype's. */
const SEX_CODES: ReadonlyMap<string, Sex> = new Map([["female", "female"], ["f", "female"], ["male", "male"], ["m", "male"], ["unknown", "unknown"], ["u", "unknown"]]);
const DIETS: readonly Diet[] = ["omnivore", "vegetarian", "vegan"];
const B12_UNIT_HINT = "pmol/L, pg/mL or ng/L";

/** Numeric measure columns: column → kind and the unit the column is written in. */
const MEASURE_COLUMNS: readonly { column: AssessmentColumn; kind: MeasureKind; unit: string }[] = [
  { column: "grip_strength_kg", kind: "grip_strength", unit: "kg" },
  { column: "grip_strength_lb", kind: "grip_strength", unit: "lb" },
  { column: "gait_speed_m_s", kind: "gait_speed", unit: "m/s" },
  { column: "walk_4m_s", kind: "gait_speed", unit: "s/4m" },
  { column: "chair_stand_5x_s", kind: "chair_stand_5x", unit: "s" },
  { column: "sppb_score", kind: "sppb", unit: "points" },
  { column: "tug_s", kind: "tug", unit: "s" },
  { column: "walk_400m_s", kind: "walk_400m", unit: "s" },
  { column: "asm_kg", kind: "asm", unit: "kg" },
  { column: "height_cm", kind: "height", unit: "cm" },
  { column: "weight_kg", kind: "weight", unit: "kg" },
  { column: "calf_circumference_cm", kind: "calf_circumference", unit: "cm" },
  { column: "sarc_f_score", kind: "sarc_f", unit: "points" },
  { column: "holotc_pmol_l", kind: "holotc", unit: "pmol/L" },
  { column: "mma_umol_l", kind: "mma", unit: "umol/L" },
  { column: "mma_nmol_l", kind: "mma", unit: "nmol/L" },
  { column: "homocysteine_umol_l", kind: "homocysteine", unit: "umol/L" },
  { column: "egfr", kind: "egfr", unit: "mL/min/1.73m2" },
];

const EXCLUSIVE_PAIRS: readonly [AssessmentColumn, AssessmentColumn, string][] = [
  ["grip_strength_kg", "grip_strength_lb", "Give grip strength in kg or in lb, not both."],
  ["gait_speed_m_s", "walk_4m_s", "Give gait speed in m/s or the 4 m walk time in seconds, not both."],
  ["mma_umol_l", "mma_nmol_l", "Give MMA in µmol/L or in nmol/L, not both."],
];

const MAX_CELL_LENGTH = TEXT_LIMITS.spreadsheetCell;
const MAX_NAME_LENGTH = TEXT_LIMITS.name;
const MAX_MRN_LENGTH = TEXT_LIMITS.mrn;

/** A row's cells: normalised column name → trimmed text; empty cells left out (empty = not given). */
export type RowCells = ReadonlyMap<string, string>;

/**
 * One spreadsheet row (docs/design.md#assessment-spreadsheet-csv-import), from its non-empty cells. Empty cell =
 * not measured. Reports every problem in the row (column + a sentence for the clinician), not just
 * the first. Columns outside the format are ignored here: `validateHeaders` reports them once.
 *
 * Plain code rather than a zod schema: this runs once per row of files of 100,000 rows, and a zod
 * record schema around the same checks cost about a third of the import's parsing time (every cell
 * validated as a record entry, then copied), for no check it added.
 */
export function parseAssessmentCells(cells: RowCells): { ok: true; row: AssessmentRow } | { ok: false; errors: RowError[] } {
  const errors: RowError[] = [];
  const fail = (column: string, message: string) => errors.push({ column, message });

  // No cell may be huge (the longest legitimate one is a medication list), and no cell of the
  // format may hold a control or text-direction character (lib/domain/text-rules.ts). A cell
  // refused here is reported once and then read as not given, so it is not reported again.
  const refused = new Set<string>();
  for (const [column, text] of cells) {
    if (text.length > MAX_CELL_LENGTH) {
      fail(column, `This cell holds ${text.length.toLocaleString("en")} characters; at most ${MAX_CELL_LENGTH.toLocaleString("en")} are accepted. Check that the file is an assessment spreadsheet.`);
      refused.add(column);
      continue;
    }
    const problem = KNOWN.has(column) ? characterProblem(text, "This cell") : null;
    if (problem) {
      fail(column, problem);
      refused.add(column);
    }
  }
  const cell = (column: AssessmentColumn) => (refused.has(column) ? undefined : cells.get(column));

  const mrn = cell("mrn");
  if (mrn === undefined) {
    if (!refused.has("mrn")) fail("mrn", "The patient identifier (mrn) is empty.");
  } else if (mrn.length > MAX_MRN_LENGTH) fail("mrn", `The patient identifier (mrn) is longer than ${MAX_MRN_LENGTH} characters.`);

  const demographics: AssessmentRow["demographics"] = {};
  const familyName = cell("family_name");
  const givenName = cell("given_name");
  for (const [column, name] of [["family_name", familyName], ["given_name", givenName]] as const) {
    if (name !== undefined && name.length > MAX_NAME_LENGTH) fail(column, `A name longer than ${MAX_NAME_LENGTH} characters is not accepted.`);
  }
  if (familyName !== undefined) demographics.familyName = familyName;
  if (givenName !== undefined) demographics.givenName = givenName;
  const birthText = cell("birth_date");
  if (birthText !== undefined) {
    const birth = parseDateCell(birthText, "Birth date");
    if (birth.ok) demographics.birthDate = birth.value;
    else fail("birth_date", birth.message);
  }
  const sexText = cell("sex");
  if (sexText !== undefined) {
    const sex = SEX_CODES.get(sexText.toLowerCase());
    if (sex) demographics.sex = sex;
    else fail("sex", `Sex "${sexText}" is not recognised; use female, male or unknown (or F, M, U).`);
  }

  let diet: Diet | undefined;
  const dietText = cell("diet");
  if (dietText !== undefined) {
    diet = DIETS.find((d) => d === dietText.toLowerCase());
    if (diet === undefined) fail("diet", `Diet "${dietText}" is not recognised; use omnivore, vegetarian or vegan.`);
  }

  let conditions: ConditionCode[] | undefined;
  const conditionsText = cell("conditions");
  if (conditionsText !== undefined) {
    conditions = [];
    for (const code of splitList(conditionsText)) {
      const known = CONDITION_CODES.find((c) => c === code.toLowerCase());
      if (known === undefined) {
        fail("conditions", `Condition "${code}" is not recognised; use ${CONDITION_CODES.join(", ")}.`);
      } else if (!conditions.includes(known)) {
        conditions.push(known);
      }
    }
  }

  let assessedOn: Date | undefined;
  const assessedText = cell("assessed_on");
  if (assessedText !== undefined) {
    const parsed = parseDateCell(assessedText, "Assessment date");
    if (parsed.ok) assessedOn = parsed.value;
    else fail("assessed_on", parsed.message);
  }
  if (assessedOn && demographics.birthDate && demographics.birthDate.getTime() > assessedOn.getTime()) {
    fail("birth_date", "Birth date is after the assessment date.");
  }

  for (const [first, second, message] of EXCLUSIVE_PAIRS) {
    if (cell(first) !== undefined && cell(second) !== undefined) fail(second, message);
  }

  const b12Value = cell("b12_value");
  const b12Unit = cell("b12_unit");
  const hasMeasure =
    MEASURE_COLUMNS.some(({ column }) => cell(column) !== undefined) || b12Value !== undefined || cell("yubi_wakka") !== undefined || cell("b12_symptoms") !== undefined;
  const visitUndated = assessedOn === undefined && assessedText === undefined && !refused.has("assessed_on");
  if (hasMeasure && visitUndated) {
    fail("assessed_on", "The assessment date (assessed_on) is required when any measurement, Yubi-wakka result or B12 symptom is given.");
  }
  // Observations are dated by the visit; without a valid date there is nothing to attach them to,
  // but each value is still checked so every problem is reported at once.
  const observedAt = assessedOn ?? new Date(0);

  const observations: ObservationInput[] = [];
  const massMethodText = cell("asm_method");
  let method: MassMethod | null = null;
  if (massMethodText !== undefined) {
    const lowered = massMethodText.toLowerCase();
    if (lowered === "dxa" || lowered === "bia") method = lowered;
    else fail("asm_method", `Muscle mass method "${massMethodText}" is not recognised; use dxa or bia.`);
  }
  for (const { column, kind, unit } of MEASURE_COLUMNS) {
    const text = cell(column);
    if (text === undefined) continue;
    if (text.toLowerCase() === UNABLE && column !== "chair_stand_5x_s" && column !== "walk_400m_s") {
      fail(column, `"unable" is accepted only for the chair stand and the 400 m walk; leave ${column} empty if not measured.`);
      continue;
    }
    const built = buildObservation({ kind, value: text, unit, observedAt, method: kind === "asm" ? method : null });
    if (built.ok) observations.push(built.value);
    else fail(column, built.message);
  }
  if (b12Value !== undefined) {
    if (b12Unit === undefined) {
      if (!refused.has("b12_unit")) fail("b12_unit", `b12_unit is required when b12_value is given (${B12_UNIT_HINT}).`);
    } else if (normaliseUnit("b12_total", b12Unit) === null) {
      fail("b12_unit", `B12 unit "${b12Unit}" is not accepted; use ${B12_UNIT_HINT}.`);
    } else {
      const built = buildObservation({ kind: "b12_total", value: b12Value, unit: b12Unit, observedAt });
      if (built.ok) observations.push(built.value);
      else fail("b12_value", built.message);
    }
  }

  let yubiWakka: YubiWakkaResult | undefined;
  const yubiText = cell("yubi_wakka");
  if (yubiText !== undefined) {
    yubiWakka = YUBI_WAKKA_RESULTS.find((r) => r === yubiText.toLowerCase());
    if (yubiWakka === undefined) fail("yubi_wakka", `Yubi-wakka result "${yubiText}" is not recognised; use ${YUBI_WAKKA_RESULTS.join(", ")}.`);
  }

  const b12Symptoms: B12SymptomCode[] = [];
  const symptomsText = cell("b12_symptoms");
  if (symptomsText !== undefined) {
    for (const code of splitList(symptomsText)) {
      const known = B12_SYMPTOM_CODES.find((c) => c === code.toLowerCase());
      if (known === undefined) fail("b12_symptoms", `B12 symptom "${code}" is not recognised; use ${B12_SYMPTOM_CODES.join(", ")}.`);
      else if (!b12Symptoms.includes(known)) b12Symptoms.push(known);
    }
  }

  const medications: ImportedMedication[] = [];
  const unknownMedications: string[] = [];
  const medicationsText = cell("medications");
  if (medicationsText !== undefined) {
    for (const item of splitList(medicationsText)) {
      const parsed = parseMedicineItem(item, "Start");
      if (!parsed.ok) {
        fail("medications", parsed.message);
        continue;
      }
      const { name, date: startedOn } = parsed;
      if (startedOn && assessedOn && startedOn.getTime() > assessedOn.getTime()) {
        fail("medications", `Start date of ${name} is after the assessment date; list only medicines current at the visit.`);
        continue;
      }
      const entry = matchMedicine(name);
      if (entry === null) unknownMedications.push(name);
      medications.push({ name, catalogueId: entry?.id ?? null, startedOn });
    }
  }

  const stoppedMedications: StoppedMedication[] = [];
  const stoppedText = cell("medications_stopped");
  if (stoppedText !== undefined) {
    for (const item of splitList(stoppedText)) {
      const parsed = parseMedicineItem(item, "Stop");
      if (!parsed.ok) {
        fail("medications_stopped", parsed.message);
        continue;
      }
      const { name } = parsed;
      const stoppedOn = parsed.date ?? assessedOn;
      if (stoppedOn === undefined) {
        // An unreadable assessed_on is reported there already.
        if (visitUndated) fail("medications_stopped", `${name} has no stop date: write it as ${name}@YYYY-MM-DD, or give the visit date in assessed_on.`);
        continue;
      }
      if (assessedOn && stoppedOn.getTime() > assessedOn.getTime()) {
        fail("medications_stopped", `Stop date of ${name} is after the assessment date; record a stop at the visit on or after it.`);
        continue;
      }
      const entry = matchMedicine(name);
      const catalogueId = entry?.id ?? null;
      if (medications.some((m) => sameMedicine(m, { name, catalogueId }))) {
        fail("medications_stopped", `${name} is listed both as taken (medications) and as stopped at this visit; keep it in one of the two.`);
        continue;
      }
      stoppedMedications.push({ name, catalogueId, stoppedOn });
    }
  }

  if (errors.length > 0 || mrn === undefined) return { ok: false, errors };
  const row: AssessmentRow = { mrn, demographics, observations, medications, unknownMedications, b12Symptoms, stoppedMedications };
  if (yubiWakka !== undefined) row.yubiWakka = yubiWakka;
  if (diet !== undefined) row.diet = diet;
  if (conditions !== undefined) row.conditions = conditions;
  if (assessedOn !== undefined) row.assessedOn = assessedOn;
  return { ok: true, row };
}

/**
 * One item of a medicine list: `name` or `name@YYYY-MM-DD` (the last `@` separates the date, so a
 * name may itself hold an `@`). `what` names the date in messages ("Start date of …").
 */
export function parseMedicineItem(item: string, what: "Start" | "Stop"): { ok: true; name: string; date: Date | null } | { ok: false; message: string } {
  const at = item.lastIndexOf("@");
  const name = (at >= 0 ? item.slice(0, at) : item).trim();
  if (name === "") return { ok: false, message: `Medication "${item}" has no name before the @ date.` };
  if (name.length > TEXT_LIMITS.medicineName) {
    return { ok: false, message: `A medicine name of ${name.length.toLocaleString("en")} characters is not accepted; at most ${TEXT_LIMITS.medicineName} (separate medicines with ";").` };
  }
  if (at < 0) return { ok: true, name, date: null };
  const date = parseDateCell(item.slice(at + 1), `${what} date of ${name}`);
  return date.ok ? { ok: true, name, date: date.value } : { ok: false, message: date.message };
}

/** The same medicine: the same catalogue entry, or for free text the same name ignoring case. */
export function sameMedicine(a: { name: string; catalogueId: string | null }, b: { name: string; catalogueId: string | null }): boolean {
  if (a.catalogueId !== null || b.catalogueId !== null) return a.catalogueId === b.catalogueId;
  return a.name.trim().toLowerCase() === b.name.trim().toLowerCase();
}

function splitList(text: string): string[] {
  return text
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/** The non-empty cells of a record of header → cell text (headers normalised as in the file). */
export function rowCells(record: Record<string, string | undefined>): Map<string, string> {
  const cells = new Map<string, string>();
  for (const [header, value] of Object.entries(record)) {
    const text = (value ?? "").trim();
    if (text !== "") cells.set(normaliseHeader(header), text);
  }
  return cells;
}

/** Validates one row given as header → cell text; errors carry the column and a sentence for the clinician. */
export function parseAssessmentRow(
  record: Record<string, string | undefined>,
): { ok: true; row: AssessmentRow } | { ok: false; errors: RowError[] } {
  return parseAssessmentCells(rowCells(record));
}
