import "server-only";
import { randomUUID } from "node:crypto";
import type { Db, Tx } from "@/lib/data/db/client";
import { appendAudit, type AuditInput } from "@/lib/data/audit/log";
import { openPatientRecord, type PatientHeader, type PatientMedications } from "./record";
import { claimPatientVersion } from "./version";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { toIsoDate } from "@/lib/domain/dates";
import { findMedicineById } from "@/lib/domain/medicine-catalogue";
import { isCurrentMedication } from "@/lib/domain/medications";
import { CONDITION_CODES, type ConditionCode } from "@/lib/domain/types";

/**
 * A patient's medicines and B12-absorption conditions (docs/clinical-reference.md#risk-factors-for-low-b12), as a clinician maintains
 * them. Each change is scoped by clinic, checks and moves the patient's version (optimistic
 * concurrency: a stale form is a conflict and changes nothing), re-evaluates the patient in the
 * same transaction — the B12-lowering medicine and absorption risk factors feed `b12_test_due`,
 * replacement means "on treatment", and `reevaluatePatients` refreshes the panel's
 * `medicationClasses` column — and is audited in that transaction.
 */

export interface MedicinesPage {
  patient: PatientHeader;
  version: number;
  medications: PatientMedications;
}

export interface MedicationChangeResult {
  patientId: string;
  version: number;
  medicationId?: string;
}

function assertCanEdit(actor: Actor): void {
  if (!can(actorRole(actor), "patient:edit")) throw new AppError("forbidden", "Your role does not allow changing patient records.");
}

function assertId(id: unknown, what: string): asserts id is string {
  if (typeof id !== "string" || id.trim() === "") throw new AppError("not_found", `No such ${what} in your clinic.`);
}

/** The page's data: the patient (opened and audited as a view), its version, and its medicines by role. */
export async function getMedicinesPage(db: Db, actor: Actor, patientId: string, now: Date = new Date()): Promise<MedicinesPage> {
  assertCanEdit(actor);
  const opened = await openPatientRecord(db, actor, patientId, now);
  const [row, medications] = await Promise.all([
    db.patient.findFirstOrThrow({ where: { id: opened.patient.id, clinicId: actor.clinicId }, select: { version: true } }),
    opened.loadMedications(),
  ]);
  return { patient: opened.patient, version: row.version, medications };
}

/** Claims the version, runs the change, re-evaluates and audits — one transaction. */
async function changeRecord(
  db: Db,
  actor: Actor,
  patientId: string,
  expectedVersion: number,
  now: Date,
  change: (tx: Tx) => Promise<AuditInput & { medicationId?: string }>,
): Promise<MedicationChangeResult> {
  assertCanEdit(actor);
  assertId(patientId, "patient");
  const clinicId = actor.clinicId;
  return db.$transaction(async (tx) => {
    const version = await claimPatientVersion(tx, clinicId, patientId, expectedVersion);
    const { medicationId, ...event } = await change(tx);
    await reevaluatePatients(tx, clinicId, [patientId], now);
    await appendAudit(tx, actor, [{ ...event, patientId }], now);
    return { patientId, version, ...(medicationId ? { medicationId } : {}) };
  });
}

function checkStart(startedOn: Date | null, now: Date): void {
  if (startedOn && startedOn.getTime() > now.getTime()) {
    throw new AppError("invalid", `The start date ${toIsoDate(startedOn)} is after today; add a medicine once it has been started.`);
  }
}

/**
 * Adds a medicine: a catalogue entry (stored with its ATC and RxNorm codes; counts for the rules)
 * or, with `catalogueId` null, free text kept as typed (never counts). The same catalogue
 * medicine cannot be current twice.
 */
export async function addMedication(
  db: Db,
  actor: Actor,
  patientId: string,
  input: { catalogueId: string | null; name: string; startedOn: Date | null },
  expectedPatientVersion: number,
  now: Date = new Date(),
): Promise<MedicationChangeResult> {
  const name = input.name.trim();
  if (name === "" || name.length > 200) throw new AppError("invalid", "Give the medicine's name (at most 200 characters).");
  const entry = input.catalogueId === null ? null : findMedicineById(input.catalogueId);
  if (input.catalogueId !== null && (!entry || entry.isClassEntry)) throw new AppError("invalid", "That medicine is not in the catalogue; search again.");
  checkStart(input.startedOn, now);
  return changeRecord(db, actor, patientId, expectedPatientVersion, now, async (tx) => {
    if (entry) {
      const existing = await tx.patientMedication.findMany({
        where: { patientId, clinicId: actor.clinicId, catalogueId: entry.id },
        select: { name: true, catalogueId: true, startedOn: true, stoppedOn: true },
      });
      const current = existing.find((m) => isCurrentMedication(m, now));
      if (current) throw new AppError("invalid", `${current.name} (${entry.genericName}) is already on the current list; edit or stop that entry instead.`);
    }
    const id = randomUUID();
    await tx.patientMedication.create({
      data: {
        id,
        clinicId: actor.clinicId,
        patientId,
        catalogueId: entry?.id ?? null,
        name,
        atcCode: entry?.atc ?? null,
        rxnormCode: entry?.rxnormIngredient ?? null,
        startedOn: input.startedOn,
        stoppedOn: null,
        source: "manual",
      },
    });
    return {
      action: "medication.change",
      entityType: "medication",
      entityId: id,
      medicationId: id,
      detail: { change: "add", name, catalogueId: entry?.id ?? null, matched: entry !== null, startedOn: input.startedOn ? toIsoDate(input.startedOn) : null },
    };
  });
}

/** Sets a medicine's start and stop dates (stop = the medicine is no longer current from then). */
export async function updateMedication(
  db: Db,
  actor: Actor,
  medicationId: string,
  input: { startedOn: Date | null; stoppedOn: Date | null },
  expectedPatientVersion: number,
  now: Date = new Date(),
): Promise<MedicationChangeResult> {
  assertCanEdit(actor);
  assertId(medicationId, "medicine");
  if (input.startedOn && input.stoppedOn && input.stoppedOn.getTime() < input.startedOn.getTime()) {
    throw new AppError("invalid", "The stop date is before the start date.");
  }
  checkStart(input.startedOn, now);
  const found = await db.patientMedication.findFirst({ where: { id: medicationId, clinicId: actor.clinicId }, select: { patientId: true } });
  if (!found) throw new AppError("not_found", "No such medicine in your clinic.");
  return changeRecord(db, actor, found.patientId, expectedPatientVersion, now, async (tx) => {
    const before = await tx.patientMedication.findFirst({
      where: { id: medicationId, clinicId: actor.clinicId },
      select: { name: true, catalogueId: true, startedOn: true, stoppedOn: true },
    });
    if (!before) throw new AppError("not_found", "No such medicine in your clinic.");
    await tx.patientMedication.updateMany({ where: { id: medicationId, clinicId: actor.clinicId }, data: { startedOn: input.startedOn, stoppedOn: input.stoppedOn } });
    const day = (d: Date | null) => (d ? toIsoDate(d) : null);
    const isStop = before.stoppedOn === null && input.stoppedOn !== null && day(before.startedOn) === day(input.startedOn);
    return {
      action: "medication.change",
      entityType: "medication",
      entityId: medicationId,
      medicationId,
      detail: {
        change: isStop ? "stop" : "edit",
        name: before.name,
        catalogueId: before.catalogueId,
        before: { startedOn: day(before.startedOn), stoppedOn: day(before.stoppedOn) },
        after: { startedOn: day(input.startedOn), stoppedOn: day(input.stoppedOn) },
      },
    };
  });
}

/** Stops a medicine on a date, keeping its start date. */
export async function stopMedication(db: Db, actor: Actor, medicationId: string, stoppedOn: Date, expectedPatientVersion: number, now: Date = new Date()): Promise<MedicationChangeResult> {
  assertCanEdit(actor);
  assertId(medicationId, "medicine");
  const found = await db.patientMedication.findFirst({ where: { id: medicationId, clinicId: actor.clinicId }, select: { startedOn: true, stoppedOn: true, name: true } });
  if (!found) throw new AppError("not_found", "No such medicine in your clinic.");
  if (found.stoppedOn !== null) throw new AppError("invalid", `${found.name} is already stopped (${toIsoDate(found.stoppedOn)}); edit the stop date instead.`);
  return updateMedication(db, actor, medicationId, { startedOn: found.startedOn, stoppedOn }, expectedPatientVersion, now);
}

function assertCondition(code: string): asserts code is ConditionCode {
  if (!(CONDITION_CODES as readonly string[]).includes(code)) throw new AppError("invalid", "Choose a condition from the list.");
}

/** Records an absorption condition (or records again one that was resolved). */
export async function addCondition(db: Db, actor: Actor, patientId: string, code: ConditionCode, expectedPatientVersion: number, now: Date = new Date()): Promise<MedicationChangeResult> {
  assertCondition(code);
  return changeRecord(db, actor, patientId, expectedPatientVersion, now, async (tx) => {
    const existing = await tx.patientCondition.findFirst({ where: { patientId, code }, select: { id: true, resolvedAt: true } });
    if (existing && existing.resolvedAt === null) throw new AppError("invalid", "This condition is already recorded.");
    if (existing) await tx.patientCondition.update({ where: { id: existing.id }, data: { resolvedAt: null, recordedAt: now, source: "manual" } });
    else await tx.patientCondition.create({ data: { patientId, code, recordedAt: now, source: "manual" } });
    return { action: "patient.update", entityType: "condition", entityId: code, detail: { change: "condition.add", code, previouslyResolved: existing?.resolvedAt?.toISOString() ?? null } };
  });
}

/** Marks a recorded condition resolved: it no longer counts as a B12 risk factor. */
export async function resolveCondition(db: Db, actor: Actor, patientId: string, code: ConditionCode, expectedPatientVersion: number, now: Date = new Date()): Promise<MedicationChangeResult> {
  assertCondition(code);
  return changeRecord(db, actor, patientId, expectedPatientVersion, now, async (tx) => {
    const existing = await tx.patientCondition.findFirst({ where: { patientId, code, resolvedAt: null }, select: { id: true } });
    if (!existing) throw new AppError("invalid", "This condition is not recorded as current.");
    await tx.patientCondition.update({ where: { id: existing.id }, data: { resolvedAt: now } });
    return { action: "patient.update", entityType: "condition", entityId: code, detail: { change: "condition.resolve", code } };
  });
}
