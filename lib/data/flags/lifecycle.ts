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
  CLOSE_REASON_LABELS,
  OUTREACH_LABELS,
  OUTREACH_STATUSES,
  PERSON_CLOSE_REASONS,
  type CloseReason,
  type FlagStatus,
  type OutreachStatus,
  type PersonCloseReason,
} from "@/lib/domain/flag-lifecycle";
import { decodeCloseReason, decodeFlagCode, decodeFlagStatus, decodeOutreach } from "@/lib/data/stored/values";

export { CLOSE_REASON_LABELS, OUTREACH_LABELS, OUTREACH_STATUSES, PERSON_CLOSE_REASONS, type OutreachStatus, type PersonCloseReason };

export interface FlagChangeResult {
  flagId: string;
  patientId: string;
  version: number;
  status: FlagStatus;
  outreach: OutreachStatus;
}

const FLAG_SELECT = {
  id: true, patientId: true, code: true, status: true, outreach: true, version: true, closeReason: true, closeNote: true, closedAt: true, dueAt: true,
} as const;

interface FlagRow {
  id: string;
  patientId: string;
  code: FlagCode;
  status: FlagStatus;
  outreach: OutreachStatus;
  version: number;
  closeReason: CloseReason | null;
  closeNote: string | null;
  closedAt: Date | null;
  dueAt: Date;
}

/** The flag `flagId` of the clinic as stored now, decoded; null when the clinic has no such flag. */
async function readFlag(tx: Tx, flagId: string, clinicId: string): Promise<FlagRow | null> {
  const row = await tx.flag.findFirst({ where: { id: flagId, clinicId }, select: FLAG_SELECT });
  if (!row) return null;
  return {
    ...row,
    code: decodeFlagCode(row.code, row.id),
    status: decodeFlagStatus(row.status, row.id),
    outreach: decodeOutreach(row.outreach, row.id),
    closeReason: decodeCloseReason(row.closeReason, row.id),
  };
}

function assertId(id: unknown): asserts id is string {
  if (typeof id !== "string" || id.trim() === "") throw new AppError("not_found", "No such flag in your clinic.");
}

function flagName(code: FlagCode): string {
  return FLAG_LABELS[code];
}

function describeState(flag: FlagRow): string {
  if (flag.status === "open") return `open, outreach “${OUTREACH_LABELS[flag.outreach]}”`;
  const reason = flag.closeReason ? CLOSE_REASON_LABELS[flag.closeReason] : "no reason";
  return `closed (${reason.toLowerCase()})`;
}

function conflict(flag: FlagRow): AppError {
  return new AppError(
    "conflict",
    `Someone else changed the flag “${flagName(flag.code)}” while you were looking at it; it is now ${describeState(flag)}. The page shows its current state — check it and try again if still needed.`,
  );
}

/**
 * Runs one change in a transaction: finds the flag in the actor's clinic, checks the version the
 * user saw, lets `decide` validate and describe the change, applies it only if the version is
 * still the same (so two concurrent writers cannot both succeed), audits, and keeps the
 * snapshot's "next due" in step with the open flags for the panel's overdue sort.
 */
async function changeFlag(
  db: Db,
  actor: Actor,
  flagId: string,
  expectedVersion: number,
  decide: (flag: FlagRow, tx: Tx) => Promise<{ data: Record<string, unknown>; detail: Record<string, unknown> }>,
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
    const { data, detail } = await decide(flag, tx);
    const updated = await tx.flag.updateMany({ where: { id: flag.id, clinicId, version: expectedVersion }, data: { ...data, version: { increment: 1 } } });
    if (updated.count !== 1) {
      throw conflict((await readFlag(tx, flag.id, clinicId)) ?? flag);
    }
    const after = await readFlag(tx, flag.id, clinicId);
    if (!after) throw new Error(`Flag ${flag.id} vanished inside the transaction that changed it.`);
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
    return { flagId: after.id, patientId: after.patientId, version: after.version, status: after.status, outreach: after.outreach };
  });
}

/** The panel sorts by the snapshot's earliest open due date; closing or reopening moves it. */
async function refreshNextDue(tx: Tx, clinicId: string, patientId: string): Promise<void> {
  const next = await tx.flag.findFirst({ where: { patientId, clinicId, status: "open" }, orderBy: { dueAt: "asc" }, select: { dueAt: true } });
  await tx.riskSnapshot.updateMany({ where: { patientId, clinicId }, data: { nextDueAt: next?.dueAt ?? null } });
}

/** Records how outreach for an open flag stands (none, contacted, scheduled, declined). */
export async function updateFlagOutreach(db: Db, actor: Actor, flagId: string, outreach: OutreachStatus, expectedVersion: number, now: Date = new Date()): Promise<FlagChangeResult> {
  if (!OUTREACH_STATUSES.includes(outreach)) throw new AppError("invalid", "Choose an outreach status from the list.");
  return changeFlag(db, actor, flagId, expectedVersion, async (flag) => {
    if (flag.status !== "open") throw new AppError("invalid", `The flag “${flagName(flag.code)}” is closed; reopen it to record outreach.`);
    return { data: { outreach }, detail: { change: "outreach", from: flag.outreach, to: outreach } };
  }, now);
}

/** Closes an open flag with a person's reason and an optional note; it stays in the history. */
export async function closeFlag(
  db: Db,
  actor: Actor,
  flagId: string,
  reason: PersonCloseReason,
  note: string | null,
  expectedVersion: number,
  now: Date = new Date(),
): Promise<FlagChangeResult> {
  if (!PERSON_CLOSE_REASONS.includes(reason)) throw new AppError("invalid", "Choose why the flag is closed: done, not applicable or patient declined.");
  const trimmed = note?.trim() || null;
  if (trimmed !== null && trimmed.length > 500) throw new AppError("invalid", "Keep the note to 500 characters.");
  return changeFlag(db, actor, flagId, expectedVersion, async (flag) => {
    if (flag.status !== "open") throw new AppError("invalid", `The flag “${flagName(flag.code)}” is already closed.`);
    return {
      data: { status: "closed", closeReason: reason, closeNote: trimmed, closedAt: now, closedById: actorId(actor) },
      detail: { change: "close", reason, note: trimmed },
    };
  }, now);
}

/**
 * Reopens a closed flag (a person's close or the engine's "resolved by data"). Refused when the
 * patient already has an open flag of the same kind — act on that one instead — so there is never
 * more than one open flag per kind.
 */
export async function reopenFlag(db: Db, actor: Actor, flagId: string, expectedVersion: number, now: Date = new Date()): Promise<FlagChangeResult> {
  return changeFlag(db, actor, flagId, expectedVersion, async (flag, tx) => {
    if (flag.status === "open") throw new AppError("invalid", `The flag “${flagName(flag.code)}” is already open.`);
    const twin = await tx.flag.findFirst({ where: { patientId: flag.patientId, code: flag.code, status: "open", NOT: { id: flag.id } }, select: { id: true } });
    if (twin) throw new AppError("conflict", `This patient already has an open flag “${flagName(flag.code)}”; act on that one instead.`);
    return {
      data: { status: "open", closeReason: null, closeNote: null, closedAt: null, closedById: null },
      detail: { change: "reopen", previousReason: flag.closeReason, previousNote: flag.closeNote, closedAt: flag.closedAt?.toISOString() ?? null },
    };
  }, now);
}

