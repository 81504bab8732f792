import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";

/**
 * Where the unkeyed log from before the audit key ends. Its events all come before the keyed ones
 * (the database refuses unkeyed inserts since migration audit_keyed_chains), so its last event is
 * the last unkeyed one before the first keyed event. Found by scanning forward over the unkeyed
 * part, which stopped growing at the upgrade: a backward scan for the newest unkeyed event would
 * cross every keyed event ever written. Used when a clinic's chain gets its first event (which
 * commits to `last.hash`) and by the verification (which checks that commitment).
 */
export async function unkeyedLogEnd(client: Tx | Db): Promise<{ firstKeyedSeq: number | null; last: { seq: number; hash: string } | null }> {
  const firstKeyed = await client.auditEvent.findFirst({ where: { chainSeq: { not: null } }, orderBy: { seq: "asc" }, select: { seq: true } });
  const last = await client.auditEvent.findFirst({
    where: { chainSeq: null, ...(firstKeyed ? { seq: { lt: firstKeyed.seq } } : {}) },
    orderBy: { seq: "desc" },
    select: { seq: true, hash: true },
  });
  return { firstKeyedSeq: firstKeyed?.seq ?? null, last };
}
