import { AWGS2019_LABELS, AWGS2025_LABELS, B12_STATUS_LABELS, EWGSOP2_LABELS, FLAG_LABELS, TIER_LABELS } from "./labels";
import { MEDICINE_CLASSES, type MedicineClass } from "./medicine-catalogue";
import { RANGE_SHOWN_BELOW_WIDTH, readerRanges, SMALL_CELL_THRESHOLD, SUPPRESSION_MARK, suppressSmallCells, type AdditiveRelation, type ReaderRange, type Suppression } from "./suppression";
import { AWGS2025_CATEGORIES, FLAG_CODES, TIER_RANK, type Awgs2019Category, type Awgs2025Category, type AwgsEdition, type B12Status, type Ewgsop2Category, type FlagCode, type Sex, type Tier } from "./types";

/**
 * The clinic summary as tables of counts (tiers, categories, prevalence by age band and sex, open
 * flags, B12 status by B12-lowering medicine), built from the aggregates the data layer counts in
 * the database, and published either exactly or with small cells suppressed (./suppression.ts).
 * The screen, the printable report and the summary CSV all render the one published model, so an
 * analyst sees the same "<5" everywhere.
 */

/** Ten-year bands; 90 and over are one band (ages above 89 are identifying, HIPAA §164.514(b)(2)(i)(C)). */
export const AGE_BANDS = [
  { key: "under-60", label: "Under 60", min: 0 },
  { key: "60-69", label: "60–69", min: 60 },
  { key: "70-79", label: "70–79", min: 70 },
  { key: "80-89", label: "80–89", min: 80 },
  { key: "90+", label: "90 and over", min: 90 },
] as const;
export type AgeBandKey = (typeof AGE_BANDS)[number]["key"];

export function ageBandOf(ageYears: number): AgeBandKey {
  let key: AgeBandKey = AGE_BANDS[0].key;
  for (const band of AGE_BANDS) if (ageYears >= band.min) key = band.key;
  return key;
}

export const SEXES = ["female", "male", "unknown"] as const satisfies readonly Sex[];
export const SEX_LABELS: Record<Sex, string> = { female: "Female", male: "Male", unknown: "Unknown" };

const TIERS = Object.keys(TIER_RANK) as Tier[];
const EWGSOP2: Ewgsop2Category[] = ["none", "probable", "confirmed", "severe", "insufficient_data"];
const AWGS2019: Awgs2019Category[] = ["none", "possible", "sarcopenia", "severe", "insufficient_data"];
const B12_STATUSES: B12Status[] = ["deficient", "indeterminate", "adequate", "not_tested"];

/** The B12-lowering classes of the medicine catalogue (docs/clinical-reference.md#medicines), in catalogue order. */
export const B12_LOWERING_CLASSES = (Object.keys(MEDICINE_CLASSES) as MedicineClass[]).filter((c) => MEDICINE_CLASSES[c].roles.b12Lowering);

/**
 * "Any sarcopenia finding" (docs/design.md#categories): EWGSOP2 probable or worse, or the category
 * of the AWGS edition in force possible or worse (AWGS 2025 "at risk" is not a finding), as the
 * engine reads it for tiers and flags (lib/domain/findings.ts).
 */
export const EWGSOP2_FINDINGS: readonly Ewgsop2Category[] = ["probable", "confirmed", "severe"];
export const AWGS2019_FINDINGS: readonly Awgs2019Category[] = ["possible", "sarcopenia", "severe"];
export const AWGS2025_FINDINGS: readonly Awgs2025Category[] = ["possible", "sarcopenia"];

/** Whether stored categories make "any sarcopenia finding" under the AWGS edition in force. */
export function isSarcopeniaFinding(g: { ewgsop2: string | null; awgs2019: string | null; awgs2025?: string | null }, edition: AwgsEdition): boolean {
  const awgs: readonly (string | null | undefined)[] = edition === 2025 ? AWGS2025_FINDINGS : AWGS2019_FINDINGS;
  return (EWGSOP2_FINDINGS as readonly (string | null)[]).includes(g.ewgsop2) || awgs.includes(edition === 2025 ? g.awgs2025 : g.awgs2019);
}

/** The words for "any sarcopenia finding" under an edition, for captions. */
function findingWords(edition: AwgsEdition): string {
  return edition === 2025
    ? "EWGSOP2 probable or worse, or AWGS 2025 possible sarcopenia or sarcopenia: the edition in force"
    : "EWGSOP2 probable or worse, or AWGS 2019 possible or worse: the edition in force";
}

/** What the data layer counts; every number is a count of patients (flags: of open flags). */
export interface ClinicAggregates {
  patients: number;
  /** The AWGS edition whose categories "any sarcopenia finding" counts (the clinic's setting); 2019 when absent. */
  awgsEdition?: AwgsEdition;
  /** Patients per combination of stored categories (patients never evaluated are not here). */
  /** `awgs2025` null or absent: a snapshot written before AWGS 2025 was stored. */
  snapshots: { tier: string; ewgsop2: string; awgs2019: string; awgs2025?: string | null; b12Status: string; count: number }[];
  /** Per age band and sex: all patients, those in the high tier, those with any sarcopenia finding. */
  demographics: { band: AgeBandKey; sex: string; patients: number; high: number; sarcopenia: number }[];
  /** Open flags per code: not yet due or due today onwards, and past their due date. */
  flags: { code: string; due: number; overdue: number }[];
  /** Patients per stored medicine-class list (";metformin;ppi;") and B12 status (null: never evaluated). */
  b12ByMedicines: { medicationClasses: string; b12Status: string | null; count: number }[];
}

/** Patients per sex, age band and stored categories (null: never evaluated), as the database counts them. */
export interface PatientGroup {
  sex: string;
  band: AgeBandKey;
  tier: string | null;
  ewgsop2: string | null;
  awgs2019: string | null;
  /** Null for a snapshot written before AWGS 2025 was stored (counted as not yet evaluated by it). */
  awgs2025?: string | null;
  b12Status: string | null;
  count: number;
}

/**
 * The aggregates from patient groups, medicine-class groups and open-flag counts; "any sarcopenia
 * finding" under the AWGS edition in force (default 2019, the clinic setting's default).
 */
export function summariseGroups(
  groups: readonly PatientGroup[],
  b12ByMedicines: ClinicAggregates["b12ByMedicines"],
  flags: ClinicAggregates["flags"],
  awgsEdition: AwgsEdition = 2019,
): ClinicAggregates {
  const snapshots = new Map<string, ClinicAggregates["snapshots"][number]>();
  const demographics = new Map<string, ClinicAggregates["demographics"][number]>();
  let patients = 0;
  for (const g of groups) {
    patients += g.count;
    const d = demographics.get(`${g.band}|${g.sex}`) ?? { band: g.band, sex: g.sex, patients: 0, high: 0, sarcopenia: 0 };
    d.patients += g.count;
    if (g.tier === "high") d.high += g.count;
    if (isSarcopeniaFinding(g, awgsEdition)) d.sarcopenia += g.count;
    demographics.set(`${g.band}|${g.sex}`, d);
    if (g.tier === null || g.ewgsop2 === null || g.awgs2019 === null || g.b12Status === null) continue;
    const awgs2025 = g.awgs2025 ?? null;
    const key = [g.tier, g.ewgsop2, g.awgs2019, awgs2025, g.b12Status].join("|");
    const s = snapshots.get(key) ?? { tier: g.tier, ewgsop2: g.ewgsop2, awgs2019: g.awgs2019, awgs2025, b12Status: g.b12Status, count: 0 };
    s.count += g.count;
    snapshots.set(key, s);
  }
  return { patients, awgsEdition, snapshots: [...snapshots.values()], demographics: [...demographics.values()], flags: [...flags], b12ByMedicines: [...b12ByMedicines] };
}

export interface SummaryCell {
  id: string;
  count: number;
  /** The id of the cell this one is a percentage of. */
  of?: string;
}

export interface SummaryColumn {
  key: string;
  label: string;
}

export interface SummaryRow {
  key: string;
  label: string;
  /** A second row heading (the sex within an age band). */
  subkey?: string;
  sublabel?: string;
  isTotal?: boolean;
  cells: Record<string, SummaryCell>;
}

export type SummaryTableId = "tier" | "ewgsop2" | "awgs2019" | "awgs2025" | "b12_status" | "prevalence" | "flags" | "b12_by_medicine";

export interface SummaryTable {
  id: SummaryTableId;
  title: string;
  caption: string;
  rowHeading: string;
  sublabelHeading?: string;
  columns: SummaryColumn[];
  rows: SummaryRow[];
}

export interface SummaryModel {
  total: SummaryCell;
  tables: SummaryTable[];
  relations: AdditiveRelation[];
}

const TOTAL_ID = "patients";
const NOT_EVALUATED = "not_evaluated";

function distribution<K extends string>(
  id: SummaryTableId,
  title: string,
  caption: string,
  keys: readonly K[],
  labels: Record<K, string>,
  counts: Map<string, number>,
  total: number,
): { table: SummaryTable; relation: AdditiveRelation } {
  const evaluated = [...counts.values()].reduce((a, b) => a + b, 0);
  const rows: SummaryRow[] = keys.map((key) => ({
    key,
    label: labels[key],
    cells: { patients: { id: `${id}.${key}`, count: counts.get(key) ?? 0, of: TOTAL_ID } },
  }));
  if (total - evaluated > 0) {
    rows.push({ key: NOT_EVALUATED, label: "Not yet evaluated", cells: { patients: { id: `${id}.${NOT_EVALUATED}`, count: total - evaluated, of: TOTAL_ID } } });
  }
  rows.push({ key: "all", label: "All patients", isTotal: true, cells: { patients: { id: TOTAL_ID, count: total } } });
  return {
    table: { id, title, caption, rowHeading: "Group", columns: [{ key: "patients", label: "Patients" }], rows },
    relation: { total: TOTAL_ID, members: rows.filter((r) => !r.isTotal).map((r) => r.cells.patients!.id) },
  };
}

function countBy(aggregates: ClinicAggregates, field: "tier" | "ewgsop2" | "awgs2019" | "awgs2025" | "b12Status"): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of aggregates.snapshots) {
    const value = row[field];
    if (value !== null && value !== undefined) counts.set(value, (counts.get(value) ?? 0) + row.count);
  }
  return counts;
}

const PREVALENCE_MEASURES = ["patients", "high", "sarcopenia"] as const;
type PrevalenceMeasure = (typeof PREVALENCE_MEASURES)[number];

function prevalence(aggregates: ClinicAggregates): { table: SummaryTable; relations: AdditiveRelation[] } {
  const bands = [...AGE_BANDS.map((b) => ({ key: b.key as string, label: b.label })), { key: "all", label: "All ages" }];
  const sexes = [...SEXES.map((s) => ({ key: s as string, label: SEX_LABELS[s] })), { key: "all", label: "All" }];
  const value = (band: string, sex: string, measure: PrevalenceMeasure): number =>
    aggregates.demographics
      .filter((d) => (band === "all" || d.band === band) && (sex === "all" || d.sex === sex))
      .reduce((sum, d) => sum + d[measure], 0);
  const cellId = (measure: PrevalenceMeasure, band: string, sex: string) => `prevalence.${measure}.${band}.${sex}`;
  const rows: SummaryRow[] = bands.flatMap((band) =>
    sexes.map((sex) => ({
      key: band.key,
      label: band.label,
      subkey: sex.key,
      sublabel: sex.label,
      isTotal: band.key === "all" || sex.key === "all",
      cells: Object.fromEntries(
        PREVALENCE_MEASURES.map((measure) => [
          measure,
          { id: cellId(measure, band.key, sex.key), count: value(band.key, sex.key, measure), ...(measure === "patients" ? {} : { of: cellId("patients", band.key, sex.key) }) },
        ]),
      ),
    })),
  );
  const relations: AdditiveRelation[] = PREVALENCE_MEASURES.flatMap((measure) => [
    ...bands.map((band) => ({ total: cellId(measure, band.key, "all"), members: SEXES.map((sex) => cellId(measure, band.key, sex)) })),
    ...sexes.map((sex) => ({ total: cellId(measure, "all", sex.key), members: AGE_BANDS.map((band) => cellId(measure, band.key, sex.key)) })),
  ]);
  // The grand totals are also published elsewhere: all patients, and the high tier's count.
  relations.push({ total: TOTAL_ID, members: [cellId("patients", "all", "all")] });
  relations.push({ total: "tier.high", members: [cellId("high", "all", "all")] });
  return {
    table: {
      id: "prevalence",
      title: "Prevalence by age band and sex",
      caption: `Patients in each age band and sex, and how many of them are in the high tier or have any sarcopenia finding (${findingWords(aggregates.awgsEdition ?? 2019)}); percentages are of the patients in that group.`,
      rowHeading: "Age band",
      sublabelHeading: "Sex",
      columns: [
        { key: "patients", label: "Patients" },
        { key: "high", label: "High tier" },
        { key: "sarcopenia", label: "Any sarcopenia finding" },
      ],
      rows,
    },
    relations,
  };
}

function flags(aggregates: ClinicAggregates): { table: SummaryTable; relations: AdditiveRelation[] } {
  const byCode = new Map(aggregates.flags.map((f) => [f.code, f]));
  const rows: SummaryRow[] = (FLAG_CODES as readonly FlagCode[]).map((code) => {
    const due = byCode.get(code)?.due ?? 0;
    const overdue = byCode.get(code)?.overdue ?? 0;
    return {
      key: code,
      label: FLAG_LABELS[code],
      cells: {
        due: { id: `flags.${code}.due`, count: due, of: `flags.${code}.open` },
        overdue: { id: `flags.${code}.overdue`, count: overdue, of: `flags.${code}.open` },
        open: { id: `flags.${code}.open`, count: due + overdue },
      },
    };
  });
  return {
    table: {
      id: "flags",
      title: "Open flags: due and overdue",
      caption: "Open flags by kind: due (due today or later, ordered and awaiting the result, or postponed) and overdue (due day, awaiting window or postponement passed); percentages are of that kind's open flags.",
      rowHeading: "Flag",
      columns: [
        { key: "due", label: "Due" },
        { key: "overdue", label: "Overdue" },
        { key: "open", label: "Open" },
      ],
      rows,
    },
    relations: rows.map((row) => ({ total: row.cells.open!.id, members: [row.cells.due!.id, row.cells.overdue!.id] })),
  };
}

/**
 * The medicine table's links to the B12-status table: in each status column (and over all
 * patients), the patients on none of the B12-lowering classes plus those on at least one. A
 * patient on two classes is in two class rows, so the class rows count that second group only as
 * a union (lib/domain/suppression.ts). "Not yet evaluated" is a B12-status row only when some
 * patients are; with none, every cell of that column is 0 and there is nothing to link.
 */
function b12ByMedicineLinks(medicines: SummaryTable, b12Status: SummaryTable): AdditiveRelation[] {
  const b12StatusIds = new Map(b12Status.rows.map((row) => [row.key, row.cells.patients!.id]));
  const none = medicines.rows.find((row) => row.key === "none")!;
  const classes = medicines.rows.filter((row) => row !== none);
  return medicines.columns.flatMap(({ key }) => {
    const total = b12StatusIds.get(key);
    return total === undefined ? [] : [{ total, members: [none.cells[key]!.id], overlapping: classes.map((row) => row.cells[key]!.id) }];
  });
}

function b12ByMedicine(aggregates: ClinicAggregates): { table: SummaryTable; relations: AdditiveRelation[] } {
  const statuses = [...B12_STATUSES, NOT_EVALUATED] as const;
  const groups = [...B12_LOWERING_CLASSES, "none"] as const;
  const counts = new Map<string, number>();
  for (const row of aggregates.b12ByMedicines) {
    const classes = row.medicationClasses.split(";").filter(Boolean);
    const lowering = B12_LOWERING_CLASSES.filter((c) => classes.includes(c));
    const status = row.b12Status ?? NOT_EVALUATED;
    for (const group of lowering.length > 0 ? lowering : ["none"]) counts.set(`${group}.${status}`, (counts.get(`${group}.${status}`) ?? 0) + row.count);
  }
  const rows: SummaryRow[] = groups.map((group) => {
    const totalId = `b12_by_medicine.${group}.all`;
    const cells: Record<string, SummaryCell> = {};
    for (const status of statuses) cells[status] = { id: `b12_by_medicine.${group}.${status}`, count: counts.get(`${group}.${status}`) ?? 0, of: totalId };
    cells.all = { id: totalId, count: statuses.reduce((sum, s) => sum + cells[s]!.count, 0) };
    return { key: group, label: group === "none" ? "None of these" : MEDICINE_CLASSES[group].label, cells };
  });
  return {
    table: {
      id: "b12_by_medicine",
      title: "B12 status by B12-lowering medicine",
      caption: "Stored B12 status of patients currently taking each B12-lowering medicine class (a patient on two classes counts in both rows); percentages are of the patients on that medicine.",
      rowHeading: "Medicine",
      columns: [
        ...B12_STATUSES.map((s) => ({ key: s, label: s === "adequate" ? "Adequate (normal)" : s === "deficient" ? "Deficient (low)" : B12_STATUS_LABELS[s] })),
        { key: NOT_EVALUATED, label: "Not yet evaluated" },
        { key: "all", label: "Patients" },
      ],
      rows,
    },
    relations: rows.map((row) => ({ total: row.cells.all!.id, members: statuses.map((s) => row.cells[s]!.id) })),
  };
}

/** The summary's tables and the additive relations between their cells. */
export function buildSummaryModel(aggregates: ClinicAggregates): SummaryModel {
  const total = aggregates.patients;
  const tier = distribution("tier", "Risk tier", "Patients by risk tier (stored evaluation).", TIERS, TIER_LABELS, countBy(aggregates, "tier"), total);
  const ewgsop2 = distribution("ewgsop2", "EWGSOP2", "Patients by EWGSOP2 category (Cruz-Jentoft et al., Age Ageing 2019).", EWGSOP2, EWGSOP2_LABELS, countBy(aggregates, "ewgsop2"), total);
  const awgs2019 = distribution("awgs2019", "AWGS 2019", "Patients by AWGS 2019 category (Chen et al., J Am Med Dir Assoc 2020).", AWGS2019, AWGS2019_LABELS, countBy(aggregates, "awgs2019"), total);
  const awgs2025 = distribution("awgs2025", "AWGS 2025", "Patients by AWGS 2025 category (Chen et al., Nature Aging 2025).", AWGS2025_CATEGORIES, AWGS2025_LABELS, countBy(aggregates, "awgs2025"), total);
  const b12 = distribution("b12_status", "B12 status", "Patients by B12 status from laboratory values alone.", B12_STATUSES, B12_STATUS_LABELS, countBy(aggregates, "b12Status"), total);
  const prev = prevalence(aggregates);
  const flagTable = flags(aggregates);
  const medicines = b12ByMedicine(aggregates);
  return {
    total: { id: TOTAL_ID, count: total },
    tables: [tier.table, ewgsop2.table, awgs2019.table, awgs2025.table, b12.table, prev.table, flagTable.table, medicines.table],
    relations: [
      tier.relation,
      ewgsop2.relation,
      awgs2019.relation,
      awgs2025.relation,
      b12.relation,
      ...prev.relations,
      ...flagTable.relations,
      ...medicines.relations,
      ...b12ByMedicineLinks(medicines.table, b12.table),
    ],
  };
}

/** One cell as published: the exact count, or null with the mark that replaces it. */
export interface PublishedCell {
  count: number | null;
  suppression: Suppression | null;
  /** Percent (0–100) of the cell named by `of`; null when there is no base, it is zero, or either count is withheld. */
  percent: number | null;
  /** A withheld count: the counts the published numbers allow (`hi` infinite when nothing bounds it). */
  range: ReaderRange | null;
  /** A percentage withheld with its count or its base: the percentages the published numbers allow (0–100). */
  percentRange: ReaderRange | null;
  text: string;
  percentText: string;
}

export interface PublishedRow extends Omit<SummaryRow, "cells"> {
  cells: Record<string, PublishedCell>;
}

export interface PublishedTable extends Omit<SummaryTable, "rows"> {
  rows: PublishedRow[];
  /** Columns that carry a percentage beside the count. */
  percentColumns: string[];
}

export interface PublishedSummary {
  total: PublishedCell;
  tables: PublishedTable[];
  isSuppressed: boolean;
}

export function formatPercent(percent: number | null): string {
  return percent === null ? "" : `${percent.toFixed(1)} %`;
}

export const SUMMARY_CSV_COLUMNS = ["table", "group", "subgroup", "measure", "count", "percent"] as const;

/**
 * The published summary as long-format CSV rows (one per cell), header first. Withheld counts are
 * their marks ("<5", "*") and their percentages empty; percentages have one decimal.
 */
export function summaryCsvRows(summary: PublishedSummary): (string | number)[][] {
  const rows: (string | number)[][] = [[...SUMMARY_CSV_COLUMNS]];
  for (const table of summary.tables) {
    for (const row of table.rows) {
      for (const column of table.columns) {
        const cell = row.cells[column.key];
        if (!cell) continue;
        rows.push([table.id, row.key, row.subkey ?? "", column.key, cell.count ?? cell.text, cell.percent === null ? "" : cell.percent.toFixed(1)]);
      }
    }
  }
  return rows;
}

/**
 * The model as shown: exact counts, or (`suppress`) with small cells and their complements
 * withheld. Every count is looked up by cell id, so a cell shown twice is suppressed twice.
 */
export function publishSummary(model: SummaryModel, options: { suppress: boolean }): PublishedSummary {
  const counts = new Map<string, number>([[model.total.id, model.total.count]]);
  for (const table of model.tables) for (const row of table.rows) for (const cell of Object.values(row.cells)) counts.set(cell.id, cell.count);
  const marks = options.suppress ? suppressSmallCells(counts, model.relations) : new Map<string, Suppression>();
  const ranges = readerRanges(counts, marks, model.relations);
  /** What a reader knows of a count: exact, its range, or what its mark says. */
  const known = (id: string): ReaderRange => {
    const mark = marks.get(id);
    if (!mark) return { lo: counts.get(id)!, hi: counts.get(id)! };
    return ranges.get(id) ?? (mark === "small" ? { lo: 1, hi: SMALL_CELL_THRESHOLD - 1 } : { lo: SMALL_CELL_THRESHOLD, hi: Number.POSITIVE_INFINITY });
  };
  const publish = (cell: SummaryCell): PublishedCell => {
    const mark = marks.get(cell.id) ?? null;
    const base = cell.of === undefined ? undefined : counts.get(cell.of);
    const isBaseWithheld = cell.of !== undefined && marks.has(cell.of);
    const percent = mark || isBaseWithheld || !base ? null : (100 * cell.count) / base;
    const range = mark ? known(cell.id) : null;
    let percentRange: ReaderRange | null = null;
    if (percent === null && cell.of !== undefined && (mark || isBaseWithheld)) {
      // A part of its base: at most 100 %, and at least the smallest part of the largest base.
      const part = known(cell.id);
      const whole = known(cell.of);
      if (whole.hi > 0) percentRange = { lo: Number.isFinite(whole.hi) ? (100 * part.lo) / whole.hi : 0, hi: Math.min(100, (100 * part.hi) / Math.max(1, whole.lo)) };
    }
    const isRangeShown = mark === "complementary" && range !== null && Number.isFinite(range.hi) && range.hi - range.lo < RANGE_SHOWN_BELOW_WIDTH;
    return {
      count: mark ? null : cell.count,
      suppression: mark,
      percent,
      range,
      percentRange,
      text: !mark ? cell.count.toLocaleString("en") : isRangeShown ? `${range.lo.toLocaleString("en")}–${range.hi.toLocaleString("en")}` : SUPPRESSION_MARK[mark],
      percentText: formatPercent(percent),
    };
  };
  return {
    total: publish(model.total),
    isSuppressed: options.suppress,
    tables: model.tables.map((table) => ({
      ...table,
      percentColumns: table.columns.filter((c) => table.rows.some((r) => r.cells[c.key]?.of !== undefined)).map((c) => c.key),
      rows: table.rows.map((row) => ({ ...row, cells: Object.fromEntries(Object.entries(row.cells).map(([key, cell]) => [key, publish(cell)])) })),
    })),
  };
}
