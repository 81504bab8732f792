/**
 * The mixed-load measure of `npm run bench` (scripts/bench/mixed-load.ts) on a database already
 * seeded, so it can be rerun — and run in turn against another checkout's database (before/after a
 * change, paired on a busy machine) — without seeding again:
 *
 *   DATABASE_URL=file:/tmp/big.db npm run cli -- seed --patients 100000 --as-of 2026-11-21
 *   DATABASE_URL=file:/tmp/big.db npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/bench-mixed.ts [--callers 20] [--rounds 10] [--seconds 10] [--runs 3] [--as-of 2026-11-21]
 */
import { parseArgs } from "node:util";
import { databaseProvider, env } from "@/lib/config/env";
import { createDb } from "@/lib/data/db/client";
import { parseIsoDate } from "@/lib/domain/dates";
import { panelQuerySchema } from "@/lib/validation/panel-query";
import { measureMixedLoad } from "./bench/mixed-load";
import { fmt, log } from "./bench/util";
import { exitWithUsageIfAsked } from "./usage";

exitWithUsageIfAsked(
  "usage: DATABASE_URL=<seeded database> npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/bench-mixed.ts [--callers 20] [--rounds 10] [--seconds 10] [--runs 3] [--as-of YYYY-MM-DD]",
);

const { values } = parseArgs({
  options: {
    callers: { type: "string", default: "20" },
    rounds: { type: "string", default: "10" },
    seconds: { type: "string", default: "10" },
    runs: { type: "string", default: "3" },
    "as-of": { type: "string", default: "2026-11-21" },
  },
});

async function main(): Promise<void> {
  process.env.AUDIT_HMAC_KEY ??= "bench-run-only-audit-key-bench-run-only-audit-key-01";
  const url = env().DATABASE_URL;
  const now = parseIsoDate(values["as-of"]);
  if (!now) throw new Error("--as-of: expected YYYY-MM-DD");
  const db = createDb(url);
  const clinic = await db.clinic.findFirstOrThrow({ select: { id: true } });
  const size = await db.patient.count({ where: { clinicId: clinic.id } });
  log(`mixed load on ${databaseProvider(url)}, ${size.toLocaleString("en")} patients`);
  const ctx = { kind: databaseProvider(url), url, db, actor: { kind: "system" as const, clinicId: clinic.id, label: "bench" }, size, runs: Number(values.runs), now };
  const r = await measureMixedLoad(ctx, panelQuerySchema.parse({ flag: "b12_test_due", sort: "tier" }), { callers: Number(values.callers), rounds: Number(values.rounds), seconds: Number(values.seconds) });
  log(
    `readers p50 ${fmt.ms(r.readP50)}, p95 ${fmt.ms(r.readP95)} (${r.reads} calls; process CPU per panel call ${fmt.ms(r.cpuPerRead)}); writers p95 ${fmt.ms(r.writeP95)} (${r.writes} writes); ` +
      `panel right after the user's own save p50 ${fmt.ms(r.afterOwnWriteP50)}, p95 ${fmt.ms(r.afterOwnWriteP95)}` +
      (r.failures > 0 ? `; ${r.failures} FAILED: ${r.firstFailure}` : ""),
  );
  await db.$disconnect();
}

void main();
