import "server-only";
import type { Tx } from "@/lib/data/db/client";
import { newRowId } from "@/lib/data/db/bulk-insert";
import { storeEvaluations } from "@/lib/data/evaluation/snapshots";
import { evaluatePatient } from "@/lib/domain/evaluate";
import type { ThresholdValues } from "@/lib/domain/thresholds";
import type { PatientHistory } from "@/lib/domain/types";
import { insertPatientRows, newPatientRow, panelColumns } from "@/lib/data/evaluation/panel-row";
import { conditionRow, insertRecordRows, medicationRow, observationRow, type RecordSource } from "@/lib/data/patients/record-rows";
import type { NewPatient } from "@/lib/data/patients/new-patient";

export function toHistory(patient: NewPatient): PatientHistory {
  return {
    birthDate: patient.birthDate,
    sex: patient.sex,
    diet: patient.diet,
    conditions: patient.conditions,
    observations: patient.observations,
    medications: patient.medications,
  };
}

export interface BulkInsertOptions {
  clinicId: string;
  attributedClinicianId: string | null;
  source: RecordSource;
  enteredById: string | null;
  now: Date;
  thresholds: ThresholdValues;
  ruleSetVersion: number;
}

/**
 * Inserts new patients with their observations, medicines and conditions, evaluates each with the
 * engine and stores the snapshot and flags — bulk statements (lib/data/db/bulk-insert.ts), a fixed
 * number of statements per batch, no per-row round trips. Returns the new patient ids in input order.
 */
export async function insertPatientBatch(tx: Tx, patients: readonly NewPatient[], options: BulkInsertOptions): Promise<string[]> {
  const { clinicId, now } = options;
  const origin = { clinicId, source: options.source, enteredById: options.enteredById, writtenAt: new Date() };
  const ids = patients.map(() => newRowId());
  await insertPatientRows(
    tx,
    patients.map((p, i) =>
      newPatientRow(ids[i]!, clinicId, { ...p, deceasedAt: null, attributedClinicianId: p.attributedToClinician ? options.attributedClinicianId : null }, panelColumns(p, now), origin.writtenAt),
    ),
  );
  await insertRecordRows(tx, {
    observations: patients.flatMap((p, i) => p.observations.map((o) => observationRow(ids[i]!, o, null, origin))),
    medications: patients.flatMap((p, i) => p.medications.map((m) => medicationRow(ids[i]!, m, null, origin))),
    conditions: patients.flatMap((p, i) => p.conditions.map((code) => conditionRow(ids[i]!, { code, recordedAt: null, resolvedAt: null }, null, origin))),
  });
  const evaluations = patients.map((p, i) => ({
    patientId: ids[i]!,
    evaluation: evaluatePatient(toHistory(p), { now, thresholds: options.thresholds, ruleSetVersion: options.ruleSetVersion }),
    observations: p.observations,
  }));
  await storeEvaluations(tx, clinicId, evaluations, now);
  return ids;
}
