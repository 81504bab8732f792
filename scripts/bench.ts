/**
 * `npm run bench` — the scale benchmark (issue 7). Prints one table per database and a summary;
 * progress goes to stderr. It is a report, not a test: a missed target still exits 0; only an
 * error exits non-zero. See docs/benchmarks.md for what each measure means and the figures.
 *
 *   npm run bench -- [--db sqlite,postgresql] [--sizes 10000[,100000]] [--runs 5]
 *                    [--callers 20] [--rounds 10] [--seconds 10] [--skip panel,mixed,export,cli,recompute,browser,import]
 *
 * For each database × size: a fresh database (a SQLite file under $BENCH_DIR, default
 * /tmp/sarc-bench; a new database on a private PostgreSQL started with scripts/pg-server.sh on port
 * $BENCH_PG_PORT, default 5441, stopped at the end), migrated (lib/data/db/migrate.ts) and seeded
 * (lib/data/seed/demo-clinic.ts seedDemoClinic), then the measures in scripts/bench/measures.ts and
 * scripts/bench/browser.ts through the real data-layer functions, and the whole-process CLI
 * measures of scripts/bench/cli.ts (`npm run cli -- --help`; on SQLite `npm run cli -- export`
 * against `sqlite3 -csv` of a flat table).
 */
import { parseArgs } from "node:util";
import { createDb } from "@/lib/data/db/client";
import { migrate } from "@/lib/data/db/migrate";
import { seedDemoClinic } from "@/lib/data/seed/demo-clinic";
import { panelQuerySchema } from "@/lib/validation/panel-query";
import type { SystemActor } from "@/lib/data/access/actor";
import { freshDatabase, startPostgres, stopPostgres, type BenchDatabase } from "./bench/databases";
import { assessmentsCsv, importPeakRss, measureExport, measureImport, measurePanel, measureRecompute, type BenchContext } from "./bench/measures";
import { ensureBuild, measureLcp, panelPageJs } from "./bench/browser";
import { measureSearch } from "./bench/search";
import { measureMixedLoad } from "./bench/mixed-load";
import { measureCliExport, measureCliHelp } from "./bench/cli";
import { DEMO_CLINIC_SLUG } from "@/lib/data/seed/demo-logins";
import { fmt, log, onInterrupt, renderTable, runInterruptCleanups, timed, type Row } from "./bench/util";
import { exitWithUsageError, exitWithUsageIfAsked } from "./usage";

const MEASURES = ["panel", "mixed", "export", "cli", "recompute", "browser", "import"] as const;
type Measure = (typeof MEASURES)[number];

const TARGET = {
  panelP95Ms: 100,
  exportRatio: 2,
  exportRssBytes: 300 * 1024 * 1024,
  /** "Flat": the export's peak RSS growth, or the import process's peak RSS, at the largest size exceeds the smallest's by at most this. */
  rssFlatBytes: 50 * 1024 * 1024,
  recomputeRatio: 3,
  importRowsPerSecond: 20_000,
  pageJsGzipBytes: 200 * 1024,
  cliHelpMs: 500,
  cliExportRatio: 2,
  cliExportRssBytes: 300 * 1024 * 1024,
};

const AS_OF = "2026-11-21";
const SEED = 20261121;

const USAGE = "usage: npm run bench -- [--db sqlite,postgresql] [--sizes 10000,100000] [--runs 5] [--callers 20] [--rounds 10] [--seconds 10] [--skip panel,mixed,export,cli,recompute,browser,import]";

function usage(message: string): never {
  exitWithUsageError(`bench: ${message}`, USAGE);
}

function parseOptions() {
  exitWithUsageIfAsked(USAGE);
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        db: { type: "string", default: "sqlite,postgresql" },
        sizes: { type: "string", default: "10000" },
        runs: { type: "string", default: "5" },
        callers: { type: "string", default: "20" },
        rounds: { type: "string", default: "10" },
        seconds: { type: "string", default: "10" },
        skip: { type: "string", default: "" },
      },
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  const list = (text: string) => text.split(",").map((s) => s.trim()).filter(Boolean);
  const dbs = list(values.db);
  for (const d of dbs) if (d !== "sqlite" && d !== "postgresql") usage(`unknown database "${d}"`);
  const positive = (text: string, name: string) => {
    const n = Number(text.replace(/_/g, ""));
    if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a whole number ≥ 1 (got "${text}")`);
    return n;
  };
  const skip = list(values.skip);
  for (const s of skip) if (!(MEASURES as readonly string[]).includes(s)) usage(`unknown measure "${s}" in --skip (${MEASURES.join(", ")})`);
  return {
    dbs: dbs as BenchDatabase[],
    sizes: list(values.sizes).map((s) => positive(s, "sizes")),
    runs: positive(values.runs, "runs"),
    callers: positive(values.callers, "callers"),
    rounds: positive(values.rounds, "rounds"),
    seconds: positive(values.seconds, "seconds"),
    skip: new Set(skip as Measure[]),
  };
}

const sizeLabel = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));

interface SizeOutcome {
  exportRssGrowth?: number;
  importPeakRss?: number;
}

async function benchOne(kind: BenchDatabase, size: number, pgAdminUrl: string | null, opts: ReturnType<typeof parseOptions>, rows: Row[], errors: string[]): Promise<SizeOutcome> {
  const size_ = sizeLabel(size);
  const outcome: SizeOutcome = {};
  const now = new Date(`${AS_OF}T00:00:00.000Z`);
  log(`=== ${kind}, ${size.toLocaleString("en")} patients ===`);
  const url = await freshDatabase(kind, size, pgAdminUrl);
  const migration = await timed(() => migrate(url));
  log(`migrated ${url} (${migration.value.applied.length} migrations) in ${fmt.ms(migration.ms)}`);
  const db = createDb(url);
  try {
    log(`seeding ${size.toLocaleString("en")} patients (seedDemoClinic)`);
    let lastDecile = -1;
    const seedStarted = performance.now();
    const seed = await timed(() =>
      seedDemoClinic(db, {
        patients: size,
        seed: SEED,
        asOf: now,
        reset: false,
        onProgress: (done, total) => {
          const decile = Math.floor((done / total) * 10);
          if (decile !== lastDecile) log(`  seed ${done.toLocaleString("en")}/${total.toLocaleString("en")} (${fmt.int(done / ((performance.now() - seedStarted) / 1000))}/s)`);
          lastDecile = decile;
        },
      }),
    );
    const [observations, flags] = await Promise.all([db.observation.count(), db.flag.count({ where: { status: "open" } })]);
    rows.push({
      measure: "seed (seedDemoClinic)",
      size: size_,
      value: `${fmt.ms(seed.ms)}, ${fmt.int(size / (seed.ms / 1000))} patients/s (${fmt.int(observations)} observations, ${fmt.int(flags)} open flags)`,
      target: "—",
      met: null,
    });
    const actor: SystemActor = { kind: "system", clinicId: seed.value.clinicId, label: "bench" };
    const ctx: BenchContext = { kind, url, db, actor, size, runs: opts.runs, now };

    const step = async (name: Measure, what: string, fn: () => Promise<void>) => {
      if (opts.skip.has(name)) return;
      log(`${what}`);
      try {
        await fn();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`ERROR in ${what}: ${error instanceof Error ? error.stack : message}`);
        errors.push(`${kind} ${size_} ${name}: ${message}`);
        rows.push({ measure: `${name} — ERROR`, size: size_, value: message.slice(0, 120), target: "—", met: null });
      }
    };

    await step("panel", `panel: first page by tier, flag b12_test_due, ${opts.callers} concurrent callers`, async () => {
      const r = await measurePanel(ctx, "tier+flag", panelQuerySchema.parse({ flag: "b12_test_due", sort: "tier" }), opts);
      rows.push({
        measure: "panel p1, sort tier, flag b12_test_due: p50 / p95",
        size: size_,
        value:
          `${fmt.ms(r.p50)} / ${fmt.ms(r.p95)} (1 caller p50 ${fmt.ms(r.serialP50)}, of which audit append ${fmt.ms(r.auditP50)}; process CPU per call ${fmt.ms(r.cpuPerCall)}; ` +
          `just after a write: ${fmt.ms(r.afterWriteP50)}; ${fmt.rate(r.throughput)} calls/s; ${fmt.int(r.total)} match)` +
          (r.failures > 0 ? `; ${r.failures} of ${r.calls + r.failures} calls FAILED: ${r.firstFailure}` : ""),
        target: `p95 ≤ ${TARGET.panelP95Ms} ms (at 100k)`,
        met: r.p95 <= TARGET.panelP95Ms && r.failures === 0,
      });
      log("panel: first page by name, no filter");
      const n = await measurePanel(ctx, "name", panelQuerySchema.parse({ sort: "name" }), opts);
      rows.push({
        measure: "panel p1, sort name, no filter: p50 / p95",
        size: size_,
        value:
          `${fmt.ms(n.p50)} / ${fmt.ms(n.p95)} (1 caller p50 ${fmt.ms(n.serialP50)}; process CPU per call ${fmt.ms(n.cpuPerCall)}; after a write ${fmt.ms(n.afterWriteP50)}; ${fmt.rate(n.throughput)} calls/s)` +
          (n.failures > 0 ? `; ${n.failures} of ${n.calls + n.failures} calls FAILED: ${n.firstFailure}` : ""),
        target: "— (same bound as above, informational)",
        met: null,
      });
      log("panel: search");
      const s = await measureSearch(ctx, opts);
      rows.push({
        measure: `panel p1, search "Family, Given" repeated (matches cached): p50 / p95`,
        size: size_,
        value:
          `${fmt.ms(s.repeated.p50)} / ${fmt.ms(s.repeated.p95)} (1 caller p50 ${fmt.ms(s.repeated.serialP50)}; process CPU per call ${fmt.ms(s.repeated.cpuPerCall)}; just after a write ${fmt.ms(s.repeated.afterWriteP50)}; ${fmt.int(s.repeated.total)} match)` +
          (s.repeated.failures > 0 ? `; ${s.repeated.failures} calls FAILED: ${s.repeated.firstFailure}` : ""),
        target: `p95 ≤ ${TARGET.panelP95Ms} ms (at 100k)`,
        met: s.repeated.p95 <= TARGET.panelP95Ms && s.repeated.failures === 0,
      });
      rows.push({
        measure: "panel p1, a different search on every call (nothing cached): p50 / p95",
        size: size_,
        value: `${fmt.ms(s.p50)} / ${fmt.ms(s.p95)} (${s.calls} calls; process CPU per call ${fmt.ms(s.cpuPerCall)}; cold, one call each: ${s.forms.map((f) => `${f.form} ${fmt.ms(f.coldP50)}`).join(", ")})`,
        target: `p95 ≤ ${TARGET.panelP95Ms} ms (at 100k)`,
        met: s.p95 <= TARGET.panelP95Ms,
      });
    });

    await step("mixed", `panel while the clinic writes: ${opts.callers} readers (tier, flag b12_test_due), 2 writers once a second`, async () => {
      const r = await measureMixedLoad(ctx, panelQuerySchema.parse({ flag: "b12_test_due", sort: "tier" }), opts);
      const failed = r.failures > 0 ? `; ${r.failures} calls or writes FAILED: ${r.firstFailure}` : "";
      rows.push({
        measure: "panel p1, tier, flag b12_test_due, 20 readers while 2 writers save once a second: readers p50 / p95",
        size: size_,
        value: `${fmt.ms(r.readP50)} / ${fmt.ms(r.readP95)} (${fmt.int(r.reads)} calls over ${opts.runs} runs; process CPU per panel call, writes included, ${fmt.ms(r.cpuPerRead)})${failed}`,
        target: `p95 ≤ ${TARGET.panelP95Ms} ms (at 100k)`,
        met: r.readP95 <= TARGET.panelP95Ms && r.failures === 0,
      });
      rows.push({
        measure: "… the panel call right after the user's own save: p50 / p95",
        size: size_,
        value: `${fmt.ms(r.afterOwnWriteP50)} / ${fmt.ms(r.afterOwnWriteP95)}`,
        target: `≤ ${TARGET.panelP95Ms} ms (at 100k)`,
        met: r.afterOwnWriteP95 <= TARGET.panelP95Ms,
      });
      rows.push({
        measure: "… writers (assessment save or flag outreach): p95",
        size: size_,
        value: `${fmt.ms(r.writeP95)} (${fmt.int(r.writes)} writes)`,
        target: "≤ 1.2 × before (issue 19)",
        met: null,
      });
    });

    await step("export", "cohort CSV export of everyone vs the database's own CSV dump", async () => {
      const r = await measureExport(ctx);
      if (r.dumpRows !== r.rows) log(`  warning: the dump wrote ${r.dumpRows} lines, the export ${r.rows} rows`);
      if (r.storedDumpRows !== r.rows) log(`  warning: the stored-cells dump wrote ${r.storedDumpRows} lines, the export ${r.rows} rows`);
      const dumpName = kind === "sqlite" ? "sqlite3 -csv" : "psql \\copy";
      rows.push({
        measure: `cohort CSV export: time, ratio to ${dumpName}`,
        size: size_,
        value: `${fmt.ms(r.exportMs)} vs ${fmt.ms(r.dumpMs)} = ${fmt.ratio(r.ratio)} (${fmt.int(r.rows)} rows, ${fmt.mb(r.bytes)})`,
        target: `≤ ${TARGET.exportRatio}×`,
        met: r.ratio <= TARGET.exportRatio,
      });
      rows.push({
        measure: `cohort CSV export: ratio to ${dumpName} of the stored cells`,
        size: size_,
        value: `${fmt.ms(r.exportMs)} vs ${fmt.ms(r.storedDumpMs)} = ${fmt.ratio(r.storedRatio)}`,
        target: `≤ ${TARGET.exportRatio}×`,
        met: r.storedRatio <= TARGET.exportRatio,
      });
      rows.push({
        measure: "cohort CSV export: peak RSS − baseline",
        size: size_,
        value: `+${fmt.mb(r.rssGrowth)} (baseline ${fmt.mb(r.rssPeaks[0]!.baseline)})`,
        target: `< ${fmt.mb(TARGET.exportRssBytes)}, flat`,
        met: r.rssGrowth < TARGET.exportRssBytes,
      });
      outcome.exportRssGrowth = r.rssGrowth;
    });

    if (kind === "sqlite") {
      await step("cli", "npm run cli -- export (whole process) vs sqlite3 -csv of a flat table with the same rows", async () => {
        const r = await measureCliExport(ctx, DEMO_CLINIC_SLUG);
        rows.push({
          measure: "npm run cli -- export, whole process: time, ratio to sqlite3 -csv of a flat table",
          size: size_,
          value:
            `${fmt.ms(r.exportMs)} vs ${fmt.ms(r.dumpMs)} = ${fmt.ratio(r.ratio)} (median of the run-by-run ratios)` +
            (r.cpu === null ? "" : `; CPU ${fmt.ms(r.cpu.exportMs)} vs ${fmt.ms(r.cpu.dumpMs)} = ${fmt.ratio(r.cpu.ratio)}`),
          target: `≤ ${TARGET.cliExportRatio}×`,
          met: r.ratio <= TARGET.cliExportRatio,
        });
        rows.push({
          measure: "npm run cli -- export: peak RSS of its largest process",
          size: size_,
          value: r.peakRss === null ? "n/a (needs /usr/bin/time)" : fmt.mb(r.peakRss),
          target: `< ${fmt.mb(TARGET.cliExportRssBytes)}`,
          met: r.peakRss === null ? null : r.peakRss < TARGET.cliExportRssBytes,
        });
      });
    }

    await step("recompute", "recompute of every patient vs a plain read of the same inputs", async () => {
      const r = await measureRecompute(ctx);
      rows.push({
        measure: "recompute all: time, ratio to loadHistories read",
        size: size_,
        value: `${fmt.ms(r.recomputeMs)} vs ${fmt.ms(r.readMs)} = ${fmt.ratio(r.ratio)} (${fmt.int(r.perSecond)} patients/s)`,
        target: `≤ ${TARGET.recomputeRatio}×`,
        met: r.ratio <= TARGET.recomputeRatio,
      });
    });

    await step("browser", "panel page in headless Chromium (next start)", async () => {
      ensureBuild();
      const r = await measureLcp(url, opts.runs);
      rows.push({
        measure: "/patients LCP (cold cache, headless Chromium)",
        size: size_,
        value: `${fmt.ms(r.lcp)} (TTFB ${fmt.ms(r.ttfb)}; ${r.scripts} scripts, ${fmt.kb(r.jsTransferred)} JS transferred)`,
        target: "— (none set; ≤ 2.5 s is Web Vitals 'good')",
        met: null,
      });
    });

    await step("import", `CSV import of ${size.toLocaleString("en")} visit rows into a new clinic`, async () => {
      const file = assessmentsCsv(size, AS_OF);
      const r = await measureImport(ctx, file);
      rows.push({
        measure: "CSV import (importAssessments): rows/s",
        size: size_,
        value:
          `${fmt.int(r.rowsPerSecond)} rows/s (${fmt.int(r.rows)} rows, ${fmt.int(r.patients)} new patients, ${fmt.int(r.observations)} observations in ${fmt.ms(r.ms)}); ` +
          `the database alone copies the ${fmt.int(r.tableRows)} table rows it wrote in ${fmt.ms(r.floorMs)} = ${fmt.int(r.rows / (r.floorMs / 1000))} rows/s, ratio ${(r.ms / r.floorMs).toFixed(2)}×; ` +
          (r.floorCommittedMs === null ? "the copy rolled back (see importFloorMs)" : `with the copy's COMMIT ${fmt.ms(r.floorCommittedMs)}, ratio ${(r.ms / r.floorCommittedMs).toFixed(2)}×`),
        target: kind === "sqlite" ? `≥ ${fmt.int(TARGET.importRowsPerSecond)}/s` : `— (${fmt.int(TARGET.importRowsPerSecond)}/s is the SQLite target)`,
        met: kind === "sqlite" ? r.rowsPerSecond >= TARGET.importRowsPerSecond : null,
      });
      log(`  CSV import in a process of its own, for its peak RSS (scripts/bench/import-only.ts)`);
      const peak = importPeakRss(ctx, file);
      log(`    peak RSS ${fmt.mb(peak.bytes)}, the process done in ${fmt.ms(peak.ms)}`);
      rows.push({
        measure: "CSV import, a process of its own: peak RSS",
        size: size_,
        value: `${fmt.mb(peak.bytes)} (the whole process, ${fmt.ms(peak.ms)})`,
        target: "flat",
        met: null,
      });
      outcome.importPeakRss = peak.bytes;
    });
  } finally {
    await db.$disconnect();
  }
  return outcome;
}

async function main(): Promise<number> {
  // One audit key for everything this run starts (seeding here, `next start` for the browser measures).
  process.env.AUDIT_HMAC_KEY ??= "bench-run-only-audit-key-bench-run-only-audit-key-01";
  const opts = parseOptions();
  process.env.NEXT_TELEMETRY_DISABLED = "1";
  process.env.CHECKPOINT_DISABLE = "1";
  log(`databases ${opts.dbs.join(", ")}; sizes ${opts.sizes.map(sizeLabel).join(", ")}; ${opts.runs} runs each; panel ${opts.callers} callers × ${opts.rounds} rounds`);
  const tables: { title: string; rows: Row[] }[] = [];
  const errors: string[] = [];
  let pageJsRow: Row | null = null;

  if (!opts.skip.has("browser")) {
    try {
      ensureBuild();
      const js = panelPageJs();
      for (const f of js.files) log(`  /patients JS ${f.path}: ${fmt.kb(f.raw)} raw, ${fmt.kb(f.gzip)} gzip`);
      pageJsRow = {
        measure: "/patients client JS (gzip)",
        size: "—",
        value: `${fmt.kb(js.gzip)} in ${js.files.length} chunks (${fmt.kb(js.raw)} raw; + ${fmt.kb(js.polyfillGzip)} nomodule polyfills)`,
        target: `≤ ${fmt.kb(TARGET.pageJsGzipBytes)}`,
        met: js.gzip <= TARGET.pageJsGzipBytes,
      };
    } catch (error) {
      errors.push(`page JS: ${(error as Error).message}`);
      pageJsRow = { measure: "/patients client JS — ERROR", size: "—", value: (error as Error).message.slice(0, 120), target: "—", met: null };
    }
  }

  let cliRow: Row | null = null;
  if (!opts.skip.has("cli")) {
    log("npm run cli -- --help, whole process");
    try {
      const r = await measureCliHelp(opts.runs);
      cliRow = { measure: "npm run cli -- --help, whole process (npm included)", size: "—", value: `${fmt.ms(r.ms)}${r.cpuMs === null ? "" : ` (CPU ${fmt.ms(r.cpuMs)})`}`, target: `≤ ${fmt.ms(TARGET.cliHelpMs)}`, met: r.ms <= TARGET.cliHelpMs };
    } catch (error) {
      errors.push(`cli --help: ${(error as Error).message}`);
      cliRow = { measure: "npm run cli -- --help — ERROR", size: "—", value: (error as Error).message.slice(0, 120), target: "—", met: null };
    }
  }

  let pgAdminUrl: string | null = null;
  let forgetPg: (() => void) | null = null;
  try {
    if (opts.dbs.includes("postgresql")) {
      pgAdminUrl = startPostgres();
      forgetPg = onInterrupt(stopPostgres);
    }
    for (const kind of opts.dbs) {
      const rows: Row[] = [];
      const rss: { size: number; growth: number }[] = [];
      const importRss: { size: number; bytes: number }[] = [];
      for (const size of opts.sizes) {
        try {
          const outcome = await benchOne(kind, size, pgAdminUrl, opts, rows, errors);
          if (outcome.exportRssGrowth !== undefined) rss.push({ size, growth: outcome.exportRssGrowth });
          if (outcome.importPeakRss !== undefined) importRss.push({ size, bytes: outcome.importPeakRss });
        } catch (error) {
          log(`ERROR (${kind}, ${size}): ${error instanceof Error ? error.stack : String(error)}`);
          errors.push(`${kind} ${sizeLabel(size)}: ${(error as Error).message}`);
          rows.push({ measure: "ERROR", size: sizeLabel(size), value: (error as Error).message.slice(0, 120), target: "—", met: null });
        }
      }
      /** "Flat": the memory at the largest size exceeds the smallest's by at most {@link TARGET.rssFlatBytes}. */
      const flatRow = (measure: string, peaks: readonly { size: number; bytes: number }[], sign: string) => {
        if (peaks.length < 2) return;
        const small = peaks.reduce((a, b) => (a.size < b.size ? a : b));
        const large = peaks.reduce((a, b) => (a.size > b.size ? a : b));
        rows.push({
          measure,
          size: `${sizeLabel(small.size)}→${sizeLabel(large.size)}`,
          value: `${sign}${fmt.mb(small.bytes)} → ${sign}${fmt.mb(large.bytes)}`,
          target: `grows ≤ ${fmt.mb(TARGET.rssFlatBytes)}`,
          met: large.bytes - small.bytes <= TARGET.rssFlatBytes,
        });
      };
      // The export's figures are growths over a baseline; the import's, a whole process's peak.
      flatRow("cohort CSV export: peak RSS flat across sizes", rss.map((r) => ({ size: r.size, bytes: r.growth })), "+");
      flatRow("CSV import: peak RSS flat across sizes (issue 14)", importRss, "");
      tables.push({ title: kind === "sqlite" ? "SQLite" : "PostgreSQL 15", rows });
      process.stdout.write(`${renderTable(tables.at(-1)!.title, rows)}\n`);
    }
  } finally {
    if (pgAdminUrl) {
      stopPostgres();
      forgetPg?.();
    }
  }

  if (pageJsRow) process.stdout.write(`${renderTable("Browser (build in .next)", [pageJsRow])}\n`);
  if (cliRow) process.stdout.write(`${renderTable("CLI start-up", [cliRow])}\n`);
  const all = [
    ...tables.flatMap((t) => t.rows.map((r) => ({ ...r, db: t.title }))),
    ...(pageJsRow ? [{ ...pageJsRow, db: "browser" }] : []),
    ...(cliRow ? [{ ...cliRow, db: "CLI" }] : []),
  ];
  const withTarget = all.filter((r) => r.met !== null);
  const missed = withTarget.filter((r) => r.met === false);
  const lines = [
    "\n## Summary\n",
    `${new Date().toISOString().slice(0, 10)}; ${opts.dbs.join(" + ")}; sizes ${opts.sizes.map(sizeLabel).join(", ")}; medians of ${opts.runs} runs.`,
    `Targets met: ${withTarget.length - missed.length} of ${withTarget.length}.`,
    ...missed.map((r) => `  MISSED  ${r.db} ${r.size}: ${r.measure} = ${r.value} (target ${r.target})`),
    ...(errors.length > 0 ? [`Errors (${errors.length}):`, ...errors.map((e) => `  ERROR  ${e}`)] : ["No errors."]),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return errors.length > 0 ? 1 : 0;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    runInterruptCleanups();
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`fatal: ${error instanceof Error ? error.stack : String(error)}`);
    runInterruptCleanups();
    process.exit(1);
  },
);
