import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import type { AuditAction } from "@/lib/data/audit/log";
import { AppError } from "@/lib/errors";
import { toIsoDate } from "@/lib/domain/dates";

/** Actions that change a patient's record, for "who changed it last" in a conflict message. */
export const RECORD_CHANGE_ACTIONS: readonly AuditAction[] = [
  "observation.create", "observation.update", "observation.entered_in_error", "medication.change", "patient.update",
];

/**
 * The conflict a second writer gets: who saved last and when, so the clinician knows what to
 * look at. Read inside the transaction that is about to roll back.
 */
export async function patientConflict(tx: Tx | Db, clinicId: string, patientId: string, expected: number): Promise<AppError> {
  const current = await tx.patient.findFirst({ where: { id: patientId, clinicId }, select: { version: true } });
  const last = await tx.auditEvent.findFirst({
    where: { patientId, clinicId, action: { in: [...RECORD_CHANGE_ACTIONS] } },
    orderBy: { seq: "desc" },
    select: { actorId: true, actorLabel: true, at: true },
  });
  let who = "Someone else";
  if (last?.actorId) {
    const user = await tx.user.findFirst({ where: { id: last.actorId, clinicId }, select: { name: true } });
    if (user) who = user.name;
  } else if (last) who = last.actorLabel;
  const when = last ? ` at ${last.at.toISOString().slice(11, 16)} UTC on ${toIsoDate(last.at)}` : "";
  return new AppError(
    "conflict",
    `${who} saved changes to this patient's record${when} while you were working on it (version ${current?.version ?? "?"}, you started from version ${expected}). Nothing of yours was saved. Your entries are still in the form: check them against the current results shown, then save again.`,
  );
}

/**
 * Moves the patient's version from `expected` to `expected + 1` — one conditional UPDATE, so of
 * two concurrent writers exactly one matches the row. Throws conflict (or not_found) otherwise.
 */
export async function claimPatientVersion(tx: Tx, clinicId: string, patientId: string, expected: number): Promise<number> {
  if (!Number.isInteger(expected) || expected < 1) throw new AppError("invalid", "The record's version is missing; reload the page.");
  const claimed = await tx.patient.updateMany({ where: { id: patientId, clinicId, version: expected }, data: { version: { increment: 1 } } });
  if (claimed.count === 1) return expected + 1;
  const exists = await tx.patient.findFirst({ where: { id: patientId, clinicId }, select: { id: true } });
  if (!exists) throw new AppError("not_found", "No such patient in your clinic.");
  throw await patientConflict(tx, clinicId, patientId, expected);
}
