import "server-only";
import { createHash } from "node:crypto";
import type { Db, Tx } from "./db";
import { actorId, actorLabel, type Actor } from "@/lib/auth/actor";
import type { AuditAction } from "@/lib/domain/audit-describe";

/**
 * The append-only, hash-chained audit log (docs/design.md#roles-and-security). Each event's hash covers the
 * previous event's hash and its own fields, so editing or deleting any row breaks the chain at
 * that point, which `verifyAuditChain` reports. Events are written inside the caller's
 * transaction, so a change and its audit record commit or roll back together.
 */
export type { AuditAction } from "@/lib/domain/audit-describe";

export interface AuditInput {
  action: AuditAction;
  patientId?: string | null;
  entityType?: string | null;
  entityId?: string | null;
  detail?: unknown;
}

const GENESIS = "0".repeat(64);
/** Arbitrary constant naming the PostgreSQL advisory lock that serialises chain appends. */
const AUDIT_LOCK_KEY = 5_271_129;

interface ChainedFields {
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

export function hashAuditEvent(prevHash: string, e: ChainedFields): string {
  const canonical = JSON.stringify([
    e.at.toISOString(), e.clinicId, e.actorId, e.actorLabel, e.action, e.patientId, e.entityType, e.entityId, e.detailJson,
  ]);
  return createHash("sha256").update(prevHash).update("\n").update(canonical).digest("hex");
}

async function lockChain(tx: Tx): Promise<void> {
  // SQLite serialises writers already; PostgreSQL needs an explicit lock or two concurrent
  // transactions would chain onto the same predecessor.
  const provider = (tx as unknown as { _activeProvider?: string })._activeProvider;
  if (provider === "postgresql") await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
}

/** Appends events to the chain inside `tx`, in order, stamped `at`. */
export async function appendAudit(tx: Tx, actor: Actor, events: AuditInput[], at: Date = new Date()): Promise<void> {
  if (events.length === 0) return;
  await lockChain(tx);
  const last = await tx.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { hash: true } });
  let prevHash = last?.hash ?? GENESIS;
  const rows = events.map((event) => {
    const fields: ChainedFields = {
      at,
      clinicId: actor.clinicId,
      actorId: actorId(actor),
      actorLabel: actorLabel(actor),
      action: event.action,
      patientId: event.patientId ?? null,
      entityType: event.entityType ?? null,
      entityId: event.entityId ?? null,
      detailJson: JSON.stringify(event.detail ?? {}),
    };
    const hash = hashAuditEvent(prevHash, fields);
    const row = { ...fields, prevHash, hash };
    prevHash = hash;
    return row;
  });
  await tx.auditEvent.createMany({ data: rows });
}

/**
 * Audits a read (a panel page, a patient view) in its own short transaction. Under load a read
 * waits its turn for a connection (up to 15 s, not Prisma's default 2 s) rather than failing the
 * page: `npm run bench` showed 20 concurrent panel loads on a 10-connection pool starving it.
 */
export async function auditRead(db: Db, actor: Actor, events: AuditInput[], at: Date = new Date()): Promise<void> {
  await db.$transaction((tx) => appendAudit(tx, actor, events, at), { maxWait: 15_000, timeout: 15_000 });
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** The first event whose hash or link does not match, when not ok. */
  brokenAtSeq?: number;
  problem?: string;
}

/** Walks the whole chain in `seq` order, in pages, recomputing every hash. */
export async function verifyAuditChain(db: Db, pageSize = 5_000): Promise<AuditVerification> {
  let prevHash = GENESIS;
  let afterSeq = 0;
  let checked = 0;
  for (;;) {
    const page = await db.auditEvent.findMany({ where: { seq: { gt: afterSeq } }, orderBy: { seq: "asc" }, take: pageSize });
    if (page.length === 0) return { ok: true, checked };
    for (const row of page) {
      if (row.prevHash !== prevHash) {
        return { ok: false, checked, brokenAtSeq: row.seq, problem: "link to the previous event does not match (an event before it was edited or deleted)" };
      }
      if (hashAuditEvent(prevHash, row) !== row.hash) {
        return { ok: false, checked, brokenAtSeq: row.seq, problem: "content does not match its hash (the event was edited)" };
      }
      prevHash = row.hash;
      afterSeq = row.seq;
      checked += 1;
    }
  }
}
