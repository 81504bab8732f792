/**
 * What an analyst sees of a clinic, in numbers: how many summary cells are withheld ("<5", "*"),
 * which totals among them, and how many patients the de-identified CSV keeps. For checking a
 * change to suppression or to the de-identified columns against a seeded clinic:
 *
 *   DATABASE_URL=file:/tmp/demo.db npm run cli -- seed --as-of 2026-05-01
 *   DATABASE_URL=file:/tmp/demo.db npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/disclosure-report.ts [--as-of 2026-05-01] [--list]
 */
import { parseArgs } from "node:util";
import { env } from "@/lib/config/env";
import { createDb } from "@/lib/data/db/client";
import { getClinicSummary } from "@/lib/data/reports/summary";
import { streamDeidentifiedCsv } from "@/lib/data/export/deidentified";
import { parseIsoDate } from "@/lib/domain/dates";
import type { UserActor } from "@/lib/data/access/actor";
import { exitWithUsageIfAsked } from "./usage";

exitWithUsageIfAsked("usage: DATABASE_URL=<seeded database> npx tsx --conditions=react-server --tsconfig tsconfig.json scripts/disclosure-report.ts [--as-of YYYY-MM-DD] [--list]");

const { values } = parseArgs({ options: { "as-of": { type: "string", default: "2026-05-01" }, list: { type: "boolean", default: false } } });
const asOf = parseIsoDate(values["as-of"]);
if (!asOf) throw new Error("--as-of: expected YYYY-MM-DD");
const now: Date = asOf;

async function main(): Promise<void> {
  const db = createDb(env().DATABASE_URL);
  const analyst = await db.user.findFirstOrThrow({ where: { role: "analyst" }, select: { id: true, clinicId: true, name: true, email: true } });
  const actor: UserActor = { kind: "user", userId: analyst.id, clinicId: analyst.clinicId!, role: "analyst", name: analyst.name, email: analyst.email };

  const summary = await getClinicSummary(db, actor, now);
  const withheld = { small: 0, complementary: 0, totals: 0, ranges: 0 };
  let cells = 0;
  for (const table of summary.tables) {
    for (const row of table.rows) {
      for (const column of table.columns) {
        const cell = row.cells[column.key];
        if (!cell) continue;
        cells++;
        if (!cell.suppression) continue;
        withheld[cell.suppression]++;
      if (cell.suppression === "complementary" && cell.text !== "*") withheld.ranges++;
        const isTotal = row.isTotal || column.key === "all" || column.key === "open";
        if (isTotal) withheld.totals++;
        if (values.list) console.log(`${cell.text.padEnd(9)} ${table.id} ${row.key}${row.subkey ? `/${row.subkey}` : ""} ${column.key}${isTotal ? " (total)" : ""}`);
      }
    }
  }
  console.log(`summary: ${cells} cells, ${withheld.small} "<5", ${withheld.complementary} "*" (${withheld.ranges} of them shown as a range; ${withheld.totals} of the withheld are totals)`);

  const csv = streamDeidentifiedCsv(db, actor, { now });
  let result: IteratorResult<string, { rows: number; withheld: number; suppressedCells: number }>;
  do result = await csv.next();
  while (!result.done);
  const { rows, withheld: csvWithheld } = result.value;
  console.log(`de-identified CSV: ${rows} patients kept, ${csvWithheld} withheld (${((100 * rows) / (rows + csvWithheld)).toFixed(1)} % kept), ${result.value.suppressedCells} cells "*"`);
  await db.$disconnect();
}

void main();
