/**
 * The whole-process CLI measures of `npm run bench` (issue 14): what an operator waits for, npm
 * included, timed from outside the process.
 *
 * - `npm run cli -- --help`: wall time from spawning npm to its exit.
 * - `npm run cli -- export` of the whole clinic (stdout to /dev/null) against `sqlite3 -csv` printing
 *   a flat table holding the same columns and rows (made once per size with CREATE TABLE … AS the
 *   stored-cells dump of scripts/bench/dump.ts, in a file of its own beside the bench database), run
 *   in turn, export then dump, so a drift in the machine's speed touches both; the ratio is taken
 *   run by run and its median reported. Peak RSS is the largest single process of the export
 *   (npm or the node it starts), and CPU the user + system time of all of them, from GNU time's `%M`
 *   `%U` `%S` (Debian package `time`); "n/a" without it. On a shared machine the CPU ratio is the
 *   steadier figure: wall time includes waiting for a core, and a long process waits more.
 */
import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_DIR } from "./databases";
import { dumpSql } from "./dump";
import type { BenchContext } from "./measures";
import { fmt, log, median } from "./util";

const GNU_TIME = "/usr/bin/time";

/** Runs a command with stdout to /dev/null; resolves with its wall time and, under GNU time, its peak RSS in bytes and CPU time. */
function runTimed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ ms: number; peakRss: number | null; cpuMs: number | null }> {
  const measureRss = existsSync(GNU_TIME);
  const dir = measureRss ? mkdtempSync(join(tmpdir(), "bench-cli-")) : null;
  const rssFile = dir ? join(dir, "rss") : null;
  const [cmd, argv] = rssFile ? [GNU_TIME, ["-f", "%M %U %S", "-o", rssFile, command, ...args]] : [command, args];
  const devNull = openSync("/dev/null", "w");
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { stdio: ["ignore", devNull, "pipe"], env });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - t0;
      closeSync(devNull);
      const [kib, user, system] = (rssFile && existsSync(rssFile) ? readFileSync(rssFile, "utf8").trim().split("\n").at(-1)!.split(" ") : []).map(Number);
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (code !== 0) reject(new Error(`${command} ${args.join(" ")} failed (exit ${code}): ${stderr.trim().slice(-500)}`));
      else
        resolve({
          ms,
          peakRss: kib !== undefined && Number.isFinite(kib) ? kib * 1024 : null,
          cpuMs: user !== undefined && system !== undefined && Number.isFinite(user + system) ? (user + system) * 1000 : null,
        });
    });
  });
}

export interface CliHelpResult {
  /** Median wall time of `npm run cli -- --help` (after one run not counted). */
  ms: number;
  /** Median CPU time (user + system, npm and node), null without GNU time. */
  cpuMs: number | null;
}

export async function measureCliHelp(runs: number): Promise<CliHelpResult> {
  // The first start may compile the CLI bundle (scripts/cli.mjs): not counted.
  await runTimed("npm", ["run", "-s", "cli", "--", "--help"]);
  const results: { ms: number; cpuMs: number | null }[] = [];
  for (let run = 1; run <= runs; run += 1) results.push(await runTimed("npm", ["run", "-s", "cli", "--", "--help"]));
  log(`  npm run cli -- --help: ${results.map((r) => `${fmt.ms(r.ms)}${r.cpuMs === null ? "" : ` (CPU ${fmt.ms(r.cpuMs)})`}`).join(", ")}`);
  const cpu = results.flatMap((r) => (r.cpuMs === null ? [] : [r.cpuMs]));
  return { ms: median(results.map((r) => r.ms)), cpuMs: cpu.length > 0 ? median(cpu) : null };
}

export interface CliExportResult {
  exportMs: number;
  dumpMs: number;
  /** Median of the run-by-run ratios export / dump. */
  ratio: number;
  /** Median CPU times (user + system) and the median of the run-by-run CPU ratios; null without GNU time. */
  cpu: { exportMs: number; dumpMs: number; ratio: number } | null;
  /** Largest peak RSS over the export runs (bytes), null without GNU time. */
  peakRss: number | null;
}

/** The flat table the export is compared with: the stored-cells dump's rows, made once per database file. */
function flatTable(ctx: BenchContext): string {
  const file = join(BENCH_DIR, `flat-${ctx.size}.db`);
  for (const suffix of ["", "-journal"]) rmSync(file + suffix, { force: true });
  const select = dumpSql("sqlite", ctx.actor.clinicId, ctx.now, "stored").replace(/\s+/g, " ");
  // Unqualified table names resolve to the attached bench database (the new file has none of its own).
  execFileSync("sqlite3", [file, `ATTACH '${ctx.url.replace(/^file:/, "").replace(/'/g, "''")}' AS src; CREATE TABLE main.flat AS ${select};`], { stdio: ["ignore", "ignore", "pipe"], timeout: 10 * 60_000 });
  return file;
}

/** SQLite only: the dump it is compared with is `sqlite3 -csv`. */
export async function measureCliExport(ctx: BenchContext, clinicSlug: string): Promise<CliExportResult> {
  if (ctx.kind !== "sqlite") throw new Error("the whole-process export is compared with sqlite3 -csv: SQLite only");
  const flat = flatTable(ctx);
  const env = { ...process.env, DATABASE_URL: ctx.url };
  const exportArgs = ["run", "-s", "cli", "--", "--clinic", clinicSlug, "export", "--as-of", ctx.now.toISOString().slice(0, 10)];
  const dumpArgs = ["-csv", flat, "SELECT * FROM flat"];
  // Not counted: the first start may compile the CLI bundle; both warm the page cache.
  await runTimed("npm", exportArgs, env);
  await runTimed("sqlite3", dumpArgs);
  const exports: number[] = [];
  const dumps: number[] = [];
  const ratios: number[] = [];
  const peaks: number[] = [];
  const cpu: { e: number; d: number }[] = [];
  for (let run = 1; run <= ctx.runs; run += 1) {
    const e = await runTimed("npm", exportArgs, env);
    const d = await runTimed("sqlite3", dumpArgs);
    exports.push(e.ms);
    dumps.push(d.ms);
    ratios.push(e.ms / d.ms);
    if (e.peakRss !== null) peaks.push(e.peakRss);
    if (e.cpuMs !== null && d.cpuMs !== null) cpu.push({ e: e.cpuMs, d: d.cpuMs });
    const cpuText = e.cpuMs === null || d.cpuMs === null ? "" : `; CPU ${fmt.ms(e.cpuMs)} vs ${fmt.ms(d.cpuMs)}`;
    log(`  npm run cli -- export run ${run}/${ctx.runs}: ${fmt.ms(e.ms)} (peak RSS ${e.peakRss === null ? "n/a" : fmt.mb(e.peakRss)}); sqlite3 -csv of the flat table ${fmt.ms(d.ms)}; ${fmt.ratio(e.ms / d.ms)}${cpuText}`);
  }
  const withCpu = cpu.length === ctx.runs;
  return {
    exportMs: median(exports),
    dumpMs: median(dumps),
    ratio: median(ratios),
    cpu: withCpu ? { exportMs: median(cpu.map((c) => c.e)), dumpMs: median(cpu.map((c) => c.d)), ratio: median(cpu.map((c) => c.e / c.d)) } : null,
    peakRss: peaks.length > 0 ? Math.max(...peaks) : null,
  };
}
