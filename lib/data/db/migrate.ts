import { createHash } from "node:crypto";
import { readdirSync, readFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { z } from "zod";
import { databaseProvider, sqliteFilePath, type DatabaseProvider } from "@/lib/config/env";
import { BACKFILLS, type Backfill } from "./backfills";

/**
 * Applies prisma/migrations/<provider>/<timestamp>_<name>/migration.sql in order, each in its own
 * transaction, recording it in `_app_migrations`. This stands in for `prisma migrate deploy`,
 * whose native engine cannot be downloaded on our machines (README.md, "Changing the schema"). An applied
 * migration whose file has since changed is an error, never silently re-run. Then the data
 * backfills that SQL cannot do (lib/data/db/backfills.ts) run once each, recorded in `_app_backfills`.
 */
export interface MigrationResult {
  provider: DatabaseProvider;
  applied: string[];
  alreadyApplied: number;
  /** Backfills run now, with the rows each changed. */
  backfilled: { name: string; rows: number }[];
}

/** The ledgers' rows, checked (the drivers type rows only by assertion). */
const migrationRows = z.array(z.object({ name: z.string(), checksum: z.string() }));
const backfillRows = z.array(z.object({ name: z.string() }));

const MIGRATIONS_ROOT = join(process.cwd(), "prisma", "migrations");

interface MigrationFile { name: string; sql: string; checksum: string }

export function listMigrations(provider: DatabaseProvider, root = MIGRATIONS_ROOT): MigrationFile[] {
  const dir = join(root, provider);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

function checkUnchanged(file: MigrationFile, recordedChecksum: string | undefined): boolean {
  if (recordedChecksum === undefined) return false;
  if (recordedChecksum !== file.checksum) {
    throw new Error(`Migration ${file.name} was changed after it was applied. Add a new migration instead of editing an applied one.`);
  }
  return true;
}

export interface MigrateOptions {
  /**
   * Stop before the migration of this name (without its timestamp), leaving the database as an
   * older version did: for tests of what a migration does to existing data. No backfill runs then.
   */
  stopBefore?: string;
  /** The data backfills to run after the migrations (default: all of lib/data/db/backfills.ts). */
  backfills?: readonly Backfill[];
}

export async function migrate(url: string, log: (line: string) => void = () => {}, options: MigrateOptions = {}): Promise<MigrationResult> {
  const provider = databaseProvider(url);
  const all = listMigrations(provider);
  const stop = options.stopBefore === undefined ? -1 : all.findIndex((file) => file.name.endsWith(`_${options.stopBefore}`));
  if (options.stopBefore !== undefined && stop < 0) throw new Error(`No migration named ${options.stopBefore}.`);
  const files = stop < 0 ? all : all.slice(0, stop);
  const backfills = options.stopBefore === undefined ? (options.backfills ?? BACKFILLS) : [];
  const applied: string[] = [];
  const backfilled: { name: string; rows: number }[] = [];

  if (provider === "sqlite") {
    const path = sqliteFilePath(url);
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: 10_000 });
    try {
      db.pragma("journal_mode = WAL");
      db.exec(`CREATE TABLE IF NOT EXISTS "_app_migrations" ("name" TEXT PRIMARY KEY, "checksum" TEXT NOT NULL, "appliedAt" TEXT NOT NULL)`);
      const recorded = new Map(
        migrationRows.parse(db.prepare(`SELECT name, checksum FROM "_app_migrations"`).all()).map((r) => [r.name, r.checksum]),
      );
      for (const file of files) {
        if (checkUnchanged(file, recorded.get(file.name))) continue;
        db.transaction(() => {
          db.exec(file.sql);
          db.prepare(`INSERT INTO "_app_migrations" (name, checksum, appliedAt) VALUES (?, ?, ?)`).run(file.name, file.checksum, new Date().toISOString());
        })();
        applied.push(file.name);
        log(`applied ${file.name}`);
      }
      db.exec(`CREATE TABLE IF NOT EXISTS "_app_backfills" ("name" TEXT PRIMARY KEY, "rows" INTEGER NOT NULL, "appliedAt" TEXT NOT NULL)`);
      const done = new Set(backfillRows.parse(db.prepare(`SELECT name FROM "_app_backfills"`).all()).map((r) => r.name));
      for (const backfill of backfills.filter((b) => !done.has(b.name))) {
        const rows = db.transaction(() => {
          const changed = backfill.sqlite(db);
          db.prepare(`INSERT INTO "_app_backfills" (name, rows, appliedAt) VALUES (?, ?, ?)`).run(backfill.name, changed, new Date().toISOString());
          return changed;
        })();
        backfilled.push({ name: backfill.name, rows });
        log(`backfilled ${backfill.name}: ${rows} rows`);
      }
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // One migrator at a time across app instances.
      await client.query("SELECT pg_advisory_lock(727274)");
      await client.query(`CREATE TABLE IF NOT EXISTS "_app_migrations" ("name" TEXT PRIMARY KEY, "checksum" TEXT NOT NULL, "appliedAt" TIMESTAMPTZ NOT NULL)`);
      const { rows } = await client.query(`SELECT name, checksum FROM "_app_migrations"`);
      const recorded = new Map(migrationRows.parse(rows).map((r) => [r.name, r.checksum]));
      for (const file of files) {
        if (checkUnchanged(file, recorded.get(file.name))) continue;
        await client.query("BEGIN");
        try {
          await client.query(file.sql);
          await client.query(`INSERT INTO "_app_migrations" (name, checksum, "appliedAt") VALUES ($1, $2, now())`, [file.name, file.checksum]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw new Error(`Migration ${file.name} failed and was rolled back: ${error instanceof Error ? error.message : String(error)}`);
        }
        applied.push(file.name);
        log(`applied ${file.name}`);
      }
      await client.query(`CREATE TABLE IF NOT EXISTS "_app_backfills" ("name" TEXT PRIMARY KEY, "rows" INTEGER NOT NULL, "appliedAt" TIMESTAMPTZ NOT NULL)`);
      const done = new Set(backfillRows.parse((await client.query(`SELECT name FROM "_app_backfills"`)).rows).map((r) => r.name));
      for (const backfill of backfills.filter((b) => !done.has(b.name))) {
        await client.query("BEGIN");
        try {
          const rows = await backfill.postgresql(client);
          await client.query(`INSERT INTO "_app_backfills" (name, rows, "appliedAt") VALUES ($1, $2, now())`, [backfill.name, rows]);
          await client.query("COMMIT");
          backfilled.push({ name: backfill.name, rows });
          log(`backfilled ${backfill.name}: ${rows} rows`);
        } catch (error) {
          await client.query("ROLLBACK");
          throw new Error(`Backfill ${backfill.name} failed and was rolled back: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock(727274)").catch(() => {});
      await client.end();
    }
  }
  return { provider, applied, alreadyApplied: files.length - applied.length, backfilled };
}
