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
 * batch's rows (lib/data/db/bulk-insert.ts: `batchParameters`, as bytes, ≈ 40 MB per 5,000
 * snapshots; `columnArrays`, one text per column), and that round of encoding cost more of the
 * process's CPU than building the rows (docs/benchmarks.md, "Recompute on PostgreSQL, sixth
 * session"). pg sends a `Buffer` or string parameter as it is.
 *
 * Why it is safe: Prisma's PostgreSQL adapter runs an interactive transaction on one pool
 * connection, checked out from BEGIN to COMMIT or ROLLBACK and used by nobody else meanwhile, and
 * the transaction's statements run one at a time in the order they were asked for
 * (`StatementQueue`, below). So a statement sent on that connection while the transaction's
 * callback runs belongs to the transaction: it commits or rolls back with everything else. To find
 * the connection, the transaction runs one marker query through
 * Prisma (once per transaction), and the adapter, wrapped here, notes which connection ran it —
 * nothing depends on server process ids, which a pooler such as PgBouncer hides. Only a transaction
 * client is accepted: the base client's statements go to whichever connection is free. And only
 * while the transaction is open: from the moment Prisma sends its COMMIT or ROLLBACK (also after a
 * timeout, while the callback may still be running) the connection refuses statements.
 * tests/integration/transaction-connections.int.test.ts checks the commit, the rollback, two
 * transactions at once, the refusals (base client, after the end, after a timeout) and the writes
 * in flight (order, and a failure never lost).
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
  /**
   * Sends a write whose result nobody reads, without waiting for the server to run it: the caller
   * goes on building the next rows while the server writes these (see "Writes in flight" below).
   * Resolves once the statements still in flight hold at most {@link BYTES_IN_FLIGHT} of
   * parameters; rejects with the first failure of any write sent before.
   */
  send(text: string, values: (Buffer | string)[]): Promise<void>;
  /** Waits for every write sent; rejects with the first that failed. */
  settle(): Promise<void>;
}

/**
 * Writes in flight. A transaction's statements go to the server one at a time, in the order they
 * were asked for ({@link StatementQueue}): the bulk writes sent with `send` and every statement
 * Prisma runs in the transaction alike. So a statement asked for after an unfinished write (a
 * Prisma read, the next write, the COMMIT) runs after it and sees its rows, as if the write had
 * been awaited. What changes is when a failure is seen, and the guards below keep it from being
 * lost:
 *
 * - every later `send`, and every Prisma statement of the transaction that fails after it (the
 *   server refuses them all once a statement failed), rejects with the first failure itself;
 * - COMMIT waits for every write in flight; when one failed, the transaction is rolled back
 *   instead and the failure is what the transaction rejects with. (PostgreSQL would answer the
 *   COMMIT of a failed transaction with a silent ROLLBACK.)
 *
 * Memory stays bounded: `send` waits while more than this many bytes of parameters are queued.
 *
 * Time limits: Prisma's transaction timeout stops the callback's next statement, but writes
 * already in flight finish first (at most this many bytes of them), and so does the wait for them
 * at COMMIT; a timed-out transaction's ROLLBACK runs after them.
 */
const BYTES_IN_FLIGHT = 64 * 1024 * 1024;

/**
 * One transaction's statements, run one at a time in the order asked for. pg would queue them
 * itself, but calling `query` on a connection that is still running one is deprecated (to be
 * removed in pg 9); this queue keeps the order without it.
 */
class StatementQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly unfinished = new Set<Promise<void>>();
  private bytes = 0;
  private failure: { error: unknown } | null = null;

  /** Runs `statement` once every statement asked for before it has finished. */
  run<T>(statement: () => Promise<T>): Promise<T> {
    const result = this.tail.then(statement);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * A statement whose answer is awaited (Prisma's, or a read of the bulk path), in turn; when it
   * fails after a sent write failed, the write's failure is the one to report.
   */
  async answered<T>(statement: () => Promise<T>): Promise<T> {
    try {
      return await this.run(statement);
    } catch (error) {
      if (this.failure) throw this.failure.error;
      throw error;
    }
  }

  /** See {@link TransactionConnection.send}: runs `statement` in turn, holding `bytes` of parameters until it has run. */
  async send(bytes: number, statement: () => Promise<unknown>): Promise<void> {
    this.throwIfFailed();
    const done: Promise<void> = this.run(statement).then(
      () => this.finish(done, bytes),
      (error: unknown) => {
        this.failure ??= { error };
        this.finish(done, bytes);
      },
    );
    this.unfinished.add(done);
    this.bytes += bytes;
    while (this.bytes > BYTES_IN_FLIGHT && this.unfinished.size > 1) await Promise.race(this.unfinished);
    // Let the connection's answers in before the caller's next stretch of work: the next statement
    // in the queue goes to the server only once the one before is answered.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.throwIfFailed();
  }

  /** See {@link TransactionConnection.settle}. */
  async settle(): Promise<void> {
    while (this.unfinished.size > 0) await Promise.all(this.unfinished);
    this.throwIfFailed();
  }

  private finish(done: Promise<void>, bytes: number): void {
    this.unfinished.delete(done);
    this.bytes -= bytes;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

interface AdapterSlot {
  client: object;
  /** Connections seen running a marker query, by token, until {@link pgTransactionConnection} takes them. */
  marked: Map<string, TransactionConnection>;
}

/** Prisma ends an interactive transaction by sending one of these through `executeRaw`, then releases the connection (`ROLLBACK TO SAVEPOINT`, of a nested transaction, does not end it). */
const ENDS_TRANSACTION = /^\s*(?<end>COMMIT|ROLLBACK)\s*;?\s*$/i;

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
      const queue = new StatementQueue();
      const ended = () => new Error("This transaction has ended (committed, rolled back or timed out); a bulk statement was not sent.");
      const guarded: TransactionConnection = {
        query: (text, values) => {
          if (!open) return Promise.reject(ended());
          return queue.answered(() => connection.query(text, values));
        },
        send: (text, values) => {
          if (!open) return Promise.reject(ended());
          // A text parameter's length in characters stands for its size in bytes.
          const bytes = values.reduce((n, value) => n + value.length, 0);
          return queue.send(bytes, () => connection.query(text, values));
        },
        settle: () => queue.settle(),
      };
      const { queryRaw, executeRaw, commit, rollback } = transaction;
      transaction.queryRaw = async (query) => {
        const token = query.args[0];
        if (query.sql === MARKER_SQL && typeof token === "string") this.slot.marked.set(token, guarded);
        return queue.answered(() => queryRaw.call(transaction, query));
      };
      transaction.executeRaw = async (query) => {
        const end = ENDS_TRANSACTION.exec(query.sql)?.groups?.end?.toUpperCase();
        if (!end) return queue.answered(() => executeRaw.call(transaction, query));
        open = false;
        if (end === "COMMIT") {
          const failure = await queue.settle().then(
            () => null,
            (error: unknown) => ({ error }),
          );
          if (failure) {
            // The write's failure is the news, whatever the ROLLBACK answers.
            await queue.run(() => executeRaw.call(transaction, { ...query, sql: "ROLLBACK" })).catch(() => undefined);
            throw failure.error;
          }
        }
        return queue.run(() => executeRaw.call(transaction, query));
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
