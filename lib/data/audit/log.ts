import "server-only";
import { databaseKind, type Db, type Tx } from "@/lib/data/db/client";
import { transactionConnection } from "@/lib/data/db/sqlite-connection";
import { unkeyedLogEnd } from "./unkeyed";
import { GENESIS_HASH, keyedAuditHash, type AuditFields } from "./hash";
import { auditKeyring, type AuditKeyring } from "./key";
import { actorId, actorLabel, type Actor } from "@/lib/data/access/actor";
import type { AuditAction } from "@/lib/domain/audit-describe";

/**
 * The append-only audit log (docs/design.md#roles-and-security): one hash chain per clinic, each event's hash
 * an HMAC under a key kept outside the database (hash.ts, key.ts). Editing,
 * deleting or re-chaining events shows in `verifyAuditChain` (verify.ts); deleting the
 * newest events shows against the anchors written outside the database (anchor.ts).
 * Events are written inside the caller's transaction, so a change and its audit record commit or
 * roll back together.
 *
 * Chains are per clinic so that a clinic's admin can verify their own clinic's log without
 * reading (or learning the size of) anyone else's. Events written before the log was keyed keep
 * their unkeyed chain across all clinics; the first keyed event of every clinic's chain takes
 * that chain's last hash as its `prevHash`, so the older events are covered by the key too.
 */
export type { AuditAction } from "@/lib/domain/audit-describe";
export { verifyAuditChain, type AuditVerification, type AuditProblem } from "./verify";

export interface AuditInput {
  action: AuditAction;
  patientId?: string | null;
  entityType?: string | null;
  entityId?: string | null;
  detail?: unknown;
}

/** Arbitrary constant naming the PostgreSQL advisory lock that serialises chain appends. */
const AUDIT_LOCK_KEY = 5_271_129;

/**
 * Makes this transaction the only appender until it ends, so two transactions never chain onto
 * the same predecessor (the unique (clinicId, chainSeq) index would refuse the second anyway).
 * PostgreSQL: one advisory lock for all chains, as before the chains were split: a group commit
 * appends for several clinics in one transaction, and one lock cannot deadlock with itself.
 * SQLite: a no-op write takes the database's write lock *before* the head is read. Reading first
 * would pin a snapshot that another process's commit (the CLI importing while the app serves)
 * makes stale, and SQLite then refuses the insert (SQLITE_BUSY_SNAPSHOT) instead of waiting.
 */
async function lockChains(tx: Tx): Promise<void> {
  if (databaseKind(tx) === "postgresql") {
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
    return;
  }
  const lock = `UPDATE "AuditEvent" SET "seq" = "seq" WHERE 0`;
  // On the transaction's own connection when we can (a reused prepared statement: no query-layer
  // cost on every panel call's append), else through Prisma.
  const direct = transactionConnection(tx);
  if (direct) direct.prepare(lock).run();
  else await tx.$executeRawUnsafe(lock);
}

/** Appends events to the actor's clinic's chain inside `tx`, in order, stamped `at`, signed with the current key. */
export async function appendAudit(tx: Tx, actor: Actor, events: AuditInput[], at: Date = new Date(), keyring: AuditKeyring = auditKeyring()): Promise<void> {
  await appendAuditBatches(tx, [{ actor, events, at }], keyring);
}

/** One caller's events for {@link appendAuditBatches}: its actor, and the time its events are stamped with. */
export interface AuditBatch {
  actor: Actor;
  events: AuditInput[];
  at: Date;
}

/**
 * Appends several callers' events inside `tx`, in the order given, each batch with its own actor
 * and time — exactly the events, hashes and chain positions that calling {@link appendAudit} once
 * per batch would write, but with the chains locked once, each clinic's chain head read once and
 * every row inserted in one statement (a group commit of read audits, group.ts, holds the lock for
 * five statements however many callers it serves, instead of three per caller).
 */
export async function appendAuditBatches(tx: Tx, batches: readonly AuditBatch[], keyring: AuditKeyring = auditKeyring()): Promise<void> {
  if (batches.every((batch) => batch.events.length === 0)) return;
  const key = keyring.current;
  await lockChains(tx);
  const heads = new Map<string, { chainSeq: number; prevHash: string }>();
  const rows: (AuditFields & { chainSeq: number; keyId: string; prevHash: string; hash: string })[] = [];
  for (const { actor, events, at } of batches) {
    if (events.length === 0) continue;
    let head = heads.get(actor.clinicId);
    if (!head) heads.set(actor.clinicId, (head = await chainHead(tx, actor.clinicId)));
    for (const event of events) {
      const fields: AuditFields = {
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
      head.chainSeq += 1;
      const hash = keyedAuditHash(key.secret, head.prevHash, { chainSeq: head.chainSeq, keyId: key.id }, fields);
      rows.push({ ...fields, chainSeq: head.chainSeq, keyId: key.id, prevHash: head.prevHash, hash });
      head.prevHash = hash;
    }
  }
  await tx.auditEvent.createMany({ data: rows });
}

/** Where a clinic's chain ends: its last position and hash (read under the chains' lock). */
async function chainHead(tx: Tx, clinicId: string): Promise<{ chainSeq: number; prevHash: string }> {
  const head = await tx.auditEvent.findFirst({
    where: { clinicId, chainSeq: { not: null } },
    orderBy: { chainSeq: "desc" },
    select: { chainSeq: true, hash: true },
  });
  // A clinic's first keyed event commits to the unkeyed log (a one-off look-up per clinic).
  if (head) return { chainSeq: head.chainSeq ?? 0, prevHash: head.hash };
  return { chainSeq: 0, prevHash: (await unkeyedLogEnd(tx)).last?.hash ?? GENESIS_HASH };
}

/**
 * Audits a read (a panel page, a patient view) in its own short transaction. Under load a read
 * waits its turn for a connection (up to 15 s, not Prisma's default 2 s) rather than failing the
 * page: `npm run bench` showed 20 concurrent panel loads on a 10-connection pool starving it.
 */
export async function auditRead(db: Db, actor: Actor, events: AuditInput[], at: Date = new Date()): Promise<void> {
  await db.$transaction((tx) => appendAudit(tx, actor, events, at), { maxWait: 15_000, timeout: 15_000 });
}
