import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import { chunks } from "@/lib/data/db/batches";
import { addDaysUtc } from "@/lib/domain/dates";
import { PERSON_CLOSE_REASONS } from "@/lib/domain/flag-lifecycle";

/**
 * How long a flag a person closed keeps the engine from opening the same flag again for that
 * patient. 90 days: the longest default due interval of any flag (muscle mass and performance,
 * 90 days) and NICE NG239's "review 3 months after starting treatment", so a closed flag returns
 * at the next quarterly review if the data still call for it, rather than the next night's
 * re-evaluation. Not a guideline value: a local default.
 */
export const FLAG_SUPPRESSION_DAYS = 90;

/**
 * `${patientId}|${code}` for every patient and flag kind whose most recent flag (latest opened)
 * was closed by a person — done, not applicable or patient declined — less than
 * {@link FLAG_SUPPRESSION_DAYS} days before `now`. `storeEvaluations` must not open such a flag
 * again: otherwise a flag a clinician just closed would reappear at the next re-evaluation,
 * because reconciliation only looks at open flags.
 */
export async function suppressedFlagKeys(tx: Tx | Db, patientIds: readonly string[], now: Date): Promise<Set<string>> {
  const suppressed = new Set<string>();
  const since = addDaysUtc(now, -FLAG_SUPPRESSION_DAYS).getTime();
  const personReasons: readonly string[] = PERSON_CLOSE_REASONS;
  for (const chunk of chunks(patientIds)) {
    const rows = await tx.flag.findMany({
      where: { patientId: { in: chunk } },
      select: { patientId: true, code: true, status: true, closeReason: true, closedAt: true, openedAt: true, id: true },
      orderBy: [{ openedAt: "asc" }, { id: "asc" }],
    });
    const latest = new Map<string, (typeof rows)[number]>();
    for (const row of rows) latest.set(`${row.patientId}|${row.code}`, row);
    for (const [key, row] of latest) {
      if (
        row.status !== "open" &&
        row.closeReason !== null &&
        personReasons.includes(row.closeReason) &&
        row.closedAt !== null &&
        row.closedAt.getTime() > since &&
        row.closedAt.getTime() <= now.getTime()
      ) {
        suppressed.add(key);
      }
    }
  }
  return suppressed;
}
