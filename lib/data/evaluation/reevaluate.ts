import "server-only";
import type { Tx } from "@/lib/data/db/client";
import { loadHistories } from "./history";
import { panelColumns, refreshPanelColumns } from "./panel-row";
import { storeEvaluations } from "./snapshots";
import { getActiveThresholds, type ActiveThresholds } from "./thresholds";
import { chunks, PATIENTS_PER_BATCH } from "@/lib/data/db/batches";
import { evaluatePatient } from "@/lib/domain/evaluate";

export interface ReevaluateResult {
  evaluated: number;
  ruleSetVersion: number;
}

/**
 * Re-runs the engine for patients of one clinic as of `now` with the clinic's threshold set in
 * force at `now`, stores the snapshots and flags (lib/data/evaluation/snapshots.ts) and refreshes the
 * denormalised panel columns on Patient. Runs inside the caller's transaction so the change that
 * caused it and its evaluation commit together. Panel columns are written only for patients whose
 * values changed. A fixed number of statements per batch of patients. A caller that evaluates a
 * clinic in many batches passes the set it read once (`thresholds`), so every batch uses the same
 * set (and the run's audit names the set that was used), however long the run takes.
 */
export async function reevaluatePatients(tx: Tx, clinicId: string, patientIds: readonly string[], now: Date, thresholds?: ActiveThresholds): Promise<ReevaluateResult> {
  thresholds ??= await getActiveThresholds(tx, clinicId, now);
  let evaluated = 0;
  for (const batch of chunks([...new Set(patientIds)], PATIENTS_PER_BATCH)) {
    const histories = await loadHistories(tx, clinicId, batch);
    const evaluations = [...histories].map(([patientId, { history }]) => ({
      patientId,
      evaluation: evaluatePatient(history, { now, thresholds: thresholds.values, ruleSetVersion: thresholds.version }),
      observations: history.observations,
      thresholds: thresholds.values,
    }));
    await storeEvaluations(tx, clinicId, evaluations, now);
    // Ids come from the clinic-scoped load.
    const panels = [...histories].map(([id, { history, panel }]) => ({ id, stored: panel, fresh: panelColumns(history, now) }));
    await refreshPanelColumns(tx, panels, new Date());
    evaluated += evaluations.length;
  }
  return { evaluated, ruleSetVersion: thresholds.version };
}
