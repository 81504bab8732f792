import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import { panelColumns } from "@/lib/data/import/write";
import { storeEvaluations } from "./snapshots";
import { updateRows } from "@/lib/data/db/bulk-insert";
import { getActiveThresholds } from "./thresholds";
import { chunks, PATIENTS_PER_BATCH } from "@/lib/data/db/batches";
import { evaluatePatient } from "@/lib/domain/evaluate";
import type { ConditionCode, Diet, MassMethod, MeasureKind, PatientHistory, Sex, StoredMedication, StoredObservation } from "@/lib/domain/types";

/** A patient's history as the engine reads it, plus the stored panel columns to compare against. */
export interface LoadedHistory {
  history: PatientHistory & { observations: StoredObservation[]; medications: StoredMedication[] };
  panel: ReturnType<typeof panelColumns>;
}

/**
 * Loads the engine's input for a set of patients of one clinic: demographics, `final`
 * observations (entered-in-error results never count), medicines and unresolved conditions.
 * Four queries per {@link PATIENTS_PER_BATCH} patients, never one per patient. Ids of another
 * clinic are silently absent from the result: the first query is scoped by clinic and the others
 * only use the ids it returned (observations have no clinic index to filter by; the ids are
 * already the clinic's).
 */
export async function loadHistories(db: Db | Tx, clinicId: string, patientIds: readonly string[]): Promise<Map<string, LoadedHistory>> {
  if (!clinicId) throw new Error("loadHistories: clinicId is required");
  const result = new Map<string, LoadedHistory>();
  for (const batch of chunks([...new Set(patientIds)], PATIENTS_PER_BATCH)) {
    const patients = await db.patient.findMany({
      where: { clinicId, id: { in: batch } },
      select: {
        id: true, birthDate: true, deceasedAt: true, sex: true, diet: true,
        lastAssessedAt: true, latestGripKg: true, latestGripAt: true, latestGaitMs: true, latestGaitAt: true,
        latestB12Pmol: true, latestB12At: true, medicationClasses: true,
      },
    });
    if (patients.length === 0) continue;
    const ids = patients.map((p) => p.id);
    const [observations, medications, conditions] = [
      await db.observation.findMany({
        where: { patientId: { in: ids }, status: "final" },
        select: { patientId: true, kind: true, value: true, isUnable: true, reportedValue: true, reportedUnit: true, observedAt: true, method: true },
        orderBy: [{ observedAt: "asc" }, { createdAt: "asc" }],
      }),
      await db.patientMedication.findMany({
        where: { patientId: { in: ids } },
        select: { patientId: true, catalogueId: true, name: true, atcCode: true, rxnormCode: true, startedOn: true, stoppedOn: true },
      }),
      await db.patientCondition.findMany({ where: { patientId: { in: ids }, resolvedAt: null }, select: { patientId: true, code: true } }),
    ];
    for (const p of patients) {
      const { id, birthDate, deceasedAt, sex, diet, ...panel } = p;
      result.set(id, {
        history: { birthDate, deceasedAt, sex: sex as Sex, diet: diet as Diet | null, conditions: [], observations: [], medications: [] },
        panel,
      });
    }
    for (const { patientId, kind, method, ...o } of observations) {
      result.get(patientId)?.history.observations.push({ ...o, kind: kind as MeasureKind, method: method as MassMethod | null });
    }
    for (const { patientId, ...m } of medications) result.get(patientId)?.history.medications.push(m);
    for (const c of conditions) result.get(c.patientId)?.history.conditions.push(c.code as ConditionCode);
  }
  return result;
}

type PanelColumns = ReturnType<typeof panelColumns>;

function samePanel(a: PanelColumns, b: PanelColumns): boolean {
  return (Object.keys(a) as (keyof PanelColumns)[]).every((key) => {
    const x = a[key];
    const y = b[key];
    if (x instanceof Date || y instanceof Date) return x instanceof Date && y instanceof Date && x.getTime() === y.getTime();
    return x === y;
  });
}

const PANEL_COLUMNS = [
  "lastAssessedAt", "latestGripKg", "latestGripAt", "latestGaitMs", "latestGaitAt", "latestB12Pmol", "latestB12At", "medicationClasses",
] as const satisfies readonly (keyof PanelColumns)[];

export interface ReevaluateResult {
  evaluated: number;
  ruleSetVersion: number;
}

/**
 * Re-runs the engine for patients of one clinic as of `now` with the clinic's threshold set in
 * force at `now`, stores the snapshots and flags (lib/data/evaluation/snapshots.ts) and refreshes the
 * denormalised panel columns on Patient. Runs inside the caller's transaction so the change that
 * caused it and its evaluation commit together. Panel columns are written only for patients whose
 * values changed. A fixed number of statements per batch of patients.
 */
export async function reevaluatePatients(tx: Tx, clinicId: string, patientIds: readonly string[], now: Date): Promise<ReevaluateResult> {
  const thresholds = await getActiveThresholds(tx, clinicId, now);
  let evaluated = 0;
  for (const batch of chunks([...new Set(patientIds)], PATIENTS_PER_BATCH)) {
    const histories = await loadHistories(tx, clinicId, batch);
    const evaluations = [...histories].map(([patientId, { history }]) => ({
      patientId,
      evaluation: evaluatePatient(history, { now, thresholds: thresholds.values, ruleSetVersion: thresholds.version }),
      observations: history.observations,
    }));
    await storeEvaluations(tx, clinicId, evaluations, now);
    // The denormalised columns are a cache of the patient's results, not an edit a person could
    // conflict with: the patient's `version` is not bumped. Ids come from the clinic-scoped load.
    const writtenAt = new Date();
    const changed: unknown[][] = [];
    for (const [patientId, { history, panel }] of histories) {
      const fresh = panelColumns(history, now);
      if (!samePanel(fresh, panel)) changed.push([patientId, ...PANEL_COLUMNS.map((column) => fresh[column]), writtenAt]);
    }
    await updateRows(tx, "Patient", [...PANEL_COLUMNS, "updatedAt"], changed);
    evaluated += evaluations.length;
  }
  return { evaluated, ruleSetVersion: thresholds.version };
}
