import "server-only";
import type { Tx } from "@/lib/data/db/client";
import { newRowId } from "@/lib/data/db/bulk-insert";
import { EMPTY_PANEL_COLUMNS, insertPatientRows, newPatientRow, panelColumns } from "@/lib/data/evaluation/panel-row";
import { storeEvaluations, type EvaluatedPatient } from "@/lib/data/evaluation/snapshots";
import type { ActiveThresholds } from "@/lib/data/evaluation/thresholds";
import type { NewPatient } from "@/lib/data/patients/new-patient";
import { conditionRow, findingInputs, findingRow, insertRecordRows, medicationRow, observationRow, type RecordSource, type RowOrigin } from "@/lib/data/patients/record-rows";
import { evaluatePatient } from "@/lib/domain/evaluate";
import { patientSearchKey } from "@/lib/domain/search-key";
import type { PatientHistory } from "@/lib/domain/types";
import type { PlannedPatient } from "./plan";

/**
 * Step 3 of an import (lib/data/import/run.ts), and the demo seed's only step: applies a planned
 * batch of patients inside the caller's transaction, with one typed row builder per table
 * (lib/data/evaluation/panel-row.ts, lib/data/patients/record-rows.ts) and a fixed number of
 * bulk statements per batch, never one per row:
 *
 * 1. a stored patient's new demographics or newer diet (its version moves on);
 * 2. the new patients, with their panel columns;
 * 3. every new result, medicine, condition and finding, and the stops of stored medicines;
 * 4. the evaluation of each new patient whose whole record is in the plan (snapshot and flags).
 *
 * Patients planned "read-back" are re-evaluated by the caller once every batch is written.
 */

export interface WriteContext {
  origin: RowOrigin;
  /** The evaluation time; assessments after it were refused when the source was read. */
  now: Date;
  /** The clinic's threshold set in force at `now`, for the patients evaluated from the plan. */
  thresholds: ActiveThresholds;
}

/** The history the engine reads for a new patient planned "from-plan": conditions by code and results by date, as the database returns them. */
function plannedHistory(p: PlannedPatient & { create: NonNullable<PlannedPatient["create"]> }): PatientHistory & Pick<EvaluatedPatient, "observations"> {
  return {
    birthDate: p.create.birthDate,
    deceasedAt: p.create.deceasedAt,
    sex: p.create.sex,
    diet: p.create.diet,
    conditions: p.conditions.filter((c) => c.value.resolvedAt === null).map((c) => c.value.code).sort(),
    observations: p.observations.map((o) => o.value).sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime()),
    medications: p.medications.map((m) => m.value),
    ...findingInputs(p.findings.map((f) => f.value)),
  };
}

export async function writePlannedBatch(tx: Tx, planned: readonly PlannedPatient[], ctx: WriteContext): Promise<void> {
  const { origin, now } = ctx;
  const { clinicId } = origin;
  for (const p of planned) {
    if (p.demographics) {
      const d = p.demographics;
      await tx.patient.update({
        where: { id: p.patientId, clinicId },
        data: { familyName: d.familyName, givenName: d.givenName, birthDate: d.birthDate, sex: d.sex, deceasedAt: d.deceasedAt, searchText: patientSearchKey({ mrn: p.mrn, ...d }), version: { increment: 1 } },
      });
    } else if (p.diet) {
      await tx.patient.update({ where: { id: p.patientId, clinicId }, data: { diet: p.diet, version: { increment: 1 } } });
    }
  }

  const evaluations: EvaluatedPatient[] = [];
  const patientRows = planned.flatMap((p) => {
    if (!p.create) return [];
    if (p.evaluation !== "from-plan") return [newPatientRow(p.patientId, clinicId, p.create, EMPTY_PANEL_COLUMNS, origin.writtenAt)];
    const history = plannedHistory({ ...p, create: p.create });
    const { values, version } = ctx.thresholds;
    evaluations.push({ patientId: p.patientId, evaluation: evaluatePatient(history, { now, thresholds: values, ruleSetVersion: version }), observations: history.observations, thresholds: values });
    return [newPatientRow(p.patientId, clinicId, p.create, panelColumns(history, now), origin.writtenAt)];
  });
  await insertPatientRows(tx, patientRows);
  await insertRecordRows(tx, {
    observations: planned.flatMap((p) => p.observations.map((o) => observationRow(p.patientId, o.value, o.sourceRef, origin))),
    medications: planned.flatMap((p) => p.medications.map((m) => medicationRow(p.patientId, m.value, m.sourceRef, origin))),
    conditions: planned.flatMap((p) => p.conditions.map((c) => conditionRow(p.patientId, c.value, c.sourceRef, origin))),
    findings: planned.flatMap((p) => p.findings.map((f) => findingRow(p.patientId, f.value, f.sourceRef, origin))),
  });
  // Stops of stored medicines are few (a spreadsheet's medications_stopped): one update each.
  for (const p of planned) {
    for (const stop of p.medicationStops) {
      await tx.patientMedication.updateMany({ where: { id: stop.medicationId, patientId: p.patientId, stoppedOn: null }, data: { stoppedOn: stop.stoppedOn } });
    }
  }
  // Only patients created by this batch are evaluated here ("from-plan"): they have no flags yet.
  await storeEvaluations(tx, clinicId, evaluations, now, { patients: "new" });
}

/** The plan of a patient created with its whole record (the seed's and the test factories' patients). */
export function newPatientPlan(patient: NewPatient, attributedClinicianId: string | null): PlannedPatient {
  const item = <T>(value: T) => ({ value, sourceRef: null });
  return {
    mrn: patient.mrn,
    patientId: newRowId(),
    create: { ...patient, deceasedAt: null, attributedClinicianId: patient.attributedToClinician ? attributedClinicianId : null },
    demographics: null,
    diet: null,
    observations: patient.observations.map(item),
    medications: patient.medications.map(item),
    conditions: patient.conditions.map((code) => item({ code, recordedAt: null, resolvedAt: null })),
    findings: [],
    medicationStops: [],
    existing: { observations: 0, medications: 0, conditions: 0, findings: 0 },
    unchangedRows: 0,
    evaluation: "from-plan",
    size: 1,
  };
}

export interface NewPatientsOptions {
  clinicId: string;
  /** The clinician the patients marked `attributedToClinician` are attributed to. */
  attributedClinicianId: string | null;
  source: RecordSource;
  enteredById: string | null;
  now: Date;
  thresholds: ActiveThresholds;
}

/**
 * Creates patients with their whole record and evaluates them (the demo seed, the test clinics).
 * Returns the new patient ids in input order.
 */
export async function insertNewPatients(tx: Tx, patients: readonly NewPatient[], options: NewPatientsOptions): Promise<string[]> {
  const planned = patients.map((p) => newPatientPlan(p, options.attributedClinicianId));
  const origin = { clinicId: options.clinicId, source: options.source, enteredById: options.enteredById, writtenAt: new Date() };
  await writePlannedBatch(tx, planned, { origin, now: options.now, thresholds: options.thresholds });
  return planned.map((p) => p.patientId);
}
