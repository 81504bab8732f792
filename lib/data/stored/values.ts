import { z } from "zod";
import { OUTREACH_CHANNELS, OUTREACH_OUTCOMES } from "@/lib/domain/outreach";
import { ROLES } from "@/lib/data/access/roles";
import { MEASURE_COLUMNS, type CohortEvaluation } from "@/lib/domain/csv-export";
import { CLOSE_REASONS, FLAG_STAGES, FLAG_STATUSES, OUTREACH_STATUSES, type StoredFlagLife } from "@/lib/domain/flag-lifecycle";
import { FINDING_KINDS, type StoredFinding } from "@/lib/data/patients/record-rows";
import {
  AWGS2019_CATEGORIES, AWGS2025_CATEGORIES, B12_STATUSES, B12_SYMPTOM_CODES, YUBI_WAKKA_RESULTS, CONDITION_CODES, DIETS, EWGSOP2_CATEGORIES, FLAG_CODES, MASS_METHODS, MEASURE_KINDS, SEXES, TIERS,
  TIER_RANK, type Evaluation, type Reason, type Tier,
} from "@/lib/domain/types";
import { isCanonicalPanelUrl, panelQueryString, parsePanelParams } from "@/lib/validation/panel-query";
import { thresholdValuesSchema } from "@/lib/validation/thresholds";
import { storedEnum, storedJson, storedOptionalEnum, StoredValueError } from "./decode";

/**
 * The decoder of every stored column the data layer reads as more than text (decode.ts says
 * why). Each names its table and column, so an error names the row to correct. Enum columns are
 * checked with a set look-up (they are read by the hundred thousand in a recompute or an export);
 * JSON with zod.
 */

// Patient
export const decodeSex = storedEnum(SEXES, { table: "Patient", column: "sex" });
export const decodeDiet = storedOptionalEnum(DIETS, { table: "Patient", column: "diet" });

// Observation, PatientCondition
export const decodeMeasureKind = storedEnum(MEASURE_KINDS, { table: "Observation", column: "kind" });
export const decodeMassMethod = storedOptionalEnum(MASS_METHODS, { table: "Observation", column: "method" });
export const decodeConditionCode = storedEnum(CONDITION_CODES, { table: "PatientCondition", column: "code" });

// PatientFinding
const decodeFindingKind = storedEnum(FINDING_KINDS, { table: "PatientFinding", column: "kind" });
const decodeYubiWakka = storedEnum(YUBI_WAKKA_RESULTS, { table: "PatientFinding", column: "code" });
const decodeB12Symptom = storedEnum(B12_SYMPTOM_CODES, { table: "PatientFinding", column: "code" });

/** A stored finding: its kind, and its code checked against that kind's codes. */
export function decodeFinding(row: { id: string; kind: string; code: string; recordedAt: Date }): StoredFinding {
  const kind = decodeFindingKind(row.kind, row.id);
  return kind === "yubi_wakka"
    ? { kind, code: decodeYubiWakka(row.code, row.id), recordedAt: row.recordedAt }
    : { kind, code: decodeB12Symptom(row.code, row.id), recordedAt: row.recordedAt };
}

// RiskSnapshot
export const decodeTier = storedEnum(TIERS, { table: "RiskSnapshot", column: "tier" });
export const decodeEwgsop2 = storedEnum(EWGSOP2_CATEGORIES, { table: "RiskSnapshot", column: "ewgsop2" });
export const decodeAwgs2019 = storedEnum(AWGS2019_CATEGORIES, { table: "RiskSnapshot", column: "awgs2019" });
export const decodeAwgs2025 = storedOptionalEnum(AWGS2025_CATEGORIES, { table: "RiskSnapshot", column: "awgs2025" });
export const decodeB12Status = storedEnum(B12_STATUSES, { table: "RiskSnapshot", column: "b12Status" });

/** The tier of a stored rank (TIER_RANK), for counts grouped by rank over `rows` (no one row id). */
export function decodeTierRank(rank: number, rows: string): Tier {
  const tier = TIERS[rank];
  if (tier === undefined || TIER_RANK[tier] !== rank) throw new StoredValueError("RiskSnapshot", rows, "tierRank", `${rank} is not the rank of a tier (0–${TIERS.length - 1})`);
  return tier;
}

// Flag
export const decodeFlagCode = storedEnum(FLAG_CODES, { table: "Flag", column: "code" });
export const decodeFlagStatus = storedEnum(FLAG_STATUSES, { table: "Flag", column: "status" });
export const decodeFlagStage = storedEnum(FLAG_STAGES, { table: "Flag", column: "stage" });
/** The lifecycle fields of a stored flag, decoded (rows from before the lifecycle columns have no action day: their due date). */
export function decodeFlagLife(row: { id: string; status: string; stage: string; dueAt: Date; actionDueAt: Date | null; orderedAt: Date | null; postponedUntil: Date | null }): StoredFlagLife {
  return {
    status: decodeFlagStatus(row.status, row.id),
    stage: decodeFlagStage(row.stage, row.id),
    dueAt: row.dueAt,
    actionDueAt: row.actionDueAt ?? row.dueAt,
    orderedAt: row.orderedAt,
    postponedUntil: row.postponedUntil,
  };
}
export const decodeOutreach = storedEnum(OUTREACH_STATUSES, { table: "Flag", column: "outreach" });
export const decodeOutreachChannel = storedEnum(OUTREACH_CHANNELS, { table: "FlagOutreach", column: "channel" });
export const decodeOutreachOutcome = storedEnum(OUTREACH_OUTCOMES, { table: "FlagOutreach", column: "outcome" });
export const decodeCloseReason = storedOptionalEnum(CLOSE_REASONS, { table: "Flag", column: "closeReason" });

// User
export const decodeRole = storedEnum(ROLES, { table: "User", column: "role" });

const reasonSchema = z.object({
  code: z.string(),
  text: z.string(),
  inputs: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
  threshold: z.object({ key: z.string(), value: z.number(), unit: z.string(), comparison: z.enum(["<", "<=", ">", ">="]), source: z.string() }).optional(),
}) satisfies z.ZodType<Reason>;
const reasonsSchema = z.array(reasonSchema);

/** Flag.detailJson: the reasons behind a flag. */
export const decodeFlagReasons = storedJson(reasonsSchema, { table: "Flag", column: "detailJson" });

/** The parts of a stored evaluation the patient's page explains: the tier and why, each category with its reasons. */
export type StoredEvaluation = Pick<Evaluation, "ruleSetVersion" | "evaluatedAt" | "tier" | "tierReasons" | "ewgsop2" | "awgs2019" | "b12" | "sdoc" | "fnih"> & {
  caseFinding: Pick<Evaluation["caseFinding"], "positive" | "reasons">;
  riskFactors: Pick<Evaluation["riskFactors"], "reasons">;
  /** Absent in a snapshot written before the engine computed AWGS 2025 (until the clinic is re-evaluated). */
  awgs2025?: Evaluation["awgs2025"];
  awgsEditionInForce?: Evaluation["awgsEditionInForce"];
};

const category = <C extends string>(values: readonly [C, ...C[]]) => z.object({ category: z.enum(values), reasons: reasonsSchema });
const yesNoOrUnknown = z.boolean().nullable();

const storedEvaluationSchema = z.object({
  ruleSetVersion: z.number(),
  evaluatedAt: z.string(),
  tier: z.enum(TIERS),
  tierReasons: reasonsSchema,
  ewgsop2: category(EWGSOP2_CATEGORIES),
  awgs2019: category(AWGS2019_CATEGORIES),
  awgs2025: category(AWGS2025_CATEGORIES).extend({ outcomes: reasonsSchema }).optional(),
  awgsEditionInForce: z.union([z.literal(2019), z.literal(2025)]).optional(),
  b12: z.object({ status: z.enum(B12_STATUSES), onTreatment: z.boolean(), renalCaveat: z.boolean(), reasons: reasonsSchema }),
  sdoc: z.object({ weakness: yesNoOrUnknown, slowness: yesNoOrUnknown, sarcopenia: yesNoOrUnknown, reasons: reasonsSchema }),
  fnih: z.object({ weakness: yesNoOrUnknown, lowLeanMass: yesNoOrUnknown, reasons: reasonsSchema }),
  caseFinding: z.object({ positive: z.boolean(), reasons: reasonsSchema }),
  riskFactors: z.object({ reasons: reasonsSchema }),
}) satisfies z.ZodType<StoredEvaluation>;

/** RiskSnapshot.detailJson, as the patient's page reads it. */
export const decodeStoredEvaluation = storedJson(storedEvaluationSchema, { table: "RiskSnapshot", column: "detailJson" });

/** RiskSnapshot.detailJson, as the FHIR export reads it (the reasons for the tier). */
export const decodeTierReasons = storedJson(z.object({ tierReasons: reasonsSchema }), { table: "RiskSnapshot", column: "detailJson" });

const measureCell = z.union([z.number(), z.literal("unable"), z.null()]);
const cohortEvaluationSchema = z.object({
  tier: z.enum(TIERS),
  ewgsop2: z.object({ category: z.enum(EWGSOP2_CATEGORIES) }),
  awgs2019: z.object({ category: z.enum(AWGS2019_CATEGORIES) }),
  awgs2025: z.object({ category: z.enum(AWGS2025_CATEGORIES) }).optional(),
  b12: z.object({ status: z.enum(B12_STATUSES), onTreatment: z.boolean() }),
  flags: z.array(z.object({ code: z.enum(FLAG_CODES), dueAt: z.string() })),
  medicines: z.object({ b12Lowering: z.array(z.string()) }),
  evaluatedAt: z.string(),
  ruleSetVersion: z.number(),
  measures: z.record(z.enum(MEASURE_COLUMNS), measureCell).optional(),
  measuresUntil: z.string().nullable().optional(),
}) satisfies z.ZodType<CohortEvaluation>;

/** RiskSnapshot.cohortJson: the parts of the evaluation the cohort export prints. */
export const decodeCohortEvaluation = storedJson(cohortEvaluationSchema, { table: "RiskSnapshot", column: "cohortJson" });
/** RiskSnapshot.detailJson of a snapshot written before cohortJson existed: the same parts, read from the full evaluation. */
export const decodeCohortEvaluationFromDetail = storedJson(cohortEvaluationSchema, { table: "RiskSnapshot", column: "detailJson" });

/** ThresholdSet.valuesJson: a clinic's threshold set (a set stored before a group existed takes that group's defaults). */
export const decodeThresholdValues = storedJson(thresholdValuesSchema, { table: "ThresholdSet", column: "valuesJson" });

/**
 * SavedView.query: the panel's URL search string ("" or "?…") that reproduces the view, stored in
 * its canonical form (app/(app)/patients/actions.ts): every parameter one the panel understands.
 */
export function decodeSavedViewQuery(query: string, rowId: string): string {
  const problem = query !== "" && !query.startsWith("?") ? "it does not start with \"?\"" : panelQueryProblem(query);
  if (problem) throw new StoredValueError("SavedView", rowId, "query", `is not a panel query (${problem})`);
  return query;
}

function panelQueryProblem(text: string): string | null {
  const params = Object.fromEntries(new URLSearchParams(text));
  const { query, issues } = parsePanelParams(params);
  if (issues.length > 0) return issues.map((issue) => issue.message).join(" ");
  return isCanonicalPanelUrl(params, query) ? null : `${text} reads as ${panelQueryString(query) || "no filter"}`;
}

/** AuditEvent.detailJson: any JSON (each action's own fields are read by lib/domain/audit-describe.ts, which checks them). */
export const decodeAuditDetail = storedJson(z.unknown(), { table: "AuditEvent", column: "detailJson" });
