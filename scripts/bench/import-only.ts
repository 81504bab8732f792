/**
 * Diagnosis helper (not part of `npm run bench`): times `importAssessments` alone, without the
 * bench's seed, so the importer can be profiled in a quick loop. Each run imports the file into a
 * new, empty clinic of the given database (migrated first), like the bench's import step.
 *
 *   npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/bench/import-only.ts \
 *     <DATABASE_URL> <file.csv> [runs]
 *   node --conditions=react-server --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx scripts/bench/import-only.ts …
 */
import { readFileSync } from "node:fs";
import { createDb } from "@/lib/data/db/client";
import { migrate } from "@/lib/data/db/migrate";
import { importAssessments } from "@/lib/data/import/assessments";
import { createDefaultThresholds } from "@/lib/data/evaluation/thresholds";
import type { SystemActor } from "@/lib/data/access/actor";
import { exitWithUsageError, exitWithUsageIfAsked } from "../usage";

const USAGE = "usage: npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/bench/import-only.ts <DATABASE_URL> <file.csv> [runs]";

async function main() {
  exitWithUsageIfAsked(USAGE);
  const [url, csv, runsText] = process.argv.slice(2);
  if (!url || !csv) exitWithUsageError("Give the database URL and the CSV file.", USAGE);
  await migrate(url);
  const db = createDb(url);
  const content = readFileSync(csv);
  const now = new Date("2026-11-21T00:00:00.000Z");
  try {
    for (let run = 1; run <= Number(runsText ?? 1); run += 1) {
      const clinic = await db.$transaction(async (tx) => {
        const created = await tx.clinic.create({ data: { name: `Import only ${run}`, slug: `import-only-${run}-${Date.now()}` } });
        await createDefaultThresholds(tx, created.id, null);
        return created;
      });
      const actor: SystemActor = { kind: "system", clinicId: clinic.id, label: "import only" };
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      // The first progress call comes after the first write batch: roughly where validation ended.
      let firstProgressMs: number | null = null;
      const onProgress = () => {
        firstProgressMs ??= performance.now() - t0;
      };
      const result = await importAssessments(db, actor, { name: csv, content }, { now, onProgress });
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      if (result.blocked) throw new Error(`blocked: ${JSON.stringify(result.errors.slice(0, 3))}`);
      console.log(
        `run ${run}: ${result.rowsTotal} rows, ${result.created.patients} patients, ${result.created.observations} observations in ${(ms / 1000).toFixed(2)} s = ${Math.round(result.rowsTotal / (ms / 1000))} rows/s; this process's CPU ${(cpuMs / 1000).toFixed(2)} s = ${Math.round(result.rowsTotal / (cpuMs / 1000))} rows per CPU-second (less sensitive to a loaded machine); first write batch done at ${((firstProgressMs ?? 0) / 1000).toFixed(2)} s`,
      );
    }
  } finally {
    await db.$disconnect();
  }
  // The whole process's peak, read by the bench's import memory measure (scripts/bench/measures.ts importPeakRss).
  console.log(`peak RSS ${process.resourceUsage().maxRSS} KB`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
