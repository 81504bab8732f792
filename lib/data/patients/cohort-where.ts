import "server-only";
import { flagStateWhere } from "@/lib/data/flags/state-where";
import { DEFAULT_FLAG_LIFECYCLE, type FlagLifecycleSettings, type OpenFlagState } from "@/lib/domain/flag-lifecycle";
import type { Db } from "@/lib/data/db/client";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import type { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { resolveCutOff, type CutOffSide } from "@/lib/domain/cohort-cut-offs";
import { UNABLE_IS_RESULT } from "@/lib/domain/measures";
import type { MeasureKind } from "@/lib/domain/types";
import { addMonthsUtc, bornBeforeForAge } from "@/lib/domain/dates";
import { ownValue } from "@/lib/domain/own-keys";
import { isMeasureField, type CohortCriterion, type CohortMatch } from "@/lib/validation/cohort";
import type { PanelQuery } from "@/lib/validation/panel-query";

const CUT_OFF_GUIDELINE = { low_ewgsop2: "ewgsop2", low_awgs2019: "awgs2019" } as const;
const PRISMA_COMPARISON = { "<": "lt", "<=": "lte", ">": "gt", ">=": "gte" } as const;

/**
 * Attaches to each "low by the EWGSOP2/AWGS 2019 cut-off" criterion the cut-off of the clinic's
 * threshold set in force at `now` (lib/data/evaluation/thresholds.ts getActiveThresholds), so the `where`
 * below stays synchronous and the audit record says which values were applied. Reads the
 * database only when such a criterion is present.
 */
export async function resolveCohortCutOffs<Q extends PanelQuery>(db: Db, clinicId: string, query: Q, now: Date): Promise<Q> {
  if (!query.criteria.some((c) => c.op in CUT_OFF_GUIDELINE)) return query;
  const active = await getActiveThresholds(db, clinicId, now);
  const values = { ...active.values, version: active.version };
  const criteria = query.criteria.map((c) => {
    const guideline = CUT_OFF_GUIDELINE[c.op as keyof typeof CUT_OFF_GUIDELINE];
    return guideline && isMeasureField(c.field) ? { ...c, cutOff: resolveCutOff(guideline, c.field, values) } : c;
  });
  return { ...query, criteria };
}

function numberFilter(op: string, value: number): { lt?: number; lte?: number; gt?: number; gte?: number } {
  switch (op) {
    case "lt": return { lt: value };
    case "lte": return { lte: value };
    case "gt": return { gt: value };
    case "gte": return { gte: value };
  }
  throw new Error(`cohortWhere: "${op}" is not a numeric operator`);
}

/**
 * Age bounds as birth-date bounds relative to `now` on the UTC calendar, the same rule as the
 * panel's age filter and the ages shown: age ≥ a ⇔ born before bornBeforeForAge(a, now).
 */
function ageWhere(op: string, years: number, now: Date): Prisma.PatientWhereInput {
  switch (op) {
    case "gte": return { birthDate: { lt: bornBeforeForAge(years, now) } };
    case "gt": return { birthDate: { lt: bornBeforeForAge(years + 1, now) } };
    case "lte": return { birthDate: { gte: bornBeforeForAge(years + 1, now) } };
    case "lt": return { birthDate: { gte: bornBeforeForAge(years, now) } };
  }
  throw new Error(`cohortWhere: "${op}" is not an age operator`);
}

/** `column = value` or `column ≠ value`, where "≠" keeps rows whose nullable column is empty (SQL's `<>` would drop them). */
function choiceWhere(column: "sex" | "diet" | "attributedClinicianId", op: string, value: string | null): Prisma.PatientWhereInput {
  if (op === "is") return { [column]: value };
  if (value === null) return { [column]: { not: null } };
  if (column === "sex") return { sex: { not: value } };
  return { OR: [{ [column]: null }, { [column]: { not: value } }] };
}

/**
 * A measurement criterion over the stored results (Observation rows: `value` in the kind's
 * canonical unit, entered-in-error results left out, none after `now`). With `within`, only
 * results observed in the last N months count. "Low by a cut-off" compares with the resolved
 * cut-off (sex-specific ones per sex; unknown sex never matches those), and counts a test the
 * patient could not complete as low where the guideline does (EWGSOP2 Table 3, AWGS 2019:
 * chair stand and 400 m walk; lib/domain/measures.ts UNABLE_IS_RESULT).
 */
function measureWhere(kind: MeasureKind, c: CohortCriterion, now: Date): Prisma.PatientWhereInput {
  const observedAt: Prisma.DateTimeFilter = { lte: now };
  if (c.within !== undefined) observedAt.gte = addMonthsUtc(now, -c.within);
  const base: Prisma.ObservationWhereInput = { kind, status: "final", observedAt };
  switch (c.op) {
    case "recorded": return { observations: { some: base } };
    case "not_recorded": return { observations: { none: base } };
    case "low_ewgsop2":
    case "low_awgs2019": {
      const cutOff = c.cutOff;
      if (!cutOff) throw new Error("cohortWhere: resolve the cut-offs first (resolveCohortCutOffs)");
      const low = (side: CutOffSide): Prisma.PatientWhereInput => {
        const byValue: Prisma.ObservationWhereInput = { value: { [PRISMA_COMPARISON[side.comparison]]: side.value } };
        return { observations: { some: { ...base, ...(UNABLE_IS_RESULT[kind] ? { OR: [byValue, { isUnable: true }] } : byValue) } } };
      };
      if (!cutOff.sexSpecific) return low(cutOff.any);
      return { OR: [{ sex: "male", ...low(cutOff.male) }, { sex: "female", ...low(cutOff.female) }] };
    }
    default:
      return { observations: { some: { ...base, value: numberFilter(c.op, Number(c.value)) } } };
  }
}

/** The cohort builder's flag operators that are a state of an open flag. */
const FLAG_STATE_OPS = { overdue: "overdue", due: "due", due_soon: "due_soon", ordered: "ordered", postponed: "postponed" } as const satisfies Partial<Record<CohortCriterion["op"], OpenFlagState>>;

function criterionWhere(c: CohortCriterion, now: Date, lifecycle: Pick<FlagLifecycleSettings, "dueSoonDays">): Prisma.PatientWhereInput {
  const value = c.value ?? "";
  switch (c.field) {
    case "age": return ageWhere(c.op, Number(value), now);
    case "sex": return choiceWhere("sex", c.op, value);
    case "diet": return choiceWhere("diet", c.op, value === "not_recorded" ? null : value);
    case "clinician": return choiceWhere("attributedClinicianId", c.op, value);
    case "tier":
    case "ewgsop2":
    case "b12_status":
    case "awgs2019":
    case "awgs2025": {
      const column = { tier: "tier", ewgsop2: "ewgsop2", awgs2019: "awgs2019", awgs2025: "awgs2025", b12_status: "b12Status" }[c.field];
      const is: Prisma.PatientWhereInput = { snapshot: { is: { [column]: value } } };
      return c.op === "is" ? is : { NOT: is };
    }
    case "flag": {
      const open: Prisma.FlagWhereInput = { status: "open", code: value };
      if (c.op === "not_open") return { flags: { none: open } };
      // Not applicable: the engine stopped raising it because the patient is no longer eligible,
      // and it has not been raised again since (an open flag of the kind would be the current one).
      if (c.op === "not_applicable") return { flags: { some: { status: "not_applicable", code: value }, none: open } };
      // A state as the patient page says it (lib/domain/flag-lifecycle.ts flagState), on the same UTC days.
      const state: OpenFlagState | undefined = ownValue(FLAG_STATE_OPS, c.op);
      return { flags: { some: state ? { ...open, ...flagStateWhere(state, now, lifecycle) } : open } };
    }
    case "outreach": return { flags: { some: { status: "open", outreach: value } } };
    case "medicine": {
      // medicationClasses is ";"-delimited on both ends, so `;cls;` matches whole class names only.
      const taking: Prisma.PatientWhereInput = { medicationClasses: { contains: `;${value};` } };
      return c.op === "taking" ? taking : { NOT: taking };
    }
    case "condition": {
      const active: Prisma.PatientConditionWhereInput = { code: value, resolvedAt: null };
      return c.op === "has" ? { conditions: { some: active } } : { conditions: { none: active } };
    }
    case "assessed": {
      const since = c.within === undefined ? null : addMonthsUtc(now, -c.within);
      if (c.op === "recorded") return { lastAssessedAt: since ? { gte: since, lte: now } : { not: null } };
      return since ? { OR: [{ lastAssessedAt: null }, { lastAssessedAt: { lt: since } }] } : { lastAssessedAt: null };
    }
    default:
      return measureWhere(c.field, c, now);
  }
}

/**
 * The cohort builder's criteria as one Prisma filter: every row (`all`, AND) or at least one
 * (`any`, OR). Callers AND it with the clinic scope (lib/data/patients/panel.ts panelWhere) and
 * pass the clinic's lifecycle settings in force (the "due soon" window; the default without).
 */
export function cohortWhere(
  criteria: readonly CohortCriterion[],
  match: CohortMatch,
  now: Date,
  lifecycle: Pick<FlagLifecycleSettings, "dueSoonDays"> = DEFAULT_FLAG_LIFECYCLE,
): Prisma.PatientWhereInput {
  const parts = criteria.map((c) => criterionWhere(c, now, lifecycle));
  return match === "all" ? { AND: parts } : { OR: parts };
}
