/**
 * What someone with write access to the database (but not necessarily the audit key) can do to
 * the audit log, for the tests that show verification notices it. Everything goes straight to
 * the table, as an attacker's SQL would, never through lib/data/audit/log.ts.
 */
import type { Db } from "@/lib/data/db/client";
import { keyedAuditHash, unkeyedAuditHash, type AuditFields } from "@/lib/data/audit/hash";
import { auditKeyId } from "@/lib/data/audit/key";

export interface StoredEvent extends AuditFields {
  seq: number;
  chainSeq: number | null;
  keyId: string | null;
  prevHash: string;
  hash: string;
}

/** The hash a forger puts on an event, given the previous event's hash. */
export type Signer = (prevHash: string, event: StoredEvent) => string;

/** The published unkeyed algorithm (what the log used before it was keyed). */
export const unkeyedSigner: Signer = (prevHash, event) => unkeyedAuditHash(prevHash, event);

/** HMAC under `secret`, labelled with the key id the event carries (a guessed key under the real key's id, or the real key if stolen). */
export function keyedSigner(secret: string): Signer {
  return (prevHash, event) => keyedAuditHash(secret, prevHash, { chainSeq: event.chainSeq ?? 0, keyId: event.keyId ?? "" }, event);
}

/** HMAC under the forger's own key, with its own key id written into the events. */
export function ownKeySigner(secret: string): { sign: Signer; keyId: string } {
  const keyId = auditKeyId(secret);
  return { keyId, sign: (prevHash, event) => keyedAuditHash(secret, prevHash, { chainSeq: event.chainSeq ?? 0, keyId }, event) };
}

async function store(db: Db, event: StoredEvent): Promise<void> {
  await db.auditEvent.update({ where: { seq: event.seq }, data: { detailJson: event.detailJson, actorLabel: event.actorLabel, keyId: event.keyId, prevHash: event.prevHash, hash: event.hash } });
}

/**
 * Changes one event of a clinic's chain and recomputes the hash of it and of every later event
 * of the chain with `sign`, so that every link matches again (the outside test's 30 lines).
 * Returns the changed event's `seq`.
 */
export async function rewriteAndRechain(db: Db, clinicId: string, chainSeq: number, change: Partial<Pick<AuditFields, "detailJson" | "actorLabel">>, sign: Signer, keyId?: string): Promise<number> {
  const events: StoredEvent[] = await db.auditEvent.findMany({ where: { clinicId, chainSeq: { gte: chainSeq } }, orderBy: { chainSeq: "asc" } });
  if (events[0]?.chainSeq !== chainSeq) throw new Error(`no event no. ${chainSeq} in ${clinicId}'s chain`);
  let prevHash = events[0].prevHash;
  for (const [index, original] of events.entries()) {
    const event: StoredEvent = { ...original, ...(index === 0 ? change : {}), ...(keyId ? { keyId } : {}), prevHash };
    event.hash = sign(prevHash, event);
    await store(db, event);
    prevHash = event.hash;
  }
  return events[0].seq;
}

/** The same for the unkeyed log from before the upgrade: change the event `seq`, re-chain every later unkeyed event. */
export async function rewriteAndRechainUnkeyed(db: Db, seq: number, change: Partial<Pick<AuditFields, "detailJson">>): Promise<void> {
  const events: StoredEvent[] = await db.auditEvent.findMany({ where: { chainSeq: null, seq: { gte: seq } }, orderBy: { seq: "asc" } });
  let prevHash = events[0]!.prevHash;
  for (const [index, original] of events.entries()) {
    const event: StoredEvent = { ...original, ...(index === 0 ? change : {}), prevHash };
    event.hash = unkeyedAuditHash(prevHash, event);
    await store(db, event);
    prevHash = event.hash;
  }
}

/** Deletes the `count` newest events of a clinic's chain; returns their positions. */
export async function deleteNewest(db: Db, clinicId: string, count: number): Promise<number[]> {
  const newest = await db.auditEvent.findMany({ where: { clinicId, chainSeq: { not: null } }, orderBy: { chainSeq: "desc" }, take: count, select: { seq: true, chainSeq: true } });
  await db.auditEvent.deleteMany({ where: { seq: { in: newest.map((e) => e.seq) } } });
  return newest.map((e) => e.chainSeq!).reverse();
}
