import "server-only";
import type { Db } from "@/lib/data/db/client";
import type { Actor } from "@/lib/data/access/actor";

/** The clinic's most recent job of a kind, for progress bars. */
export async function getLatestJob(db: Db, actor: Actor, kind: string) {
  return db.jobRun.findFirst({
    where: { clinicId: actor.clinicId, kind },
    orderBy: { startedAt: "desc" },
    select: { id: true, status: true, total: true, done: true, message: true, startedAt: true, finishedAt: true },
  });
}
