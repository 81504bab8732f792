import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import type { Db, Tx } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { newRowId } from "@/lib/data/db/bulk-insert";
import { conditionRow, insertRecordRows, medicationRow, observationRow, type ConditionRow, type MedicationRow, type ObservationRow } from "@/lib/data/patients/record-rows";
import { insertPatientRows, newPatientRow, panelColumns, type PatientRow } from "@/lib/data/evaluation/panel-row";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { chunks, IMPORT_ROWS_PER_BATCH, PATIENTS_PER_BATCH } from "@/lib/data/db/batches";
import { storeEvaluations, type EvaluatedPatient } from "@/lib/data/evaluation/snapshots";
import { runImportWrite, type ImportJobStatus } from "./run";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { actorId, actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { toIsoDate } from "@/lib/domain/dates";
import { evaluatePatient } from "@/lib/domain/evaluate";
import { findMedicineById } from "@/lib/domain/medicine-catalogue";
import type { ConditionCode, Diet, Sex, StoredMedication, StoredObservation } from "@/lib/domain/types";
import { CANONICAL_UNIT } from "@/lib/domain/units";
import { normaliseHeader, parseAssessmentCells, validateHeaders, type AssessmentRow } from "@/lib/validation/assessment-row";

/**
 * The assessment spreadsheet importer (docs/design.md#assessment-spreadsheet-csv-import, and its
 * #import-semantics).
 *
 * Two steps:
 * 1. validate every row (row schema, then what needs the whole file or the database: demographic
 *    conflicts between rows and with the clinic's records, demographics for new MRNs), collecting
 *    every problem and keeping each valid row's parsed form with its patient (so a row is parsed
 *    once; memory grows with the file, like the file itself, which is already in memory);
 * 2. write, in one transaction, patient by patient in batches: new patients with their results,
 *    medicines, conditions, panel columns and evaluation; for existing patients what they do not
 *    have yet, then their re-evaluation; then the ImportJob and the audit event.
 *
 * Row numbers are spreadsheet rows: the header is row 1, the first data row is row 2.
 *
 * Idempotent: an observation already stored for the patient with the same kind, time, reported
 * value and unit is skipped, as is a medicine with the same catalogue id (or, for free text, the
 * same name ignoring case) and start date; so importing a file twice changes nothing.
 */

export interface ImportProblem {
  /** Spreadsheet row: 1 = the header, 2 = the first data row. */
  row: number;
  column: string;
  message: string;
}

export interface ImportResult {
  importJobId: string;
  rowsTotal: number;
  rowsValid: number;
  errors: ImportProblem[];
  warnings: ImportProblem[];
  /** What was created (or, in a dry run, would be). */
  created: { patients: number; observations: number; medications: number };
  /** Existing patients that got new results, medicines, conditions or a diet change. */
  updatedPatients: number;
  /** Valid rows that brought nothing new (already imported). */
  unchanged: number;
  dryRun: boolean;
  /** True when errors stopped the import (nothing written). */
  blocked: boolean;
}

export interface ImportOptions {
  /** The evaluation time for the re-evaluation of touched patients; assessments after it are rejected. */
  now: Date;
  /** Validate and count what would change; write nothing (the ImportJob and audit record are kept). */
  dryRun?: boolean;
  /** Write the valid rows and list the invalid ones, instead of writing nothing. */
  skipInvalid?: boolean;
  /** Called inside the write transaction as rows are written and patients re-evaluated. */
  onProgress?: (done: number, total: number) => void;
  /** Rows per write batch (about: a patient's rows are never split between batches). */
  batchSize?: number;
}

export interface ImportFile {
  name: string;
  content: Buffer | string;
}

/** A large import is one transaction by design (all or nothing); give it room. */
const IMPORT_TRANSACTION = { maxWait: 30_000, timeout: 6 * 60 * 60_000 };
const SUMMARY_ERROR_LIMIT = 200;

interface Given<T> {
  value: T;
  row: number;
}

/** What the file says about one MRN, gathered from its valid rows. */
interface MrnPlan {
  mrn: string;
  /** Rows that passed the row checks, in file order, and what each says (`visits[i]` is row `rows[i]`). */
  rows: number[];
  visits: AssessmentRow[];
  familyName?: Given<string>;
  givenName?: Given<string>;
  birthDate?: Given<Date>;
  sex?: Given<Sex>;
  /** The diet of the latest visit that gives one (undated rows count as "as of the import"). */
  diet?: Given<Diet> & { at: number };
  conditions: Map<ConditionCode, number>;
  earliestAssessed?: Given<Date>;
  /** The row whose problem stops this MRN; its other rows are then not imported either. */
  blockedAtRow?: number;
}

interface ExistingPatient {
  id: string;
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: string;
  diet: string | null;
  lastAssessedAt: Date | null;
}

interface Validation {
  headerBlocked: boolean;
  rowsTotal: number;
  errors: ImportProblem[];
  warnings: ImportProblem[];
  invalidRows: Set<number>;
  plans: Map<string, MrnPlan>;
  existing: Map<string, ExistingPatient>;
}

interface WriteCounts {
  created: ImportResult["created"];
  updatedPatients: number;
  unchanged: number;
  createdPatientIds: string[];
  updatedPatientIds: string[];
}

/**
 * Spreadsheet files must be UTF-8 (with or without a BOM). Anything else — Latin-1, UTF-16, a
 * binary file — would otherwise be read as replacement characters and corrupt names silently.
 */
function utf8Problem(content: Buffer | string): string | null {
  if (typeof content === "string") return null;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(content);
    return null;
  } catch {
    const utf16 = content.length >= 2 && ((content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff));
    return `The file is not UTF-8 text${utf16 ? " (it looks like UTF-16)" : ""}. In your spreadsheet choose "Save as… CSV UTF-8" and import that file.`;
  }
}

/** Spreadsheet rows as cell arrays; blank lines keep their number but are not yielded. */
async function* readCsvRows(content: Buffer | string): AsyncGenerator<{ row: number; cells: string[] }> {
  const buffer = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  // Feed the parser in slices so it holds a few records at a time, not the whole file.
  const source = Readable.from(
    (function* () {
      for (let i = 0; i < buffer.length; i += 64 * 1024) yield buffer.subarray(i, i + 64 * 1024);
    })(),
  );
  const parser = source.pipe(parse({ bom: true, relax_column_count: true }));
  let row = 0;
  for await (const record of parser as AsyncIterable<string[]>) {
    row += 1;
    if (record.every((cell) => cell.trim() === "")) continue;
    yield { row, cells: record };
  }
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
const sameDate = (a: Date, b: Date) => a.getTime() === b.getTime();
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
const BIRTH = { column: "birth_date", label: "Birth date", same: sameDate, show: toIsoDate };
const SEX = { column: "sex", label: "Sex", same: sameSex, show: (v: string) => v };

/** Pass 1: every check, nothing written. */
async function validateFile(db: Db, clinicId: string, content: Buffer | string, now: Date): Promise<Validation> {
  const errors: ImportProblem[] = [];
  const warnings: ImportProblem[] = [];
  const invalidRows = new Set<number>();
  const plans = new Map<string, MrnPlan>();
  let headers: string[] | null = null;
  let columns: string[] = [];
  let headerBlocked = false;
  let rowsTotal = 0;

  const encodingProblem = utf8Problem(content);
  if (encodingProblem) {
    errors.push({ row: 1, column: "", message: encodingProblem });
    return { errors, warnings, invalidRows, plans, rowsTotal: 0, headerBlocked: true, existing: new Map() };
  }

  try {
    for await (const { row, cells } of readCsvRows(content)) {
      if (headers === null) {
        headers = cells;
        columns = cells.map(normaliseHeader);
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
        plan = { mrn: r.mrn, rows: [], visits: [], conditions: new Map() };
        plans.set(r.mrn, plan);
      }
      const d = r.demographics;
      const family = mergeGiven(plan, plan.familyName, d.familyName, row, FAMILY, errors);
      const given = mergeGiven(plan, plan.givenName, d.givenName, row, GIVEN, errors);
      const birth = mergeGiven(plan, plan.birthDate, d.birthDate, row, BIRTH, errors);
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
      plan.rows.push(row);
      plan.visits.push(r);
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

  const existing = await findExisting(db, clinicId, [...plans.keys()]);
  for (const plan of plans.values()) {
    for (const problem of checkPlanAgainstDatabase(plan, existing.get(plan.mrn) ?? null)) {
      errors.push(problem);
      invalidRows.add(problem.row);
    }
  }
  for (const plan of plans.values()) {
    if (plan.blockedAtRow === undefined) continue;
    for (const row of plan.rows) {
      if (invalidRows.has(row)) continue;
      invalidRows.add(row);
      errors.push({ row, column: "mrn", message: `Not imported: patient ${plan.mrn} has a problem reported in row ${plan.blockedAtRow}.` });
    }
  }
  errors.sort((a, b) => a.row - b.row);
  return { headerBlocked, rowsTotal, errors, warnings, invalidRows, plans, existing };
}

function mergeVisit(plan: MrnPlan, r: AssessmentRow, row: number, now: Date): void {
  if (r.diet !== undefined) {
    const at = r.assessedOn?.getTime() ?? now.getTime();
    if (!plan.diet || at >= plan.diet.at) plan.diet = { value: r.diet, row, at };
  }
  for (const code of r.conditions ?? []) if (!plan.conditions.has(code)) plan.conditions.set(code, row);
  if (r.assessedOn && (!plan.earliestAssessed || r.assessedOn.getTime() < plan.earliestAssessed.value.getTime())) {
    plan.earliestAssessed = { value: r.assessedOn, row };
  }
}

/** Conflicts with the clinic's record, missing demographics for a new MRN, birth after a visit. */
function checkPlanAgainstDatabase(plan: MrnPlan, existing: ExistingPatient | null): ImportProblem[] {
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
    compare(plan.birthDate, existing.birthDate, BIRTH);
    compare(plan.sex, existing.sex, SEX);
  } else if (plan.rows.length > 0) {
    const firstRow = plan.rows[0]!;
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
  const birth = plan.birthDate?.value ?? existing?.birthDate;
  if (birth && plan.earliestAssessed && birth.getTime() > plan.earliestAssessed.value.getTime()) {
    block({
      row: plan.earliestAssessed.row,
      column: "assessed_on",
      message: `Assessment date ${toIsoDate(plan.earliestAssessed.value)} is before patient ${plan.mrn}'s birth date ${toIsoDate(birth)}.`,
    });
  }
  return errors;
}

async function findExisting(db: Db | Tx, clinicId: string, mrns: readonly string[]): Promise<Map<string, ExistingPatient>> {
  const found = new Map<string, ExistingPatient>();
  for (const batch of chunks(mrns)) {
    const rows = await db.patient.findMany({
      where: { clinicId, mrn: { in: batch } },
      select: { id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true, diet: true, lastAssessedAt: true },
    });
    for (const row of rows) found.set(row.mrn, row);
  }
  return found;
}

function observationKey(patientId: string, o: { kind: string; observedAt: Date; reportedValue: string; reportedUnit: string }): string {
  return `${patientId}|${o.kind}|${o.observedAt.getTime()}|${o.reportedValue}|${o.reportedUnit}`;
}

function medicationKey(patientId: string, m: { catalogueId: string | null; name: string; startedOn: Date | null }): string {
  return `${patientId}|${m.catalogueId ?? `text:${m.name.trim().toLowerCase()}`}|${m.startedOn?.toISOString() ?? ""}`;
}

interface WriteContext {
  clinicId: string;
  jobId: string;
  enteredById: string | null;
  validation: Validation;
  now: Date;
  batchSize: number;
  reevaluate: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** One patient of a write batch: its plan, its id, and whether this import creates it. */
interface BatchPatient {
  plan: MrnPlan;
  patientId: string;
  isNew: boolean;
}

/**
 * Pass 2, inside the caller's transaction. Patients are written in batches of whole patients (at
 * most {@link PATIENTS_PER_BATCH} patients or about `batchSize` rows): a new patient is
 * inserted with its panel columns, results, medicines and conditions, and evaluated from what the
 * file gave (it has nothing else), so the bulk of a large import needs no reads; an existing
 * patient's stored results and medicines are read first (to skip what it already has) and it is
 * re-evaluated from the database once everything is written.
 */
async function writeImport(tx: Tx, ctx: WriteContext): Promise<WriteCounts> {
  const { clinicId, validation, now } = ctx;
  const plans = [...validation.plans.values()].filter((p) => p.blockedAtRow === undefined && p.rows.length > 0);
  const rowsToWrite = plans.reduce((n, p) => n + p.rows.length, 0);
  const progressTotal = rowsToWrite + (ctx.reevaluate ? plans.length : 0);
  let progressDone = 0;
  const progress = (step: number) => {
    progressDone += step;
    ctx.onProgress?.(Math.min(progressDone, progressTotal), progressTotal);
  };

  // Re-read inside the transaction: a patient created since validation must not be created twice.
  const existing = await findExisting(tx, clinicId, plans.map((p) => p.mrn));
  for (const plan of plans) {
    const wasKnown = validation.existing.has(plan.mrn);
    if (wasKnown !== existing.has(plan.mrn)) {
      throw new AppError("conflict", `Patient ${plan.mrn} was ${wasKnown ? "removed" : "created"} while the file was being checked; run the import again.`);
    }
  }

  const createdPatientIds: string[] = [];
  const changedPatients = new Set<string>();
  const thresholds = ctx.reevaluate ? await getActiveThresholds(tx, clinicId, now) : null;
  const created = { patients: 0, observations: 0, medications: 0 };
  let unchanged = 0;

  const writeBatch = async (batch: BatchPatient[]) => {
    const known = batch.filter((p) => !p.isNew);
    // What the existing patients already have, so a second import of the same file adds nothing.
    const seenObservations = new Set<string>();
    const seenMedications = new Set<string>();
    const storedConditions = new Set<string>();
    if (known.length > 0) {
      const ids = known.map((p) => p.patientId);
      const [observations, medications, conditions] = [
        await tx.observation.findMany({
          where: { patientId: { in: ids } },
          select: { patientId: true, kind: true, observedAt: true, reportedValue: true, reportedUnit: true },
        }),
        await tx.patientMedication.findMany({ where: { patientId: { in: ids } }, select: { patientId: true, catalogueId: true, name: true, startedOn: true } }),
        await tx.patientCondition.findMany({ where: { patientId: { in: ids } }, select: { patientId: true, code: true } }),
      ];
      for (const o of observations) seenObservations.add(observationKey(o.patientId, o));
      for (const m of medications) seenMedications.add(medicationKey(m.patientId, m));
      for (const c of conditions) storedConditions.add(`${c.patientId}|${c.code}`);
    }

    const writtenAt = new Date();
    const origin = { clinicId, source: "csv" as const, enteredById: ctx.enteredById, writtenAt };
    const patientRows: PatientRow[] = [];
    const observationRows: ObservationRow[] = [];
    const medicationRows: MedicationRow[] = [];
    const conditionRows: ConditionRow[] = [];
    const evaluations: EvaluatedPatient[] = [];
    for (const { plan, patientId, isNew } of batch) {
      const patient = existing.get(plan.mrn);
      let patientChanged = isNew;
      // A diet from an older visit than the last assessment on record does not overwrite a newer one.
      if (patient && plan.diet && plan.diet.value !== patient.diet) {
        const isNewer = patient.diet === null || patient.lastAssessedAt === null || plan.diet.at >= patient.lastAssessedAt.getTime();
        if (isNewer) {
          await tx.patient.update({ where: { id: patient.id, clinicId }, data: { diet: plan.diet.value, version: { increment: 1 } } });
          patientChanged = true;
        }
      }
      const conditions: ConditionCode[] = [];
      for (const [code, row] of plan.conditions) {
        if (storedConditions.has(`${patientId}|${code}`)) continue;
        conditions.push(code);
        conditionRows.push(conditionRow(patientId, { code, recordedAt: null, resolvedAt: null }, `import:${ctx.jobId}:row:${row}`, origin));
        patientChanged = true;
      }

      // The history of a new patient, as the re-evaluation would read it back.
      const observations: StoredObservation[] = [];
      const medications: StoredMedication[] = [];
      plan.visits.forEach((data, i) => {
        const row = plan.rows[i]!;
        const sourceRef = `import:${ctx.jobId}:row:${row}`;
        let rowChanged = i === 0 && patientChanged;
        for (const o of data.observations) {
          const stored: StoredObservation = {
            kind: o.kind,
            value: o.value,
            isUnable: o.isUnable,
            reportedValue: o.reportedValue ?? (o.isUnable ? "unable" : String(o.value)),
            reportedUnit: o.reportedUnit ?? CANONICAL_UNIT[o.kind],
            observedAt: o.observedAt,
            method: o.method ?? null,
          };
          const key = observationKey(patientId, stored);
          if (seenObservations.has(key)) continue;
          seenObservations.add(key);
          observationRows.push(observationRow(patientId, stored, sourceRef, origin));
          observations.push(stored);
          rowChanged = true;
        }
        for (const m of data.medications) {
          const entry = m.catalogueId ? findMedicineById(m.catalogueId) : null;
          const stored: StoredMedication = {
            catalogueId: entry?.id ?? null, name: entry?.genericName ?? m.name, atcCode: entry?.atc ?? null, rxnormCode: entry?.rxnormIngredient ?? null,
            startedOn: m.startedOn, stoppedOn: null,
          };
          const key = medicationKey(patientId, stored);
          if (seenMedications.has(key)) continue;
          seenMedications.add(key);
          medicationRows.push(medicationRow(patientId, stored, sourceRef, origin));
          medications.push(stored);
          rowChanged = true;
        }
        if (rowChanged) patientChanged = true;
        else unchanged += 1;
      });

      if (isNew) {
        const familyName = plan.familyName!.value;
        const givenName = plan.givenName!.value;
        const history = {
          birthDate: plan.birthDate!.value,
          deceasedAt: null,
          sex: plan.sex!.value,
          diet: plan.diet?.value ?? null,
          // In the order the database returns them: conditions by code, results by date.
          conditions: conditions.sort(),
          observations: observations.sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime()),
          medications,
        };
        const panel = panelColumns(history, now);
        patientRows.push(
          newPatientRow(patientId, clinicId, { mrn: plan.mrn, familyName, givenName, birthDate: history.birthDate, sex: history.sex, diet: history.diet, deceasedAt: null, attributedClinicianId: null }, panel, writtenAt),
        );
        if (thresholds) {
          evaluations.push({ patientId, evaluation: evaluatePatient(history, { now, thresholds: thresholds.values, ruleSetVersion: thresholds.version }), observations: history.observations });
        }
        createdPatientIds.push(patientId);
      } else if (patientChanged) {
        changedPatients.add(patientId);
      }
    }

    await insertPatientRows(tx, patientRows);
    await insertRecordRows(tx, { observations: observationRows, medications: medicationRows, conditions: conditionRows });
    await storeEvaluations(tx, clinicId, evaluations, now);
    created.patients += patientRows.length;
    created.observations += observationRows.length;
    created.medications += medicationRows.length;
    progress(batch.reduce((n, p) => n + p.plan.rows.length + (thresholds && p.isNew ? 1 : 0), 0));
  };

  let batch: BatchPatient[] = [];
  let batchRows = 0;
  for (const plan of plans) {
    const stored = existing.get(plan.mrn);
    batch.push({ plan, patientId: stored?.id ?? newRowId(), isNew: !stored });
    batchRows += plan.rows.length;
    if (batch.length >= PATIENTS_PER_BATCH || batchRows >= ctx.batchSize) {
      await writeBatch(batch);
      batch = [];
      batchRows = 0;
    }
  }
  await writeBatch(batch);

  // Existing patients that got something new are re-evaluated from everything they now have.
  const updatedPatientIds = [...changedPatients];
  if (ctx.reevaluate) {
    for (const ids of chunks(updatedPatientIds, PATIENTS_PER_BATCH)) {
      await reevaluatePatients(tx, clinicId, ids, now);
      progress(ids.length);
    }
  }
  ctx.onProgress?.(progressTotal, progressTotal);
  return { created, updatedPatients: updatedPatientIds.length, unchanged, createdPatientIds, updatedPatientIds };
}

/**
 * Imports an assessment spreadsheet into the actor's clinic (see the file comment for the
 * semantics). By default any invalid row means nothing is written; `skipInvalid` writes the valid
 * rows; `dryRun` writes nothing but the ImportJob record and the audit event, and reports what
 * would change. Throws AppError "forbidden" when the actor may not import.
 */
export async function importAssessments(db: Db, actor: Actor, file: ImportFile, options: ImportOptions): Promise<ImportResult> {
  if (!can(actorRole(actor), "import:run")) throw new AppError("forbidden", "You may not import data.");
  const clinicId = actor.clinicId;
  if (!clinicId) throw new AppError("forbidden", "Importing needs a clinic.");
  const { now } = options;
  const dryRun = options.dryRun ?? false;
  const skipInvalid = options.skipInvalid ?? false;
  const jobId = randomUUID();
  const sha256 = createHash("sha256").update(file.content).digest("hex");
  const startedAt = new Date();

  const validation = await validateFile(db, clinicId, file.content, now);
  const rowsValid = validation.rowsTotal - validation.invalidRows.size;
  const hasErrors = validation.errors.length > 0;
  const blocked = validation.headerBlocked || (hasErrors && !skipInvalid);

  const result: ImportResult = {
    importJobId: jobId,
    rowsTotal: validation.rowsTotal,
    rowsValid,
    errors: validation.errors,
    warnings: validation.warnings,
    created: { patients: 0, observations: 0, medications: 0 },
    updatedPatients: 0,
    unchanged: 0,
    dryRun,
    blocked,
  };

  const record = async (tx: Tx, status: ImportJobStatus, counts: WriteCounts | null, failure?: string) => {
    const summary = {
      created: result.created,
      updatedPatients: result.updatedPatients,
      unchanged: result.unchanged,
      warnings: result.warnings.length,
      errors: result.errors.slice(0, SUMMARY_ERROR_LIMIT),
      errorCount: result.errors.length,
      ...(failure ? { failure } : {}),
    };
    await tx.importJob.create({
      data: {
        id: jobId,
        clinicId,
        actorId: actorId(actor),
        format: "csv",
        fileName: file.name,
        fileSha256: sha256,
        status,
        dryRun,
        rowsTotal: result.rowsTotal,
        rowsValid: result.rowsValid,
        rowsInvalid: result.rowsTotal - result.rowsValid,
        summaryJson: JSON.stringify(summary),
        startedAt,
        finishedAt: new Date(),
      },
    });
    await appendAudit(tx, actor, [
      {
        action: "import.run",
        entityType: "import_job",
        entityId: jobId,
        detail: {
          fileName: file.name,
          sha256,
          status,
          dryRun,
          skipInvalid,
          blocked,
          rowsTotal: result.rowsTotal,
          rowsValid: result.rowsValid,
          errors: result.errors.length,
          warnings: result.warnings.length,
          created: result.created,
          updatedPatients: result.updatedPatients,
          unchanged: result.unchanged,
          ...(failure ? { failure } : {}),
          // Compact per-patient trail: which records this import created or changed.
          ...(counts && status === "completed" ? { patients: { created: counts.createdPatientIds, updated: counts.updatedPatientIds } } : {}),
        },
      },
    ]);
  };
  const apply = (counts: WriteCounts) => {
    result.created = counts.created;
    result.updatedPatients = counts.updatedPatients;
    result.unchanged = counts.unchanged;
  };

  if (blocked || rowsValid === 0) {
    await db.$transaction((tx) => record(tx, blocked ? "failed" : "completed", null));
    return result;
  }

  const ctx: WriteContext = {
    clinicId,
    jobId,
    enteredById: actorId(actor),
    validation,
    now,
    batchSize: options.batchSize ?? IMPORT_ROWS_PER_BATCH,
    reevaluate: !dryRun,
    onProgress: options.onProgress,
  };

  await runImportWrite(db, {
    dryRun,
    transaction: IMPORT_TRANSACTION,
    write: (tx) => writeImport(tx, ctx),
    apply,
    record,
    onFailure: () => {
      result.created = { patients: 0, observations: 0, medications: 0 };
      result.updatedPatients = 0;
      result.unchanged = 0;
    },
  });
  return result;
}
