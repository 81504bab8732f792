import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "@/lib/generated/prisma-sqlite/client";
import { PrismaClient as PostgresClient } from "@/lib/generated/prisma-postgresql/client";
import { databaseProvider, env, sqliteFilePath } from "@/lib/config/env";
import { sqliteAdapter } from "./sqlite-connection";

/**
 * Both generated clients come from one schema, so their APIs are identical; the SQLite client's
 * type stands for both.
 */
export type Db = SqliteClient;
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/** How long a SQLite writer waits for another's lock before failing (better-sqlite3 `timeout`). */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

export function createDb(url: string): Db {
  if (databaseProvider(url) === "sqlite") {
    const file = sqliteFilePath(url);
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    const { adapter, attach } = sqliteAdapter({ url: file, timeout: SQLITE_BUSY_TIMEOUT_MS });
    const client = new SqliteClient({ adapter });
    attach(client);
    return client;
  }
  const client = new PostgresClient({ adapter: new PrismaPg({ connectionString: url, max: 10 }) });
  return client as unknown as Db;
}

const globalForDb = globalThis as unknown as { sarcopeniaDb?: Db };

/** The process-wide client (kept on globalThis so Next's dev reloads do not open new pools). */
export function getDb(): Db {
  globalForDb.sarcopeniaDb ??= createDb(env().DATABASE_URL);
  return globalForDb.sarcopeniaDb;
}
