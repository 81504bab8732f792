import "server-only";
import { isUtf8 } from "node:buffer";
import { Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import type { Db } from "@/lib/data/db/client";
import { chunks, PATIENTS_REREAD_TOGETHER } from "@/lib/data/db/batches";
import { findMedicineById } from "@/lib/domain/medicine-catalogue";
import { toIsoDate } from "@/lib/domain/dates";
import type { ConditionCode, Diet, Sex, StoredMedication, StoredObservation } from "@/lib/domain/types";
import { CANONICAL_UNIT } from "@/lib/domain/units";
import type { StoredFinding } from "@/lib/data/patients/record-rows";
import { normaliseHeader, parseAssessmentCells, sameMedicine, validateHeaders, type AssessmentRow } from "@/lib/validation/assessment-row";
import {
  findingKey, findStoredPatients, medicationKey, medicationStopKey, observationKey, takeOnce, type Incoming, type IncomingPatient, type IncomingPatients, type MedicationStop, type StoredPatient,
} from "./plan";
import { leaveOutBlockedPatients, type ImportProblem } from "./problems";

/**
 * Step 1 of a spreadsheet import (docs/design.md#assessment-spreadsheet-csv-import; the pipeline:
 * lib/data/import/run.ts): every row read and checked — the row schema
 * (lib/validation/assessment-row.ts), then what needs the whole file or the clinic's records:
 * demographic conflicts between rows and with the clinic's records, demographics for new MRNs, a
 * visit before the birth date. Every problem is collected (what each does to the import:
 * problems.ts).
 *
 * What the reading keeps is small: for each MRN, what its rows say about the patient (demographics,
 * diet, conditions, the earliest visit) and the numbers of its valid rows; for each row, where it
 * ends in the file. A row's results and medicines are parsed again from its bytes when its patient
 * is made (`rereadVisits`), so memory between the reading and the writing grows with the number of
 * patients, not with every cell of the file. The price is a second parse, ≈ 7 % of a large
 * import's time, for a fraction of the memory (docs/benchmarks.md, twelfth session).
 *
 * Row numbers are spreadsheet rows: the header is row 1, the first data row is row 2.
 */

/** A value as a row gives it. Dates are kept as milliseconds: a Date object costs several times more. */
interface Given<T> {
  value: T;
  row: number;
}

/**
 * What the file says about one MRN, gathered from its valid rows. One is kept for every MRN until
 * its patient is made, so it is kept small: about 0.5 kB (docs/benchmarks.md, twelfth session).
 */
export interface MrnPlan {
  mrn: string;
  /** Its rows that passed the row checks: the first, the last and how many (all of them: `rowsOf`). */
  firstRow: number;
  lastRow: number;
  rowCount: number;
  familyName?: Given<string>;
  givenName?: Given<string>;
  birthDate?: Given<number>;
  sex?: Given<Sex>;
  /** The diet of the latest visit that gives one (undated rows count as "as of the import"). */
  diet?: Given<Diet> & { at: number };
  /** Each condition with the first row giving it; absent until one is given. */
  conditions?: [ConditionCode, number][];
  earliestAssessed?: Given<number>;
  /** The row whose problem stops this MRN; its other rows are then not imported either. */
  blockedAtRow?: number;
  /** Whether a valid row stops a medicine: the MRN's rows are then read again to check `takenAfterStopped`. */
  stopsMedicines: boolean;
}

/**
 * The file as read: its bytes, and where each record ends, so that a row can be parsed again
 * (`rereadVisits`). Records are numbered as rows are (the header is 1); blank lines are records too.
 */
export interface SpreadsheetFile {
  bytes: Buffer;
  /** `ends[r]`: the byte offset just past record r, its line break included; `ends[0]` is 0. */
  ends: Float64Array;
  /** `nextRow[r]`: the next valid row of the same MRN as row r (0: none), chaining each MRN's rows. */
  nextRow: Int32Array;
  /** The header's normalised column names. */
  columns: string[];
  /** The line break csv-parse found after the header, and so split every record on. */
  recordDelimiter: string;
}

/** What reading a spreadsheet found. */
export interface CsvReading {
  /** A problem with the file itself (encoding, CSV syntax, header): nothing can be imported. */
  fileBlocked: boolean;
  rowsTotal: number;
  errors: ImportProblem[];
  warnings: ImportProblem[];
  invalidRows: Set<number>;
  patients: Map<string, MrnPlan>;
  /** The file's MRNs the clinic had when the file was read. */
  storedMrns: Set<string>;
  file: SpreadsheetFile;
}

/**
 * Spreadsheet files must be UTF-8 (with or without a BOM). Anything else — Latin-1, UTF-16, a
 * binary file — would otherwise be read as replacement characters and corrupt names silently.
 */
function utf8Problem(content: Buffer | string): string | null {
  // Checked in place: decoding the file to see whether it decodes made a string as large as the file.
  if (typeof content === "string" || isUtf8(content)) return null;
  const utf16 = content.length >= 2 && ((content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff));
  return `The file is not UTF-8 text${utf16 ? " (it looks like UTF-16)" : ""}. In your spreadsheet choose "Save as… CSV UTF-8" and import that file.`;
}

/**
 * Spreadsheet rows as cell arrays; blank lines keep their number but are not yielded. Where each
 * record ends is written to `file.ends`, which grows as needed.
 */
async function* readCsvRows(file: SpreadsheetFile): AsyncGenerator<{ row: number; cells: string[] }> {
  const buffer = file.bytes;
  // Feed the parser in slices so it holds a few records at a time, not the whole file.
  const source = Readable.from(
    (function* () {
      for (let i = 0; i < buffer.length; i += 64 * 1024) yield buffer.subarray(i, i + 64 * 1024);
    })(),
  );
  const parser = source.pipe(parse({ bom: true, relax_column_count: true, info: true }));
  let row = 0;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { bytes: number } }>) {
    row += 1;
    if (row >= file.ends.length) growRecordIndex(file);
    file.ends[row] = info.bytes;
    if (record.every((cell) => cell.trim() === "")) continue;
    yield { row, cells: record };
  }
}

/** Doubles the room in `file.ends` and `file.nextRow`, keeping what they hold. */
function growRecordIndex(file: SpreadsheetFile): void {
  const ends = new Float64Array(file.ends.length * 2);
  ends.set(file.ends);
  file.ends = ends;
  const nextRow = new Int32Array(ends.length);
  nextRow.set(file.nextRow);
  file.nextRow = nextRow;
}

/** The line break that ends the header (record 1): csv-parse splits every record on the first it meets. */
function headerLineBreak(file: SpreadsheetFile): string {
  const end = file.ends[1]!;
  if (file.bytes[end - 1] === 0x0a) return file.bytes[end - 2] === 0x0d ? "\r\n" : "\n";
  return "\r";
}

/** A plan's valid rows, in file order. */
function rowsOf(file: SpreadsheetFile, plan: MrnPlan): number[] {
  const rows: number[] = [];
  for (let row = plan.firstRow; row !== 0; row = file.nextRow[row]!) rows.push(row);
  return rows;
}

/** Adds a valid row to its MRN's plan (rows come in file order). */
function addRow(file: SpreadsheetFile, plan: MrnPlan, row: number): void {
  if (plan.rowCount === 0) plan.firstRow = row;
  else file.nextRow[plan.lastRow] = row;
  plan.lastRow = row;
  plan.rowCount += 1;
}

/** A plan's valid rows, and what each says (`visits[i]` is row `rows[i]`). */
interface RowsRead {
  rows: number[];
  visits: AssessmentRow[];
}

/**
 * Each plan's valid rows parsed again from the file, in file order. The rows are cut out by their
 * byte ranges and parsed together with the line break the whole file was split on; each must read
 * as it did (same MRN, valid), or the import stops with an internal error rather than import
 * something the reading did not check.
 */
function rereadVisits(file: SpreadsheetFile, plans: readonly MrnPlan[]): RowsRead[] {
  const lineBreak = Buffer.from(file.recordDelimiter);
  const rowsOfPlans = plans.map((plan) => rowsOf(file, plan));
  const slices: Buffer[] = [];
  for (const row of rowsOfPlans.flat()) {
    const slice = file.bytes.subarray(file.ends[row - 1], file.ends[row]);
    slices.push(slice);
    // Only the file's last record can end without a line break.
    if (!slice.subarray(slice.length - lineBreak.length).equals(lineBreak)) slices.push(lineBreak);
  }
  const records = parseSync(Buffer.concat(slices), { relax_column_count: true, record_delimiter: file.recordDelimiter }) as string[][];
  let next = 0;
  return plans.map((plan, i) => {
    const rows = rowsOfPlans[i]!;
    const visits = rows.map((row) => {
      const cells = records[next++];
      const parsed = cells && parseAssessmentCells(rowCellsOf(file.columns, cells));
      if (!parsed?.ok || parsed.row.mrn !== plan.mrn) throw new Error(`Row ${row} of the spreadsheet did not read again as it did at first (MRN ${plan.mrn}); nothing was imported.`);
      return parsed.row;
    });
    return { rows, visits };
  });
}

/** A row's non-empty cells by normalised column name, trimmed (lib/validation/assessment-row.ts RowCells). */
function rowCellsOf(columns: readonly string[], cells: readonly string[]): Map<string, string> {
  const record = new Map<string, string>();
  for (let i = 0; i < columns.length; i += 1) {
    const cell = cells[i];
    if (cell === undefined || cell === "") continue;
    const text = cell.trim();
    if (text !== "") record.set(columns[i]!, text);
  }
  return record;
}

function cellCountProblem(row: number, headers: readonly string[], cells: readonly string[]): ImportProblem | null {
  if (cells.length === headers.length) return null;
  if (cells.length > headers.length && cells.slice(headers.length).every((c) => c.trim() === "")) return null;
  return {
    row,
    column: "",
    message: `This row has ${cells.length} cells but the header has ${headers.length} columns; check for a missing or extra comma or an unclosed quote.`,
  };
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
const sameDate = (a: number, b: number) => a === b;
const sameSex = (a: string, b: string) => a === b;

function showName(value: string): string {
  return `"${value}"`;
}

/** A later row disagreeing with the first row that gave a demographic is an error naming both. */
function mergeGiven<T>(
  plan: MrnPlan,
  current: Given<T> | undefined,
  value: T | undefined,
  row: number,
  spec: { column: string; label: string; same: (a: T, b: T) => boolean; show: (v: T) => string },
  errors: ImportProblem[],
): { given: Given<T> | undefined; conflict: boolean } {
  if (value === undefined) return { given: current, conflict: false };
  if (current === undefined) return { given: { value, row }, conflict: false };
  if (spec.same(current.value, value)) return { given: current, conflict: false };
  errors.push({
    row,
    column: spec.column,
    message: `${spec.label} ${spec.show(value)} differs from ${spec.show(current.value)} given for MRN ${plan.mrn} in row ${current.row}; one patient cannot have both.`,
  });
  return { given: current, conflict: true };
}

const FAMILY = { column: "family_name", label: "Family name", same: sameName, show: showName };
const GIVEN = { column: "given_name", label: "Given name", same: sameName, show: showName };
const BIRTH = { column: "birth_date", label: "Birth date", same: sameDate, show: (ms: number) => toIsoDate(new Date(ms)) };
const SEX = { column: "sex", label: "Sex", same: sameSex, show: (v: string) => v };

/** Reads and checks the whole file against the clinic's records; nothing is written. */
export async function readSpreadsheet(db: Db, clinicId: string, content: Buffer | string, now: Date): Promise<CsvReading> {
  const errors: ImportProblem[] = [];
  const warnings: ImportProblem[] = [];
  const invalidRows = new Set<number>();
  const plans = new Map<string, MrnPlan>();
  let headers: string[] | null = null;
  let columns: string[] = [];
  let headerBlocked = false;
  let rowsTotal = 0;
  const file: SpreadsheetFile = {
    bytes: typeof content === "string" ? Buffer.from(content, "utf8") : content,
    ends: new Float64Array(1024),
    nextRow: new Int32Array(1024),
    columns: [],
    recordDelimiter: "\n",
  };

  const encodingProblem = utf8Problem(content);
  if (encodingProblem) {
    errors.push({ row: 1, column: "", message: encodingProblem });
    return { errors, warnings, invalidRows, patients: plans, rowsTotal: 0, fileBlocked: true, storedMrns: new Set(), file };
  }

  try {
    for await (const { row, cells } of readCsvRows(file)) {
      if (headers === null) {
        headers = cells;
        columns = cells.map(normaliseHeader);
        file.columns = columns;
        file.recordDelimiter = headerLineBreak(file);
        const headerErrors = validateHeaders(cells);
        for (const e of headerErrors) errors.push({ row, column: e.column.trim(), message: e.message });
        headerBlocked = headerErrors.length > 0;
        continue;
      }
      rowsTotal += 1;
      const countProblem = cellCountProblem(row, headers, cells);
      if (countProblem) {
        errors.push(countProblem);
        invalidRows.add(row);
        continue;
      }
      const parsed = parseAssessmentCells(rowCellsOf(columns, cells));
      if (!parsed.ok) {
        for (const e of parsed.errors) errors.push({ row, column: e.column, message: e.message });
        invalidRows.add(row);
        continue;
      }
      const r = parsed.row;
      if (r.assessedOn && r.assessedOn.getTime() > now.getTime()) {
        errors.push({ row, column: "assessed_on", message: `Assessment date ${toIsoDate(r.assessedOn)} is in the future (today is ${toIsoDate(now)}).` });
        invalidRows.add(row);
        continue;
      }
      for (const name of r.unknownMedications) {
        warnings.push({ row, column: "medications", message: `Medicine "${name}" is not in the medicine catalogue: kept as free text, and the screening rules do not use it.` });
      }
      let plan = plans.get(r.mrn);
      if (!plan) {
        plan = { mrn: r.mrn, firstRow: 0, lastRow: 0, rowCount: 0, stopsMedicines: false };
        plans.set(r.mrn, plan);
      }
      const d = r.demographics;
      const family = mergeGiven(plan, plan.familyName, d.familyName, row, FAMILY, errors);
      const given = mergeGiven(plan, plan.givenName, d.givenName, row, GIVEN, errors);
      const birth = mergeGiven(plan, plan.birthDate, d.birthDate?.getTime(), row, BIRTH, errors);
      const sex = mergeGiven<Sex>(plan, plan.sex, d.sex, row, SEX, errors);
      if (family.conflict || given.conflict || birth.conflict || sex.conflict) {
        invalidRows.add(row);
        plan.blockedAtRow ??= row;
        continue;
      }
      plan.familyName = family.given;
      plan.givenName = given.given;
      plan.birthDate = birth.given;
      plan.sex = sex.given;
      addRow(file, plan, row);
      mergeVisit(plan, r, row, now);
    }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const records = (error as unknown as { records?: unknown }).records;
    errors.push({
      row: typeof records === "number" ? records + 1 : 0,
      column: "",
      message: `The file is not valid CSV and was not read past this point: ${error.message}`,
    });
    headerBlocked = true;
  }
  if (headers === null) {
    errors.push({ row: 1, column: "", message: "The file is empty: it needs a header row and at least one data row." });
    headerBlocked = true;
  }

  const stopping = [...plans.values()].filter((plan) => plan.stopsMedicines);
  for (const group of chunks(stopping, PATIENTS_REREAD_TOGETHER)) {
    rereadVisits(file, group).forEach((read, i) => {
      const plan = group[i]!;
      for (const problem of takenAfterStopped(read, now)) {
        errors.push(problem);
        invalidRows.add(problem.row);
        plan.blockedAtRow ??= problem.row;
      }
    });
  }
  const storedMrns = new Set<string>();
  for (const mrns of chunks([...plans.keys()])) {
    const stored = await findStoredPatients(db, clinicId, mrns);
    for (const mrn of mrns) {
      const existing = stored.get(mrn) ?? null;
      if (existing) storedMrns.add(mrn);
      for (const problem of checkPlanAgainstDatabase(plans.get(mrn)!, existing)) {
        errors.push(problem);
        invalidRows.add(problem.row);
      }
    }
  }
  const blocked = [...plans.values()].filter((plan) => plan.blockedAtRow !== undefined);
  leaveOutBlockedPatients(blocked.map((plan) => ({ mrn: plan.mrn, blockedAtRow: plan.blockedAtRow, rows: rowsOf(file, plan) })), invalidRows, errors);
  errors.sort((a, b) => a.row - b.row);
  return { fileBlocked: headerBlocked, rowsTotal, errors, warnings, invalidRows, patients: plans, storedMrns, file };
}

function mergeVisit(plan: MrnPlan, r: AssessmentRow, row: number, now: Date): void {
  if (r.stoppedMedications.length > 0) plan.stopsMedicines = true;
  if (r.diet !== undefined) {
    const at = r.assessedOn?.getTime() ?? now.getTime();
    if (!plan.diet || at >= plan.diet.at) plan.diet = { value: r.diet, row, at };
  }
  for (const code of r.conditions ?? []) {
    plan.conditions ??= [];
    if (!plan.conditions.some(([given]) => given === code)) plan.conditions.push([code, row]);
  }
  if (r.assessedOn && (!plan.earliestAssessed || r.assessedOn.getTime() < plan.earliestAssessed.value)) {
    plan.earliestAssessed = { value: r.assessedOn.getTime(), row };
  }
}

/**
 * A medicine listed as taken at a visit after the file says it was stopped, with no start date
 * after the stop, is an error: the file contradicts itself (or the medicine was started again and
 * the new start date is missing). An undated visit counts as "as of the import".
 */
function takenAfterStopped({ rows, visits }: RowsRead, now: Date): ImportProblem[] {
  const problems: ImportProblem[] = [];
  const stops = visits.flatMap((visit, i) => visit.stoppedMedications.map((stop) => ({ stop, row: rows[i]! })));
  if (stops.length === 0) return problems;
  visits.forEach((visit, i) => {
    const visitAt = (visit.assessedOn ?? now).getTime();
    for (const m of visit.medications) {
      const earlier = stops.find(({ stop }) =>
        sameMedicine(stop, m) && stop.stoppedOn.getTime() < visitAt && (m.startedOn === null || m.startedOn.getTime() <= stop.stoppedOn.getTime()),
      );
      if (!earlier) continue;
      problems.push({
        row: rows[i]!,
        column: "medications",
        message: `${m.name} is listed as taken, but row ${earlier.row} says it was stopped on ${toIsoDate(earlier.stop.stoppedOn)}; if it was started again, write ${m.name}@YYYY-MM-DD with the new start date.`,
      });
    }
  });
  return problems;
}

/** Conflicts with the clinic's record, missing demographics for a new MRN, birth after a visit. */
function checkPlanAgainstDatabase(plan: MrnPlan, existing: StoredPatient | null): ImportProblem[] {
  const errors: ImportProblem[] = [];
  const block = (problem: ImportProblem) => {
    errors.push(problem);
    plan.blockedAtRow ??= problem.row;
  };
  if (existing) {
    const who = `${existing.familyName}, ${existing.givenName}`;
    const compare = <T>(given: Given<T> | undefined, stored: T, spec: { column: string; label: string; same: (a: T, b: T) => boolean; show: (v: T) => string }) => {
      if (given && !spec.same(given.value, stored)) {
        block({
          row: given.row,
          column: spec.column,
          message: `${spec.label} ${spec.show(given.value)} differs from ${spec.show(stored)} recorded for patient ${plan.mrn} (${who}); correct the file or the patient record first.`,
        });
      }
    };
    compare(plan.familyName, existing.familyName, FAMILY);
    compare(plan.givenName, existing.givenName, GIVEN);
    compare(plan.birthDate, existing.birthDate.getTime(), BIRTH);
    compare(plan.sex, existing.sex, SEX);
  } else if (plan.rowCount > 0) {
    const firstRow = plan.firstRow;
    const missing: [unknown, string, string][] = [
      [plan.familyName, "family_name", "family name"],
      [plan.givenName, "given_name", "given name"],
      [plan.birthDate, "birth_date", "birth date"],
      [plan.sex, "sex", "sex"],
    ];
    for (const [given, column, label] of missing) {
      if (given === undefined) {
        block({ row: firstRow, column, message: `MRN ${plan.mrn} is not yet a patient of this clinic, so its ${label} is required (in this or another row of the same MRN).` });
      }
    }
  }
  const birth = plan.birthDate?.value ?? existing?.birthDate.getTime();
  if (birth !== undefined && plan.earliestAssessed && birth > plan.earliestAssessed.value) {
    block({
      row: plan.earliestAssessed.row,
      column: "assessed_on",
      message: `Assessment date ${toIsoDate(new Date(plan.earliestAssessed.value))} is before patient ${plan.mrn}'s birth date ${toIsoDate(new Date(birth))}.`,
    });
  }
  return errors;
}


function demographicsOf(plan: MrnPlan): IncomingPatient["demographics"] {
  const { familyName, givenName, birthDate, sex } = plan;
  if (!familyName || !givenName || !birthDate || !sex) return null;
  return { familyName: familyName.value, givenName: givenName.value, birthDate: new Date(birthDate.value), sex: sex.value, deceasedAt: null };
}

/**
 * The patients to import, in file order: every MRN with at least one valid row and no row whose
 * problem stops it, with the results and medicines of its valid rows. Each item keeps its row,
 * whose reference (`import:<job>:row:<n>`) is stored with it.
 *
 * The patients are made as the import asks for them, a few at a time from their rows read again
 * (`rereadVisits`), and each MRN leaves `reading.patients` as its patient is made; a stopped MRN
 * leaves it now. They can be taken once.
 */
export function spreadsheetPatients(reading: CsvReading, jobId: string): IncomingPatients {
  let count = 0;
  let rows = 0;
  for (const plan of reading.patients.values()) {
    if (plan.blockedAtRow === undefined && plan.rowCount > 0) {
      count += 1;
      rows += plan.rowCount;
    } else {
      reading.patients.delete(plan.mrn);
    }
  }
  function* made(group: readonly MrnPlan[]): Generator<IncomingPatient> {
    const read = rereadVisits(reading.file, group);
    for (let i = 0; i < group.length; i += 1) {
      const plan = group[i]!;
      reading.patients.delete(plan.mrn);
      yield spreadsheetPatient(plan, read[i]!, reading.storedMrns.has(plan.mrn), jobId);
    }
  }
  function* patients(): Generator<IncomingPatient> {
    let group: MrnPlan[] = [];
    // A Map iterates in insertion order (file order) and skips what was deleted behind it.
    for (const plan of reading.patients.values()) {
      group.push(plan);
      if (group.length === PATIENTS_REREAD_TOGETHER) {
        yield* made(group);
        group = [];
      }
    }
    yield* made(group);
  }
  return { count, rows, take: takeOnce(patients) };
}

/** One MRN's valid rows as the patient to import (see `spreadsheetPatients`). */
function spreadsheetPatient(plan: MrnPlan, { rows, visits }: RowsRead, storedWhenRead: boolean, jobId: string): IncomingPatient {
  const sourceRef = (row: number) => `import:${jobId}:row:${row}`;
  const observations: Incoming<StoredObservation>[] = [];
  const medications: Incoming<StoredMedication>[] = [];
  const findings: Incoming<StoredFinding>[] = [];
  const medicationStops: Incoming<MedicationStop>[] = [];
  visits.forEach((visit, i) => {
    const row = rows[i]!;
    const ref = sourceRef(row);
    for (const o of visit.observations) {
      const value: StoredObservation = {
        kind: o.kind,
        value: o.value,
        isUnable: o.isUnable,
        reportedValue: o.reportedValue ?? (o.isUnable ? "unable" : String(o.value)),
        reportedUnit: o.reportedUnit ?? CANONICAL_UNIT[o.kind],
        observedAt: o.observedAt,
        method: o.method ?? null,
      };
      observations.push({ value, key: observationKey(value), sourceRef: ref, row });
    }
    for (const m of visit.medications) {
      const entry = m.catalogueId ? findMedicineById(m.catalogueId) : null;
      const value: StoredMedication = {
        catalogueId: entry?.id ?? null,
        name: entry?.genericName ?? m.name,
        atcCode: entry?.atc ?? null,
        rxnormCode: entry?.rxnormIngredient ?? null,
        startedOn: m.startedOn,
        stoppedOn: null,
      };
      medications.push({ value, key: medicationKey(value), sourceRef: ref, row });
    }
    // Findings need a date: the row check refuses them on an undated visit.
    const recordedAt = visit.assessedOn;
    if (recordedAt) {
      const visitFindings: StoredFinding[] = visit.b12Symptoms.map((code) => ({ kind: "b12_symptom", code, recordedAt }));
      if (visit.yubiWakka) visitFindings.unshift({ kind: "yubi_wakka", code: visit.yubiWakka, recordedAt });
      for (const value of visitFindings) findings.push({ value, key: findingKey(value), sourceRef: ref, row });
    }
    for (const s of visit.stoppedMedications) {
      const entry = s.catalogueId ? findMedicineById(s.catalogueId) : null;
      const value: MedicationStop = { catalogueId: entry?.id ?? null, name: entry?.genericName ?? s.name, stoppedOn: s.stoppedOn };
      medicationStops.push({ value, key: medicationStopKey(value), sourceRef: ref, row });
    }
  });
  medicationStops.sort((a, b) => a.value.stoppedOn.getTime() - b.value.stoppedOn.getTime());
  stopFileMedicines(medications, medicationStops);
  return {
    mrn: plan.mrn,
    demographics: demographicsOf(plan),
    storedWhenRead,
    diet: plan.diet ? { value: plan.diet.value, at: plan.diet.at } : null,
    observations,
    medications,
    conditions: (plan.conditions ?? []).map(([code, row]) => ({ value: { code, recordedAt: null, resolvedAt: null }, key: code, sourceRef: sourceRef(row), row })),
    findings,
    medicationStops,
    rows,
    size: rows.length,
  };
}

/**
 * Stops the file's own medicines, earliest stop first: each stop ends the medicines of the same
 * catalogue entry (free text: name) started on or before it (or with no start date) and not
 * stopped yet. `takenAfterStopped` has refused a medicine listed as taken after its stop.
 */
function stopFileMedicines(medications: Incoming<StoredMedication>[], stops: readonly Incoming<MedicationStop>[]): void {
  for (const { value: stop } of stops) {
    for (const m of medications) {
      if (m.value.stoppedOn !== null || !sameMedicine(m.value, stop)) continue;
      if (m.value.startedOn !== null && m.value.startedOn.getTime() > stop.stoppedOn.getTime()) continue;
      m.value = { ...m.value, stoppedOn: stop.stoppedOn };
    }
  }
}
