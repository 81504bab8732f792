/**
 * Diagnosis helper (not part of `npm run bench`): the cost of appending to the audit chain, the
 * price every panel call pays for its read audit (budget: the whole call in 100 ms). Migrates the
 * given database, fills it with `existing` events (so the head lookups run on a table of a
 * realistic size), then times `appends` single-event `auditRead` calls one after another (each its
 * own transaction and COMMIT, as a lone panel call) and `appends` events appended inside one
 * transaction (the chain's own work: lock, head lookup, hash, insert, without the COMMIT).
 *
 *   npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/bench/audit-append.ts \
 *     <DATABASE_URL of an empty database> [appends=1000] [existing=20000]
 */
import { appendAudit, auditRead } from "@/lib/data/audit/log";
import { createDb } from "@/lib/data/db/client";
import { migrate } from "@/lib/data/db/migrate";
import type { SystemActor } from "@/lib/data/access/actor";
import { exitWithUsageError, exitWithUsageIfAsked } from "../usage";

const USAGE = "usage: npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/bench/audit-append.ts <DATABASE_URL of an empty database> [appends=1000] [existing=20000]";

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function describe(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = samples.reduce((sum, ms) => sum + ms, 0);
  return `${label}: ${samples.length} in ${(total / 1000).toFixed(2)} s, mean ${(total / samples.length).toFixed(3)} ms, p50 ${quantile(sorted, 0.5).toFixed(3)} ms, p95 ${quantile(sorted, 0.95).toFixed(3)} ms`;
}

async function main() {
  exitWithUsageIfAsked(USAGE);
  const [url, appendsText, existingText] = process.argv.slice(2);
  if (!url) exitWithUsageError("audit-append.ts: give the URL of an empty database.", USAGE);
  const appends = Number(appendsText ?? 1000);
  const existing = Number(existingText ?? 20_000);
  await migrate(url);
  const db = createDb(url);
  const actors: SystemActor[] = ["bench-a", "bench-b", "bench-c"].map((clinicId) => ({ kind: "system", clinicId, label: "audit bench" }));
  const event = (i: number) => ({ action: "patient.search" as const, detail: { page: 1, patientIds: [`patient-${i}`, `patient-${i + 1}`] } });
  try {
    for (let done = 0; done < existing; done += 1_000) {
      await db.$transaction(async (tx) => {
        for (const actor of actors) await appendAudit(tx, actor, Array.from({ length: Math.ceil(1_000 / actors.length) }, (_, i) => event(done + i)));
      });
    }
    const target = actors[0]!;
    // Warm-up: prepared statements, connection pool, JIT.
    for (let i = 0; i < 50; i += 1) await auditRead(db, target, [event(i)]);

    const cpu0 = process.cpuUsage();
    const single: number[] = [];
    for (let i = 0; i < appends; i += 1) {
      const t0 = performance.now();
      await auditRead(db, target, [event(i)]);
      single.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    console.log(`${describe("auditRead (own transaction)", single)}; this process's CPU ${((cpu.user + cpu.system) / 1000 / appends).toFixed(3)} ms each`);

    const inTx: number[] = [];
    await db.$transaction(
      async (tx) => {
        for (let i = 0; i < appends; i += 1) {
          const t0 = performance.now();
          await appendAudit(tx, target, [event(i)]);
          inTx.push(performance.now() - t0);
        }
      },
      { timeout: 600_000 },
    );
    console.log(describe("appendAudit inside one transaction", inTx));
    console.log(`events in the log: ${await db.auditEvent.count()}`);
  } finally {
    await db.$disconnect();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
