import { createHash, createHmac } from "node:crypto";

/**
 * The two ways an audit event's `hash` is computed (lib/data/audit/log.ts).
 *
 * - **Keyed** (every event written since migration audit_keyed_chains): HMAC-SHA256 under the
 *   key named by the event's `keyId`, over the clinic, the event's position in the clinic's
 *   chain, the previous event's hash and the event's fields. Without the key nobody can produce
 *   a hash that verifies, so rewriting an event and recomputing the hashes after it shows.
 * - **Unkeyed** (events written before that migration, `chainSeq` null): SHA-256 over the
 *   previous event's hash and the fields, one chain across all clinics in `seq` order. Anybody
 *   can recompute it; these events are protected only because the first keyed event of every
 *   clinic's chain commits to the unkeyed chain's last hash.
 */

/** The previous hash of the very first event of a log that started empty. */
export const GENESIS_HASH = "0".repeat(64);

/** The fields both algorithms cover, as stored. */
export interface AuditFields {
  at: Date;
  clinicId: string | null;
  actorId: string | null;
  actorLabel: string;
  action: string;
  patientId: string | null;
  entityType: string | null;
  entityId: string | null;
  detailJson: string;
}

/** Where a keyed event sits in its clinic's chain (the clinic is `clinicId` of its fields), and the key that signs it. */
export interface ChainPosition {
  chainSeq: number;
  keyId: string;
}

function fieldList(e: AuditFields): unknown[] {
  return [e.at.toISOString(), e.clinicId, e.actorId, e.actorLabel, e.action, e.patientId, e.entityType, e.entityId, e.detailJson];
}

/** The unkeyed hash of the events written before the log was keyed (kept to verify them). */
export function unkeyedAuditHash(prevHash: string, e: AuditFields): string {
  return createHash("sha256").update(prevHash).update("\n").update(JSON.stringify(fieldList(e))).digest("hex");
}

/**
 * The keyed hash. The clinic, the position and the key id are inside the MAC, so an event cannot
 * be moved to another clinic's chain, renumbered or relabelled with another key without the MAC
 * failing.
 */
export function keyedAuditHash(secret: string, prevHash: string, position: ChainPosition, e: AuditFields): string {
  const canonical = JSON.stringify(["audit-event/v1", position.keyId, position.chainSeq, prevHash, ...fieldList(e)]);
  return createHmac("sha256", secret).update(canonical).digest("hex");
}
