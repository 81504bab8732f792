import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PrismaClient as SqliteClient } from "@/lib/generated/prisma-sqlite/client";
import { PrismaClient as PostgresClient } from "@/lib/generated/prisma-postgresql/client";
import { databaseProvider, env, sqliteFilePath, type DatabaseProvider } from "@/lib/config/env";
import { sqliteAdapter } from "./sqlite-connection";
import { statementNamer } from "./prepared-statements";
import { pgAdapter } from "./pg-connection";

/**
 * Both generated clients come from one schema, so their APIs are identical; the SQLite client's
 * type stands for both.
 */
export type Db = SqliteClient;
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/** How long a SQLite writer waits for another's lock before failing (better-sqlite3 `timeout`). */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

const DATABASE_KIND = Symbol.for("sarcopenia.databaseKind");

/** A statement Prisma ran, as its query log reports it. */
export interface QueryEvent {
  query: string;
  params: string;
  duration: number;
}

export interface DbOptions {
  /** Called with every statement Prisma runs (a diagnosis aid: scripts/bench/trace-queries.ts). */
  onQuery?: (event: QueryEvent) => void;
}

/**
 * A client for `url`: SQLite (a file URL) or PostgreSQL. The client remembers which, for
 * {@link databaseKind}.
 */
export function createDb(url: string, options: DbOptions = {}): Db {
  const kind = databaseProvider(url);
  const log = options.onQuery ? [{ emit: "event" as const, level: "query" as const }] : [];
  let client: Db;
  if (kind === "sqlite") {
    const file = sqliteFilePath(url);
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    const { adapter, attach } = sqliteAdapter({ url: file, timeout: SQLITE_BUSY_TIMEOUT_MS });
    client = new SqliteClient({ adapter, log });
    attach(client);
  } else {
    // The PostgreSQL client's API is the SQLite client's (the comment on `Db`): only its type differs.
    // Statements are prepared per connection (lib/data/db/prepared-statements.ts) unless the
    // operator turns it off, e.g. behind a pooler that cannot keep them (docs/deployment.md).
    // The adapter's type says a name is always returned; it hands it to pg's `query({ name })`,
    // where no name means an unnamed statement, as without a generator.
    const statementNameGenerator = env().PG_PREPARED_STATEMENTS ? (statementNamer() as (query: { sql: string }) => string) : undefined;
    const { adapter, attach } = pgAdapter({ connectionString: url, max: 10 }, { statementNameGenerator });
    client = new PostgresClient({ adapter, log }) as unknown as Db;
    attach(client);
  }
  if (options.onQuery) {
    // `$on("query")` is typed only on a client whose type carries the log setting; `Db` does not.
    (client as unknown as { $on(event: "query", listener: (event: QueryEvent) => void): void }).$on("query", options.onQuery);
  }
  Object.defineProperty(client, DATABASE_KIND, { value: kind });
  return client;
}

/**
 * Which database a client (or a transaction client, which reads through to its base client)
 * talks to: where the two need different SQL (bulk statements, the audit log's lock, backups).
 * Throws for a client not made by {@link createDb}, rather than guessing.
 */
export function databaseKind(client: Db | Tx): DatabaseProvider {
  const kind: unknown = (client as { [DATABASE_KIND]?: unknown })[DATABASE_KIND];
  if (kind === "sqlite" || kind === "postgresql") return kind;
  throw new Error("This database client was not made by createDb (lib/data/db/client.ts), so its kind is unknown.");
}

const globalForDb = globalThis as unknown as { sarcopeniaDb?: Db };

/** The process-wide client (kept on globalThis so Next's dev reloads do not open new pools). */
export function getDb(): Db {
  globalForDb.sarcopeniaDb ??= createDb(env().DATABASE_URL);
  return globalForDb.sarcopeniaDb;
}
