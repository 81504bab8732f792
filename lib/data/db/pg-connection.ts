import pg from "pg";

/**
 * The pg connection under a PostgreSQL Prisma transaction, for the bulk writes (recomputes, imports,
 * seeds) that send tens of megabytes of rows in one transaction — the PostgreSQL counterpart of
 * lib/data/db/sqlite-connection.ts.
 *
 * Why: a statement run through Prisma (`$executeRawUnsafe`) has every parameter encoded by the
 * client and decoded again by the adapter before pg sends it; a bulk statement's parameters are the
 * batch's rows as bytes (lib/data/db/bulk-insert.ts `batchParameters`), ≈ 40 MB per 5,000
 * snapshots, and that round of encoding cost more Node CPU than building the rows (docs/benchmarks.md,
 * "Recompute on PostgreSQL, sixth session"). pg sends a `Buffer` parameter as it is.
 *
 * Why it is safe: Prisma's PostgreSQL adapter runs an interactive transaction on one pool
 * connection, checked out from BEGIN to COMMIT or ROLLBACK and used by nobody else meanwhile, so a
 * statement sent on that connection while the transaction's callback runs belongs to the
 * transaction: it commits or rolls back with everything else. The connection is found by asking
 * the transaction for its server process id (`pg_backend_pid()`, once per transaction) and picking
 * the pool's connection with that id. Only a transaction client is accepted: the base client's
 * statements go to whichever connection is free. tests/integration/transaction-connections.int.test.ts checks
 * the commit, the rollback and the refusal.
 */

const POOL = Symbol.for("sarcopenia.pgPool");

interface PoolSlot {
  client: object;
  /** Every open connection of the pool (pg-pool's own list is private). */
  connections: Set<pg.Client>;
}

/** A pool for the adapter that remembers its connections, and `attach`, to call with the client made on it. */
export function rememberingPool(config: pg.PoolConfig): { pool: pg.Pool; attach: (client: object) => void } {
  const pool = new pg.Pool(config);
  const slot: PoolSlot = { client: {}, connections: new Set() };
  pool.on("connect", (connection) => slot.connections.add(connection));
  pool.on("remove", (connection) => slot.connections.delete(connection));
  return {
    pool,
    attach: (client) => {
      slot.client = client;
      Object.defineProperty(client, POOL, { value: slot });
    },
  };
}

const found = new WeakMap<object, pg.Client>();

/**
 * The connection of a PostgreSQL transaction client, or null (SQLite, or a client made elsewhere).
 * Throws for the base client: see the file comment.
 */
export async function pgTransactionConnection(tx: object): Promise<pg.Client | null> {
  const slot = (tx as { [POOL]?: PoolSlot })[POOL];
  if (!slot) return null;
  if (tx === slot.client) throw new Error("Direct PostgreSQL statements need a transaction client (inside db.$transaction).");
  const known = found.get(tx);
  if (known) return known;
  const rows = await (tx as { $queryRawUnsafe<T>(sql: string): Promise<T> }).$queryRawUnsafe<{ pid: number }[]>("SELECT pg_backend_pid() AS pid");
  const pid = rows[0]?.pid;
  const connection = [...slot.connections].find((c) => (c as pg.Client & { processID: number | null }).processID === pid);
  if (!connection) throw new Error(`No connection of the pool has server process ${String(pid)}; the bulk-write path needs updating for this adapter.`);
  found.set(tx, connection);
  return connection;
}
