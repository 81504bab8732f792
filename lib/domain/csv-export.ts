import type { FlagState } from "./flag-lifecycle";
import { ageInYears, toIsoDate } from "./dates";
import { displayMeasure, type DisplayQuantity } from "./display-precision";
import { findMuscleMass } from "./muscle-mass";
import { ObservationWindow } from "./observations";
import { DEFAULT_THRESHOLDS, type ThresholdValues } from "./thresholds";
import type { Evaluation, FlagResult, MeasureKind, ObservationInput } from "./types";

/** The measure columns of {@link EXPORT_COLUMNS}, in that order. */
export const MEASURE_COLUMNS = [
  "grip_strength_kg",
  "gait_speed_m_s",
  "chair_stand_5x_s",
  "asm_kg",
  "asmi_kg_m2",
  "sarc_f_score",
  "b12_pmol_l",
  "mma_umol_l",
] as const;

/**
 * The cohort export (docs/design.md#cohort-export-csv): the contract columns first and in
 * this order, then the extra ones. Reports and downstream scripts read these names; add columns at
 * the end, never rename or reorder.
 */
export const EXPORT_COLUMNS = [
  "mrn",
  "family_name",
  "given_name",
  "birth_date",
  "sex",
  "age",
  "tier",
  "ewgsop2",
  "awgs2019",
  "b12_status",
  "b12_on_treatment",
  "flags",
  ...MEASURE_COLUMNS,
  "last_assessed_on",
  "b12_lowering_medications",
  "evaluated_at",
  "rule_set_version",
  // Beyond the contract:
  "diet",
  "attributed_clinician",
  "next_due_on",
  "awgs2025",
  "flag_states",
] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];

export type CsvCell = string | number | null;

/** The parts of a stored evaluation the export prints; any full {@link Evaluation} is one. */
export interface CohortEvaluation {
  tier: Evaluation["tier"];
  ewgsop2: Pick<Evaluation["ewgsop2"], "category">;
  awgs2019: Pick<Evaluation["awgs2019"], "category">;
  /** Absent in snapshots written before AWGS 2025 was stored (the cell is then empty until a recompute). */
  awgs2025?: Pick<Evaluation["awgs2025"], "category">;
  b12: Pick<Evaluation["b12"], "status" | "onTreatment">;
  flags: readonly Pick<FlagResult, "code" | "dueAt">[];
  medicines: Pick<Evaluation["medicines"], "b12Lowering">;
  evaluatedAt: Evaluation["evaluatedAt"];
  ruleSetVersion: Evaluation["ruleSetVersion"];
  /**
   * The measure cells as of `evaluatedAt` ({@link measureCells}); absent in snapshots written
   * before they were stored, and in a full {@link Evaluation}.
   */
  measures?: MeasureCells;
  /**
   * When the stored `measures` may stop being current: the earliest `observedAt` of a final result
   * of an {@link EXPORT_MEASURE_KINDS} kind later than `evaluatedAt`, null when there is none.
   * Every write of an observation re-evaluates its patient, so until this instant no result can
   * change the cells. ISO string; absent where `measures` is.
   */
  measuresUntil?: string | null;
}

/** What the exporter knows about one patient; plain values, no database rows. */
export interface ExportPatient {
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: string;
  diet: string | null;
  attributedClinician: string | null;
  lastAssessedAt: Date | null;
  /** The stored evaluation (or its exported parts); null when the patient was never evaluated. */
  evaluation: CohortEvaluation | null;
  /** The patient's final observations (entered-in-error ones already left out); any order. */
  observations: readonly ObservationInput[];
  /** The patient's open flags with their state at the export time (lib/domain/flag-lifecycle.ts); none when absent. */
  openFlagStates?: readonly { code: string; state: FlagState }[];
}

/**
 * The measure columns show the latest result on or before `now` whatever its age, so an old
 * value is visible next to `last_assessed_on` rather than silently blank; the engine's 12-month
 * look-back decides the categories, not these columns. 100 years covers every result.
 */
const ALL_TIME_MONTHS = 1200;

/** Kinds the export reads; the data layer loads only these. */
export const EXPORT_MEASURE_KINDS: readonly MeasureKind[] = [
  "grip_strength",
  "gait_speed",
  "chair_stand_5x",
  "asm",
  "height",
  "sarc_f",
  "b12_total",
  "mma",
];

export type MeasureColumn = (typeof MEASURE_COLUMNS)[number];

/** The measure cells of one export row: a number, "unable" (chair stand only) or empty. */
export type MeasureCells = Record<MeasureColumn, number | "unable" | null>;

function latestValue(window: ObservationWindow, kind: MeasureKind & DisplayQuantity, digits: number, t: ThresholdValues): number | null {
  const value = window.latest(kind)?.value;
  return value === null || value === undefined ? null : displayMeasure(kind, value, digits, t);
}

/**
 * The measure cells as of `asOf`: the latest result of each kind on or before it, whatever its
 * age, in the canonical units the column names state (grip in kg even when measured in lb; B12 in
 * pmol/L even when the lab reported pg/mL), rounded to the precision they are measured to — with
 * more decimals where that rounding would put the printed value on the other side of a cut-off of
 * `thresholds` than the value itself (display-precision.ts: 26.99 kg stays "26.99", not "27",
 * beside "probable"). ASMI needs a height (the one at or before the scan, else the latest).
 * `observations` are a patient's final ones in the engine's order (observedAt, then entry): of two
 * results at the same instant the one listed last wins. Computed at evaluation time (stored in the
 * snapshot) and, where that copy may be stale, at export time — one definition for both.
 * `thresholds` should be the set that produced the labels beside the cells; it defaults to the
 * reference defaults.
 */
export function measureCells(observations: readonly ObservationInput[], asOf: Date, thresholds: ThresholdValues = DEFAULT_THRESHOLDS): MeasureCells {
  const t = thresholds;
  const window = new ObservationWindow(observations, asOf, ALL_TIME_MONTHS);
  const chair = window.latest("chair_stand_5x");
  const mass = findMuscleMass(window);
  return {
    grip_strength_kg: latestValue(window, "grip_strength", 1, t),
    gait_speed_m_s: latestValue(window, "gait_speed", 2, t),
    chair_stand_5x_s: chair === null ? null : chair.isUnable ? "unable" : chair.value === null ? null : displayMeasure("chair_stand_5x", chair.value, 1, t),
    asm_kg: mass ? displayMeasure("asm", mass.asmKg, 1, t) : null,
    asmi_kg_m2: mass?.asmiKgM2 == null ? null : displayMeasure("asmi", mass.asmiKgM2, 2, t),
    sarc_f_score: latestValue(window, "sarc_f", 0, t),
    b12_pmol_l: latestValue(window, "b12_total", 1, t),
    mma_umol_l: latestValue(window, "mma", 2, t),
  };
}

const EXPORT_KIND_SET: ReadonlySet<MeasureKind> = new Set(EXPORT_MEASURE_KINDS);

/**
 * The earliest `observedAt` after `after` among `observations` of an {@link EXPORT_MEASURE_KINDS}
 * kind, as an ISO string; null when there is none. Counts every such observation (also one
 * without a usable value): a stale-cell check may be early, never late.
 */
export function measuresUntil(observations: readonly ObservationInput[], after: Date): string | null {
  let earliest: number | null = null;
  for (const o of observations) {
    const t = o.observedAt.getTime();
    if (t > after.getTime() && EXPORT_KIND_SET.has(o.kind) && (earliest === null || t < earliest)) earliest = t;
  }
  return earliest === null ? null : new Date(earliest).toISOString();
}

/**
 * The stored measure cells if they are the ones {@link measureCells} would give at `now`: stored,
 * `now` not before the evaluation, and no result of an export kind observed in (evaluatedAt, now].
 * Otherwise null: the caller computes them from the observations.
 */
export function storedMeasureCells(evaluation: CohortEvaluation | null, now: Date): MeasureCells | null {
  if (!evaluation?.measures || evaluation.measuresUntil === undefined) return null;
  const t = now.getTime();
  if (t < Date.parse(evaluation.evaluatedAt)) return null;
  if (evaluation.measuresUntil !== null && t >= Date.parse(evaluation.measuresUntil)) return null;
  return evaluation.measures;
}

/**
 * One export row in {@link EXPORT_COLUMNS} order, cells already neutralised, with the measure
 * cells as of `now` computed from the patient's observations ({@link measureCells}). `age` is in
 * completed years at `now`; evaluation columns are empty for a patient never evaluated.
 */
export function toCohortRow(patient: ExportPatient, now: Date): CsvCell[] {
  return cohortRow(patient, measureCells(patient.observations, now), now);
}

/** {@link toCohortRow} with the measure cells already known (stored or computed). */
export function cohortRow(patient: Omit<ExportPatient, "observations">, measures: MeasureCells, now: Date): CsvCell[] {
  const e = patient.evaluation;
  const dueDates = e ? e.flags.map((flag) => flag.dueAt).sort() : [];
  const cells: Record<ExportColumn, CsvCell> = {
    mrn: patient.mrn,
    family_name: patient.familyName,
    given_name: patient.givenName,
    birth_date: toIsoDate(patient.birthDate),
    sex: patient.sex,
    age: ageInYears(patient.birthDate, now),
    tier: e?.tier ?? null,
    ewgsop2: e?.ewgsop2.category ?? null,
    awgs2019: e?.awgs2019.category ?? null,
    b12_status: e?.b12.status ?? null,
    b12_on_treatment: e ? String(e.b12.onTreatment) : null,
    flags: e ? e.flags.map((flag) => flag.code).sort().join(";") : null,
    ...measures,
    last_assessed_on: patient.lastAssessedAt ? toIsoDate(patient.lastAssessedAt) : null,
    b12_lowering_medications: e ? [...e.medicines.b12Lowering].sort().join(";") : null,
    evaluated_at: e?.evaluatedAt ?? null,
    rule_set_version: e?.ruleSetVersion ?? null,
    diet: patient.diet,
    attributed_clinician: patient.attributedClinician,
    next_due_on: dueDates[0] ? dueDates[0].slice(0, 10) : null,
    awgs2025: e?.awgs2025?.category ?? null,
    flag_states: flagStatesCell(patient.openFlagStates ?? []),
  };
  return EXPORT_COLUMNS.map((column) => neutraliseCell(cells[column]));
}

/** `code:state` for each open flag, sorted by code, `;`-separated ("b12_test_due:ordered;reassessment_due:overdue"); empty for none. */
export function flagStatesCell(flags: readonly { code: string; state: FlagState }[]): string | null {
  if (flags.length === 0) return null;
  return [...flags].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)).map((f) => `${f.code}:${f.state}`).join(";");
}

const NEEDS_QUOTES = /[",\n\r]/;
const QUOTE = /"/g;

/**
 * One CSV record with its line end, byte for byte what csv-stringify's `stringify([cells])` writes
 * with its default options (tests/unit/csv-line.test.ts compares the two): empty for null, a
 * number as `String(n)`, a text cell quoted (quotes doubled) when it holds a quote, comma, line
 * feed or carriage return. Written out because the export writes millions of cells and the
 * library's per-cell option handling was a fifth of its CPU. Cells are neutralised by the caller.
 */
export function csvLine(cells: readonly CsvCell[]): string {
  let line = "";
  for (let i = 0; i < cells.length; i += 1) {
    const cell = cells[i];
    if (i > 0) line += ",";
    if (typeof cell === "number") line += String(cell);
    else if (typeof cell === "string") line += NEEDS_QUOTES.test(cell) ? `"${cell.replace(QUOTE, '""')}"` : cell;
  }
  return line + "\n";
}

/** A plain decimal such as "-12.5": a spreadsheet reads it as a number, not a formula. */
const PLAIN_NUMBER = /^-?(\d+(\.\d+)?|\.\d+)$/;
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Neutralises spreadsheet formula injection (OWASP "CSV injection"): a text cell that a
 * spreadsheet would run as a formula — one beginning with `=`, `+`, `-`, `@`, tab or carriage
 * return — gets a leading `'`, which spreadsheets show as text. Numbers stay numbers: a number, or
 * a string that is a plain negative decimal, is left untouched; "-1+1" is not plain and is
 * prefixed.
 */
export function neutraliseCell(value: CsvCell): CsvCell {
  if (typeof value !== "string") return value;
  if (!FORMULA_START.test(value) || PLAIN_NUMBER.test(value)) return value;
  return `'${value}`;
}
