/**
 * The data-layer measures of `npm run bench`, each through the real lib/data functions with a
 * SystemActor for the clinic: panel latency under concurrency, cohort CSV export (vs the
 * database's own dump, and its memory), recompute (vs a plain read of its inputs), CSV import.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { Db } from "@/lib/data/db/client";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { auditRead } from "@/lib/data/audit/log";
import { exportCohortCsv } from "@/lib/data/export/cohort-csv";
import { recomputeClinic } from "@/lib/data/jobs/recompute";
import { loadHistories } from "@/lib/data/evaluation/history";
import { importAssessments } from "@/lib/data/import/assessments";
import { createDefaultThresholds } from "@/lib/data/evaluation/thresholds";
import { deleteClinic } from "@/lib/data/seed/demo-clinic";
import type { SystemActor } from "@/lib/data/access/actor";
import type { PanelQuery } from "@/lib/validation/panel-query";
import { BENCH_DIR, type BenchDatabase } from "./databases";
import { dumpSql, runDump } from "./dump";
import { measurePeakRss, type RssPeak } from "./rss";
import { fmt, log, median, percentile, repeat, timed, withTimeout } from "./util";

export interface BenchContext {
  kind: BenchDatabase;
  url: string;
  db: Db;
  actor: SystemActor;
  size: number;
  runs: number;
  now: Date;
}

// ---------------------------------------------------------------------------------------------
// 1. Panel
// ---------------------------------------------------------------------------------------------

export interface PanelResult {
  /** Median over runs of each run's p50 / p95 under `callers` concurrent callers. */
  p50: number;
  p95: number;
  /** Median over runs of the p50 with one caller at a time (the query cost without queueing). */
  serialP50: number;
  /**
   * This process's CPU time per call under concurrency (median over runs). On a shared machine the
   * wall times include waiting for a core; for SQLite (in-process) this is the whole cost of a call.
   */
  cpuPerCall: number;
  /**
   * Median of single calls each made just after a write to the clinic (which bumps PanelVersion):
   * for a filter whose counts the database does not keep (lib/data/patients/panel-counts.ts), the
   * cost of a recount; for the others, what any call costs.
   */
  afterWriteP50: number;
  /** Median time of the panel's audit append alone (auditRead of one "patient.search" event). */
  auditP50: number;
  calls: number;
  total: number;
  throughput: number;
  /** Calls that threw under concurrency, over all runs, and the first message. */
  failures: number;
  firstFailure: string | null;
}

/**
 * `callers` concurrent callers each make `rounds` sequential calls (bounded also by `maxMs`); every
 * call's time from start to resolved page is one sample.
 */
async function concurrentCalls(
  fn: () => Promise<unknown>,
  callers: number,
  rounds: number,
  maxMs: number,
): Promise<{ samples: number[]; wallMs: number; cpuMs: number; failures: number; firstFailure: string | null }> {
  const samples: number[] = [];
  let failures = 0;
  let firstFailure: string | null = null;
  const deadline = performance.now() + maxMs;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      for (let r = 0; r < rounds && performance.now() < deadline; r += 1) {
        const start = performance.now();
        try {
          await fn();
          samples.push(performance.now() - start);
        } catch (error) {
          // A call that fails under load (e.g. no pooled connection in time) is a result, not a crash.
          failures += 1;
          firstFailure ??= (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").slice(0, 160);
        }
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { samples, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, failures, firstFailure };
}

/** Untimed rounds of concurrent calls before a panel measure (see measurePanel). */
const WARM_UP_ROUNDS = 25;

export async function measurePanel(ctx: BenchContext, label: string, query: PanelQuery, opts: { callers: number; rounds: number }): Promise<PanelResult> {
  const call = () => getPatientPanel(ctx.db, ctx.actor, query, ctx.now);
  const first = await withTimeout(`panel ${label} warm-up`, 120_000, call());
  for (let i = 0; i < 4; i += 1) await call();
  // A server that has been up a while runs this code optimised; the first few hundred calls of a
  // fresh process do not (V8 compiles hot functions in tiers as they run). Measured on PostgreSQL
  // at 100,000 patients, 20 callers × 30 tier+flag calls cost 3.8 ms of process CPU each in a fresh
  // process and 2.8 ms once warm — so the concurrent calls are made once, untimed, first.
  await withTimeout(`panel ${label} concurrent warm-up`, 5 * 60_000, concurrentCalls(call, opts.callers, WARM_UP_ROUNDS, 5 * 60_000));
  const serial: number[] = [];
  for (let i = 0; i < 10; i += 1) serial.push((await timed(call)).ms);
  const afterWrite: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    // A no-op update still fires the PanelVersion triggers, as any real change would.
    await ctx.db.patient.updateMany({ where: { clinicId: ctx.actor.clinicId, mrn: first.rows[0]?.mrn ?? "" }, data: { version: { increment: 0 } } });
    afterWrite.push((await timed(call)).ms);
  }
  const audit: number[] = [];
  const detail = { query: { ...query }, total: first.total, patientIds: first.rows.map((r) => r.id) };
  for (let i = 0; i < 10; i += 1) audit.push((await timed(() => auditRead(ctx.db, ctx.actor, [{ action: "patient.search", detail }], ctx.now))).ms);
  const perRun = await repeat(
    `panel ${label} (${opts.callers} callers × ${opts.rounds} rounds)`,
    ctx.runs,
    () => withTimeout(`panel ${label}`, 10 * 60_000, concurrentCalls(call, opts.callers, opts.rounds, 5 * 60_000)),
    (r) =>
      `p50 ${fmt.ms(percentile(r.samples, 50))}, p95 ${fmt.ms(percentile(r.samples, 95))}, ${r.samples.length} calls in ${fmt.ms(r.wallMs)}, ` +
      `process CPU ${fmt.ms(r.cpuMs / Math.max(1, r.samples.length))} per call` +
      (r.failures > 0 ? `; ${r.failures} FAILED (${r.firstFailure})` : ""),
  );
  return {
    p50: median(perRun.map((r) => percentile(r.samples, 50))),
    p95: median(perRun.map((r) => percentile(r.samples, 95))),
    serialP50: median(serial),
    cpuPerCall: median(perRun.map((r) => r.cpuMs / Math.max(1, r.samples.length + r.failures))),
    afterWriteP50: median(afterWrite),
    auditP50: median(audit),
    calls: perRun.reduce((n, r) => n + r.samples.length, 0),
    total: first.total,
    throughput: median(perRun.map((r) => r.samples.length / (r.wallMs / 1000))),
    failures: perRun.reduce((n, r) => n + r.failures, 0),
    firstFailure: perRun.find((r) => r.firstFailure !== null)?.firstFailure ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Cohort CSV export
// ---------------------------------------------------------------------------------------------

/** A sink that counts what it is given (so the export's own cost is measured, not a disk's). */
class CountingWritable extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    callback();
  }
}

export interface ExportResult {
  exportMs: number;
  /** The dump computing the measure cells from the Observation table (scripts/bench/dump.ts). */
  dumpMs: number;
  ratio: number;
  /** The dump reading the measure cells the export reads, stored in the snapshot's cohortJson. */
  storedDumpMs: number;
  storedRatio: number;
  rows: number;
  dumpRows: number;
  storedDumpRows: number;
  bytes: number;
  /** Largest peak-RSS growth over the runs (the first run usually: later ones reuse the heap). */
  rssGrowth: number;
  rssPeaks: RssPeak[];
}

export async function measureExport(ctx: BenchContext): Promise<ExportResult> {
  const sql = dumpSql(ctx.kind, ctx.actor.clinicId, ctx.now, "observations");
  const storedSql = dumpSql(ctx.kind, ctx.actor.clinicId, ctx.now, "stored");
  // One counted run of each first: a dump must produce as many rows as the export (and it warms the cache).
  const check = await runDump(ctx.kind, ctx.url, sql, true);
  log(`  database dump check (cells from observations): ${check.lines.toLocaleString("en")} CSV lines in ${fmt.ms(check.ms)}`);
  const storedCheck = await runDump(ctx.kind, ctx.url, storedSql, true);
  log(`  database dump check (stored cells): ${storedCheck.lines.toLocaleString("en")} CSV lines in ${fmt.ms(storedCheck.ms)}`);
  const exportRuns: { ms: number; rows: number; bytes: number; rss: RssPeak }[] = [];
  const dumpRuns: number[] = [];
  const storedDumpRuns: number[] = [];
  const dumpName = ctx.kind === "sqlite" ? "sqlite3 -csv" : "psql \\copy";
  for (let run = 1; run <= ctx.runs; run += 1) {
    const sink = new CountingWritable();
    const { value, rss } = await measurePeakRss(() =>
      timed(() => withTimeout("cohort export", 30 * 60_000, exportCohortCsv(ctx.db, ctx.actor, sink, { now: ctx.now }))),
    );
    exportRuns.push({ ms: value.ms, rows: value.value.rows, bytes: sink.bytes, rss });
    const dump = await runDump(ctx.kind, ctx.url, sql);
    dumpRuns.push(dump.ms);
    const storedDump = await runDump(ctx.kind, ctx.url, storedSql);
    storedDumpRuns.push(storedDump.ms);
    log(
      `  cohort export run ${run}/${ctx.runs}: ${value.value.rows.toLocaleString("en")} rows, ${fmt.mb(sink.bytes)} in ${fmt.ms(value.ms)}` +
        ` (peak RSS +${fmt.mb(rss.growth)} over ${fmt.mb(rss.baseline)}); ${dumpName} ${fmt.ms(dump.ms)} (cells from observations), ${fmt.ms(storedDump.ms)} (stored cells)`,
    );
  }
  const exportMs = median(exportRuns.map((r) => r.ms));
  const dumpMs = median(dumpRuns);
  const storedDumpMs = median(storedDumpRuns);
  return {
    exportMs,
    dumpMs,
    ratio: exportMs / dumpMs,
    storedDumpMs,
    storedRatio: exportMs / storedDumpMs,
    rows: exportRuns[0]!.rows,
    dumpRows: check.lines,
    storedDumpRows: storedCheck.lines,
    bytes: exportRuns[0]!.bytes,
    rssGrowth: Math.max(...exportRuns.map((r) => r.rss.growth)),
    rssPeaks: exportRuns.map((r) => r.rss),
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Recompute
// ---------------------------------------------------------------------------------------------

export interface RecomputeResult {
  recomputeMs: number;
  readMs: number;
  ratio: number;
  evaluated: number;
  perSecond: number;
}

/** The same inputs recompute reads: patients in MRN keyset batches of 500, then loadHistories per batch. */
export async function readAllHistories(ctx: Pick<BenchContext, "db" | "actor">, batchSize = 500): Promise<number> {
  let afterMrn: string | null = null;
  let loaded = 0;
  for (;;) {
    const batch: { id: string; mrn: string }[] = await ctx.db.patient.findMany({
      where: afterMrn === null ? { clinicId: ctx.actor.clinicId } : { clinicId: ctx.actor.clinicId, mrn: { gt: afterMrn } },
      orderBy: { mrn: "asc" },
      take: batchSize,
      select: { id: true, mrn: true },
    });
    if (batch.length === 0) break;
    const histories = await loadHistories(ctx.db, ctx.actor.clinicId, batch.map((p) => p.id));
    loaded += histories.size;
    afterMrn = batch.at(-1)!.mrn;
    if (batch.length < batchSize) break;
  }
  return loaded;
}

export async function measureRecompute(ctx: BenchContext): Promise<RecomputeResult> {
  const recomputes: { ms: number; evaluated: number }[] = [];
  const reads: number[] = [];
  for (let run = 1; run <= ctx.runs; run += 1) {
    let lastDecile = -1;
    const recompute = await timed(() =>
      withTimeout(
        "recompute",
        60 * 60_000,
        recomputeClinic(ctx.db, ctx.actor, {
          now: ctx.now,
          onProgress: (done, total) => {
            const decile = Math.floor((done / total) * 4);
            if (decile !== lastDecile && total >= 20_000) log(`    recompute ${done.toLocaleString("en")}/${total.toLocaleString("en")}`);
            lastDecile = decile;
          },
        }),
      ),
    );
    const read = await timed(() => withTimeout("read histories", 30 * 60_000, readAllHistories(ctx)));
    if (read.value !== recompute.value.evaluated) throw new Error(`recompute evaluated ${recompute.value.evaluated} patients but the read loaded ${read.value}`);
    recomputes.push({ ms: recompute.ms, evaluated: recompute.value.evaluated });
    reads.push(read.ms);
    log(`  recompute run ${run}/${ctx.runs}: ${recompute.value.evaluated.toLocaleString("en")} patients in ${fmt.ms(recompute.ms)}; plain read ${fmt.ms(read.ms)}`);
  }
  const recomputeMs = median(recomputes.map((r) => r.ms));
  const readMs = median(reads);
  const evaluated = recomputes[0]!.evaluated;
  return { recomputeMs, readMs, ratio: recomputeMs / readMs, evaluated, perSecond: evaluated / (recomputeMs / 1000) };
}

// ---------------------------------------------------------------------------------------------
// 4. CSV import
// ---------------------------------------------------------------------------------------------

export interface ImportResultSummary {
  rows: number;
  ms: number;
  rowsPerSecond: number;
  patients: number;
  observations: number;
  /** Median time the database takes to copy the rows one import wrote (see {@link importFloorMs}). */
  floorMs: number;
  /** Median time of the same copy with its COMMIT, as the import pays its own (SQLite only; see {@link importFloorMs}). */
  floorCommittedMs: number | null;
  /** Rows the import wrote, all tables. */
  tableRows: number;
}

/** Every table a CSV import writes rows to, and the columns that hold a patient's or row's id. */
const IMPORT_TABLES = ["Patient", "Observation", "PatientMedication", "PatientCondition", "RiskSnapshot", "Flag"] as const;

/** Sentinel thrown to roll the floor's copy back. */
class RollBack extends Error {}

/**
 * The database's own cost of writing what an import wrote: inside one transaction, the clinic's
 * rows of every table the import writes are copied with `INSERT … SELECT` under a new clinic and
 * new ids (the id, clinicId and patientId columns get a prefix; every other column is copied as
 * stored), into the same tables with the same indexes at the same size. No parsing, validation,
 * evaluation or driver work: only SQLite or PostgreSQL reading and inserting the same rows — the
 * bound the importer's time is compared with (`ms`, the copy's statements, as measured since the
 * first session).
 *
 * On SQLite the copy is then committed, as the import is, and `commitMs` is that COMMIT: it writes
 * the transaction's pages to the WAL, about 1 s for 30,000 imported rows, which a rolled-back copy
 * never pays (docs/benchmarks.md, tenth session). The copy is deleted afterwards, untimed, so
 * copies do not pile up. On PostgreSQL the copy is rolled back as before (`commitMs` null): the
 * bench's server runs with `fsync=off`, where a COMMIT costs about 0.1 s, and with the committed
 * copy deleted after each run the next runs were slower (35.4 s, then 55.2 and 49.6 s at 100k).
 */
async function importFloorMs(ctx: BenchContext, clinicId: string): Promise<{ ms: number; commitMs: number | null; rows: number }> {
  const columnsOf = async (table: string): Promise<string[]> => {
    const rows: { name: string }[] =
      ctx.kind === "sqlite"
        ? await ctx.db.$queryRawUnsafe(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`)
        : await ctx.db.$queryRawUnsafe(
            `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}' ORDER BY ordinal_position`,
          );
    return rows.map((r) => r.name);
  };
  const plan = await Promise.all(IMPORT_TABLES.map(async (table) => ({ table, columns: await columnsOf(table) })));
  const copyClinic = `floor-${Date.now()}`;
  let ms = 0;
  let rows = 0;
  let copied = 0;
  const commits = ctx.kind === "sqlite";
  await ctx.db
    .$transaction(
      async (tx) => {
        await tx.clinic.create({ data: { id: copyClinic, name: "Import floor (removed after the run)", slug: copyClinic } });
        const t0 = performance.now();
        for (const { table, columns } of plan) {
          const select = columns.map((c) => {
            if (c === "id" || c === "patientId") return `'f' || "${c}"`;
            if (c === "clinicId") return `'${copyClinic}'`;
            return `"${c}"`;
          });
          const owned = table === "Patient" ? `"clinicId" = '${clinicId}'` : `"patientId" IN (SELECT "id" FROM "Patient" WHERE "clinicId" = '${clinicId}')`;
          rows += Number(
            await tx.$executeRawUnsafe(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) SELECT ${select.join(", ")} FROM "${table}" WHERE ${owned}`),
          );
        }
        copied = performance.now();
        ms = copied - t0;
        if (!commits) throw new RollBack();
      },
      { timeout: 60 * 60_000 },
    )
    .catch((error: unknown) => {
      if (!(error instanceof RollBack)) throw error;
    });
  if (!commits) return { ms, commitMs: null, rows };
  const commitMs = performance.now() - copied;
  await deleteClinic(ctx.db, copyClinic);
  return { ms, commitMs, rows };
}

/** The assessment spreadsheet of `rows` visit rows (scripts/make-assessments-csv.ts), made once per size. */
export function assessmentsCsv(rows: number, asOf: string): string {
  const file = join(BENCH_DIR, `assessments-${rows}-${asOf}.csv`);
  if (!existsSync(file)) {
    // Only the SQLite databases live in BENCH_DIR: on a PostgreSQL-only run it may not exist yet.
    mkdirSync(BENCH_DIR, { recursive: true });
    log(`  generating ${rows.toLocaleString("en")} visit rows with scripts/make-assessments-csv.ts`);
    execFileSync(
      process.execPath,
      [join("node_modules", "tsx", "dist", "cli.mjs"), "--tsconfig", "tsconfig.json", "scripts/make-assessments-csv.ts", "--rows", String(rows), "--out", file, "--as-of", asOf, "--prefix", "IMP-"],
      { stdio: ["ignore", "ignore", "inherit"], timeout: 20 * 60_000 },
    );
  }
  return file;
}

/**
 * The peak RSS of a whole process importing `csvFile` into a new clinic of the bench database, as
 * the CLI's `import` runs (the same V8 flag): scripts/bench/import-only.ts, one run. A process of
 * its own, because the bench's has already grown its heap for the measures before (measured in
 * it, the growth of a 10,000-row import over its baseline was 0 MB).
 */
export function importPeakRss(ctx: BenchContext, csvFile: string): { bytes: number; ms: number } {
  const args = ["--max-semi-space-size=32", "--conditions=react-server", "--import", "tsx", "scripts/bench/import-only.ts", ctx.url, csvFile, "1"];
  const started = performance.now();
  let output: string;
  try {
    // Paths from the repository's root, as the bench's other commands (`npm run bench` runs there).
    output = execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 60 * 60_000 });
  } catch (error) {
    // Not execFileSync's own message: it repeats the arguments, the database URL among them.
    const status = (error as { status?: number | null }).status;
    throw new Error(`scripts/bench/import-only.ts failed (exit status ${status ?? "none: killed or timed out"}); its errors are above.`);
  }
  const ms = performance.now() - started;
  const kib = /^peak RSS (\d+) KB$/m.exec(output)?.[1];
  if (kib === undefined) throw new Error(`scripts/bench/import-only.ts printed no peak RSS: ${output.slice(-500)}`);
  return { bytes: Number(kib) * 1024, ms };
}

/** Each run imports the whole file into a new, empty clinic in the same database (so every row is new). */
export async function measureImport(ctx: BenchContext, csvFile: string): Promise<ImportResultSummary> {
  const content = readFileSync(csvFile);
  const runs = await repeat(
    `CSV import of ${ctx.size.toLocaleString("en")} rows`,
    ctx.runs,
    async (run) => {
      const clinic = await ctx.db.$transaction(async (tx) => {
        const created = await tx.clinic.create({ data: { name: `Import bench ${run}`, slug: `bench-import-${ctx.size}-${run}-${Date.now()}` } });
        await createDefaultThresholds(tx, created.id, null);
        return created;
      });
      const actor: SystemActor = { kind: "system", clinicId: clinic.id, label: "bench import" };
      const { ms, value } = await timed(() =>
        withTimeout("CSV import", 60 * 60_000, importAssessments(ctx.db, actor, { name: csvFile, content }, { now: ctx.now })),
      );
      if (value.blocked || value.errors.length > 0) {
        throw new Error(`import blocked: ${value.errors.length} errors, first: ${JSON.stringify(value.errors[0])}`);
      }
      const floor = await importFloorMs(ctx, clinic.id);
      return { ms, rows: value.rowsTotal, patients: value.created.patients, observations: value.created.observations, floorMs: floor.ms, floorCommitMs: floor.commitMs, tableRows: floor.rows };
    },
    (r) =>
      `${r.rows.toLocaleString("en")} rows (${r.patients.toLocaleString("en")} patients, ${r.observations.toLocaleString("en")} observations) in ${fmt.ms(r.ms)} = ${fmt.int(r.rows / (r.ms / 1000))} rows/s; the database copies the same ${r.tableRows.toLocaleString("en")} table rows in ${fmt.ms(r.floorMs)}${r.floorCommitMs === null ? "" : ` and commits them in ${fmt.ms(r.floorCommitMs)}`}`,
  );
  const ms = median(runs.map((r) => r.ms));
  return {
    rows: runs[0]!.rows,
    ms,
    rowsPerSecond: runs[0]!.rows / (ms / 1000),
    patients: runs[0]!.patients,
    observations: runs[0]!.observations,
    floorMs: median(runs.map((r) => r.floorMs)),
    floorCommittedMs: runs.every((r) => r.floorCommitMs !== null) ? median(runs.map((r) => r.floorMs + r.floorCommitMs!)) : null,
    tableRows: runs[0]!.tableRows,
  };
}
