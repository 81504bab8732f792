import "server-only";
import type { Db } from "@/lib/data/db/client";
import { appendAuditBatches, auditRead, type AuditInput } from "./log";
import type { Actor } from "@/lib/data/access/actor";

/**
 * Group commit for read audits: concurrent reads (panel pages) append their events in one
 * transaction instead of one each. A transaction's cost is mostly its COMMIT — on SQLite a
 * synchronous WAL fsync that blocks the whole Node process — so 20 concurrent panel calls pay for
 * about one commit instead of 20 (`npm run bench`: the audit append was 30 of a call's 43 ms).
 *
 * Each caller's promise settles when the transaction holding its events has committed (or failed),
 * exactly as with `auditRead`: a read is never answered before its audit record is durable. Events
 * arriving while a commit is in flight wait for it and go into the next one. Within a group,
 * events are chained in arrival order, each with its own actor and time, under one lock, one read
 * of each clinic's chain head and one INSERT (log.ts `appendAuditBatches`).
 */
interface Pending {
  actor: Actor;
  events: AuditInput[];
  at: Date;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Queue {
  waiting: Pending[];
  committing: boolean;
}

const queues = new WeakMap<Db, Queue>();

async function drain(db: Db, queue: Queue): Promise<void> {
  queue.committing = true;
  // Let callers that are about to append (same tick) join this group.
  await new Promise((resolve) => setImmediate(resolve));
  while (queue.waiting.length > 0) {
    const group = queue.waiting.splice(0);
    try {
      await db.$transaction((tx) => appendAuditBatches(tx, group), { maxWait: 15_000, timeout: 15_000 });
      for (const item of group) item.resolve();
    } catch (error) {
      // One caller's bad event must not fail the others: retry each alone; only those that fail
      // again are rejected (their reads are then refused, never answered unaudited).
      if (group.length === 1) group[0]!.reject(error);
      else {
        for (const item of group) await auditRead(db, item.actor, item.events, item.at).then(item.resolve, item.reject);
      }
    }
  }
  queue.committing = false;
}

/** Like `auditRead` (lib/data/audit/log.ts), but shares its transaction with concurrent callers. */
export function auditReadGrouped(db: Db, actor: Actor, events: AuditInput[], at: Date = new Date()): Promise<void> {
  if (events.length === 0) return Promise.resolve();
  let queue = queues.get(db);
  if (!queue) queues.set(db, (queue = { waiting: [], committing: false }));
  const done = new Promise<void>((resolve, reject) => queue.waiting.push({ actor, events, at, resolve, reject }));
  if (!queue.committing) void drain(db, queue);
  return done;
}
