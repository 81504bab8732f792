import "server-only";
import type { Tx } from "@/lib/data/db/client";
import { CONDITION_COLUMNS, insertRows, MEDICATION_COLUMNS, newRowId, OBSERVATION_COLUMNS, PATIENT_COLUMNS } from "@/lib/data/db/bulk-insert";
import { storeEvaluations } from "@/lib/data/evaluation/snapshots";
import { evaluatePatient } from "@/lib/domain/evaluate";
import { patientSearchKey } from "@/lib/domain/search-key";
import type { ThresholdValues } from "@/lib/domain/thresholds";
import type { PatientHistory } from "@/lib/domain/types";
import { panelColumns } from "@/lib/data/evaluation/panel-row";
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
  source: "seed" | "csv" | "fhir";
  enteredById: string | null;
  now: Date;
  thresholds: ThresholdValues;
  ruleSetVersion: number;
}

/**
 * Inserts new patients with their observations, medicines and conditions, evaluates each with the
 * engine and stores the snapshot and flags — multi-row INSERTs (lib/data/db/bulk-insert.ts), a fixed
 * number of statements per batch, no per-row round trips. Returns the new patient ids in input order.
 */
export async function insertPatientBatch(tx: Tx, patients: readonly NewPatient[], options: BulkInsertOptions): Promise<string[]> {
  const { clinicId, now } = options;
  const createdAt = new Date();
  const ids = patients.map(() => newRowId());
  await insertRows(
    tx,
    "Patient",
    PATIENT_COLUMNS,
    patients.map((p, i) => {
      const panel = panelColumns(p, now);
      return [
        ids[i], clinicId, p.mrn, p.familyName, p.givenName, p.birthDate, p.sex, p.diet,
        p.attributedToClinician ? options.attributedClinicianId : null, patientSearchKey(p), 1,
        panel.lastAssessedAt, panel.latestGripKg, panel.latestGripAt, panel.latestGaitMs, panel.latestGaitAt, panel.latestB12Pmol, panel.latestB12At,
        panel.medicationClasses, createdAt, createdAt,
      ];
    }),
  );
  await insertRows(
    tx,
    "Observation",
    OBSERVATION_COLUMNS,
    patients.flatMap((p, i) =>
      p.observations.map((o) => [
        newRowId(), clinicId, ids[i], o.kind, o.value, o.isUnable, o.reportedValue, o.reportedUnit, o.observedAt, o.method,
        options.source, null, options.enteredById, "final", 1, createdAt, createdAt,
      ]),
    ),
  );
  await insertRows(
    tx,
    "PatientMedication",
    MEDICATION_COLUMNS,
    patients.flatMap((p, i) =>
      p.medications.map((m) => [newRowId(), clinicId, ids[i], m.catalogueId, m.name, m.atcCode, m.rxnormCode, m.startedOn, m.stoppedOn, options.source, null, createdAt, createdAt]),
    ),
  );
  await insertRows(
    tx,
    "PatientCondition",
    CONDITION_COLUMNS,
    patients.flatMap((p, i) => p.conditions.map((code) => [newRowId(), ids[i], code, createdAt, options.source, null])),
  );
  const evaluations = patients.map((p, i) => ({
    patientId: ids[i]!,
    evaluation: evaluatePatient(toHistory(p), { now, thresholds: options.thresholds, ruleSetVersion: options.ruleSetVersion }),
    observations: p.observations,
  }));
  await storeEvaluations(tx, clinicId, evaluations, now);
  return ids;
}
