import "server-only";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { z } from "zod";
import { databaseProvider, env, sqliteFilePath, type DatabaseProvider } from "@/lib/config/env";
import { createDb, databaseKind, type Db } from "@/lib/data/db/client";
import { ROWS_PER_STATEMENT } from "@/lib/data/db/batches";
import { verifyAuditChain, type AuditVerification } from "@/lib/data/audit/verify";
import { anchorsOf, CHAIN_HEADS_SQL, parseChainHeads, type ChainHead } from "@/lib/data/audit/anchor";
import { anchorFileIn, appendAnchorFile, readAnchorFile, writeAnchorFile, type AuditAnchor } from "@/lib/data/audit/anchor-file";

/**
 * Online backup and restore for both databases (docs/operations.md).
 *
 * SQLite: `VACUUM INTO` copies the database inside one read transaction, so the copy is a
 * consistent snapshot even while the app keeps writing (WAL mode lets the writers go on).
 * Restore copies the backup into the live file with SQLite's backup API, which takes the
 * proper locks, instead of renaming files under open connections.
 *
 * PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists`. The summary's
 * counts and checksum are read in the very snapshot pg_dump dumps (`--snapshot`), so they
 * describe the file exactly.
 *
 * Every backup anchors the audit log (lib/data/audit/anchor.ts): the head of every clinic chain
 * *in the backup* goes into `<file>.anchor.jsonl` beside it and is appended to AUDIT_ANCHOR_DIR's
 * anchor file, so the newest events cannot later be deleted unnoticed.
 */

/** Row counts per table and a sha256 over every row of every table, ordered by primary key. */
export interface DatabaseFingerprint {
  sha256: string;
  tables: Record<string, number>;
}

export interface BackupSummary {
  provider: DatabaseProvider;
  file: string;
  bytes: number;
  fingerprint: DatabaseFingerprint;
  audit: AuditVerification;
  /** SQLite only: PRAGMA integrity_check of the written file. */
  integrity?: string;
  anchors: {
    /** `<file>.anchor.jsonl`: the chain heads the backup holds. */
    beside: string;
    /** The anchor file the same anchors were appended to; null when no anchor directory is set. */
    dir: string | null;
    written: AuditAnchor[];
  };
}

export interface BackupOptions {
  /** Where to append the backup's anchors (default AUDIT_ANCHOR_DIR); null for beside the backup only. */
  anchorDir?: string | null;
  now?: Date;
}

export interface RestoreSummary {
  provider: DatabaseProvider;
  file: string;
  fingerprint: DatabaseFingerprint;
  audit: AuditVerification;
  integrity?: string;
}

/** The anchor file written beside a backup. */
export function backupAnchorFile(backupFile: string): string {
  return `${resolve(backupFile)}.anchor.jsonl`;
}

/** Reads single-column text rows (the column is named `v`); one per database driver. */
interface RowReader {
  provider: DatabaseProvider;
  texts(sql: string): Promise<string[]>;
}

/** What the drivers return here, checked (their row types are only assertions). */
const texts = z.array(z.string());
const columnInfo = z.tuple([z.string(), z.number()]);
const integrityRows = z.array(z.object({ integrity_check: z.string() }));

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function listTables(reader: RowReader): Promise<{ name: string; primaryKey: string[]; columns: string[] }[]> {
  if (reader.provider === "sqlite") {
    const names = await reader.texts(`SELECT name AS v FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`);
    const tables = [];
    for (const name of names) {
      const info = (await reader.texts(`SELECT json_array(name, pk) AS v FROM pragma_table_info('${name.replace(/'/g, "''")}') ORDER BY cid`)).map(
        (text) => columnInfo.parse(JSON.parse(text)),
      );
      const primaryKey = info.filter(([, pk]) => pk > 0).sort((a, b) => a[1] - b[1]).map(([column]) => column);
      tables.push({ name, primaryKey, columns: info.map(([column]) => column) });
    }
    return tables;
  }
  const names = await reader.texts(`SELECT table_name::text AS v FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name COLLATE "C"`);
  const tables = [];
  for (const name of names) {
    const literal = `'${name.replace(/'/g, "''")}'`;
    const primaryKey = await reader.texts(
      `SELECT a.attname::text AS v FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
       WHERE i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident(${literal}))::regclass AND i.indisprimary
       ORDER BY array_position(i.indkey, a.attnum)`,
    );
    const columns = await reader.texts(
      `SELECT column_name::text AS v FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${literal} ORDER BY ordinal_position`,
    );
    tables.push({ name, primaryKey, columns });
  }
  return tables;
}

/**
 * The rows are rendered to text by the database itself (SQLite `json_array`, PostgreSQL
 * `row_to_json`), so the checksum does not depend on a driver's type conversions and a
 * restored copy of a database fingerprints the same as the original.
 */
async function fingerprintWith(reader: RowReader): Promise<DatabaseFingerprint> {
  const hash = createHash("sha256");
  const tables: Record<string, number> = {};
  for (const table of await listTables(reader)) {
    const order = (table.primaryKey.length > 0 ? table.primaryKey : table.columns).map(quoteIdent).join(", ");
    const row = reader.provider === "sqlite" ? `json_array(${table.columns.map(quoteIdent).join(", ")})` : `row_to_json(t)::text`;
    hash.update(`table ${table.name} ${JSON.stringify(table.columns)}\n`);
    let count = 0;
    for (let offset = 0; ; offset += ROWS_PER_STATEMENT) {
      const page = await reader.texts(`SELECT ${row} AS v FROM ${quoteIdent(table.name)} t ORDER BY ${order} LIMIT ${ROWS_PER_STATEMENT} OFFSET ${offset}`);
      for (const text of page) hash.update(text).update("\n");
      count += page.length;
      if (page.length < ROWS_PER_STATEMENT) break;
    }
    tables[table.name] = count;
  }
  return { sha256: hash.digest("hex"), tables };
}


/** Counts and checksum of every table, read in one transaction (a repeatable-read snapshot on PostgreSQL). */
export async function databaseFingerprint(db: Db): Promise<DatabaseFingerprint> {
  const provider = databaseKind(db);
  return db.$transaction(
    async (tx) => {
      const texts = async (sql: string) => (await tx.$queryRawUnsafe<{ v: string }[]>(sql)).map((r) => r.v);
      if (provider === "postgresql") await tx.$executeRawUnsafe("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
      return fingerprintWith({ provider, texts });
    },
    { timeout: 600_000, maxWait: 60_000 },
  );
}

function sqliteReader(db: Database.Database): RowReader {
  return { provider: "sqlite", texts: async (sql) => texts.parse(db.prepare(sql).pluck().all()) };
}

/** The ledgers of lib/data/db/migrate.ts: a freshly migrated database has rows in them and is still empty. */
const LEDGERS = new Set(["_app_migrations", "_app_backfills"]);

/** Tables holding application data, ignoring the migration ledgers (for "is this database empty?"). */
function isEmptyCounts(tables: Record<string, number>): boolean {
  return Object.entries(tables).every(([name, count]) => LEDGERS.has(name) || count === 0);
}

// ---------------------------------------------------------------------------------------------
// SQLite

function sqliteIntegrity(db: Database.Database): string {
  const rows = integrityRows.parse(db.pragma("integrity_check", { simple: false }));
  return rows.map((r) => r.integrity_check).join("; ");
}

/** Verifies the audit log at `url` against the anchor file given (none when null). */
async function auditOf(url: string, anchorFile: string | null): Promise<AuditVerification> {
  const db = createDb(url);
  try {
    return await verifyAuditChain(db, { anchors: anchorFile ? readAnchorFile(anchorFile) : null });
  } finally {
    await db.$disconnect();
  }
}

/** Writes the backup's anchors beside it and appends them to the anchor directory's file. */
function anchorBackup(target: string, heads: ChainHead[], options: Required<BackupOptions>): BackupSummary["anchors"] {
  const written = anchorsOf(heads, options.now, "backup");
  const beside = writeAnchorFile(backupAnchorFile(target), written);
  const dir = options.anchorDir ? appendAnchorFile(options.anchorDir, written) : null;
  return { beside, dir, written };
}

async function backupSqlite(url: string, file: string, options: Required<BackupOptions>): Promise<BackupSummary> {
  const source = sqliteFilePath(url);
  if (!existsSync(source)) throw new Error(`No database at ${source}.`);
  const target = resolve(file);
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.partial-${randomBytes(4).toString("hex")}`;
  const db = new Database(source, { readonly: true, fileMustExist: true, timeout: 10_000 });
  try {
    db.prepare("VACUUM INTO ?").run(partial);
  } finally {
    db.close();
  }
  const copy = new Database(partial, { readonly: true });
  let integrity: string;
  let fingerprint: DatabaseFingerprint;
  let heads: ChainHead[];
  try {
    integrity = sqliteIntegrity(copy);
    fingerprint = await fingerprintWith(sqliteReader(copy));
    heads = integrity === "ok" ? parseChainHeads(copy.prepare(CHAIN_HEADS_SQL).all()) : [];
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    copy.close();
  }
  if (integrity !== "ok") {
    rmSync(partial, { force: true });
    throw new Error(`The backup copy failed its integrity check: ${integrity}`);
  }
  const audit = await auditOf(`file:${partial}`, options.anchorDir ? anchorFileIn(options.anchorDir) : null);
  renameSync(partial, target);
  const anchors = anchorBackup(target, heads, options);
  return { provider: "sqlite", file: target, bytes: statSync(target).size, fingerprint, audit, integrity, anchors };
}

async function restoreSqlite(url: string, file: string, force: boolean): Promise<RestoreSummary> {
  const backupPath = resolve(file);
  if (!existsSync(backupPath)) throw new Error(`No backup file at ${backupPath}.`);
  const backup = new Database(backupPath, { readonly: true, fileMustExist: true });
  try {
    const integrity = sqliteIntegrity(backup);
    if (integrity !== "ok") throw new Error(`The backup file failed its integrity check: ${integrity}`);
    const target = sqliteFilePath(url);
    if (existsSync(target) && !force) {
      const live = new Database(target, { readonly: true, fileMustExist: true, timeout: 10_000 });
      try {
        const { tables } = await fingerprintWith(sqliteReader(live));
        if (!isEmptyCounts(tables)) throw new Error(`The database at ${target} is not empty; stop the app and rerun with --force to replace it.`);
      } finally {
        live.close();
      }
    }
    mkdirSync(dirname(target), { recursive: true });
    // SQLite's backup API into the live file: it takes the write lock, so it waits for (rather
    // than corrupts under) a writer, and the WAL is handled by SQLite itself.
    await backup.backup(target);
  } finally {
    backup.close();
  }
  const restored = new Database(sqliteFilePath(url), { timeout: 10_000 });
  let integrity: string;
  let fingerprint: DatabaseFingerprint;
  try {
    restored.pragma("journal_mode = WAL");
    integrity = sqliteIntegrity(restored);
    fingerprint = await fingerprintWith(sqliteReader(restored));
  } finally {
    restored.close();
  }
  const audit = await auditOf(url, restoreAnchorFile(backupPath));
  return { provider: "sqlite", file: backupPath, fingerprint, audit, integrity };
}

/**
 * A restored database is checked against the anchors written beside its backup, which describe
 * exactly what it holds. (The anchor directory's file also records what was written after the
 * backup, which a restore discards: docs/operations.md "After a restore".)
 */
function restoreAnchorFile(backupPath: string): string | null {
  const beside = backupAnchorFile(backupPath);
  return existsSync(beside) ? beside : null;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** pg_dump / pg_restore on PATH, else the newest under /usr/lib/postgresql/<version>/bin. */
export function findPgTool(tool: "pg_dump" | "pg_restore"): string {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, tool))) return join(dir, tool);
  }
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const candidate = join(root, version, "bin", tool);
      if (existsSync(candidate)) return candidate;
    }
  }
  throw new Error(`${tool} was not found on PATH or under /usr/lib/postgresql/*/bin; install the PostgreSQL client tools (apt-get install -y postgresql-client) matching the server's major version.`);
}

/** libpq rejects Prisma's own URL parameters (schema, connection_limit…), so drop them. */
export function libpqUrl(url: string): string {
  const parsed = new URL(url);
  for (const key of ["schema", "connection_limit", "pool_timeout", "pgbouncer", "statement_cache_size", "socket_timeout"]) parsed.searchParams.delete(key);
  return parsed.toString();
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${command.split("/").pop()} exited with code ${code}: ${stderr.trim()}`));
    });
  });
}

function pgReader(client: pg.Client): RowReader {
  return {
    provider: "postgresql",
    texts: async (sql) => (await client.query<string[]>({ text: sql, rowMode: "array" })).rows.map((row) => String(row[0])),
  };
}

async function backupPostgres(url: string, file: string, options: Required<BackupOptions>): Promise<BackupSummary> {
  const pgDump = findPgTool("pg_dump");
  const target = resolve(file);
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.partial-${randomBytes(4).toString("hex")}`;
  const client = new pg.Client({ connectionString: libpqUrl(url) });
  await client.connect();
  let fingerprint: DatabaseFingerprint;
  let heads: ChainHead[];
  try {
    // Hold a snapshot open, let pg_dump dump exactly it, and count and anchor the same snapshot.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const { rows } = await client.query<{ id: string }>("SELECT pg_export_snapshot() AS id");
    const dump = run(pgDump, ["--format=custom", "--no-owner", "--no-privileges", `--snapshot=${rows[0]!.id}`, `--file=${partial}`, `--dbname=${libpqUrl(url)}`]);
    fingerprint = await fingerprintWith(pgReader(client));
    heads = parseChainHeads((await client.query(CHAIN_HEADS_SQL)).rows);
    await dump;
    await client.query("COMMIT");
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    await client.end();
  }
  renameSync(partial, target);
  // The chain is append-only: when the live chain verifies, so does the prefix in the dump.
  const audit = await auditOf(url, options.anchorDir ? anchorFileIn(options.anchorDir) : null);
  const anchors = anchorBackup(target, heads, options);
  return { provider: "postgresql", file: target, bytes: statSync(target).size, fingerprint, audit, anchors };
}

async function restorePostgres(url: string, file: string, force: boolean): Promise<RestoreSummary> {
  const pgRestore = findPgTool("pg_restore");
  const backupPath = resolve(file);
  if (!existsSync(backupPath)) throw new Error(`No backup file at ${backupPath}.`);
  const client = new pg.Client({ connectionString: libpqUrl(url) });
  await client.connect();
  try {
    if (!force) {
      const { tables } = await fingerprintWith(pgReader(client));
      if (!isEmptyCounts(tables)) throw new Error("The database is not empty; stop the app and rerun with --force to replace it.");
    }
  } finally {
    await client.end();
  }
  await run(pgRestore, ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", `--dbname=${libpqUrl(url)}`, backupPath]);
  const after = new pg.Client({ connectionString: libpqUrl(url) });
  await after.connect();
  let fingerprint: DatabaseFingerprint;
  try {
    fingerprint = await fingerprintWith(pgReader(after));
  } finally {
    await after.end();
  }
  const audit = await auditOf(url, restoreAnchorFile(backupPath));
  return { provider: "postgresql", file: backupPath, fingerprint, audit };
}

// ---------------------------------------------------------------------------------------------

/**
 * Writes a consistent copy of the database at `url` to `file` (written under a temporary name,
 * then renamed), and anchors the audit chains it holds (beside it, and in the anchor directory).
 */
export async function backupDatabase(url: string, file: string, options: BackupOptions = {}): Promise<BackupSummary> {
  const settled: Required<BackupOptions> = { anchorDir: options.anchorDir === undefined ? (env().AUDIT_ANCHOR_DIR ?? null) : options.anchorDir, now: options.now ?? new Date() };
  return databaseProvider(url) === "sqlite" ? backupSqlite(url, file, settled) : backupPostgres(url, file, settled);
}

/**
 * Replaces the database at `url` with the backup in `file`. Refuses a database that holds any
 * rows unless `force`. Stop the app first: restore is not meant to race live writers.
 */
export async function restoreDatabase(url: string, file: string, options: { force?: boolean } = {}): Promise<RestoreSummary> {
  const force = options.force ?? false;
  return databaseProvider(url) === "sqlite" ? restoreSqlite(url, file, force) : restorePostgres(url, file, force);
}
