/**
 * A fresh, migrated database per test file, on the provider CI asks for:
 *   TEST_DATABASE=sqlite (default)       → a temporary SQLite file
 *   TEST_DATABASE=postgresql + TEST_PG_URL → a new database on that server, dropped afterwards
 * Tests use the real migration runner, so they also prove the migrations apply.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createDb, type Db } from "@/lib/data/db/client";
import { migrate, type MigrateOptions } from "@/lib/data/db/migrate";
import type { DatabaseProvider } from "@/lib/config/env";

export interface TestDatabase {
  provider: DatabaseProvider;
  url: string;
  db: Db;
  drop: () => Promise<void>;
}

export function testProvider(): DatabaseProvider {
  const provider = process.env.TEST_DATABASE ?? "sqlite";
  if (provider !== "sqlite" && provider !== "postgresql") throw new Error(`TEST_DATABASE must be sqlite or postgresql, not "${provider}"`);
  return provider;
}

/** `migrate.stopBefore`: leave the database as the version before that migration left it (the client still speaks the current schema). */
export async function createTestDatabase(options: { migrate?: MigrateOptions } = {}): Promise<TestDatabase> {
  const provider = testProvider();
  if (provider === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "sarc-test-"));
    const url = `file:${join(dir, "test.db")}`;
    await migrate(url, undefined, options.migrate);
    const db = createDb(url);
    return { provider, url, db, drop: async () => { await db.$disconnect(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const adminUrl = process.env.TEST_PG_URL;
  if (!adminUrl) throw new Error("TEST_DATABASE=postgresql needs TEST_PG_URL (scripts/pg-server.sh start prints one)");
  const name = `sarc_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = adminUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  await migrate(url, undefined, options.migrate);
  const db = createDb(url);
  return {
    provider,
    url,
    db,
    drop: async () => {
      await db.$disconnect();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
