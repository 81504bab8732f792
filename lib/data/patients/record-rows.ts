import "server-only";
import type { Tx } from "@/lib/data/db/client";
import { bulkTable, insertRows, newRowId } from "@/lib/data/db/bulk-insert";
import type { B12SymptomCode, ConditionCode, MassMethod, MeasureKind, PatientHistory, StoredMedication, StoredObservation, YubiWakkaResult } from "@/lib/domain/types";

/**
 * The rows of a patient's record written in bulk — results, medicines and absorption conditions —
 * one typed row and one builder per table. The seed and both importers write through these
 * (lib/data/import/write.ts); a clinician's single edits go through Prisma in
 * lib/data/patients/assessment.ts and medications.ts.
 */

/** Where a row came from (the Observation, PatientMedication and PatientCondition `source`); "manual": typed into the app (a new patient's conditions). */
export type RecordSource = "seed" | "csv" | "fhir" | "manual";

/** What every row of one write shares: the clinic, where the rows came from, who entered them, when. */
export interface RowOrigin {
  clinicId: string;
  source: RecordSource;
  /** The user who ran the import; null for the seed and the system actor. */
  enteredById: string | null;
  writtenAt: Date;
}

export interface ObservationRow {
  id: string;
  clinicId: string;
  patientId: string;
  kind: MeasureKind;
  value: number | null;
  isUnable: boolean;
  reportedValue: string;
  reportedUnit: string;
  observedAt: Date;
  method: MassMethod | null;
  source: RecordSource;
  sourceRef: string | null;
  enteredById: string | null;
  status: "final";
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const OBSERVATION_TABLE = bulkTable<ObservationRow>()("Observation", [
  "id", "clinicId", "patientId", "kind", "value", "isUnable", "reportedValue", "reportedUnit", "observedAt", "method",
  "source", "sourceRef", "enteredById", "status", "version", "createdAt", "updatedAt",
]);

/** A new final result of a patient (version 1). */
export function observationRow(patientId: string, o: StoredObservation, sourceRef: string | null, origin: RowOrigin): ObservationRow {
  return {
    id: newRowId(),
    clinicId: origin.clinicId,
    patientId,
    kind: o.kind,
    value: o.value,
    isUnable: o.isUnable,
    reportedValue: o.reportedValue,
    reportedUnit: o.reportedUnit,
    observedAt: o.observedAt,
    method: o.method,
    source: origin.source,
    sourceRef,
    enteredById: origin.enteredById,
    status: "final",
    version: 1,
    createdAt: origin.writtenAt,
    updatedAt: origin.writtenAt,
  };
}

export interface MedicationRow {
  id: string;
  clinicId: string;
  patientId: string;
  catalogueId: string | null;
  name: string;
  atcCode: string | null;
  rxnormCode: string | null;
  startedOn: Date | null;
  stoppedOn: Date | null;
  source: RecordSource;
  sourceRef: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const MEDICATION_TABLE = bulkTable<MedicationRow>()("PatientMedication", [
  "id", "clinicId", "patientId", "catalogueId", "name", "atcCode", "rxnormCode", "startedOn", "stoppedOn", "source", "sourceRef", "createdAt", "updatedAt",
]);

/** A medicine of a patient. */
export function medicationRow(patientId: string, m: StoredMedication, sourceRef: string | null, origin: RowOrigin): MedicationRow {
  return {
    id: newRowId(),
    clinicId: origin.clinicId,
    patientId,
    catalogueId: m.catalogueId,
    name: m.name,
    atcCode: m.atcCode,
    rxnormCode: m.rxnormCode,
    startedOn: m.startedOn,
    stoppedOn: m.stoppedOn,
    source: origin.source,
    sourceRef,
    createdAt: origin.writtenAt,
    updatedAt: origin.writtenAt,
  };
}

/** A condition as a source gives it: when it was recorded (null: now) and resolved, if it was. */
export interface StoredCondition {
  code: ConditionCode;
  recordedAt: Date | null;
  resolvedAt: Date | null;
}

export interface ConditionRow {
  id: string;
  patientId: string;
  code: ConditionCode;
  recordedAt: Date;
  resolvedAt: Date | null;
  source: RecordSource;
  sourceRef: string | null;
}

const CONDITION_TABLE = bulkTable<ConditionRow>()("PatientCondition", ["id", "patientId", "code", "recordedAt", "resolvedAt", "source", "sourceRef"]);

/** A condition of a patient, recorded when the source says or else when it is written. */
export function conditionRow(patientId: string, c: StoredCondition, sourceRef: string | null, origin: RowOrigin): ConditionRow {
  return {
    id: newRowId(),
    patientId,
    code: c.code,
    recordedAt: c.recordedAt ?? origin.writtenAt,
    resolvedAt: c.resolvedAt,
    source: origin.source,
    sourceRef,
  };
}

/** The kinds of PatientFinding: a finding recorded on a day that is not a number. */
export const FINDING_KINDS = ["yubi_wakka", "b12_symptom"] as const;

/** A Yubi-wakka result or a B12 symptom, as a source gives it and the PatientFinding table keeps it. */
export type StoredFinding =
  | { kind: "yubi_wakka"; code: YubiWakkaResult; recordedAt: Date }
  | { kind: "b12_symptom"; code: B12SymptomCode; recordedAt: Date };

export interface FindingRow {
  id: string;
  clinicId: string;
  patientId: string;
  kind: StoredFinding["kind"];
  code: string;
  recordedAt: Date;
  source: RecordSource;
  sourceRef: string | null;
  createdAt: Date;
}

const FINDING_TABLE = bulkTable<FindingRow>()("PatientFinding", ["id", "clinicId", "patientId", "kind", "code", "recordedAt", "source", "sourceRef", "createdAt"]);

/** A finding of a patient. */
export function findingRow(patientId: string, f: StoredFinding, sourceRef: string | null, origin: RowOrigin): FindingRow {
  return {
    id: newRowId(),
    clinicId: origin.clinicId,
    patientId,
    kind: f.kind,
    code: f.code,
    recordedAt: f.recordedAt,
    source: origin.source,
    sourceRef,
    createdAt: origin.writtenAt,
  };
}

/** The engine's inputs from a patient's findings: Yubi-wakka results and B12 symptoms. */
export function findingInputs(findings: readonly StoredFinding[]): Required<Pick<PatientHistory, "yubiWakka" | "b12Symptoms">> {
  const yubiWakka: NonNullable<PatientHistory["yubiWakka"]> = [];
  const b12Symptoms: NonNullable<PatientHistory["b12Symptoms"]> = [];
  for (const f of findings) {
    if (f.kind === "yubi_wakka") yubiWakka.push({ result: f.code, observedAt: f.recordedAt });
    else b12Symptoms.push({ code: f.code, recordedAt: f.recordedAt });
  }
  return { yubiWakka, b12Symptoms };
}

/** Inserts the rows of patients' records, results first (each list in one bulk statement per table). */
export async function insertRecordRows(
  tx: Tx,
  rows: {
    observations: readonly ObservationRow[];
    medications: readonly MedicationRow[];
    conditions: readonly ConditionRow[];
    findings?: readonly FindingRow[];
  },
): Promise<void> {
  await insertRows(tx, OBSERVATION_TABLE, rows.observations);
  await insertRows(tx, MEDICATION_TABLE, rows.medications);
  await insertRows(tx, CONDITION_TABLE, rows.conditions);
  await insertRows(tx, FINDING_TABLE, rows.findings ?? []);
}
