import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import { chunks } from "@/lib/data/db/batches";
import { DECIDED_BY_A_PERSON } from "@/lib/domain/flag-lifecycle";
import { decodeCloseReason } from "@/lib/data/stored/values";

/**
 * `${patientId}|${code}` for every patient and flag kind whose most recent flag (latest opened)
 * a person closed and whose stored return date (`returnsAt`, shown in the close dialog and the
 * flag history) is still ahead of `now` — or was never set, for "deceased" and "left the
 * clinic". `storeEvaluations` must not open such a flag again: otherwise a flag a clinician just
 * closed would reappear at the next re-evaluation, because reconciliation only looks at open
 * flags. Nothing is hidden silently: the return date is the one the person was shown
 * (lib/domain/flag-lifecycle.ts `closedFlagReturnsAt`).
 */
export async function suppressedFlagKeys(tx: Tx | Db, patientIds: readonly string[], now: Date): Promise<Set<string>> {
  return suppressedKeysOf(await patientFlags(tx, patientIds), now);
}

/**
 * Every flag of these patients, oldest opened first (so the last of a kind is its latest), with
 * the columns {@link suppressedKeysOf} reads and those `storeEvaluations` reconciles open flags
 * by (lib/data/evaluation/snapshots.ts): one read serves both.
 */
export async function patientFlags(tx: Tx | Db, patientIds: readonly string[]) {
  const rows = [];
  for (const chunk of chunks(patientIds)) {
    rows.push(
      ...(await tx.flag.findMany({
        where: { patientId: { in: chunk } },
        select: {
          id: true, patientId: true, code: true, status: true, closeReason: true, closedAt: true, returnsAt: true, openedAt: true,
          stage: true, dueAt: true, actionDueAt: true, postponedUntil: true, reasonText: true, orderedAt: true,
        },
        orderBy: [{ openedAt: "asc" }, { id: "asc" }],
      })),
    );
  }
  return rows;
}

export interface SuppressionRow {
  patientId: string;
  code: string;
  status: string;
  closeReason: string | null;
  closedAt: Date | null;
  returnsAt: Date | null;
  id: string;
}

/**
 * {@link suppressedFlagKeys} of flags already read: every flag of the patients concerned, oldest
 * opened first ({@link patientFlags}).
 */
export function suppressedKeysOf(rows: readonly SuppressionRow[], now: Date): Set<string> {
  const suppressed = new Set<string>();
  const latest = new Map<string, SuppressionRow>();
  for (const row of rows) latest.set(`${row.patientId}|${row.code}`, row);
  for (const [key, row] of latest) {
    if (row.status !== "closed" || row.closedAt === null || row.closedAt.getTime() > now.getTime()) continue;
    const reason = decodeCloseReason(row.closeReason, row.id);
    if (reason === null || !DECIDED_BY_A_PERSON.has(reason)) continue;
    if (row.returnsAt === null || row.returnsAt.getTime() > now.getTime()) suppressed.add(key);
  }
  return suppressed;
}
