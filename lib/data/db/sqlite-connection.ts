import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import type { Database, Statement } from "better-sqlite3";

/**
 * The better-sqlite3 connection under a SQLite Prisma client, for the bulk paths (imports, seeds,
 * recomputes) that write tens of thousands of rows in one transaction.
 *
 * Why: a statement sent through Prisma costs more in Prisma's query layer than in SQLite (about
 * 13 % of a 100,000-row import's CPU went to re-encoding parameters), and the adapter prepares
 * every statement afresh. A prepared statement reused for every row of a batch costs SQLite
 * alone: 5.4 µs a row for an observation, against 8.9 µs for the one-JSON-document-per-5,000-rows
 * statement this replaced on SQLite, before Prisma's share (measured with better-sqlite3 on this
 * machine, 43,665 observation rows).
 *
 * Why it is safe: the adapter owns exactly one connection and serialises transactions with a
 * mutex, so while a Prisma interactive transaction's callback runs, its BEGIN is the connection's
 * open transaction and a statement run on the connection belongs to it: it commits or rolls back
 * with everything else the callback wrote. {@link transactionConnection} therefore only hands the
 * connection out for a transaction client, never for the base client (a statement run there
 * could land in some other caller's open transaction). tests/integration/sqlite-connection.int.test.ts
 * checks that a direct statement commits and rolls back with the transaction (also when a later
 * statement fails) and that the base client is refused.
 */

/** Page cache of the connection: a large import's indexes stay in memory (SQLite's default is 2 MB). */
const CACHE_KIB = 64 * 1024;

const CONNECTION = Symbol.for("sarcopenia.sqliteConnection");

interface ConnectionSlot {
  client: object;
  connection: Database | null;
  statements: Map<string, Statement>;
}

/** The adapter factory, remembering the connection it opens. */
class RememberingSqliteAdapter extends PrismaBetterSqlite3 {
  constructor(
    config: ConstructorParameters<typeof PrismaBetterSqlite3>[0],
    private readonly slot: ConnectionSlot,
  ) {
    super(config);
  }

  override async connect() {
    const adapter = await super.connect();
    // The adapter keeps its better-sqlite3 Database as `client` (@prisma/adapter-better-sqlite3 7).
    const connection = (adapter as unknown as { client?: Database }).client;
    if (!connection || typeof connection.prepare !== "function") {
      throw new Error("The SQLite adapter no longer exposes its connection; the bulk-write path needs updating for this Prisma version.");
    }
    connection.pragma(`cache_size = -${CACHE_KIB}`);
    this.slot.connection = connection;
    this.slot.statements.clear();
    return adapter;
  }
}

/** The adapter for a SQLite file, and `attach`, to call with the client made on it. */
export function sqliteAdapter(config: ConstructorParameters<typeof PrismaBetterSqlite3>[0]): {
  adapter: PrismaBetterSqlite3;
  attach: (client: object) => void;
} {
  const slot: ConnectionSlot = { client: {}, connection: null, statements: new Map() };
  return {
    adapter: new RememberingSqliteAdapter(config, slot),
    attach: (client) => {
      slot.client = client;
      Object.defineProperty(client, CONNECTION, { value: slot });
    },
  };
}

/**
 * The connection of a SQLite transaction client, or null (PostgreSQL, or a client made elsewhere).
 * Throws for the base client: see the file comment.
 */
export function transactionConnection(tx: object): { connection: Database; prepare: (sql: string) => Statement } | null {
  const slot = (tx as { [CONNECTION]?: ConnectionSlot })[CONNECTION];
  if (!slot?.connection) return null;
  if (tx === slot.client) throw new Error("Direct SQLite statements need a transaction client (inside db.$transaction).");
  const { connection, statements } = slot;
  return {
    connection,
    prepare: (sql) => {
      let statement = statements.get(sql);
      if (!statement) {
        statement = connection.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
