import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { actorId, actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { insertNewPatients } from "@/lib/data/import/write";
import { decodeDiet, decodeSex } from "@/lib/data/stored/values";
import { AppError } from "@/lib/errors";
import { toIsoDate } from "@/lib/domain/dates";
import { patientSearchKey } from "@/lib/domain/search-key";
import type { ConditionCode, Diet, Sex } from "@/lib/domain/types";
import { riskState, type AssessmentChange } from "./assessment";
import type { NewPatient } from "./new-patient";
import { claimPatientVersion } from "./version";
import { openPatientRecord } from "./record";

/**
 * A patient created in the app, and a patient's demographics and diet edited there
 * (docs/design.md#patients-and-users-in-the-app). Both are one transaction: the write, the
 * patient's evaluation (snapshot, flags, panel columns — diet is a B12 risk factor) and the audit
 * event commit together, as every write path does. A new patient goes through the same writer
 * as the seed and the importers (lib/data/import/write.ts `insertNewPatients`); an edit claims the
 * patient's version, so a stale form is a conflict and changes nothing.
 */

export interface PatientDetails {
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: Sex;
  diet: Diet | null;
}

export interface NewPatientInput extends PatientDetails {
  mrn: string;
  /** Absorption and other B12 risk conditions known when the patient is registered. */
  conditions: readonly ConditionCode[];
}

export interface PatientWriteResult {
  patientId: string;
  version: number;
  /** The tier before and after, the flags opened and closed (the page says so). */
  change: AssessmentChange;
  /** The fields an edit changed, old → new (empty for a new patient). */
  changed: DetailChange[];
}

export interface DetailChange {
  field: keyof PatientDetails;
  before: string | null;
  after: string | null;
}

function assertCanEdit(actor: Actor): void {
  if (!can(actorRole(actor), "patient:edit")) throw new AppError("forbidden", "Your role does not allow changing patient records.");
}

function checkBirthDate(birthDate: Date, now: Date): void {
  if (birthDate.getTime() > now.getTime()) throw new AppError("invalid", `The birth date ${toIsoDate(birthDate)} is after today; check the date.`);
}

/** The conflict when the MRN is taken: it names the patient who has it, so the clinician can open that record instead. */
async function mrnTaken(db: Db | Tx, clinicId: string, mrn: string): Promise<AppError | null> {
  const existing = await db.patient.findFirst({ where: { clinicId, mrn }, select: { familyName: true, givenName: true, birthDate: true } });
  if (!existing) return null;
  return new AppError(
    "conflict",
    `MRN ${mrn} is already used by ${existing.familyName}, ${existing.givenName} (born ${toIsoDate(existing.birthDate)}) in this clinic. If that is this patient, open their record; otherwise check the MRN.`,
  );
}

/**
 * Registers a patient in the actor's clinic with no results yet, evaluates them at `now` and
 * audits "patient.create". The MRN is unique per clinic: a taken MRN is a conflict naming the
 * patient who has it — also when two people register the same MRN at once (the database's unique
 * index refuses the second insert; the error is then read back as that conflict). A clinician
 * who registers a patient is their attributed clinician.
 */
export async function createPatient(db: Db, actor: Actor, input: NewPatientInput, now: Date = new Date()): Promise<PatientWriteResult> {
  assertCanEdit(actor);
  checkBirthDate(input.birthDate, now);
  const clinicId = actor.clinicId;
  const conditions = [...new Set(input.conditions)].sort();
  const patient: NewPatient = {
    mrn: input.mrn,
    familyName: input.familyName,
    givenName: input.givenName,
    birthDate: input.birthDate,
    sex: input.sex,
    diet: input.diet,
    conditions,
    attributedToClinician: actor.kind === "user" && actor.role === "clinician",
    observations: [],
    medications: [],
  };
  try {
    return await db.$transaction(async (tx) => {
      const taken = await mrnTaken(tx, clinicId, input.mrn);
      if (taken) throw taken;
      const thresholds = await getActiveThresholds(tx, clinicId, now);
      const [patientId] = await insertNewPatients(tx, [patient], {
        clinicId,
        attributedClinicianId: actorId(actor),
        source: "manual",
        enteredById: actorId(actor),
        now,
        thresholds,
      });
      if (!patientId) throw new Error("insertNewPatients returned no id for the new patient");
      await appendAudit(
        tx,
        actor,
        [{
          action: "patient.create",
          patientId,
          entityType: "patient",
          entityId: patientId,
          detail: { mrn: patient.mrn, familyName: patient.familyName, givenName: patient.givenName, birthDate: toIsoDate(patient.birthDate), sex: patient.sex, diet: patient.diet, conditions },
        }],
        now,
      );
      const after = await riskState(tx, clinicId, patientId);
      const change: AssessmentChange = { tierBefore: null, tierAfter: after.tier, flagsOpened: [...after.openFlags].sort(), flagsClosed: [] };
      return { patientId, version: 1, change, changed: [] };
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    // Two registrations of one MRN at once: the unique (clinicId, mrn) index refused this one.
    const taken = await mrnTaken(db, clinicId, input.mrn);
    if (taken) throw taken;
    throw error;
  }
}

function detailText(field: keyof PatientDetails, details: PatientDetails): string | null {
  const value = details[field];
  if (value instanceof Date) return toIsoDate(value);
  return value;
}

const DETAIL_FIELDS = ["familyName", "givenName", "birthDate", "sex", "diet"] as const satisfies readonly (keyof PatientDetails)[];

/** The fields whose value differs, old → new, as the audit log and the page state them. */
export function detailChanges(before: PatientDetails, after: PatientDetails): DetailChange[] {
  return DETAIL_FIELDS.flatMap((field) => {
    const was = detailText(field, before);
    const now = detailText(field, after);
    return was === now ? [] : [{ field, before: was, after: now }];
  });
}

/**
 * Changes a patient's name, birth date, sex and diet (the MRN stays: it is how other systems know
 * the patient), provided the patient is still at `expectedPatientVersion`; re-evaluates them in
 * the same transaction and audits "patient.update" with every changed field old → new. Another
 * clinic's patient is not_found; a stale version is a conflict; a save that changes nothing is
 * refused as such (no version moves, nothing is audited).
 */
export async function updatePatientDetails(
  db: Db,
  actor: Actor,
  patientId: string,
  input: PatientDetails,
  expectedPatientVersion: number,
  now: Date = new Date(),
): Promise<PatientWriteResult> {
  assertCanEdit(actor);
  if (typeof patientId !== "string" || patientId.trim() === "") throw new AppError("not_found", "No such patient in your clinic.");
  checkBirthDate(input.birthDate, now);
  const clinicId = actor.clinicId;
  return db.$transaction(async (tx) => {
    const version = await claimPatientVersion(tx, clinicId, patientId, expectedPatientVersion);
    const row = await tx.patient.findFirstOrThrow({
      where: { id: patientId, clinicId },
      select: { id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true, diet: true },
    });
    const before: PatientDetails = { familyName: row.familyName, givenName: row.givenName, birthDate: row.birthDate, sex: decodeSex(row.sex, row.id), diet: decodeDiet(row.diet, row.id) };
    const changed = detailChanges(before, input);
    if (changed.length === 0) throw new AppError("invalid", "Nothing to save: the details are the same as on record.");
    const risk = await riskState(tx, clinicId, patientId);
    await tx.patient.updateMany({
      where: { id: patientId, clinicId },
      data: {
        familyName: input.familyName,
        givenName: input.givenName,
        birthDate: input.birthDate,
        sex: input.sex,
        diet: input.diet,
        searchText: patientSearchKey({ mrn: row.mrn, familyName: input.familyName, givenName: input.givenName }),
      },
    });
    await reevaluatePatients(tx, clinicId, [patientId], now);
    await appendAudit(
      tx,
      actor,
      [{
        action: "patient.update",
        patientId,
        entityType: "patient",
        entityId: patientId,
        detail: { change: "details", fields: changed, patientVersion: version },
      }],
      now,
    );
    const after = await riskState(tx, clinicId, patientId);
    const change: AssessmentChange = {
      tierBefore: risk.tier,
      tierAfter: after.tier,
      flagsOpened: [...after.openFlags].filter((code) => !risk.openFlags.has(code)).sort(),
      flagsClosed: [...risk.openFlags].filter((code) => !after.openFlags.has(code)).sort(),
    };
    return { patientId, version, change, changed };
  });
}

/** What the edit form needs: the details as recorded and the version to save against (opened and audited as a view, scoped by clinic). */
export async function getPatientDetails(db: Db, actor: Actor, patientId: string, now: Date = new Date()): Promise<PatientDetails & { id: string; mrn: string; version: number }> {
  assertCanEdit(actor);
  const opened = await openPatientRecord(db, actor, patientId, now);
  const row = await db.patient.findFirst({
    where: { id: opened.patient.id, clinicId: actor.clinicId },
    select: { id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true, diet: true, version: true },
  });
  if (!row) throw new AppError("not_found", "No such patient in your clinic.");
  return { ...row, sex: decodeSex(row.sex, row.id), diet: decodeDiet(row.diet, row.id) };
}
