/**
 * The search measure of `npm run bench` (scripts/bench/search.ts) on a database already seeded,
 * so it can be rerun without seeding 100,000 patients again:
 *
 *   DATABASE_URL=file:/tmp/big.db npm run cli -- seed --patients 100000 --as-of 2026-11-21
 *   DATABASE_URL=file:/tmp/big.db npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/bench-search.ts [--callers 20] [--rounds 10] [--as-of 2026-11-21] [--baseline]
 *
 * --baseline first runs the bench's tier+flag panel measure, the figure the target is set for, on
 * the same database and machine.
 */
import { parseArgs } from "node:util";
import { env } from "@/lib/config/env";
import { createDb } from "@/lib/data/db/client";
import { parseIsoDate } from "@/lib/domain/dates";
import { databaseProvider } from "@/lib/config/env";
import { measurePanel } from "./bench/measures";
import { measureSearch } from "./bench/search";
import { panelQuerySchema } from "@/lib/validation/panel-query";
import { fmt, log } from "./bench/util";
import { exitWithUsageIfAsked } from "./usage";

exitWithUsageIfAsked(
  "usage: DATABASE_URL=<seeded database> npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/bench-search.ts [--callers 20] [--rounds 10] [--as-of YYYY-MM-DD] [--baseline]",
);

const { values } = parseArgs({
  options: { callers: { type: "string", default: "20" }, rounds: { type: "string", default: "10" }, "as-of": { type: "string", default: "2026-11-21" }, baseline: { type: "boolean", default: false } },
});

async function main(): Promise<void> {
  const url = env().DATABASE_URL;
  const now = parseIsoDate(values["as-of"]);
  if (!now) throw new Error("--as-of: expected YYYY-MM-DD");
  const db = createDb(url);
  const clinic = await db.clinic.findFirstOrThrow({ select: { id: true } });
  const size = await db.patient.count({ where: { clinicId: clinic.id } });
  log(`search on ${databaseProvider(url)}, ${size.toLocaleString("en")} patients`);
  const ctx = { kind: databaseProvider(url), url, db, actor: { kind: "system" as const, clinicId: clinic.id, label: "bench" }, size, runs: 1, now };
  const opts = { callers: Number(values.callers), rounds: Number(values.rounds) };
  if (values.baseline) {
    // The bench's own panel measure on the same database and machine, for comparison.
    const b = await measurePanel(ctx, "tier+flag", panelQuerySchema.parse({ flag: "b12_test_due", sort: "tier" }), opts);
    log(`baseline panel p1, tier, flag b12_test_due: p50 ${fmt.ms(b.p50)}, p95 ${fmt.ms(b.p95)} (1 caller p50 ${fmt.ms(b.serialP50)}; process CPU per call ${fmt.ms(b.cpuPerCall)})`);
  }
  const r = await measureSearch(ctx, opts);
  log(`the same search repeated ("${r.repeatedQuery}"), ${values.callers} callers × ${values.rounds}: p50 ${fmt.ms(r.repeated.p50)}, p95 ${fmt.ms(r.repeated.p95)} (1 caller p50 ${fmt.ms(r.repeated.serialP50)}; just after a write ${fmt.ms(r.repeated.afterWriteP50)}; process CPU per call ${fmt.ms(r.repeated.cpuPerCall)})`);
  log(`different "Family, Given" searches, ${values.callers} callers × ${values.rounds}: p50 ${fmt.ms(r.p50)}, p95 ${fmt.ms(r.p95)} (${r.calls} calls; process CPU per call ${fmt.ms(r.cpuPerCall)})`);
  await db.$disconnect();
}

void main();
