import "server-only";
import { randomUUID } from "node:crypto";
import { TIER_RANK, type Awgs2019Category, type Awgs2025Category, type B12Status, type Ewgsop2Category, type Evaluation, type FlagCode, type FlagResult, type ObservationInput, type Tier } from "@/lib/domain/types";
import { measureCells, measuresUntil, type CohortEvaluation } from "@/lib/domain/csv-export";
import type { ThresholdValues } from "@/lib/domain/thresholds";
import type { Tx } from "@/lib/data/db/client";
import { bulkTable, insertRows, updateRows } from "@/lib/data/db/bulk-insert";
import { suppressedFlagKeys } from "@/lib/data/flags/suppression";

/**
 * The parts of an evaluation the cohort export prints, kept beside the full detail: with the
 * measure cells as of the evaluation, computed from the final `observations` it evaluated (in the
 * engine's order) and rounded against the `thresholds` that produced the labels (csv-export.ts
 * `measureCells`), and when a later result may change them.
 */
export function cohortEvaluation(e: Evaluation, observations: readonly ObservationInput[], thresholds: ThresholdValues): CohortEvaluation {
  const evaluatedAt = new Date(e.evaluatedAt);
  return {
    tier: e.tier,
    ewgsop2: { category: e.ewgsop2.category },
    awgs2019: { category: e.awgs2019.category },
    awgs2025: { category: e.awgs2025.category },
    b12: { status: e.b12.status, onTreatment: e.b12.onTreatment },
    flags: e.flags.map((flag) => ({ code: flag.code, dueAt: flag.dueAt })),
    medicines: { b12Lowering: e.medicines.b12Lowering },
    evaluatedAt: e.evaluatedAt,
    ruleSetVersion: e.ruleSetVersion,
    measures: measureCells(observations, evaluatedAt, thresholds),
    measuresUntil: measuresUntil(observations, evaluatedAt),
  };
}

/** One patient's evaluation with the final observations the engine evaluated, in its order. */
export interface EvaluatedPatient {
  patientId: string;
  evaluation: Evaluation;
  observations: readonly ObservationInput[];
  /** The threshold set the evaluation used: the export's measure cells are rounded against it. */
  thresholds: ThresholdValues;
}

export interface SnapshotRow {
  id: string;
  clinicId: string;
  patientId: string;
  tier: Tier;
  tierRank: number;
  ewgsop2: Ewgsop2Category;
  awgs2019: Awgs2019Category;
  awgs2025: Awgs2025Category;
  b12Status: B12Status;
  b12OnTreatment: boolean;
  flagCodes: string;
  nextDueAt: Date | null;
  ruleSetVersion: number;
  evaluatedAt: Date;
  detailJson: string;
  cohortJson: string;
}

const SNAPSHOT_TABLE = bulkTable<SnapshotRow>()("RiskSnapshot", [
  "id", "clinicId", "patientId", "tier", "tierRank", "ewgsop2", "awgs2019", "awgs2025", "b12Status", "b12OnTreatment", "flagCodes", "nextDueAt",
  "ruleSetVersion", "evaluatedAt", "detailJson", "cohortJson",
]);

/**
 * The stored form of one evaluation (docs/design.md#architecture, "the stored evaluation"). `flagCodes` is what the
 * engine says; `nextDueAt` counts only flags that are open, so a flag a person closed does not
 * keep the patient at the top of the overdue sort.
 */
export function snapshotRow(clinicId: string, { patientId, evaluation, observations, thresholds }: EvaluatedPatient, suppressedCodes: ReadonlySet<string> = new Set()): SnapshotRow {
  const dueDates = evaluation.flags.filter((flag) => !suppressedCodes.has(flag.code)).map((flag) => flag.dueAt).sort();
  return {
    id: randomUUID(),
    clinicId,
    patientId,
    tier: evaluation.tier,
    tierRank: TIER_RANK[evaluation.tier],
    ewgsop2: evaluation.ewgsop2.category,
    awgs2019: evaluation.awgs2019.category,
    awgs2025: evaluation.awgs2025.category,
    b12Status: evaluation.b12.status,
    b12OnTreatment: evaluation.b12.onTreatment,
    flagCodes: evaluation.flags.map((flag) => flag.code).join(";"),
    nextDueAt: dueDates[0] ? new Date(dueDates[0]) : null,
    ruleSetVersion: evaluation.ruleSetVersion,
    evaluatedAt: new Date(evaluation.evaluatedAt),
    detailJson: JSON.stringify(evaluation),
    cohortJson: JSON.stringify(cohortEvaluation(evaluation, observations, thresholds)),
  };
}

/** A new open flag, every column given. */
export interface FlagRow {
  id: string;
  clinicId: string;
  patientId: string;
  code: FlagCode;
  status: "open";
  outreach: "none";
  dueAt: Date;
  openedAt: Date;
  reasonText: string;
  /** The reasons behind the flag (the engine's `Reason[]`), as JSON. */
  detailJson: string;
  version: number;
  updatedAt: Date;
}

const FLAG_TABLE = bulkTable<FlagRow>()("Flag", ["id", "clinicId", "patientId", "code", "status", "outreach", "dueAt", "openedAt", "reasonText", "detailJson", "version", "updatedAt"]);

/** What refreshing a flag that still fires sets (its version is incremented too). */
const FLAG_REFRESH_COLUMNS = ["dueAt", "reasonText", "detailJson", "updatedAt"] as const satisfies readonly (keyof FlagRow)[];

/** The flag the engine raises for a patient, opened at `now`, with nobody contacted yet. */
function newFlagRow(clinicId: string, patientId: string, flag: FlagResult, now: Date): FlagRow {
  return {
    id: randomUUID(),
    clinicId,
    patientId,
    code: flag.code,
    status: "open",
    outreach: "none",
    dueAt: new Date(flag.dueAt),
    openedAt: now,
    reasonText: flag.text,
    detailJson: JSON.stringify(flag.reasons),
    version: 1,
    updatedAt: new Date(),
  };
}

/**
 * Writes the evaluations of a batch of patients: replaces their snapshots and reconciles their
 * open flags with what the engine now says — a flag that still fires is refreshed (due date,
 * reason), a new one is opened, and an open flag that no longer fires is closed as
 * `resolved_by_data`. Flags a person closed stay closed: the engine does not open the same code
 * again while that closure is recent (lib/data/flags/lifecycle.ts `suppressedFlagKeys`).
 * A handful of statements per batch, whatever its size.
 */
export async function storeEvaluations(
  tx: Tx,
  clinicId: string,
  evaluations: readonly EvaluatedPatient[],
  now: Date,
): Promise<void> {
  if (evaluations.length === 0) return;
  const patientIds = evaluations.map((e) => e.patientId);
  const suppressed = await suppressedFlagKeys(tx, patientIds, now);
  const suppressedByPatient = new Map<string, Set<string>>();
  for (const key of suppressed) {
    const [patientId, code] = key.split("|") as [string, string];
    suppressedByPatient.set(patientId, (suppressedByPatient.get(patientId) ?? new Set()).add(code));
  }
  const suppressedCodes = (patientId: string) => suppressedByPatient.get(patientId) ?? new Set<string>();
  // One snapshot per patient (unique patientId): a patient's stored one is replaced in place.
  await insertRows(
    tx,
    SNAPSHOT_TABLE,
    evaluations.map((e) => snapshotRow(clinicId, e, suppressedCodes(e.patientId))),
    { replaceOn: "patientId" },
  );

  const open = await tx.flag.findMany({
    where: { patientId: { in: patientIds }, status: "open" },
    select: { id: true, patientId: true, code: true, dueAt: true, reasonText: true },
  });
  const openByKey = new Map(open.map((flag) => [`${flag.patientId}|${flag.code}`, flag]));
  const toCreate: FlagRow[] = [];
  const toRefresh: Pick<FlagRow, "id" | (typeof FLAG_REFRESH_COLUMNS)[number]>[] = [];
  const writtenAt = new Date();
  const stillFiring = new Set<string>();
  for (const { patientId, evaluation } of evaluations) {
    for (const flag of evaluation.flags) {
      const key = `${patientId}|${flag.code}`;
      stillFiring.add(key);
      const existing = openByKey.get(key);
      if (!existing) {
        if (!suppressed.has(key)) toCreate.push(newFlagRow(clinicId, patientId, flag, now));
      }
      else if (existing.dueAt.toISOString() !== flag.dueAt || existing.reasonText !== flag.text) {
        // After a threshold change this is most open flags.
        toRefresh.push({ id: existing.id, dueAt: new Date(flag.dueAt), reasonText: flag.text, detailJson: JSON.stringify(flag.reasons), updatedAt: writtenAt });
      }
    }
  }
  await insertRows(tx, FLAG_TABLE, toCreate);
  await updateRows(tx, FLAG_TABLE, FLAG_REFRESH_COLUMNS, toRefresh, { increment: ["version"] });
  const resolved = open.filter((flag) => !stillFiring.has(`${flag.patientId}|${flag.code}`)).map((flag) => flag.id);
  if (resolved.length > 0) {
    await tx.flag.updateMany({
      where: { id: { in: resolved } },
      data: { status: "closed", closeReason: "resolved_by_data", closedAt: now, version: { increment: 1 } },
    });
  }
}
