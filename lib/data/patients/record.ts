import "server-only";
import type { Db } from "@/lib/data/db/client";
import { auditRead } from "@/lib/data/audit/log";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { ageInYears } from "@/lib/domain/dates";
import { findMedicineById, MEDICINE_CLASSES, type MedicineRoles } from "@/lib/domain/medicine-catalogue";
import { isCurrentMedication } from "@/lib/domain/medications";
import type { ThresholdValues } from "@/lib/domain/thresholds";
import { outreachDueBefore, type OutreachChannel, type OutreachOutcome } from "@/lib/domain/outreach";
import { closedFlagReturnsAt, flagState, PERSON_CLOSE_REASONS, type CloseReason, type FlagStage, type FlagStateView, type FlagLifecycleSettings, type FlagStatus, type OutreachStatus, type PersonCloseReason, OPEN_FLAG_STATES } from "@/lib/domain/flag-lifecycle";
import {
  MEASURE_KINDS, type Awgs2019Category, type B12Status, type ConditionCode, type Diet, type Ewgsop2Category, type FlagCode, type MeasureKind, type Reason, type Sex, type StoredObservation, type Tier,
} from "@/lib/domain/types";
import {
  decodeAwgs2019, decodeB12Status, decodeCloseReason, decodeConditionCode, decodeDiet, decodeEwgsop2, decodeFlagCode, decodeFlagReasons, decodeFlagStage, decodeFlagStatus, decodeOutreachChannel, decodeOutreachOutcome,
  decodeMassMethod, decodeMeasureKind, decodeOutreach, decodeSex, decodeStoredEvaluation, decodeTier, type StoredEvaluation,
} from "@/lib/data/stored/values";

export interface PatientHeader {
  id: string;
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: Date;
  ageYears: number;
  sex: Sex;
  diet: Diet | null;
  deceasedAt: Date | null;
  /** Current conditions (resolved ones are left out). */
  conditions: { code: ConditionCode; recordedAt: Date }[];
  clinician: { id: string; name: string } | null;
}

export interface StoredSnapshot {
  tier: Tier;
  ewgsop2: Ewgsop2Category;
  awgs2019: Awgs2019Category;
  b12Status: B12Status;
  b12OnTreatment: boolean;
  ruleSetVersion: number;
  evaluatedAt: Date;
  /** The stored engine result: each category with its reasons, and why the tier. */
  evaluation: StoredEvaluation;
}

/** One attempt of a flag's outreach log, oldest first. */
export interface OutreachAttemptView {
  attempt: number;
  channel: OutreachChannel;
  outcome: OutreachOutcome;
  note: string | null;
  nextAttemptAt: Date | null;
  recordedAt: Date;
  recordedByName: string | null;
}

export interface FlagView {
  id: string;
  code: FlagCode;
  status: FlagStatus;
  stage: FlagStage;
  outreach: OutreachStatus;
  dueAt: Date;
  /** The day the flag needs action: the due date, the end of the awaiting window (ordered) or the postponed-until date. */
  actionDueAt: Date;
  /** The outreach log, oldest attempt first. */
  outreachAttempts: OutreachAttemptView[];
  /** The latest attempt's next attempt date (null: none planned). */
  nextOutreachAt: Date | null;
  /** Open, with the next attempt planned for today or a day passed: "outreach due today" at `now`. */
  outreachDue: boolean;
  /** The state at `now` (lib/domain/flag-lifecycle.ts): overdue, due today, due soon, ordered… */
  state: FlagStateView;
  isOverdue: boolean;
  orderedAt: Date | null;
  orderedByName: string | null;
  expectedAt: Date | null;
  postponedUntil: Date | null;
  /** Closed by a person: when it may return (null: never, until reopened). */
  returnsAt: Date | null;
  doneOn: Date | null;
  doneValue: string | null;
  openedAt: Date;
  closedAt: Date | null;
  closedByName: string | null;
  closeReason: CloseReason | null;
  closeNote: string | null;
  reasonText: string;
  reasons: Reason[];
  version: number;
  updatedAt: Date;
}

export interface PatientFlags {
  /** Open flags, overdue first, then by the day they need action. */
  open: FlagView[];
  /** Closed and not-applicable flags, most recently closed first: the flag history. */
  closed: FlagView[];
  /** What the close form says for each reason: when the flag would return if closed now (null: never). */
  returnsIfClosedNow: Record<PersonCloseReason, Date | null>;
  /** The clinic's lifecycle settings in force (due soon, awaiting window, return after a close). */
  settings: FlagLifecycleSettings;
}

export interface MedicationView {
  id: string;
  name: string;
  catalogueId: string | null;
  /** Catalogue generic name and class label; null for free text that matched nothing. */
  genericName: string | null;
  classLabel: string | null;
  atcCode: string | null;
  startedOn: Date | null;
  stoppedOn: Date | null;
  roles: MedicineRoles;
  isCurrent: boolean;
}

export interface PatientMedications {
  current: MedicationView[];
  past: MedicationView[];
}

export interface ObservationView extends StoredObservation {
  id: string;
  source: string;
  status: string;
  erroredAt: Date | null;
  erroredReason: string | null;
}

export interface PatientObservations {
  /** Final results per kind, oldest first (every kind present, possibly empty). */
  byKind: Record<MeasureKind, ObservationView[]>;
  /** Results marked entered-in-error, newest first: shown apart, never plotted. */
  enteredInError: ObservationView[];
}

export interface PatientRecord {
  patient: PatientHeader;
  snapshot: StoredSnapshot | null;
  flags: PatientFlags;
  medications: PatientMedications;
  observations: PatientObservations;
  /** The clinic's threshold set in force at `now` (for the charts' cut-off lines). */
  thresholds: { version: number; values: ThresholdValues };
}

/**
 * An opened patient record: the header and snapshot are loaded (the patient exists in the actor's
 * clinic and the view is audited); the other sections load on demand, so a page can stream each
 * panel on its own. Every loader is scoped by clinic as well as by patient and queries once.
 */
export interface OpenedPatientRecord {
  patient: PatientHeader;
  snapshot: StoredSnapshot | null;
  loadFlags: () => Promise<PatientFlags>;
  loadMedications: () => Promise<PatientMedications>;
  loadObservations: () => Promise<PatientObservations>;
  loadThresholds: () => Promise<{ version: number; values: ThresholdValues }>;
}

function assertPatientId(patientId: unknown): asserts patientId is string {
  // Prisma reads `undefined` as "no filter": never let an absent id through.
  if (typeof patientId !== "string" || patientId.trim() === "") throw new AppError("not_found", "No such patient in your clinic.");
}

/**
 * Opens one patient of the actor's clinic: checks "patient:view", finds the patient scoped by
 * clinic (another clinic's patient is reported exactly like a missing id: not_found), and writes
 * one "patient.view" audit event — reading a record is audited (docs/design.md#roles-and-security).
 */
export async function openPatientRecord(db: Db, actor: Actor, patientId: string, now: Date = new Date()): Promise<OpenedPatientRecord> {
  if (!can(actorRole(actor), "patient:view")) throw new AppError("forbidden", "Your role does not allow viewing patient records.");
  assertPatientId(patientId);
  const clinicId = actor.clinicId;
  if (!clinicId) throw new AppError("forbidden", "No clinic for this user.");

  const found = await db.patient.findFirst({
    where: { id: patientId, clinicId },
    select: {
      id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true, diet: true, deceasedAt: true,
      attributedClinician: { select: { id: true, name: true } },
      conditions: { where: { resolvedAt: null }, select: { id: true, code: true, recordedAt: true }, orderBy: { code: "asc" } },
      snapshot: { select: { id: true, tier: true, ewgsop2: true, awgs2019: true, b12Status: true, b12OnTreatment: true, ruleSetVersion: true, evaluatedAt: true, detailJson: true } },
    },
  });
  if (!found) throw new AppError("not_found", "No such patient in your clinic.");

  await auditRead(db, actor, [{ action: "patient.view", patientId: found.id, entityType: "patient", entityId: found.id, detail: { mrn: found.mrn } }], now);

  const patient: PatientHeader = {
    id: found.id,
    mrn: found.mrn,
    familyName: found.familyName,
    givenName: found.givenName,
    birthDate: found.birthDate,
    ageYears: ageInYears(found.birthDate, now),
    sex: decodeSex(found.sex, found.id),
    diet: decodeDiet(found.diet, found.id),
    deceasedAt: found.deceasedAt,
    conditions: found.conditions.map((c) => ({ code: decodeConditionCode(c.code, c.id), recordedAt: c.recordedAt })),
    clinician: found.attributedClinician,
  };
  const stored = found.snapshot;
  const snapshot: StoredSnapshot | null = stored
    ? {
        tier: decodeTier(stored.tier, stored.id),
        ewgsop2: decodeEwgsop2(stored.ewgsop2, stored.id),
        awgs2019: decodeAwgs2019(stored.awgs2019, stored.id),
        b12Status: decodeB12Status(stored.b12Status, stored.id),
        b12OnTreatment: stored.b12OnTreatment,
        ruleSetVersion: stored.ruleSetVersion,
        evaluatedAt: stored.evaluatedAt,
        evaluation: decodeStoredEvaluation(stored.detailJson, stored.id),
      }
    : null;

  const scope = { patientId: found.id, clinicId };
  return {
    patient,
    snapshot,
    loadFlags: once(() => loadFlags(db, scope, now)),
    loadMedications: once(() => loadMedications(db, scope, now)),
    loadObservations: once(() => loadObservations(db, scope)),
    loadThresholds: once(async () => {
      const active = await getActiveThresholds(db, clinicId, now);
      return { version: active.version, values: active.values };
    }),
  };
}

/** A loader that queries on its first call only, so several panels can share one section. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => (pending ??= load());
}

/**
 * The whole record of one patient of the actor's clinic in one call: demographics, the stored
 * evaluation with its reasons, open flags and the flag history, current and past medicines with
 * their catalogue roles, and results per kind (entered-in-error ones apart). Audited as one
 * "patient.view".
 */
export async function getPatientRecord(db: Db, actor: Actor, patientId: string, now: Date = new Date()): Promise<PatientRecord> {
  const opened = await openPatientRecord(db, actor, patientId, now);
  const [flags, medications, observations, thresholds] = await Promise.all([
    opened.loadFlags(),
    opened.loadMedications(),
    opened.loadObservations(),
    opened.loadThresholds(),
  ]);
  return { patient: opened.patient, snapshot: opened.snapshot, flags, medications, observations, thresholds };
}

interface Scope {
  patientId: string;
  clinicId: string;
}

async function loadFlags(db: Db, scope: Scope, now: Date): Promise<PatientFlags> {
  const [rows, thresholds] = await Promise.all([
    db.flag.findMany({
      where: { patientId: scope.patientId, clinicId: scope.clinicId },
      select: {
        id: true, code: true, status: true, stage: true, outreach: true, dueAt: true, actionDueAt: true, openedAt: true, closedAt: true, closedById: true,
        closeReason: true, closeNote: true, reasonText: true, detailJson: true, version: true, updatedAt: true,
        orderedAt: true, orderedById: true, expectedAt: true, postponedUntil: true, returnsAt: true, doneOn: true, doneValue: true,
        outreachAttempts: {
          where: { clinicId: scope.clinicId },
          select: { attempt: true, channel: true, outcome: true, note: true, nextAttemptAt: true, isLatest: true, recordedAt: true, recordedById: true, id: true },
          orderBy: { attempt: "asc" },
        },
      },
      orderBy: [{ dueAt: "asc" }, { id: "asc" }],
    }),
    getActiveThresholds(db, scope.clinicId, now),
  ]);
  const settings = thresholds.values.flagLifecycle;
  const userIds = [...new Set(rows.flatMap((r) => [r.closedById, r.orderedById, ...r.outreachAttempts.map((a) => a.recordedById)].filter((id): id is string => id !== null)))];
  const users = userIds.length === 0 ? [] : await db.user.findMany({ where: { id: { in: userIds }, clinicId: scope.clinicId }, select: { id: true, name: true } });
  const nameOf = new Map(users.map((u) => [u.id, u.name]));
  const views = rows.map(
    ({ detailJson, closedById, orderedById, code, status, stage, outreach, closeReason, actionDueAt, outreachAttempts, ...row }): FlagView => {
      const life = { status: decodeFlagStatus(status, row.id), stage: decodeFlagStage(stage, row.id), dueAt: row.dueAt, actionDueAt: actionDueAt ?? row.dueAt, orderedAt: row.orderedAt, postponedUntil: row.postponedUntil };
      const state = flagState(life, now, settings);
      const nextOutreachAt = outreachAttempts.find((a) => a.isLatest)?.nextAttemptAt ?? null;
      return {
        ...row,
        code: decodeFlagCode(code, row.id),
        status: life.status,
        stage: life.stage,
        outreach: decodeOutreach(outreach, row.id),
        closeReason: decodeCloseReason(closeReason, row.id),
        actionDueAt: life.actionDueAt,
        outreachAttempts: outreachAttempts.map((a) => ({
          attempt: a.attempt,
          channel: decodeOutreachChannel(a.channel, a.id),
          outcome: decodeOutreachOutcome(a.outcome, a.id),
          note: a.note,
          nextAttemptAt: a.nextAttemptAt,
          recordedAt: a.recordedAt,
          recordedByName: a.recordedById ? (nameOf.get(a.recordedById) ?? null) : null,
        })),
        nextOutreachAt,
        outreachDue: life.status === "open" && nextOutreachAt !== null && nextOutreachAt.getTime() < outreachDueBefore(now).getTime(),
        state,
        isOverdue: state.state === "overdue",
        closedByName: closedById ? (nameOf.get(closedById) ?? null) : null,
        orderedByName: orderedById ? (nameOf.get(orderedById) ?? null) : null,
        reasons: decodeFlagReasons(detailJson, row.id),
      };
    },
  );
  const states: readonly string[] = OPEN_FLAG_STATES;
  const stateRank = (f: FlagView) => states.indexOf(f.state.state);
  return {
    open: views.filter((f) => f.status === "open").sort((a, b) => stateRank(a) - stateRank(b) || a.state.day.localeCompare(b.state.day)),
    closed: views
      .filter((f) => f.status !== "open")
      .sort((a, b) => (b.closedAt?.getTime() ?? 0) - (a.closedAt?.getTime() ?? 0) || b.openedAt.getTime() - a.openedAt.getTime()),
    returnsIfClosedNow: Object.fromEntries(PERSON_CLOSE_REASONS.map((reason) => [reason, closedFlagReturnsAt(reason, now, null, settings)])) as Record<PersonCloseReason, Date | null>,
    settings,
  };
}

const NO_ROLES: MedicineRoles = { b12Lowering: false, b12Replacement: false, muscleOrFalls: false };

async function loadMedications(db: Db, scope: Scope, now: Date): Promise<PatientMedications> {
  const rows = await db.patientMedication.findMany({
    where: { patientId: scope.patientId, clinicId: scope.clinicId },
    select: { id: true, name: true, catalogueId: true, atcCode: true, startedOn: true, stoppedOn: true },
    orderBy: [{ startedOn: { sort: "desc", nulls: "last" } }, { name: "asc" }, { id: "asc" }],
  });
  const views = rows.map((row): MedicationView => {
    const entry = row.catalogueId ? findMedicineById(row.catalogueId) : null;
    return {
      ...row,
      atcCode: row.atcCode ?? entry?.atc ?? null,
      genericName: entry?.genericName ?? null,
      classLabel: entry ? MEDICINE_CLASSES[entry.medicineClass].label : null,
      roles: entry?.roles ?? NO_ROLES,
      isCurrent: isCurrentMedication(row, now),
    };
  });
  return { current: views.filter((m) => m.isCurrent), past: views.filter((m) => !m.isCurrent) };
}

async function loadObservations(db: Db, scope: Scope): Promise<PatientObservations> {
  const rows = await db.observation.findMany({
    where: { patientId: scope.patientId, clinicId: scope.clinicId },
    select: {
      id: true, kind: true, value: true, isUnable: true, reportedValue: true, reportedUnit: true, observedAt: true, method: true,
      source: true, status: true, erroredAt: true, erroredReason: true,
    },
    orderBy: [{ observedAt: "asc" }, { id: "asc" }],
  });
  const byKind = Object.fromEntries(MEASURE_KINDS.map((kind) => [kind, [] as ObservationView[]])) as Record<MeasureKind, ObservationView[]>;
  const enteredInError: ObservationView[] = [];
  for (const row of rows) {
    const view: ObservationView = { ...row, kind: decodeMeasureKind(row.kind, row.id), method: decodeMassMethod(row.method, row.id) };
    if (row.status === "entered_in_error") enteredInError.push(view);
    else if (row.status === "final") byKind[view.kind].push(view);
  }
  enteredInError.reverse();
  return { byKind, enteredInError };
}
