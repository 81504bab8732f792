/** Fresh databases for the benchmark: a SQLite file under /tmp, or a new database on a private PostgreSQL. */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { log } from "./util";

export type BenchDatabase = "sqlite" | "postgresql";

export const BENCH_DIR = process.env.BENCH_DIR ?? "/tmp/sarc-bench";
export const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 5441);

/** Starts the throw-away PostgreSQL server (scripts/pg-server.sh) and returns its admin URL. */
export function startPostgres(): string {
  log(`starting a private PostgreSQL on 127.0.0.1:${PG_PORT} (scripts/pg-server.sh)`);
  const url = execFileSync("bash", ["scripts/pg-server.sh", "start", String(PG_PORT)], { encoding: "utf8", timeout: 120_000 }).trim();
  return url.split("\n").at(-1)!;
}

export function stopPostgres(): void {
  log(`stopping the private PostgreSQL on port ${PG_PORT}`);
  execFileSync("bash", ["scripts/pg-server.sh", "stop", String(PG_PORT)], { stdio: "ignore", timeout: 60_000 });
}

/** A new, empty database for one size; returns its DATABASE_URL. */
export async function freshDatabase(kind: BenchDatabase, size: number, pgAdminUrl: string | null): Promise<string> {
  if (kind === "sqlite") {
    mkdirSync(BENCH_DIR, { recursive: true });
    const file = join(BENCH_DIR, `bench-${size}.db`);
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true });
    return `file:${file}`;
  }
  if (!pgAdminUrl) throw new Error("freshDatabase: PostgreSQL is not running");
  const name = `bench_${size}`;
  const client = new pg.Client({ connectionString: pgAdminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
