import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";

/**
 * The pg connection under a PostgreSQL Prisma transaction, for the bulk writes (recomputes, imports,
 * seeds) that send tens of megabytes of rows in one transaction — the PostgreSQL counterpart of
 * lib/data/db/sqlite-connection.ts.
 *
 * Why: a statement run through Prisma (`$executeRawUnsafe`) has every parameter encoded by the
 * client and decoded again by the adapter before pg sends it; a bulk statement's parameters are the
 * batch's rows as bytes (lib/data/db/bulk-insert.ts `batchParameters`), ≈ 40 MB per 5,000
 * snapshots, and that round of encoding cost more of the process's CPU than building the rows
 * (docs/benchmarks.md, "Recompute on PostgreSQL, sixth session"). pg sends a `Buffer` parameter as
 * it is.
 *
 * Why it is safe: Prisma's PostgreSQL adapter runs an interactive transaction on one pool
 * connection, checked out from BEGIN to COMMIT or ROLLBACK and used by nobody else meanwhile, and pg
 * runs a connection's statements in the order they were sent. So a statement sent on that
 * connection while the transaction's callback runs belongs to the transaction: it commits or rolls
 * back with everything else. To find the connection, the transaction runs one marker query through
 * Prisma (once per transaction), and the adapter, wrapped here, notes which connection ran it —
 * nothing depends on server process ids, which a pooler such as PgBouncer hides. Only a transaction
 * client is accepted: the base client's statements go to whichever connection is free. And only
 * while the transaction is open: from the moment Prisma sends its COMMIT or ROLLBACK (also after a
 * timeout, while the callback may still be running) the connection refuses statements.
 * tests/integration/transaction-connections.int.test.ts checks the commit, the rollback, two
 * transactions at once and the refusals (base client, after the end, after a timeout).
 */

const ADAPTER = Symbol.for("sarcopenia.pgAdapter");

/** The marker query: its one parameter is a token naming the transaction that sent it. */
const MARKER_SQL = 'SELECT $1::text AS "transactionMarker"';

/**
 * What the bulk writes may do with a transaction's connection: send a statement. Refused once the
 * transaction is committing, rolling back or over (its connection may be back in the pool, or in
 * another transaction by then — say after Prisma's timeout rolled it back while its callback was
 * still running).
 */
export interface TransactionConnection {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

interface AdapterSlot {
  client: object;
  /** Connections seen running a marker query, by token, until {@link pgTransactionConnection} takes them. */
  marked: Map<string, TransactionConnection>;
}

/** Prisma ends an interactive transaction by sending one of these through `executeRaw`, then releases the connection (`ROLLBACK TO SAVEPOINT`, of a nested transaction, does not end it). */
const ENDS_TRANSACTION = /^\s*(COMMIT|ROLLBACK)\s*;?\s*$/i;

/** The adapter factory, noting the connection of each transaction that runs the marker query. */
class MarkingPgAdapter extends PrismaPg {
  constructor(
    config: ConstructorParameters<typeof PrismaPg>[0],
    options: ConstructorParameters<typeof PrismaPg>[1],
    private readonly slot: AdapterSlot,
  ) {
    super(config, options);
  }

  override async connect() {
    const adapter = await super.connect();
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const transaction = await startTransaction(isolationLevel);
      // The adapter keeps a transaction's pool connection as `client` (@prisma/adapter-pg 7).
      const connection = (transaction as unknown as { client?: pg.ClientBase }).client;
      if (!connection || typeof connection.query !== "function") {
        throw new Error("The PostgreSQL adapter no longer exposes a transaction's connection; the bulk-write path needs updating for this Prisma version.");
      }
      let open = true;
      const guarded: TransactionConnection = {
        query: (text, values) => {
          if (!open) return Promise.reject(new Error("This transaction has ended (committed, rolled back or timed out); a bulk statement was not sent."));
          return connection.query(text, values);
        },
      };
      const { queryRaw, executeRaw, commit, rollback } = transaction;
      transaction.queryRaw = async (query) => {
        const token = query.args[0];
        if (query.sql === MARKER_SQL && typeof token === "string") this.slot.marked.set(token, guarded);
        return queryRaw.call(transaction, query);
      };
      transaction.executeRaw = async (query) => {
        if (ENDS_TRANSACTION.test(query.sql)) open = false;
        return executeRaw.call(transaction, query);
      };
      transaction.commit = async () => {
        open = false;
        return commit.call(transaction);
      };
      transaction.rollback = async () => {
        open = false;
        return rollback.call(transaction);
      };
      return transaction;
    };
    return adapter;
  }
}

/** The adapter for a PostgreSQL database, and `attach`, to call with the client made on it. */
export function pgAdapter(
  config: ConstructorParameters<typeof PrismaPg>[0],
  options: ConstructorParameters<typeof PrismaPg>[1],
): { adapter: PrismaPg; attach: (client: object) => void } {
  const slot: AdapterSlot = { client: {}, marked: new Map() };
  return {
    adapter: new MarkingPgAdapter(config, options, slot),
    attach: (client) => {
      slot.client = client;
      Object.defineProperty(client, ADAPTER, { value: slot });
    },
  };
}

const found = new WeakMap<object, TransactionConnection>();

/**
 * The connection of a PostgreSQL transaction client, or null (SQLite, or a client made elsewhere).
 * Throws for the base client: see the file comment.
 */
export async function pgTransactionConnection(tx: object): Promise<TransactionConnection | null> {
  const slot = (tx as { [ADAPTER]?: AdapterSlot })[ADAPTER];
  if (!slot) return null;
  if (tx === slot.client) throw new Error("Direct PostgreSQL statements need a transaction client (inside db.$transaction).");
  const known = found.get(tx);
  if (known) return known;
  const token = randomUUID();
  await (tx as { $queryRawUnsafe(sql: string, ...values: unknown[]): Promise<unknown> }).$queryRawUnsafe(MARKER_SQL, token);
  const connection = slot.marked.get(token);
  slot.marked.delete(token);
  if (!connection) throw new Error("The transaction's marker query did not reach the adapter; the bulk-write path needs updating for this Prisma version.");
  found.set(tx, connection);
  return connection;
}
