/** Small helpers shared by the benchmark (scripts/bench.ts): logging, timing, statistics, tables. */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const started = performance.now();

/** A progress line on stderr, stamped with the seconds since the benchmark started. */
export function log(line: string): void {
  const t = ((performance.now() - started) / 1000).toFixed(1).padStart(7);
  process.stderr.write(`[bench ${t}s] ${line}\n`);
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** Rejects when `promise` takes longer than `ms` (the work itself is not cancelled). */
export async function withTimeout<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0–100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Runs `fn` `runs` times, logging each; returns every result. */
export async function repeat<T>(label: string, runs: number, fn: (run: number) => Promise<T>, show: (value: T) => string): Promise<T[]> {
  const results: T[] = [];
  for (let run = 1; run <= runs; run += 1) {
    const value = await fn(run);
    log(`  ${label} run ${run}/${runs}: ${show(value)}`);
    results.push(value);
  }
  return results;
}

/** A V8 garbage collection on demand, without needing node's --expose-gc flag on the command line. */
let gcFn: (() => void) | undefined;
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString("--expose-gc");
    gcFn = runInNewContext("gc") as () => void;
  }
  gcFn();
}

export const fmt = {
  ms: (ms: number) => (Number.isFinite(ms) ? (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`) : "n/a"),
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en") : "n/a"),
  /** A rate: whole numbers from 10 up, one decimal below (0.4 calls/s, not 0). */
  rate: (n: number) => (Number.isFinite(n) ? (n >= 10 ? Math.round(n).toLocaleString("en") : n.toFixed(1)) : "n/a"),
  ratio: (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : "n/a"),
  mb: (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : "n/a"),
  kb: (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} kB` : "n/a"),
};

export interface Row {
  measure: string;
  size: string;
  value: string;
  target: string;
  /** true / false when there is a target; null when the row is informational. */
  met: boolean | null;
}

export function renderTable(title: string, rows: readonly Row[]): string {
  const header = ["measure", "size", "value", "target", "met?"];
  const cells = rows.map((r) => [r.measure, r.size, r.value, r.target, r.met === null ? "—" : r.met ? "yes" : "NO"]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [`\n## ${title}\n`, line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}

/** Synchronous clean-ups (stop servers) to run if the benchmark is interrupted. */
const cleanups = new Set<() => void>();
export function onInterrupt(fn: () => void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}
export function runInterruptCleanups(): void {
  for (const fn of [...cleanups].reverse()) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
  cleanups.clear();
}
