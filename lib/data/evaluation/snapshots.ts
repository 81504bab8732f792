import "server-only";
import { randomUUID } from "node:crypto";
import { TIER_RANK, type Awgs2019Category, type Awgs2025Category, type B12Status, type Ewgsop2Category, type Evaluation, type FlagCode, type FlagResult, type ObservationInput, type Tier } from "@/lib/domain/types";
import { measureCells, measuresUntil, type CohortEvaluation } from "@/lib/domain/csv-export";
import type { ThresholdValues } from "@/lib/domain/thresholds";
import type { Tx } from "@/lib/data/db/client";
import { bulkTable, insertRows, updateRows } from "@/lib/data/db/bulk-insert";
import { patientFlags, suppressedKeysOf } from "@/lib/data/flags/suppression";
import { decodeFlagCode, decodeFlagStage, decodeMeasureKind } from "@/lib/data/stored/values";
import { actionDueAt, closedByResultText, noLongerIndicatedText, SATISFIED_BY, startOfUtcDay } from "@/lib/domain/flag-lifecycle";
import { chunks } from "@/lib/data/db/batches";

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
], { json: ["detailJson", "cohortJson"] });

/**
 * The stored form of one evaluation (docs/design.md#architecture, "the stored evaluation"). `flagCodes` is what the
 * engine says; `nextDueAt` is the earliest action day among the patient's open flags after this
 * evaluation (a flag a person closed does not keep the patient at the top of the overdue sort; an
 * ordered one counts from the end of its awaiting window).
 */
export function snapshotRow(clinicId: string, { patientId, evaluation, observations, thresholds }: EvaluatedPatient, nextDueAt: Date | null): SnapshotRow {
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
    nextDueAt,
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
  stage: "none";
  dueAt: Date;
  actionDueAt: Date;
  openedAt: Date;
  reasonText: string;
  /** The reasons behind the flag (the engine's `Reason[]`), as JSON. */
  detailJson: string;
  version: number;
  updatedAt: Date;
}

const FLAG_TABLE = bulkTable<FlagRow>()("Flag", ["id", "clinicId", "patientId", "code", "status", "outreach", "stage", "dueAt", "actionDueAt", "openedAt", "reasonText", "detailJson", "version", "updatedAt"], { json: ["detailJson"] });

/** What refreshing a flag that still fires sets (its version is incremented too). */
const FLAG_REFRESH_COLUMNS = ["dueAt", "actionDueAt", "reasonText", "detailJson", "updatedAt"] as const satisfies readonly (keyof FlagRow)[];

/** The flag the engine raises for a patient, opened at `now`, with nobody contacted yet. */
function newFlagRow(clinicId: string, patientId: string, flag: FlagResult, now: Date): FlagRow {
  return {
    id: randomUUID(),
    clinicId,
    patientId,
    code: flag.code,
    status: "open",
    outreach: "none",
    stage: "none",
    dueAt: new Date(flag.dueAt),
    actionDueAt: new Date(flag.dueAt),
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
 * `result_received` or made `not_applicable` (`closeStoppedFlags`). Flags a person closed stay
 * closed until their stored return date (lib/data/flags/suppression.ts `suppressedKeysOf`).
 * A handful of statements per batch, whatever its size.
 *
 * `patients: "new"` says the patients were created in this transaction and have no flags yet (an
 * import's new patients, evaluated from its plan): the flags are not read. On PostgreSQL that read
 * would wait for the batch's writes in flight (lib/data/db/bulk-insert.ts `settleBulkWrites`).
 */
export async function storeEvaluations(
  tx: Tx,
  clinicId: string,
  evaluations: readonly EvaluatedPatient[],
  now: Date,
  options: { patients: "new" | "stored" } = { patients: "stored" },
): Promise<void> {
  if (evaluations.length === 0) return;
  const patientIds = evaluations.map((e) => e.patientId);
  // Every flag of the batch once: the closed ones decide what stays suppressed, the open ones are reconciled.
  const flags = options.patients === "new" ? [] : await patientFlags(tx, patientIds);
  const suppressed = suppressedKeysOf(flags, now);
  const open = flags.filter((flag) => flag.status === "open");
  const openByKey = new Map(open.map((flag) => [`${flag.patientId}|${flag.code}`, flag]));
  const toCreate: FlagRow[] = [];
  const toRefresh: Pick<FlagRow, "id" | (typeof FLAG_REFRESH_COLUMNS)[number]>[] = [];
  const writtenAt = new Date();
  const stillFiring = new Set<string>();
  const nextDue = new Map<string, Date>();
  const noteDue = (patientId: string, at: Date) => {
    const known = nextDue.get(patientId);
    if (!known || at < known) nextDue.set(patientId, at);
  };
  for (const { patientId, evaluation } of evaluations) {
    for (const flag of evaluation.flags) {
      const key = `${patientId}|${flag.code}`;
      stillFiring.add(key);
      const existing = openByKey.get(key);
      if (!existing) {
        if (!suppressed.has(key)) {
          toCreate.push(newFlagRow(clinicId, patientId, flag, now));
          noteDue(patientId, new Date(flag.dueAt));
        }
        continue;
      }
      const dueAt = new Date(flag.dueAt);
      // An ordered flag keeps its awaiting window; a postponed one its date (or the later due date).
      const stage = decodeFlagStage(existing.stage, existing.id);
      const action = actionDueAt(stage, dueAt, existing.postponedUntil, existing.actionDueAt);
      noteDue(patientId, action);
      if (existing.dueAt.getTime() !== dueAt.getTime() || existing.actionDueAt?.getTime() !== action.getTime() || existing.reasonText !== flag.text) {
        // After a threshold change this is most open flags.
        toRefresh.push({ id: existing.id, dueAt, actionDueAt: action, reasonText: flag.text, detailJson: JSON.stringify(flag.reasons), updatedAt: writtenAt });
      }
    }
  }
  // One snapshot per patient (unique patientId): a patient's stored one is replaced in place.
  await insertRows(tx, SNAPSHOT_TABLE, evaluations.map((e) => snapshotRow(clinicId, e, nextDue.get(e.patientId) ?? null)), { replaceOn: "patientId" });
  await insertRows(tx, FLAG_TABLE, toCreate);
  await updateRows(tx, FLAG_TABLE, FLAG_REFRESH_COLUMNS, toRefresh, { increment: ["version"] });
  const stopped = open.filter((flag) => !stillFiring.has(`${flag.patientId}|${flag.code}`));
  if (stopped.length > 0) await closeStoppedFlags(tx, stopped, evaluations, now);
}

/** An open flag the engine no longer raises. */
interface StoppedFlag {
  id: string;
  patientId: string;
  code: string;
  openedAt: Date;
}

/**
 * Closes the open flags the engine no longer raises, saying why — never a silent disappearance:
 * - a result that satisfies the flag (lib/domain/flag-lifecycle.ts `SATISFIED_BY`: a B12 result
 *   for `b12_test_due`, a grip or chair stand for `reassessment_due`…), observed on or after the
 *   day the flag opened or entered since it opened, closes it as
 *   `result_received`, "Closed by <result, value, date>";
 * - otherwise the patient is no longer eligible (started B12 replacement, died, results changed):
 *   the flag becomes `not_applicable` (`no_longer_indicated`) with the reason in its note.
 * One query for the candidate results of the whole batch, then one update per distinct outcome (only
 * flags that stopped firing in this evaluation).
 */
async function closeStoppedFlags(tx: Tx, stopped: readonly StoppedFlag[], evaluations: readonly EvaluatedPatient[], now: Date): Promise<void> {
  const kinds = [...new Set(stopped.flatMap((flag) => SATISFIED_BY[decodeFlagCode(flag.code, flag.id)]))];
  const earliest = new Date(Math.min(...stopped.map((flag) => startOfUtcDay(flag.openedAt).getTime())));
  const results = [];
  for (const ids of chunks([...new Set(stopped.map((flag) => flag.patientId))])) {
    if (kinds.length === 0) break;
    results.push(
      ...(await tx.observation.findMany({
        where: { patientId: { in: ids }, kind: { in: kinds }, status: "final", value: { not: null }, OR: [{ observedAt: { gte: earliest } }, { createdAt: { gte: earliest } }] },
        select: { id: true, patientId: true, kind: true, reportedValue: true, reportedUnit: true, observedAt: true, createdAt: true },
        orderBy: [{ observedAt: "desc" }, { createdAt: "desc" }],
      })),
    );
  }
  const byPatient = new Map(evaluations.map((e) => [e.patientId, e.evaluation]));
  const resultsOf = new Map<string, typeof results>();
  for (const r of results) resultsOf.set(r.patientId, [...(resultsOf.get(r.patientId) ?? []), r]);
  // Grouped by what is written, so a recompute that makes thousands of flags not applicable (a
  // policy switched off) writes a handful of statements; result notes differ per flag but are few.
  const groups = new Map<string, { status: "closed" | "not_applicable"; closeReason: "result_received" | "no_longer_indicated"; closeNote: string; ids: string[] }>();
  for (const flag of stopped) {
    const code = decodeFlagCode(flag.code, flag.id);
    const since = startOfUtcDay(flag.openedAt);
    // The newest satisfying result taken since the flag's day, or entered since it opened.
    const result = (resultsOf.get(flag.patientId) ?? []).find(
      (r) => SATISFIED_BY[code].some((kind) => kind === r.kind) && (r.observedAt >= since || r.createdAt >= flag.openedAt),
    );
    const evaluation = byPatient.get(flag.patientId);
    const write = result
      ? { status: "closed" as const, closeReason: "result_received" as const, closeNote: closedByResultText({ ...result, kind: decodeMeasureKind(result.kind, result.id) }) }
      : {
          status: "not_applicable" as const,
          closeReason: "no_longer_indicated" as const,
          closeNote: noLongerIndicatedText(code, { deceased: evaluation?.tierReasons.some((r) => r.code === "deceased") ?? false, b12OnTreatment: evaluation?.b12.onTreatment ?? false }),
        };
    const key = `${write.status}|${write.closeNote}`;
    const group = groups.get(key) ?? { ...write, ids: [] };
    group.ids.push(flag.id);
    groups.set(key, group);
  }
  for (const { ids, ...write } of groups.values()) {
    for (const chunk of chunks(ids)) {
      await tx.flag.updateMany({ where: { id: { in: chunk } }, data: { ...write, closedAt: now, closedById: null, returnsAt: null, version: { increment: 1 } } });
    }
  }
}
