/**
 * Diagnosis helper for the benchmark (not part of `npm run bench`): runs one data-layer call
 * against an existing bench database with Prisma's query log on, and prints every SQL statement
 * with its duration, slowest first.
 *
 *   npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/bench/trace-queries.ts \
 *     <DATABASE_URL> panel-tier|panel-name|panel-search|export|recompute|recompute-batch|read-batch|import <file.csv>
 *
 * panel-search searches for Q (default "Santos, Ernest"), first page by tier.
 * REPEAT=n runs a panel call n times first (warm caches) and traces only the last; FULL=1 prints
 * whole statements.
 */
import { createDb, type QueryEvent } from "@/lib/data/db/client";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { exportCohortCsv } from "@/lib/data/export/cohort-csv";
import { loadHistories } from "@/lib/data/evaluation/history";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { panelQuerySchema } from "@/lib/validation/panel-query";
import type { SystemActor } from "@/lib/data/access/actor";
import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { importAssessments } from "@/lib/data/import/assessments";
import { recomputeClinic } from "@/lib/data/jobs/recompute";
import { createDefaultThresholds } from "@/lib/data/evaluation/thresholds";
import { exitWithUsageError, exitWithUsageIfAsked } from "../usage";

const USAGE = "usage: npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/bench/trace-queries.ts <DATABASE_URL> panel-tier|panel-name|export|recompute|recompute-batch|read-batch|import <file.csv>";

async function main() {
  exitWithUsageIfAsked(USAGE);
  const [url, what] = process.argv.slice(2);
  if (!url || !what) exitWithUsageError("Give the database URL and what to trace.", USAGE);
  const events: QueryEvent[] = [];
  // On SQLite the bulk writes' direct statements (lib/data/db/sqlite-connection.ts) do not show in Prisma's query log.
  const db = createDb(url, { onQuery: (e) => events.push(e) });
  const clinic = await db.clinic.findFirstOrThrow({ where: { slug: "demo" }, select: { id: true } });
  const actor: SystemActor = { kind: "system", clinicId: clinic.id, label: "trace" };
  const now = new Date("2026-11-21T00:00:00.000Z");
  const repeat = Number(process.env.REPEAT ?? 1);
  if (repeat > 1 && what.startsWith("panel-")) {
    const query = panelQuerySchema.parse(what === "panel-tier" ? { flag: "b12_test_due", sort: "tier" } : { sort: "name" });
    const times: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 1; i < repeat; i += 1) {
      const start = performance.now();
      await getPatientPanel(db, actor, query, now);
      times.push(performance.now() - start);
    }
    const cpu = process.cpuUsage(cpu0);
    console.log(`warm-up calls (ms): ${times.map((t) => t.toFixed(1)).join(" ")}`);
    // On a shared machine wall times wait for the CPU; process CPU per call is the cost itself.
    console.log(`process CPU per warm-up call: ${((cpu.user + cpu.system) / 1000 / (repeat - 1)).toFixed(1)} ms`);
    events.length = 0;
  }
  const t0 = performance.now();
  switch (what) {
    case "panel-tier":
      await getPatientPanel(db, actor, panelQuerySchema.parse({ flag: "b12_test_due", sort: "tier" }), now);
      break;
    case "panel-name":
      await getPatientPanel(db, actor, panelQuerySchema.parse({ sort: "name" }), now);
      break;
    case "panel-search":
      await getPatientPanel(db, actor, panelQuerySchema.parse({ q: process.env.Q ?? "Santos, Ernest" }), now);
      break;
    case "export":
      await exportCohortCsv(db, actor, new Writable({ write: (_c, _e, cb) => cb() }), { now, batchSize: 1000 });
      break;
    case "read-batch":
    case "recompute-batch": {
      const ids = (await db.patient.findMany({ where: { clinicId: clinic.id }, orderBy: { mrn: "asc" }, take: 500, select: { id: true } })).map((p) => p.id);
      if (what === "read-batch") await loadHistories(db, clinic.id, ids);
      else await db.$transaction((tx) => reevaluatePatients(tx, clinic.id, ids, now), { timeout: 600_000 });
      break;
    }
    case "recompute":
      await recomputeClinic(db, actor, { now });
      break;
    case "import": {
      const file = process.argv[4];
      if (!file) throw new Error("import needs a CSV file");
      const target = await db.$transaction(async (tx) => {
        const created = await tx.clinic.create({ data: { name: "Trace import", slug: `trace-import-${Date.now()}` } });
        await createDefaultThresholds(tx, created.id, null);
        return created;
      });
      const result = await importAssessments(db, { kind: "system", clinicId: target.id, label: "trace" }, { name: file, content: readFileSync(file) }, { now });
      console.log(`imported ${result.rowsTotal} rows, ${result.errors.length} errors`);
      break;
    }
    default:
      throw new Error(`unknown: ${what}`);
  }
  const total = performance.now() - t0;
  const grouped = new Map<string, { n: number; ms: number }>();
  for (const e of events) {
    const key = e.query.replace(/\s+/g, " ").slice(0, process.env.FULL ? 100_000 : 400);
    const g = grouped.get(key) ?? { n: 0, ms: 0 };
    g.n += 1;
    g.ms += e.duration;
    grouped.set(key, g);
  }
  console.log(`${what}: ${total.toFixed(0)} ms wall, ${events.length} statements, ${events.reduce((n, e) => n + e.duration, 0).toFixed(0)} ms in the database (as Prisma reports)`);
  for (const [query, g] of [...grouped].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) console.log(`${g.ms.toFixed(1).padStart(8)} ms ×${g.n}  ${query}`);
  await db.$disconnect();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
