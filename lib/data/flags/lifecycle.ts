import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { actorId, actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { FLAG_LABELS } from "@/lib/domain/labels";
import type { FlagCode } from "@/lib/domain/types";

/**
 * The flag lifecycle a person drives (docs/design.md#flag-lifecycle): outreach status, close with a
 * reason, reopen. Each change is scoped by clinic, checks "flag:act", uses optimistic concurrency
 * on Flag.version (a stale version is a conflict and changes nothing), and writes its
 * "flag.update" audit event in the same transaction. Flags are never deleted: closed ones are the
 * patient's flag history.
 */

import {
  actionDueAt,
  awaitingUntil,
  CLOSE_REASON_LABELS,
  closedFlagReturnsAt,
  OUTREACH_LABELS,
  OUTREACH_STATUSES,
  PERSON_CLOSE_REASONS,
  startOfUtcDay,
  type CloseReason,
  type FlagLifecycleSettings,
  type FlagStage,
  type FlagStatus,
  type OutreachStatus,
  type PersonCloseReason,
} from "@/lib/domain/flag-lifecycle";
import { addDaysUtc, toIsoDate } from "@/lib/domain/dates";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { decodeCloseReason, decodeFlagCode, decodeFlagStage, decodeFlagStatus, decodeOutreach } from "@/lib/data/stored/values";

export { CLOSE_REASON_LABELS, OUTREACH_LABELS, OUTREACH_STATUSES, PERSON_CLOSE_REASONS, type OutreachStatus, type PersonCloseReason };

export interface FlagChangeResult {
  flagId: string;
  patientId: string;
  version: number;
  status: FlagStatus;
  stage: FlagStage;
  outreach: OutreachStatus;
  /** When a flag a person closed may return (null: never, or not closed by a person). */
  returnsAt: Date | null;
}

const FLAG_SELECT = {
  id: true, patientId: true, code: true, status: true, stage: true, outreach: true, version: true, closeReason: true, closeNote: true, closedAt: true,
  dueAt: true, actionDueAt: true, orderedAt: true, postponedUntil: true, returnsAt: true,
} as const;

export interface FlagRow {
  id: string;
  patientId: string;
  code: FlagCode;
  status: FlagStatus;
  stage: FlagStage;
  outreach: OutreachStatus;
  version: number;
  closeReason: CloseReason | null;
  closeNote: string | null;
  closedAt: Date | null;
  dueAt: Date;
  actionDueAt: Date;
  orderedAt: Date | null;
  postponedUntil: Date | null;
  returnsAt: Date | null;
}

/** The flag `flagId` of the clinic as stored now, decoded; null when the clinic has no such flag. */
async function readFlag(tx: Tx, flagId: string, clinicId: string): Promise<FlagRow | null> {
  const row = await tx.flag.findFirst({ where: { id: flagId, clinicId }, select: FLAG_SELECT });
  if (!row) return null;
  return {
    ...row,
    code: decodeFlagCode(row.code, row.id),
    status: decodeFlagStatus(row.status, row.id),
    stage: decodeFlagStage(row.stage, row.id),
    outreach: decodeOutreach(row.outreach, row.id),
    closeReason: decodeCloseReason(row.closeReason, row.id),
    // Rows written before the lifecycle columns were backfilled by the migration; never null since.
    actionDueAt: row.actionDueAt ?? row.dueAt,
  };
}

function assertId(id: unknown): asserts id is string {
  if (typeof id !== "string" || id.trim() === "") throw new AppError("not_found", "No such flag in your clinic.");
}

function flagName(code: FlagCode): string {
  return FLAG_LABELS[code];
}

function describeState(flag: FlagRow): string {
  if (flag.status === "open") {
    const stage = flag.stage === "ordered" ? "ordered, awaiting the result" : flag.stage === "postponed" && flag.postponedUntil ? `postponed until ${toIsoDate(flag.postponedUntil)}` : "open";
    return `${stage}, outreach “${OUTREACH_LABELS[flag.outreach]}”`;
  }
  const reason = flag.closeReason ? CLOSE_REASON_LABELS[flag.closeReason] : "no reason";
  return `${flag.status === "not_applicable" ? "not applicable" : "closed"} (${reason.toLowerCase()})`;
}

function conflict(flag: FlagRow): AppError {
  return new AppError(
    "conflict",
    `Someone else changed the flag “${flagName(flag.code)}” while you were looking at it; it is now ${describeState(flag)}. The page shows its current state — check it and try again if still needed.`,
  );
}

export function assertOpen(flag: FlagRow, doing: string): void {
  if (flag.status !== "open") {
    throw new AppError("invalid", `The flag “${flagName(flag.code)}” is ${flag.status === "not_applicable" ? "not applicable" : "closed"}; reopen it to ${doing}.`);
  }
}

async function lifecycleSettings(tx: Tx, clinicId: string, now: Date): Promise<FlagLifecycleSettings> {
  return (await getActiveThresholds(tx, clinicId, now)).values.flagLifecycle;
}

export interface Decision {
  data: Record<string, unknown>;
  detail: Record<string, unknown>;
  /** Writes that belong with the change, run once the version claim has succeeded (so a loser of a race writes nothing). */
  alsoWrite?: (tx: Tx, after: FlagRow) => Promise<void>;
}

/**
 * Runs one change in a transaction: finds the flag in the actor's clinic, checks the version the
 * user saw, lets `decide` validate and describe the change, applies it only if the version is
 * still the same (so two concurrent writers cannot both succeed: the other is told), audits, and
 * keeps the snapshot's "next due" in step with the open flags for the panel's overdue sort.
 */
export async function changeFlag(
  db: Db,
  actor: Actor,
  flagId: string,
  expectedVersion: number,
  decide: (flag: FlagRow, tx: Tx) => Promise<Decision>,
  now: Date,
): Promise<FlagChangeResult> {
  if (!can(actorRole(actor), "flag:act")) throw new AppError("forbidden", "Your role does not allow acting on flags.");
  assertId(flagId);
  if (!Number.isInteger(expectedVersion) || expectedVersion < 1) throw new AppError("invalid", "The flag's version is missing; reload the page.");
  const clinicId = actor.clinicId;
  return db.$transaction(async (tx) => {
    const flag = await readFlag(tx, flagId, clinicId);
    if (!flag) throw new AppError("not_found", "No such flag in your clinic.");
    if (flag.version !== expectedVersion) throw conflict(flag);
    const { data, detail, alsoWrite } = await decide(flag, tx);
    const updated = await tx.flag.updateMany({ where: { id: flag.id, clinicId, version: expectedVersion }, data: { ...data, version: { increment: 1 } } });
    if (updated.count !== 1) {
      throw conflict((await readFlag(tx, flag.id, clinicId)) ?? flag);
    }
    const after = await readFlag(tx, flag.id, clinicId);
    if (!after) throw new Error(`Flag ${flag.id} vanished inside the transaction that changed it.`);
    if (alsoWrite) await alsoWrite(tx, after);
    await refreshNextDue(tx, clinicId, flag.patientId);
    await appendAudit(
      tx,
      actor,
      [{
        action: "flag.update",
        patientId: flag.patientId,
        entityType: "flag",
        entityId: flag.id,
        detail: { code: flag.code, fromVersion: flag.version, toVersion: after.version, ...detail },
      }],
      now,
    );
    return { flagId: after.id, patientId: after.patientId, version: after.version, status: after.status, stage: after.stage, outreach: after.outreach, returnsAt: after.returnsAt };
  });
}

/** The panel sorts by the snapshot's earliest action day among open flags; every change may move it. */
export async function refreshNextDue(tx: Tx, clinicId: string, patientId: string): Promise<void> {
  // By patient only (its flags are its clinic's): with `clinicId` too SQLite's planner walks every
  // open flag of the clinic on the (clinicId, status, actionDueAt) index — ~0.4 s at 100,000 patients.
  const next = await tx.flag.findFirst({ where: { patientId, status: "open" }, orderBy: { actionDueAt: "asc" }, select: { actionDueAt: true, dueAt: true } });
  await tx.riskSnapshot.updateMany({ where: { patientId, clinicId }, data: { nextDueAt: next ? (next.actionDueAt ?? next.dueAt) : null } });
}

/** Records how outreach for an open flag stands (none, contacted, scheduled, declined). */
export async function updateFlagOutreach(db: Db, actor: Actor, flagId: string, outreach: OutreachStatus, expectedVersion: number, now: Date = new Date()): Promise<FlagChangeResult> {
  if (!OUTREACH_STATUSES.includes(outreach)) throw new AppError("invalid", "Choose an outreach status from the list.");
  return changeFlag(db, actor, flagId, expectedVersion, async (flag) => {
    assertOpen(flag, "record outreach");
    return { data: { outreach }, detail: { change: "outreach", from: flag.outreach, to: outreach } };
  }, now);
}

/** The longest a person may look ahead when ordering or postponing: a year. */
const MAX_AHEAD_DAYS = 366;

/**
 * Marks an open flag "ordered — awaiting result" by the actor at `now`, with an optional expected
 * date for the result: the flag stays visible, not overdue, until a result closes it or the
 * awaiting window (`flagLifecycle.awaitingResultDays` after today, or the later expected date)
 * passes; then it is overdue again and says so.
 */
export async function markFlagOrdered(db: Db, actor: Actor, flagId: string, expectedOn: Date | null, expectedVersion: number, now: Date = new Date()): Promise<FlagChangeResult> {
  const today = startOfUtcDay(now);
  if (expectedOn !== null) {
    if (expectedOn.getTime() < today.getTime()) throw new AppError("invalid", "The expected date of the result is in the past; give today or a later date, or leave it empty.");
    if (expectedOn.getTime() > addDaysUtc(today, MAX_AHEAD_DAYS).getTime()) throw new AppError("invalid", "The expected date is more than a year away; give an earlier date or leave it empty.");
  }
  return changeFlag(db, actor, flagId, expectedVersion, async (flag, tx) => {
    assertOpen(flag, "mark it ordered");
    if (flag.stage === "ordered") throw new AppError("invalid", `The flag “${flagName(flag.code)}” is already ordered and awaiting its result.`);
    const until = awaitingUntil(now, expectedOn, await lifecycleSettings(tx, actor.clinicId, now));
    return {
      data: { stage: "ordered", orderedAt: now, orderedById: actorId(actor), expectedAt: expectedOn, postponedUntil: null, actionDueAt: until },
      detail: { change: "ordered", expectedOn: expectedOn ? toIsoDate(expectedOn) : null, awaitingUntil: toIsoDate(until), previousStage: flag.stage },
    };
  }, now);
}

/**
 * Postpones an open flag until a date after today: "postponed until <date>", due on that day and
 * overdue after it. Refused when the flag is not due before that date anyway.
 */
export async function postponeFlag(db: Db, actor: Actor, flagId: string, until: Date, note: string | null, expectedVersion: number, now: Date = new Date()): Promise<FlagChangeResult> {
  const today = startOfUtcDay(now);
  const day = startOfUtcDay(until);
  if (day.getTime() <= today.getTime()) throw new AppError("invalid", "Postpone to a date after today.");
  if (day.getTime() > addDaysUtc(today, MAX_AHEAD_DAYS).getTime()) throw new AppError("invalid", "Postpone by at most a year; close the flag instead if it should not come back sooner.");
  const trimmed = note?.trim() || null;
  if (trimmed !== null && trimmed.length > 500) throw new AppError("invalid", "Keep the note to 500 characters.");
  return changeFlag(db, actor, flagId, expectedVersion, async (flag) => {
    assertOpen(flag, "postpone it");
    if (startOfUtcDay(flag.dueAt).getTime() >= day.getTime()) {
      throw new AppError("invalid", `The flag “${flagName(flag.code)}” is not due until ${toIsoDate(flag.dueAt)}; postpone it to a later date.`);
    }
    return {
      data: { stage: "postponed", postponedUntil: day, actionDueAt: actionDueAt("postponed", flag.dueAt, day, null), orderedAt: null, orderedById: null, expectedAt: null },
      detail: { change: "postponed", until: toIsoDate(day), note: trimmed, previousStage: flag.stage },
    };
  }, now);
}

export interface CloseInput {
  reason: PersonCloseReason;
  note: string | null;
  /** "Done elsewhere": when it was done (optional, not in the future). */
  doneOn: Date | null;
  /** "Done elsewhere": the result as given, e.g. "B12 310 pmol/L" (optional). */
  doneValue: string | null;
}

/**
 * Closes an open flag with a person's coded reason; it stays in the history. The flag's return
 * date (`closedFlagReturnsAt`) is stored and shown: the engine does not raise the same flag for
 * the patient before it, and never after "deceased" or "left the clinic" until someone reopens it.
 */
export async function closeFlag(db: Db, actor: Actor, flagId: string, input: CloseInput, expectedVersion: number, now: Date = new Date()): Promise<FlagChangeResult> {
  const { reason } = input;
  if (!PERSON_CLOSE_REASONS.includes(reason)) throw new AppError("invalid", "Choose why the flag is closed from the list.");
  const note = input.note?.trim() || null;
  if (note !== null && note.length > 500) throw new AppError("invalid", "Keep the note to 500 characters.");
  if (reason === "other" && note === null) throw new AppError("invalid", "With “Other”, say why in the note.");
  const doneOn = reason === "done_elsewhere" ? input.doneOn : null;
  const doneValue = reason === "done_elsewhere" ? input.doneValue?.trim() || null : null;
  if (doneOn !== null && doneOn.getTime() > now.getTime()) throw new AppError("invalid", "The date it was done is in the future; give the date it was done, or leave it empty.");
  if (doneValue !== null && doneValue.length > 100) throw new AppError("invalid", "Keep the value to 100 characters.");
  return changeFlag(db, actor, flagId, expectedVersion, async (flag, tx) => {
    if (flag.status !== "open") throw new AppError("invalid", `The flag “${flagName(flag.code)}” is already ${flag.status === "not_applicable" ? "not applicable" : "closed"}.`);
    const returnsAt = closedFlagReturnsAt(reason, now, doneOn, await lifecycleSettings(tx, actor.clinicId, now));
    return {
      data: { status: "closed", closeReason: reason, closeNote: note, closedAt: now, closedById: actorId(actor), returnsAt, doneOn, doneValue },
      detail: { change: "close", reason, note, doneOn: doneOn ? toIsoDate(doneOn) : null, doneValue, returnsOn: returnsAt ? toIsoDate(returnsAt) : null },
    };
  }, now);
}

/**
 * Reopens a closed or not-applicable flag (a person's close or the engine's). Refused when the
 * patient already has an open flag of the same kind — act on that one instead — so there is never
 * more than one open flag per kind. It comes back as raised: not ordered, not postponed.
 */
export async function reopenFlag(db: Db, actor: Actor, flagId: string, expectedVersion: number, now: Date = new Date()): Promise<FlagChangeResult> {
  return changeFlag(db, actor, flagId, expectedVersion, async (flag, tx) => {
    if (flag.status === "open") throw new AppError("invalid", `The flag “${flagName(flag.code)}” is already open.`);
    const twin = await tx.flag.findFirst({ where: { patientId: flag.patientId, code: flag.code, status: "open", NOT: { id: flag.id } }, select: { id: true } });
    if (twin) throw new AppError("conflict", `This patient already has an open flag “${flagName(flag.code)}”; act on that one instead.`);
    return {
      data: {
        status: "open", closeReason: null, closeNote: null, closedAt: null, closedById: null, returnsAt: null, doneOn: null, doneValue: null,
        stage: "none", orderedAt: null, orderedById: null, expectedAt: null, postponedUntil: null, actionDueAt: flag.dueAt,
      },
      detail: { change: "reopen", previousStatus: flag.status, previousReason: flag.closeReason, previousNote: flag.closeNote, closedAt: flag.closedAt?.toISOString() ?? null },
    };
  }, now);
}
