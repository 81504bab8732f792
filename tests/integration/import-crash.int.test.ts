import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { TEST_NOW } from "../support/clinic-factory";
import { seedDemoClinic } from "@/lib/data/seed/demo-clinic";
import { verifyAuditChain } from "@/lib/data/audit/log";
import type { Db } from "@/lib/data/db/client";

/**
 * Crash safety (docs/design.md#import-semantics: the write is one transaction, "a crash part-way
 * leaves the database as before"). The real CLI imports a 100,000-row spreadsheet into a seeded clinic; once its progress
 * shows the write transaction has begun, the whole process group is killed with SIGKILL (no
 * handler runs, nothing is rolled back by the program). Every table is then byte-for-byte as
 * before, the audit chain verifies, and a re-run imports everything. While the doomed import
 * writes, this process keeps reading the database: readers are never blocked or failed (SQLite
 * in WAL mode with a busy timeout; PostgreSQL MVCC).
 *
 * IMPORT_CRASH_ROWS shortens the file for a quick local run (default 100000).
 */
const ROWS = Number(process.env.IMPORT_CRASH_ROWS ?? 100_000);
const ROOT = process.cwd();
const TSX = join(ROOT, "node_modules/.bin/tsx");

/** A checksum of every row of the tables an import writes, in a stable order. */
async function fingerprint(db: Db) {
  const digest = (rows: unknown[]) => createHash("sha256").update(JSON.stringify(rows)).digest("hex");
  const [patients, observations, medications, conditions, snapshots, flags, audit, jobs] = await Promise.all([
    db.patient.findMany({ orderBy: { id: "asc" } }),
    db.observation.findMany({ orderBy: { id: "asc" } }),
    db.patientMedication.findMany({ orderBy: { id: "asc" } }),
    db.patientCondition.findMany({ orderBy: { id: "asc" } }),
    db.riskSnapshot.findMany({ orderBy: { id: "asc" } }),
    db.flag.findMany({ orderBy: { id: "asc" } }),
    db.auditEvent.findMany({ orderBy: { seq: "asc" } }),
    db.importJob.findMany({ orderBy: { id: "asc" } }),
  ]);
  const tables = { patients, observations, medications, conditions, snapshots, flags, audit, jobs };
  return Object.fromEntries(Object.entries(tables).map(([name, rows]) => [name, { count: rows.length, sha256: digest(rows) }]));
}

function cli(url: string, args: string[]): ChildProcess {
  // Its own process group, so SIGKILL reaches tsx's node child as well.
  return spawn(TSX, ["--conditions=react-server", "--tsconfig", "tsconfig.json", "lib/cli/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, NEXT_TELEMETRY_DISABLED: "1" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

describe(`a SIGKILLed ${ROWS.toLocaleString("en")}-row import`, () => {
  let t: TestDatabase;
  let dir: string;
  let file: string;
  let mrns: number;

  beforeAll(async () => {
    t = await createTestDatabase();
    await seedDemoClinic(t.db, { patients: 200, seed: 11, asOf: TEST_NOW, reset: false });
    dir = mkdtempSync(join(tmpdir(), "sarc-crash-"));
    file = join(dir, "assessments.csv");
    const made = spawnSync(TSX, ["--tsconfig", "tsconfig.json", "scripts/make-assessments-csv.ts", "--rows", String(ROWS), "--out", file, "--as-of", "2026-11-21"], { cwd: ROOT, encoding: "utf8" });
    if (made.status !== 0) throw new Error(`make-assessments-csv failed: ${made.stderr}`);
    const rows = parse(readFileSync(file), { columns: true }) as { mrn: string }[];
    expect(rows).toHaveLength(ROWS);
    mrns = new Set(rows.map((r) => r.mrn)).size;
  }, 300_000);
  afterAll(async () => {
    await t?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("leaves the database unchanged, and a re-run imports everything", async () => {
    const before = await fingerprint(t.db);
    const started = performance.now();

    const doomed = cli(t.url, ["import", file, "--clinic", "demo", "--as-of", "2026-11-21"]);
    const exit = exited(doomed);
    let stderr = "";
    doomed.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    doomed.stdout!.resume();
    // Progress lines ("n/N rows and patients") are printed from inside the write transaction.
    let reads = 0;
    while (!/[1-9][\d,]*\/[\d,]+ rows and patients/.test(stderr)) {
      if (doomed.exitCode !== null) throw new Error(`the import ended before it could be killed:\n${stderr}`);
      // A reader during the import sees the old data and is never refused.
      expect(await t.db.patient.count()).toBe(before.patients!.count);
      reads += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const killedAfter = (performance.now() - started) / 1000;
    process.kill(-doomed.pid!, "SIGKILL");
    expect((await exit).signal).toBe("SIGKILL");
    expect(reads).toBeGreaterThan(0);

    const after = await fingerprint(t.db);
    expect(after).toEqual(before);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, checked: before.audit!.count });

    const rerunStarted = performance.now();
    const rerun = cli(t.url, ["import", file, "--clinic", "demo", "--as-of", "2026-11-21"]);
    let stdout = "";
    rerun.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    let rerunErr = "";
    rerun.stderr!.on("data", (chunk: Buffer) => (rerunErr += chunk.toString()));
    const rerunExit = await exited(rerun);
    expect(rerunExit, `${stdout}\n${rerunErr}`).toEqual({ code: 0, signal: null });
    const rerunSeconds = (performance.now() - rerunStarted) / 1000;

    const match = /Imported: (\d+) new patients, (\d+) updated patients, (\d+) observations, (\d+) medications/.exec(stdout);
    expect(match, stdout).not.toBeNull();
    const [, created, updated, observations] = match!.map(Number);
    expect(created).toBe(mrns);
    expect(updated).toBe(0);
    const done = await fingerprint(t.db);
    expect(done.patients!.count).toBe(before.patients!.count + mrns);
    expect(done.snapshots!.count).toBe(before.snapshots!.count + mrns);
    expect(done.observations!.count).toBe(before.observations!.count + observations!);
    expect(done.audit!.count).toBe(before.audit!.count + 1);
    const job = await t.db.importJob.findFirstOrThrow({ orderBy: { startedAt: "desc" } });
    expect(job).toMatchObject({ status: "completed", rowsTotal: ROWS, rowsValid: ROWS });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);

    console.log(
      `import-crash (${t.provider}): ${ROWS} rows, ${mrns} patients; killed ${killedAfter.toFixed(1)} s in, after ${reads} concurrent reads; ` +
        `re-run ${rerunSeconds.toFixed(1)} s (${Math.round(ROWS / rerunSeconds)} rows/s)`,
    );
  }, 1_200_000);
});
