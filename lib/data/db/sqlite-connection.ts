import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import BetterSqlite3, { type Database, type Statement } from "better-sqlite3";

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
 * could land in some other caller's open transaction). tests/integration/transaction-connections.int.test.ts
 * checks that a direct statement commits and rolls back with the transaction (also when a later
 * statement fails) and that the base client is refused.
 */

/** Page cache of the connection: a large import's indexes stay in memory (SQLite's default is 2 MB). */
const CACHE_KIB = 64 * 1024;

const CONNECTION = Symbol.for("sarcopenia.sqliteConnection");

interface ConnectionSlot {
  client: object;
  /** The database file the adapter opens (for {@link openSqliteReader}). */
  file: string;
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
    // Temporary files in memory. Inside a transaction, a statement that may change several rows
    // and fail part-way (a trigger makes an insert one) keeps the first image of every stored page
    // it changes in a statement journal, so that it can be undone alone. A new patient's row changes
    // many pages (its search suffixes, its panel row and counts), past the 64 kB of journal SQLite
    // keeps in memory, so such statements wrote their journals to a temporary file: a 10,000-row
    // import made 485,064 writes, against 65,688 with this setting, and a 30,000-row import took
    // 10.0 s against 8.3 s (run in turn; docs/benchmarks.md, ninth session). The price is memory
    // outside Node's heap while a statement runs: deleting a 100,000-patient clinic in one
    // transaction peaked at 412 MB RSS against 159 MB (and took 24 s against 110 s).
    connection.pragma("temp_store = MEMORY");
    // Statistics for the tables that lack them or changed much since (see refreshPlannerStatistics).
    connection.pragma("optimize = 0x10002");
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
  const slot: ConnectionSlot = { client: {}, file: config.url, connection: null, statements: new Map() };
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

/**
 * Refreshes what SQLite's query planner knows of the tables' sizes and value spreads (`PRAGMA
 * optimize`: ANALYZE, on a bounded sample, of each table used since the connection opened whose
 * row count changed much, or that has no statistics). Without them the planner guesses, and guessed
 * wrong for the panel: "female, 75 or older", ranked by tier, walked every patient born before the
 * cut-off (17 ms on 10,000 patients) instead of the tier index (6 ms). The connection runs it when it
 * opens; call this after writing rows by the thousand (an import, the seed), outside a transaction.
 * Does nothing for a client that is not a SQLite file: PostgreSQL's autovacuum analyzes by itself.
 */
export function refreshPlannerStatistics(client: object): void {
  (client as { [CONNECTION]?: ConnectionSlot })[CONNECTION]?.connection?.pragma("optimize");
}

/** How long the reader waits for a lock (it needs one only to open a WAL file). */
const READER_BUSY_TIMEOUT_MS = 10_000;

/**
 * A connection of its own to the SQLite file under `client`, for one long read that walks a whole
 * clinic (the cohort CSV export of every patient): its pages read in one read transaction, with
 * better-sqlite3's arrays of values, in place of queries through Prisma. On a 100,000-patient
 * clinic that read cost 1.3 s of the export's 4.5 s of CPU through Prisma (a query per 900 patients,
 * each prepared afresh, every value converted twice) — docs/benchmarks.md "Cohort export from the CLI";
 * and on a busy server each Prisma query waits its turn for the client's one connection.
 *
 * Its own connection, not the client's: the client's one connection is shared by every caller of the
 * process and may be inside someone's transaction (see the file comment), while this one reads only
 * committed data, and as one snapshot (WAL: the read does not block writers, nor they it). It is
 * `query_only`: a write through it is refused. Null for a client that is not a SQLite file (PostgreSQL,
 * `:memory:`, a client made elsewhere): read through Prisma then. The caller closes it.
 */
export function openSqliteReader(client: object): Database | null {
  const slot = (client as { [CONNECTION]?: ConnectionSlot })[CONNECTION];
  if (!slot || slot.file === "" || slot.file === ":memory:" || slot.file.startsWith("file::memory:")) return null;
  const reader = new BetterSqlite3(slot.file, { fileMustExist: true, timeout: READER_BUSY_TIMEOUT_MS });
  reader.pragma("query_only = ON");
  return reader;
}
