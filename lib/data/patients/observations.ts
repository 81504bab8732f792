import "server-only";
import type { Db } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { openPatientRecord, type ObservationView, type PatientHeader } from "./record";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { actorId, actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { toIsoDate } from "@/lib/domain/dates";
import { MEASURE_LABELS } from "@/lib/domain/measures";
import type { ObservationInput } from "@/lib/domain/types";
import { decodeMassMethod, decodeMeasureKind } from "@/lib/data/stored/values";

/**
 * Corrections to stored results (docs/design.md#who-uses-it, "enter an assessment"; issue 4 "Corrections"): edit a
 * result's value, unit or date, or mark it "entered in error" with a reason. Nothing is deleted:
 * an edit keeps the old value in its audit event, and a result entered in error stays in the
 * record (shown apart, with who and when) but no longer counts for the evaluation. Each change
 * checks the result's version (optimistic concurrency), re-evaluates the patient and writes its
 * audit event in one transaction; it also moves the patient's version on, so a visit form opened
 * before the correction is told the record changed.
 */

/** A result as the patient page shows it, plus its note, version, and who entered, corrected or voided it. */
export interface ObservationRow extends ObservationView {
  note: string | null;
  version: number;
  enteredAt: Date;
  enteredByName: string | null;
  /** The latest correction of the value, unit or date, if any. */
  correctedAt: Date | null;
  correctedByName: string | null;
  erroredByName: string | null;
}

export interface PatientObservationList {
  patient: PatientHeader;
  /** All results, newest first, entered-in-error ones included. */
  observations: ObservationRow[];
}

export interface ObservationChangeResult {
  observationId: string;
  patientId: string;
  version: number;
}

function assertId(id: unknown, what: string): asserts id is string {
  if (typeof id !== "string" || id.trim() === "") throw new AppError("not_found", `No such ${what} in your clinic.`);
}

function assertCanEdit(actor: Actor): void {
  if (!can(actorRole(actor), "patient:edit")) throw new AppError("forbidden", "Your role does not allow changing patient records.");
}

const OBSERVATION_SELECT = {
  id: true, patientId: true, kind: true, value: true, isUnable: true, reportedValue: true, reportedUnit: true, observedAt: true, method: true,
  source: true, note: true, status: true, version: true, createdAt: true, enteredById: true, erroredAt: true, erroredById: true, erroredReason: true,
} as const;

type StoredObservation = {
  id: string; patientId: string; kind: string; value: number | null; isUnable: boolean; reportedValue: string; reportedUnit: string; observedAt: Date;
  method: string | null; source: string; note: string | null; status: string; version: number; createdAt: Date; enteredById: string | null;
  erroredAt: Date | null; erroredById: string | null; erroredReason: string | null;
};


/**
 * The patient's results list with who entered, corrected or withdrew each and when. Opens (and
 * audits as a view) the patient through the clinic-scoped record.
 */
export async function listPatientObservations(db: Db, actor: Actor, patientId: string, now: Date = new Date()): Promise<PatientObservationList> {
  const opened = await openPatientRecord(db, actor, patientId, now);
  const clinicId = actor.clinicId;
  const rows = await db.observation.findMany({
    where: { patientId: opened.patient.id, clinicId },
    select: OBSERVATION_SELECT,
    orderBy: [{ observedAt: "desc" }, { createdAt: "desc" }, { id: "asc" }],
  });
  const corrections = await db.auditEvent.findMany({
    where: { patientId: opened.patient.id, clinicId, action: "observation.update" },
    select: { entityId: true, actorId: true, actorLabel: true, at: true },
    orderBy: { seq: "asc" },
  });
  const lastCorrection = new Map(corrections.map((c) => [c.entityId, c]));
  const userIds = new Set<string>();
  for (const r of rows) {
    if (r.enteredById) userIds.add(r.enteredById);
    if (r.erroredById) userIds.add(r.erroredById);
  }
  for (const c of corrections) if (c.actorId) userIds.add(c.actorId);
  const users = userIds.size === 0 ? [] : await db.user.findMany({ where: { id: { in: [...userIds] }, clinicId }, select: { id: true, name: true } });
  const nameOf = new Map(users.map((u) => [u.id, u.name]));
  const observations = rows.map((r): ObservationRow => {
    const correction = lastCorrection.get(r.id);
    return {
      id: r.id,
      kind: decodeMeasureKind(r.kind, r.id),
      value: r.value,
      isUnable: r.isUnable,
      reportedValue: r.reportedValue,
      reportedUnit: r.reportedUnit,
      observedAt: r.observedAt,
      method: decodeMassMethod(r.method, r.id),
      source: r.source,
      status: r.status,
      note: r.note,
      version: r.version,
      enteredAt: r.createdAt,
      enteredByName: r.enteredById ? (nameOf.get(r.enteredById) ?? null) : null,
      correctedAt: correction?.at ?? null,
      correctedByName: correction ? (correction.actorId ? (nameOf.get(correction.actorId) ?? correction.actorLabel) : correction.actorLabel) : null,
      erroredAt: r.erroredAt,
      erroredByName: r.erroredById ? (nameOf.get(r.erroredById) ?? null) : null,
      erroredReason: r.erroredReason,
    };
  });
  return { patient: opened.patient, observations };
}

/**
 * One result of the actor's clinic with its patient, for the correction page. Opening it is a read
 * of the patient's record, audited as a view like the list.
 */
export async function getObservation(db: Db, actor: Actor, observationId: string, now: Date = new Date()): Promise<{ patient: PatientHeader; observation: ObservationRow }> {
  assertCanEdit(actor);
  assertId(observationId, "result");
  const row = await db.observation.findFirst({ where: { id: observationId, clinicId: actor.clinicId }, select: OBSERVATION_SELECT });
  if (!row) throw new AppError("not_found", "No such result in your clinic.");
  const kind = decodeMeasureKind(row.kind, row.id);
  const opened = await openPatientRecord(db, actor, row.patientId, now);
  const userIds = [row.enteredById, row.erroredById].filter((x): x is string => x !== null);
  const users = userIds.length === 0 ? [] : await db.user.findMany({ where: { id: { in: userIds }, clinicId: actor.clinicId }, select: { id: true, name: true } });
  const nameOf = new Map(users.map((u) => [u.id, u.name]));
  return {
    patient: opened.patient,
    observation: {
      id: row.id,
      kind,
      value: row.value,
      isUnable: row.isUnable,
      reportedValue: row.reportedValue,
      reportedUnit: row.reportedUnit,
      observedAt: row.observedAt,
      method: decodeMassMethod(row.method, row.id),
      source: row.source,
      status: row.status,
      note: row.note,
      version: row.version,
      enteredAt: row.createdAt,
      enteredByName: row.enteredById ? (nameOf.get(row.enteredById) ?? null) : null,
      correctedAt: null,
      correctedByName: null,
      erroredAt: row.erroredAt,
      erroredByName: row.erroredById ? (nameOf.get(row.erroredById) ?? null) : null,
      erroredReason: row.erroredReason,
    },
  };
}

function describe(o: { isUnable: boolean; reportedValue: string; reportedUnit: string }): string {
  return o.isUnable ? "unable" : `${o.reportedValue} ${o.reportedUnit}`;
}

function resultConflict(current: StoredObservation): AppError {
  const label = MEASURE_LABELS[decodeMeasureKind(current.kind, current.id)];
  const state = current.status === "entered_in_error"
    ? "it is now marked entered in error"
    : `it now reads ${describe(current)} on ${toIsoDate(current.observedAt)}`;
  return new AppError(
    "conflict",
    `Someone else changed this ${label.toLowerCase()} result while you were looking at it; ${state}. Nothing of yours was saved — check the current value and try again if still needed.`,
  );
}

/**
 * Runs one change to a result in a transaction: finds it in the actor's clinic, checks the
 * version the user saw and that it still counts, applies `data` only if the version is unchanged
 * (so of two concurrent writers one wins), moves the patient's version on, re-evaluates the
 * patient and audits.
 */
async function changeObservation(
  db: Db,
  actor: Actor,
  observationId: string,
  expectedVersion: number,
  now: Date,
  decide: (current: StoredObservation) => { data: Record<string, unknown>; action: "observation.update" | "observation.entered_in_error"; detail: Record<string, unknown> },
): Promise<ObservationChangeResult> {
  assertCanEdit(actor);
  assertId(observationId, "result");
  if (!Number.isInteger(expectedVersion) || expectedVersion < 1) throw new AppError("invalid", "The result's version is missing; reload the page.");
  const clinicId = actor.clinicId;
  return db.$transaction(async (tx) => {
    const current = await tx.observation.findFirst({ where: { id: observationId, clinicId }, select: OBSERVATION_SELECT });
    if (!current) throw new AppError("not_found", "No such result in your clinic.");
    if (current.version !== expectedVersion) throw resultConflict(current);
    if (current.status !== "final") throw new AppError("invalid", "This result is already marked entered in error; it cannot be changed.");
    const { data, action, detail } = decide(current);
    const updated = await tx.observation.updateMany({
      where: { id: current.id, clinicId, version: expectedVersion, status: "final" },
      data: { ...data, version: { increment: 1 } },
    });
    if (updated.count !== 1) {
      const now2 = await tx.observation.findFirst({ where: { id: current.id, clinicId }, select: OBSERVATION_SELECT });
      throw resultConflict(now2 ?? current);
    }
    await tx.patient.updateMany({ where: { id: current.patientId, clinicId }, data: { version: { increment: 1 } } });
    await reevaluatePatients(tx, clinicId, [current.patientId], now);
    await appendAudit(
      tx,
      actor,
      [{ action, patientId: current.patientId, entityType: "observation", entityId: current.id, detail: { kind: current.kind, fromVersion: current.version, toVersion: current.version + 1, ...detail } }],
      now,
    );
    return { observationId: current.id, patientId: current.patientId, version: current.version + 1 };
  });
}

function snapshotOf(o: Pick<StoredObservation, "value" | "isUnable" | "reportedValue" | "reportedUnit" | "observedAt" | "method">) {
  return { value: o.value, isUnable: o.isUnable, reportedValue: o.reportedValue, reportedUnit: o.reportedUnit, observedAt: o.observedAt.toISOString(), method: o.method };
}

/**
 * Corrects a result's value, unit or date (and method, for muscle mass). The corrected result must
 * be of the same kind; its old value is kept in the "observation.update" audit event.
 */
export async function correctObservation(
  db: Db,
  actor: Actor,
  observationId: string,
  corrected: ObservationInput & { reportedValue: string; reportedUnit: string },
  expectedVersion: number,
  now: Date = new Date(),
): Promise<ObservationChangeResult> {
  if (corrected.observedAt.getTime() > now.getTime()) {
    throw new AppError("invalid", `The date ${toIsoDate(corrected.observedAt)} is after today; enter results on or after the day they were taken.`);
  }
  return changeObservation(db, actor, observationId, expectedVersion, now, (current) => {
    if (current.kind !== corrected.kind) throw new AppError("invalid", "A correction cannot change the kind of result; mark it entered in error and enter the right one instead.");
    const after = {
      value: corrected.value,
      isUnable: corrected.isUnable,
      reportedValue: corrected.reportedValue,
      reportedUnit: corrected.reportedUnit,
      observedAt: corrected.observedAt,
      method: corrected.method ?? null,
    };
    return { data: after, action: "observation.update", detail: { before: snapshotOf(current), after: snapshotOf(after) } };
  });
}

/**
 * Marks a result "entered in error" with the reason: it stays in the record with who and when,
 * and the re-evaluation no longer counts it (lib/data/evaluation/reevaluate.ts reads `final` results only).
 */
export async function markObservationEnteredInError(
  db: Db,
  actor: Actor,
  observationId: string,
  reason: string,
  expectedVersion: number,
  now: Date = new Date(),
): Promise<ObservationChangeResult> {
  const trimmed = reason.trim();
  if (trimmed.length < 3) throw new AppError("invalid", "Say why this result is wrong.");
  if (trimmed.length > 500) throw new AppError("invalid", "Keep the reason to 500 characters.");
  return changeObservation(db, actor, observationId, expectedVersion, now, (current) => ({
    data: { status: "entered_in_error", erroredAt: now, erroredById: actorId(actor), erroredReason: trimmed },
    action: "observation.entered_in_error",
    detail: { reason: trimmed, value: snapshotOf(current) },
  }));
}
