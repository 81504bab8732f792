import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import { chunks, PATIENTS_PER_BATCH } from "@/lib/data/db/batches";
import type { PatientHistory, StoredMedication, StoredObservation } from "@/lib/domain/types";
import { findingInputs, type StoredFinding } from "@/lib/data/patients/record-rows";
import { decodeConditionCode, decodeDiet, decodeFinding, decodeMassMethod, decodeMeasureKind, decodeSex } from "@/lib/data/stored/values";
import type { PanelColumns } from "./panel-row";

/** A patient's history as the engine reads it, plus the stored panel columns to compare against. */
export interface LoadedHistory {
  history: PatientHistory & { observations: StoredObservation[]; medications: StoredMedication[] };
  panel: PanelColumns;
}

/**
 * Loads the engine's input for a set of patients of one clinic: demographics, `final`
 * observations (entered-in-error results never count), medicines, unresolved conditions and
 * findings (Yubi-wakka, B12 symptoms). Five queries per {@link PATIENTS_PER_BATCH} patients, never one per patient. Ids of another
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
    const [observations, medications, conditions, findingRows] = [
      await db.observation.findMany({
        where: { patientId: { in: ids }, status: "final" },
        select: { id: true, patientId: true, kind: true, value: true, isUnable: true, reportedValue: true, reportedUnit: true, observedAt: true, method: true },
        orderBy: [{ observedAt: "asc" }, { createdAt: "asc" }],
      }),
      await db.patientMedication.findMany({
        where: { patientId: { in: ids } },
        select: { patientId: true, catalogueId: true, name: true, atcCode: true, rxnormCode: true, startedOn: true, stoppedOn: true },
      }),
      await db.patientCondition.findMany({ where: { patientId: { in: ids }, resolvedAt: null }, select: { id: true, patientId: true, code: true } }),
      await db.patientFinding.findMany({ where: { patientId: { in: ids } }, select: { id: true, patientId: true, kind: true, code: true, recordedAt: true } }),
    ];
    for (const p of patients) {
      const { id, birthDate, deceasedAt, sex, diet, ...panel } = p;
      result.set(id, {
        history: { birthDate, deceasedAt, sex: decodeSex(sex, id), diet: decodeDiet(diet, id), conditions: [], observations: [], medications: [] },
        panel,
      });
    }
    // Object literals of one shape, not rest/spread copies: a recompute reads millions of
    // observations, and copying each through a spread cost more than the rest of this loop.
    for (const o of observations) {
      result.get(o.patientId)?.history.observations.push({
        value: o.value,
        isUnable: o.isUnable,
        reportedValue: o.reportedValue,
        reportedUnit: o.reportedUnit,
        observedAt: o.observedAt,
        kind: decodeMeasureKind(o.kind, o.id),
        method: decodeMassMethod(o.method, o.id),
      });
    }
    for (const m of medications) {
      result.get(m.patientId)?.history.medications.push({ catalogueId: m.catalogueId, name: m.name, atcCode: m.atcCode, rxnormCode: m.rxnormCode, startedOn: m.startedOn, stoppedOn: m.stoppedOn });
    }
    for (const c of conditions) result.get(c.patientId)?.history.conditions.push(decodeConditionCode(c.code, c.id));
    const findings = new Map<string, StoredFinding[]>();
    for (const f of findingRows) findings.set(f.patientId, [...(findings.get(f.patientId) ?? []), decodeFinding(f)]);
    for (const [patientId, list] of findings) {
      const loaded = result.get(patientId);
      if (loaded) Object.assign(loaded.history, findingInputs(list));
    }
  }
  return result;
}
