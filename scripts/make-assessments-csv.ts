/**
 * Writes a deterministic assessment spreadsheet (docs/design.md#assessment-spreadsheet-csv-import) from the demo factories,
 * one row per visit date, for import benchmarks and manual testing:
 *
 *   npx tsx --tsconfig tsconfig.json scripts/make-assessments-csv.ts --rows 100000 --out /tmp/assessments.csv
 *     [--seed 7] [--as-of 2026-11-21] [--prefix IMP-]
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { stringify } from "csv-stringify/sync";
import { parseIsoDate, toIsoDate } from "@/lib/domain/dates";
import { ASSESSMENT_COLUMNS, type AssessmentColumn } from "@/lib/validation/assessment-row";
import type { NewPatient } from "@/lib/data/patients/new-patient";
import type { StoredObservation } from "@/lib/domain/types";
import { generateDemoPatients } from "@/prisma/factories";
import { exitWithUsageError, exitWithUsageIfAsked } from "./usage";

const USAGE = "usage: npx tsx --tsconfig tsconfig.json scripts/make-assessments-csv.ts --rows <n> --out <file> [--seed n] [--as-of YYYY-MM-DD] [--prefix P]";
exitWithUsageIfAsked(USAGE);

function readOptions() {
  try {
    return parseArgs({
      options: {
        rows: { type: "string", default: "1000" },
        out: { type: "string" },
        seed: { type: "string", default: "7" },
        "as-of": { type: "string", default: "2026-11-21" },
        prefix: { type: "string", default: "IMP-" },
      },
    }).values;
  } catch (error) {
    return exitWithUsageError((error as Error).message, USAGE);
  }
}
const values = readOptions();
const rows = Number(values.rows);
const asOf = parseIsoDate(values["as-of"]);
if (!Number.isInteger(rows) || rows < 1 || !asOf || !values.out) exitWithUsageError("Give --rows (a whole number ≥ 1), --out and a valid --as-of.", USAGE);

type Row = Partial<Record<AssessmentColumn, string>>;

function measureCells(o: StoredObservation): Row {
  switch (o.kind) {
    case "grip_strength":
      return o.reportedUnit === "lb" ? { grip_strength_lb: o.reportedValue } : { grip_strength_kg: o.reportedValue };
    case "gait_speed":
      return o.reportedUnit === "s/4m" ? { walk_4m_s: o.reportedValue } : { gait_speed_m_s: o.reportedValue };
    case "chair_stand_5x":
      return { chair_stand_5x_s: o.isUnable ? "unable" : o.reportedValue };
    case "sppb":
      return { sppb_score: o.reportedValue };
    case "tug":
      return { tug_s: o.reportedValue };
    case "walk_400m":
      return { walk_400m_s: o.isUnable ? "unable" : o.reportedValue };
    case "asm":
      return { asm_kg: o.reportedValue, ...(o.method ? { asm_method: o.method } : {}) };
    case "height":
      return { height_cm: o.reportedValue };
    case "weight":
      return { weight_kg: o.reportedValue };
    case "calf_circumference":
      return { calf_circumference_cm: o.reportedValue };
    case "sarc_f":
      return { sarc_f_score: o.reportedValue };
    case "b12_total":
      return { b12_value: o.reportedValue, b12_unit: o.reportedUnit };
    case "holotc":
      return { holotc_pmol_l: o.reportedValue };
    case "mma":
      return { mma_umol_l: o.reportedValue };
    case "homocysteine":
      return { homocysteine_umol_l: o.reportedValue };
    case "egfr":
      return { egfr: o.reportedValue };
  }
}

/** One row per visit date, oldest first; demographics on every row, current medicines on the latest. */
function visitRows(p: NewPatient): Row[] {
  // Two results of one kind on one date (e.g. a lab on a visit day) go on separate rows.
  const byDate = new Map<string, { row: Row; kinds: Set<string> }[]>();
  for (const o of p.observations) {
    const date = toIsoDate(o.observedAt);
    const rows = byDate.get(date) ?? [];
    let target = rows.find((r) => !r.kinds.has(o.kind));
    if (!target) {
      target = { row: { assessed_on: date }, kinds: new Set() };
      rows.push(target);
    }
    Object.assign(target.row, measureCells(o));
    target.kinds.add(o.kind);
    byDate.set(date, rows);
  }
  const visits = [...byDate.values()].flat().map((r) => r.row).sort((a, b) => (a.assessed_on ?? "").localeCompare(b.assessed_on ?? ""));
  // Medicines current at the latest visit go on that row (the format lists medicines current at the visit).
  const lastVisit = visits.at(-1)?.assessed_on;
  const medications = p.medications
    .filter((m) => m.stoppedOn === null && (!m.startedOn || !lastVisit || toIsoDate(m.startedOn) <= lastVisit))
    .map((m) => (m.startedOn ? `${m.name}@${toIsoDate(m.startedOn)}` : m.name))
    .join(";");
  const demographics: Row = { mrn: p.mrn, family_name: p.familyName, given_name: p.givenName, birth_date: toIsoDate(p.birthDate), sex: p.sex };
  if (p.diet) demographics.diet = p.diet;
  if (p.conditions.length > 0) demographics.conditions = p.conditions.join(";");
  const rows = visits.map((row) => ({ ...demographics, ...row }));
  if (rows.length === 0) rows.push({ ...demographics });
  if (medications) rows[rows.length - 1]!.medications = medications;
  return rows;
}

async function main(out: string, asOfDate: Date) {
  const stream = createWriteStream(out);
  const write = async (text: string) => {
    if (!stream.write(text)) await once(stream, "drain");
  };
  await write(stringify([[...ASSESSMENT_COLUMNS]]));
  let written = 0;
  let patients = 0;
  let pending: string[][] = [];
  for (const patient of generateDemoPatients({ count: rows, seed: Number(values.seed), asOf: asOfDate, mrnPrefix: values.prefix })) {
    patients += 1;
    for (const row of visitRows(patient)) {
      if (written >= rows) break;
      pending.push(ASSESSMENT_COLUMNS.map((column) => row[column] ?? ""));
      written += 1;
    }
    if (pending.length >= 1000) {
      await write(stringify(pending));
      pending = [];
    }
    if (written >= rows) break;
  }
  await write(stringify(pending));
  stream.end();
  await once(stream, "finish");
  console.log(`Wrote ${written} rows for ${patients} patients to ${out}`);
}

void main(values.out, asOf);
