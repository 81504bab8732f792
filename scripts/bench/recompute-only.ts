/**
 * Diagnosis helper (not part of `npm run bench`): the bench's recompute measure alone, on a
 * database already seeded (the demo clinic), so recompute can be timed and profiled in a quick
 * loop. Each run is a `recomputeClinic` of every patient, then the bench's bound — the plain read
 * of the same inputs (scripts/bench/measures.ts `readAllHistories`) — in turn, with the wall time
 * and this process's CPU of each: on a shared machine the CPU and the ratio within one run are the
 * steadier figures.
 *
 * With PG_DATA=<the server's data directory> (scripts/pg-server.sh: /tmp/sarc-pg-<port>/data) it also
 * prints the PostgreSQL server's CPU of each (Linux: its processes' accounting in /proc).
 *
 *   npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/bench/recompute-only.ts <DATABASE_URL> [runs]
 *   node --conditions=react-server --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx scripts/bench/recompute-only.ts …
 */
import { readFileSync } from "node:fs";
import { createDb } from "@/lib/data/db/client";
import { recomputeClinic } from "@/lib/data/jobs/recompute";
import type { SystemActor } from "@/lib/data/access/actor";
import { exitWithUsageError, exitWithUsageIfAsked } from "../usage";
import { readAllHistories } from "./measures";

const USAGE = "usage: npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/bench/recompute-only.ts <DATABASE_URL> [runs]";

/** CPU milliseconds the PostgreSQL server of data directory `dir` has used: the postmaster, its exited children and the live ones. */
function serverCpuMs(dir: string): number {
  const ticks = (pid: string, withChildren: boolean) => {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    // utime, stime, cutime, cstime are fields 14–17 of stat; after the ") " they start at index 11.
    const own = Number(fields[11]) + Number(fields[12]);
    return withChildren ? own + Number(fields[13]) + Number(fields[14]) : own;
  };
  const postmaster = readFileSync(`${dir}/postmaster.pid`, "utf8").split("\n")[0]!.trim();
  let total = ticks(postmaster, true);
  for (const child of readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, "utf8").trim().split(" ").filter(Boolean)) {
    try {
      total += ticks(child, false);
    } catch {
      // The child exited meanwhile: its time is in the postmaster's cutime now.
    }
  }
  // Clock ticks are 100 a second on Linux.
  return total * 10;
}

const PG_DATA = process.env.PG_DATA;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timedWithCpu<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number; serverMs: number | null }> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const server0 = PG_DATA ? serverCpuMs(PG_DATA) : null;
  const value = await fn();
  const cpu = process.cpuUsage(cpu0);
  const serverMs = PG_DATA && server0 !== null ? serverCpuMs(PG_DATA) - server0 : null;
  return { value, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, serverMs };
}

const server = (ms: number | null) => (ms === null ? "" : `, server CPU ${seconds(ms)}`);


async function main() {
  exitWithUsageIfAsked(USAGE);
  const [url, runsText] = process.argv.slice(2);
  if (!url) exitWithUsageError("Give the database URL of a seeded database.", USAGE);
  const runs = Number(runsText ?? 1);
  if (!Number.isInteger(runs) || runs < 1) exitWithUsageError(`runs must be a whole number ≥ 1 (got "${runsText}")`, USAGE);
  const db = createDb(url);
  // The bench's evaluation time (scripts/bench.ts AS_OF).
  const now = new Date("2026-11-21T00:00:00.000Z");
  try {
    const clinic = await db.clinic.findFirstOrThrow({ where: { slug: "demo" }, select: { id: true } });
    const actor: SystemActor = { kind: "system", clinicId: clinic.id, label: "recompute only" };
    for (let run = 1; run <= runs; run += 1) {
      const recompute = await timedWithCpu(() => recomputeClinic(db, actor, { now }));
      const read = await timedWithCpu(() => readAllHistories({ db, actor }));
      console.log(
        `run ${run}: recompute of ${recompute.value.evaluated} patients ${seconds(recompute.ms)} (CPU ${seconds(recompute.cpuMs)}${server(recompute.serverMs)}); ` +
          `plain read ${seconds(read.ms)} (CPU ${seconds(read.cpuMs)}${server(read.serverMs)}); ratio ${(recompute.ms / read.ms).toFixed(2)}× wall, ${(recompute.cpuMs / read.cpuMs).toFixed(2)}× CPU` +
          (recompute.serverMs !== null && read.serverMs !== null ? `, ${((recompute.cpuMs + recompute.serverMs) / (read.cpuMs + read.serverMs)).toFixed(2)}× CPU with the server's` : ""),
      );
    }
  } finally {
    await db.$disconnect();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
