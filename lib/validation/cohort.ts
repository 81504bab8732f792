import { z } from "zod";
import { cutOffGuidelinesFor, type CutOffGuideline, type ResolvedCutOff } from "@/lib/domain/cohort-cut-offs";
import { OUTREACH_LABELS } from "@/lib/domain/flag-lifecycle";
import { AWGS2019_LABELS, AWGS2025_LABELS, B12_STATUS_LABELS, EWGSOP2_LABELS, FLAG_LABELS, TIER_LABELS } from "@/lib/domain/labels";
import { MEASURE_LABELS } from "@/lib/domain/measures";
import { MEDICINE_CLASSES } from "@/lib/domain/medicine-catalogue";
import { MEASURE_KINDS, type MeasureKind } from "@/lib/domain/types";
import { CANONICAL_UNIT } from "@/lib/domain/units";
import { CONDITION_LABELS } from "./medication-form";
import { ownValue } from "@/lib/domain/own-keys";

/**
 * The cohort builder's criteria: rows of (field, operator, value, optional "within N months"),
 * combined with one top-level "match all" or "match any". In the URL each row is four readable
 * parameters, e.g. `?match=any&c1.field=grip_strength&c1.op=low_ewgsop2&c1.within=6`, so a plain
 * GET form submits them without client JavaScript and a bookmark reproduces the cohort.
 */

export const MEDICATION_CLASS_FILTERS = [
  "metformin", "ppi", "h2ra", "colchicine", "nitrous_oxide", "b12_replacement",
  "glucocorticoid", "statin", "antipsychotic", "antidepressant", "benzodiazepine", "z_drug", "opioid", "loop_diuretic", "antiepileptic",
] as const;

export const MAX_CRITERIA = 20;
/** Windows up to 20 years; a longer one is almost certainly a typo. */
export const MAX_WITHIN_MONTHS = 240;

export const COHORT_OPS = {
  is: "is",
  is_not: "is not",
  gte: "at least (≥)",
  lte: "at most (≤)",
  lt: "below (<)",
  gt: "above (>)",
  low_ewgsop2: "low by the EWGSOP2 cut-off",
  low_awgs2019: "low by the AWGS 2019 cut-off",
  recorded: "has a result",
  not_recorded: "has no result",
  open: "has it open",
  overdue: "has it open and overdue",
  due: "has it due today",
  due_soon: "has it due soon",
  ordered: "has it ordered, awaiting the result",
  postponed: "has it postponed",
  not_open: "does not have it open",
  not_applicable: "has it not applicable",
  taking: "currently takes",
  not_taking: "does not take",
  has: "has",
  has_not: "does not have",
} as const;
export type CohortOp = keyof typeof COHORT_OPS;

/** Operators that take no value; the rest need one. */
const VALUELESS_OPS: ReadonlySet<CohortOp> = new Set(["low_ewgsop2", "low_awgs2019", "recorded", "not_recorded"]);
export const opNeedsValue = (op: CohortOp): boolean => !VALUELESS_OPS.has(op);

export const CUT_OFF_OPS: Record<CutOffGuideline, CohortOp> = { ewgsop2: "low_ewgsop2", awgs2019: "low_awgs2019" };

export interface CohortFieldDef {
  label: string;
  ops: readonly CohortOp[];
  /** value → label, for fields whose value is one of a list (the clinician list is supplied by the page). */
  choices?: Readonly<Record<string, string>>;
  /** For numeric fields: the unit of the value (canonical units for measurements). */
  unit?: string;
  /** Integer values only (age). */
  integer?: boolean;
  /** Whether the row takes "within the last N months" (results and assessments). */
  windowed?: boolean;
}

const capitalised = (labels: Record<string, string>) =>
  Object.fromEntries(Object.entries(labels).map(([value, label]) => [value, label.charAt(0).toUpperCase() + label.slice(1)]));

function measureField(kind: MeasureKind): CohortFieldDef {
  const cutOffOps = cutOffGuidelinesFor(kind).map((guideline) => CUT_OFF_OPS[guideline]);
  return { label: MEASURE_LABELS[kind], ops: ["lt", "lte", "gt", "gte", ...cutOffOps, "recorded", "not_recorded"], unit: CANONICAL_UNIT[kind], windowed: true };
}

const CHOICE_OPS = ["is", "is_not"] as const;

export const COHORT_FIELDS = {
  age: { label: "Age", ops: ["gte", "lte", "lt", "gt"], unit: "years", integer: true },
  sex: { label: "Sex", ops: CHOICE_OPS, choices: { female: "Female", male: "Male", unknown: "Unknown" } },
  diet: { label: "Diet", ops: CHOICE_OPS, choices: { omnivore: "Omnivore", vegetarian: "Vegetarian", vegan: "Vegan", not_recorded: "Not recorded" } },
  tier: { label: "Tier", ops: CHOICE_OPS, choices: TIER_LABELS },
  ewgsop2: { label: "EWGSOP2 category", ops: CHOICE_OPS, choices: EWGSOP2_LABELS },
  awgs2019: { label: "AWGS 2019 category", ops: CHOICE_OPS, choices: AWGS2019_LABELS },
  awgs2025: { label: "AWGS 2025 category", ops: CHOICE_OPS, choices: AWGS2025_LABELS },
  b12_status: { label: "B12 status", ops: CHOICE_OPS, choices: B12_STATUS_LABELS },
  flag: { label: "Flag", ops: ["open", "overdue", "due", "due_soon", "ordered", "postponed", "not_open", "not_applicable"], choices: FLAG_LABELS },
  outreach: { label: "Outreach on an open flag", ops: ["is"], choices: OUTREACH_LABELS },
  medicine: {
    label: "Medicine class",
    ops: ["taking", "not_taking"],
    choices: Object.fromEntries(MEDICATION_CLASS_FILTERS.map((cls) => [cls, MEDICINE_CLASSES[cls].label])),
  },
  condition: { label: "Condition", ops: ["has", "has_not"], choices: capitalised(CONDITION_LABELS) },
  clinician: { label: "Attributed clinician", ops: CHOICE_OPS },
  assessed: { label: "Assessment", ops: ["recorded", "not_recorded"], windowed: true },
  ...(Object.fromEntries(MEASURE_KINDS.map((kind) => [kind, measureField(kind)])) as Record<MeasureKind, CohortFieldDef>),
} satisfies Record<string, CohortFieldDef>;

export type CohortField = keyof typeof COHORT_FIELDS;
export const COHORT_FIELD_NAMES = Object.keys(COHORT_FIELDS) as CohortField[];
export const isMeasureField = (field: CohortField): field is MeasureKind => (MEASURE_KINDS as readonly string[]).includes(field);

export const fieldDef = (field: CohortField): CohortFieldDef => COHORT_FIELDS[field];

/** A number as the URL carries it: finite, plain decimal, no exponent or leading zeros. */
const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;
/** Plausibility only (docs/code-style.md#principles, 3): clinical cut-offs come from the threshold set, not from here. */
const MAX_MEASURE_VALUE = 100_000;

function checkCriterion(row: { field: CohortField; op: CohortOp; value?: string; within?: number }, ctx: z.RefinementCtx): void {
  const def = fieldDef(row.field);
  if (!def.ops.includes(row.op)) {
    ctx.addIssue({ code: "custom", path: ["op"], message: `choose one of: ${def.ops.map((op) => COHORT_OPS[op]).join(", ")}.` });
    return;
  }
  if (row.within !== undefined && !def.windowed) ctx.addIssue({ code: "custom", path: ["within"], message: "a time window applies only to results and assessments; leave “within” empty." });
  if (!opNeedsValue(row.op)) {
    if (row.value !== undefined) ctx.addIssue({ code: "custom", path: ["value"], message: `“${COHORT_OPS[row.op]}” takes no value; leave it empty.` });
    return;
  }
  const value = row.value;
  if (value === undefined) {
    ctx.addIssue({ code: "custom", path: ["value"], message: def.unit ? `enter a number in ${def.unit}.` : "choose a value." });
    return;
  }
  if (def.unit) {
    const number = Number(value);
    if (!NUMBER_TEXT.test(value) || !Number.isFinite(number)) ctx.addIssue({ code: "custom", path: ["value"], message: `“${value}” is not a number; enter a number in ${def.unit}.` });
    else if (def.integer && (!Number.isInteger(number) || number < 0 || number > 130)) ctx.addIssue({ code: "custom", path: ["value"], message: "enter whole years from 0 to 130." });
    else if (number < 0 || number > MAX_MEASURE_VALUE) ctx.addIssue({ code: "custom", path: ["value"], message: `enter a number from 0 to ${MAX_MEASURE_VALUE} ${def.unit}.` });
  } else if (def.choices && !Object.hasOwn(def.choices, value)) {
    ctx.addIssue({ code: "custom", path: ["value"], message: `“${value}” is not one of: ${Object.values(def.choices).join(", ")}.` });
  } else if (value.length > 64) {
    ctx.addIssue({ code: "custom", path: ["value"], message: "the value is too long." });
  }
}

/** One criterion row, validated; `cutOff` is never read from a URL — the data layer resolves it (lib/data/patients/cohort-where.ts). */
export const cohortCriterionSchema = z
  .object({
    field: z.enum(COHORT_FIELD_NAMES as [CohortField, ...CohortField[]]),
    op: z.enum(Object.keys(COHORT_OPS) as [CohortOp, ...CohortOp[]]),
    value: z.string().trim().min(1).max(100).optional(),
    within: z.number().int().min(1).max(MAX_WITHIN_MONTHS).optional(),
    cutOff: z.custom<ResolvedCutOff>().optional(),
  })
  .superRefine(checkCriterion);

export type CohortCriterion = z.infer<typeof cohortCriterionSchema>;
export const COHORT_MATCHES = ["all", "any"] as const;
export type CohortMatch = (typeof COHORT_MATCHES)[number];

/** A problem with one row, as a sentence that names the row and says what to fix. */
export interface CohortIssue {
  row: number;
  message: string;
}

/** The rows as typed in the form (or found in a URL): raw text, kept so the form can show them again. */
export interface CohortDraftRow {
  field: string;
  op: string;
  value: string;
  within: string;
}

const ROW_KEY = /^c(\d{1,3})\.(field|op|value|within)$/;

/** The criteria rows in URL params, in row-number order; rows with no field (the form's blank row) are left out. */
export function readCohortRows(params: Record<string, string | string[] | undefined>): CohortDraftRow[] {
  const rows = new Map<number, CohortDraftRow>();
  for (const [key, raw] of Object.entries(params)) {
    const match = ROW_KEY.exec(key);
    if (!match) continue;
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? "";
    const n = Number(match[1]);
    const row = rows.get(n) ?? { field: "", op: "", value: "", within: "" };
    row[match[2] as keyof CohortDraftRow] = value;
    rows.set(n, row);
  }
  return [...rows.entries()].sort(([a], [b]) => a - b).map(([, row]) => row).filter((row) => row.field !== "");
}

/**
 * The params without criteria row `n` (1-based, counting rows that have a field, as
 * readCohortRows and the form do) and without the `remove` button's own field.
 */
export function withoutCohortRow(params: Record<string, string | string[] | undefined>, n: number): Record<string, string | string[] | undefined> {
  const rowNumbers = Object.entries(params)
    .map(([key, value]) => ({ match: ROW_KEY.exec(key), value: Array.isArray(value) ? value[0] : value }))
    .filter(({ match, value }) => match?.[2] === "field" && (value ?? "").trim() !== "")
    .map(({ match }) => Number(match![1]))
    .sort((a, b) => a - b);
  const dropped = rowNumbers[n - 1];
  return Object.fromEntries(Object.entries(params).filter(([key]) => key !== "remove" && Number(ROW_KEY.exec(key)?.[1]) !== dropped));
}

/**
 * URL rows → valid criteria plus one explained issue per bad row (a row is either valid or
 * reported, never silently dropped or guessed). Numbers are kept in canonical text ("06" → "6").
 */
export function parseCohortRows(rows: readonly CohortDraftRow[]): { criteria: CohortCriterion[]; issues: CohortIssue[] } {
  const criteria: CohortCriterion[] = [];
  const issues: CohortIssue[] = [];
  if (rows.length > MAX_CRITERIA) issues.push({ row: MAX_CRITERIA + 1, message: `A cohort takes at most ${MAX_CRITERIA} criteria; remove ${rows.length - MAX_CRITERIA}.` });
  rows.slice(0, MAX_CRITERIA).forEach((row, index) => {
    const n = index + 1;
    const known = (COHORT_FIELD_NAMES as string[]).includes(row.field);
    const label = known ? fieldDef(row.field as CohortField).label : row.field;
    if (!known) {
      issues.push({ row: n, message: `Criterion ${n}: “${row.field}” is not a field the cohort builder knows.` });
      return;
    }
    if (row.op === "") {
      issues.push({ row: n, message: `Criterion ${n} (${label}): choose how to compare, then apply.` });
      return;
    }
    if (row.within !== "" && !/^\d{1,3}$/.test(row.within)) {
      issues.push({ row: n, message: `Criterion ${n} (${label}): “within” takes whole months from 1 to ${MAX_WITHIN_MONTHS}.` });
      return;
    }
    const def = fieldDef(row.field as CohortField);
    const canonicalValue = row.value !== "" && def.unit && NUMBER_TEXT.test(row.value) ? String(Number(row.value)) : row.value;
    const parsed = cohortCriterionSchema.safeParse({
      field: row.field,
      op: row.op,
      value: canonicalValue === "" ? undefined : canonicalValue,
      within: row.within === "" ? undefined : Number(row.within),
    });
    if (parsed.success) criteria.push(parsed.data);
    else {
      const issue = parsed.error.issues[0]!;
      const detail = issue.code === "custom" ? issue.message : issue.path[0] === "within" ? `“within” takes whole months from 1 to ${MAX_WITHIN_MONTHS}.` : issue.path[0] === "op" ? `“${row.op}” is not an operator the cohort builder knows.` : issue.message;
      issues.push({ row: n, message: `Criterion ${n} (${label}): ${detail}` });
    }
  });
  return { criteria, issues };
}

/** The criteria as URL params, numbered from 1 in order (the canonical form). */
export function cohortParams(criteria: readonly CohortCriterion[]): [string, string][] {
  return criteria.flatMap((c, index) => {
    const prefix = `c${index + 1}.`;
    const entries: [string, string][] = [[`${prefix}field`, c.field], [`${prefix}op`, c.op]];
    if (c.value !== undefined) entries.push([`${prefix}value`, c.value]);
    if (c.within !== undefined) entries.push([`${prefix}within`, String(c.within)]);
    return entries;
  });
}

/** "Grip strength low by the EWGSOP2 cut-off in the last 6 months" — the row in words. */
export function describeCriterion(c: CohortCriterion, clinicianNames: Readonly<Record<string, string>> = {}): string {
  const def = fieldDef(c.field);
  const value = c.value === undefined ? "" : ` ${def.unit ? `${c.value} ${def.unit}` : ((def.choices ? ownValue(def.choices, c.value) : undefined) ?? ownValue(clinicianNames, c.value) ?? c.value)}`;
  const window = c.within === undefined ? "" : ` in the last ${c.within} ${c.within === 1 ? "month" : "months"}`;
  return `${def.label} ${COHORT_OPS[c.op]}${value}${window}`;
}
