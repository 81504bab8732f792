import "server-only";
import { startOfUtcDay } from "@/lib/domain/flag-lifecycle";
import { stringify } from "csv-stringify/sync";
import type { Db } from "@/lib/data/db/client";
import { auditRead } from "@/lib/data/audit/log";
import { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { z } from "zod";
import { neutraliseCell } from "@/lib/domain/csv-export";
import { AWGS2019_CATEGORIES, AWGS2025_CATEGORIES, B12_STATUSES, EWGSOP2_CATEGORIES, SEXES, TIERS } from "@/lib/domain/types";
import { storedRow } from "@/lib/data/stored/decode";
import { chunks, IDS_PER_QUERY } from "@/lib/data/db/batches";
import { bornBeforeForAge } from "@/lib/domain/dates";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import {
  AGE_BANDS,
  buildSummaryModel,
  publishSummary,
  summaryCsvRows,
  summariseGroups,
  type AgeBandKey,
  type ClinicAggregates,
  type PublishedSummary,
} from "@/lib/domain/summary-tables";

/**
 * Whether the actor sees exact counts. Those who may open identified patient records gain nothing
 * from suppression; everyone else (analysts) sees small cells suppressed on every screen, report
 * and export, so no two views of the same numbers disagree.
 */
export function seesExactCounts(actor: Actor): boolean {
  return can(actorRole(actor), "patient:view");
}

/** Drivers return COUNT(*) as a number or a bigint. */
const count = z.union([z.number(), z.bigint()]).transform(Number);
const categoryGroup = z
  .object({
    sex: z.enum(SEXES),
    band: z.enum(AGE_BANDS.map((band) => band.key) as [AgeBandKey, ...AgeBandKey[]]),
    tier: z.enum(TIERS).nullable(),
    ewgsop2: z.enum(EWGSOP2_CATEGORIES).nullable(),
    awgs2019: z.enum(AWGS2019_CATEGORIES).nullable(),
    awgs2025: z.enum(AWGS2025_CATEGORIES).nullable(),
    b12Status: z.enum(B12_STATUSES).nullable(),
    n: count,
  })
  .transform(({ n, ...group }) => ({ ...group, count: n }));
const medicineGroup = z
  .object({ medicationClasses: z.string(), b12Status: z.enum(B12_STATUSES).nullable(), n: count })
  .transform(({ n, ...group }) => ({ ...group, count: n }));

function addTo<T extends { count: number }>(map: Map<string, T>, key: string, row: T): void {
  const existing = map.get(key);
  if (existing) existing.count += row.count;
  else map.set(key, { ...row });
}

/**
 * One pass over the clinic's patients (or a slice of a cohort's ids): patients per sex, age band
 * and stored categories, and per medicine-class list and B12 status, counted by the database.
 * Plain SQL both databases run alike (quoted identifiers, CASE, LEFT JOIN, GROUP BY ordinals):
 * Prisma's groupBy cannot group patients by their snapshot's columns, and a query per age band
 * and category took 10–15 s at 100,000 patients against well under a second for these two.
 */
async function countGroups(db: Db, clinicId: string, now: Date, ids: string[] | null) {
  const cohort = ids ? Prisma.sql`AND p."id" IN (${Prisma.join(ids)})` : Prisma.empty;
  // Younger than 60 ⇔ not born before the cut-off for age 60 (as panelWhere's age bounds).
  const notBornBefore = AGE_BANDS.slice(1).map((band) => bornBeforeForAge(band.min, now));
  const band = Prisma.sql`CASE ${Prisma.join(
    AGE_BANDS.slice(0, -1).map((b, i) => Prisma.sql`WHEN p."birthDate" >= ${notBornBefore[i]} THEN ${b.key}`),
    " ",
  )} ELSE ${AGE_BANDS.at(-1)!.key} END`;
  const [categories, medicines] = await Promise.all([
    db.$queryRaw<unknown[]>`
      SELECT p."sex" AS "sex", ${band} AS "band", s."tier" AS "tier", s."ewgsop2" AS "ewgsop2", s."awgs2019" AS "awgs2019", s."awgs2025" AS "awgs2025", s."b12Status" AS "b12Status", COUNT(*) AS "n"
      FROM "Patient" p LEFT JOIN "RiskSnapshot" s ON s."patientId" = p."id"
      WHERE p."clinicId" = ${clinicId} ${cohort}
      GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    db.$queryRaw<unknown[]>`
      SELECT p."medicationClasses" AS "medicationClasses", s."b12Status" AS "b12Status", COUNT(*) AS "n"
      FROM "Patient" p LEFT JOIN "RiskSnapshot" s ON s."patientId" = p."id"
      WHERE p."clinicId" = ${clinicId} ${cohort}
      GROUP BY 1, 2`,
  ]);
  const rows = `rows of clinic ${clinicId}`;
  return {
    categories: categories.map((row) => storedRow(categoryGroup, "Patient", row, rows)),
    medicines: medicines.map((row) => storedRow(medicineGroup, "Patient", row, rows)),
  };
}

/**
 * The counts behind the clinic summary, for the actor's clinic or a cohort of it (`cohort`, a
 * where from panelWhere, already clinic-scoped). Every number is counted by the database; for a
 * cohort only its patient ids are read (by Prisma, from the panel's where) and counted in slices.
 */
export async function getClinicAggregates(
  db: Db,
  actor: Actor,
  now: Date,
  cohort?: Prisma.PatientWhereInput,
  idsPerQuery = IDS_PER_QUERY,
): Promise<ClinicAggregates> {
  const clinicId = actor.clinicId;
  if (!clinicId) throw new Error("getClinicAggregates: actor without a clinic");
  const slices: (string[] | null)[] = [];
  if (cohort) {
    const ids = (await db.patient.findMany({ where: { AND: [{ clinicId }, cohort] }, select: { id: true } })).map((p) => p.id);
    slices.push(...chunks(ids, idsPerQuery));
  } else {
    slices.push(null);
  }
  const categories = new Map<string, { sex: string; band: AgeBandKey; tier: string | null; ewgsop2: string | null; awgs2019: string | null; awgs2025: string | null; b12Status: string | null; count: number }>();
  const medicines = new Map<string, ClinicAggregates["b12ByMedicines"][number]>();
  const flags = new Map<string, ClinicAggregates["flags"][number]>();
  for (const ids of slices) {
    const flagWhere = { clinicId, status: "open", ...(ids ? { patientId: { in: ids } } : {}) };
    const [groups, due, overdue] = await Promise.all([
      countGroups(db, clinicId, now, ids),
      // Overdue as the patient page says it (lib/domain/flag-lifecycle.ts): the action day passed; an
      // ordered flag awaiting its result and a postponed one are not overdue.
      db.flag.groupBy({ by: ["code"], where: { ...flagWhere, actionDueAt: { gte: startOfUtcDay(now) } }, _count: { _all: true } }),
      db.flag.groupBy({ by: ["code"], where: { ...flagWhere, actionDueAt: { lt: startOfUtcDay(now) } }, _count: { _all: true } }),
    ]);
    for (const row of groups.categories) addTo(categories, [row.sex, row.band, row.tier, row.ewgsop2, row.awgs2019, row.awgs2025, row.b12Status].join("|"), row);
    for (const row of groups.medicines) addTo(medicines, `${row.medicationClasses}|${row.b12Status}`, row);
    for (const [rows, field] of [[due, "due"], [overdue, "overdue"]] as const) {
      for (const row of rows) {
        const entry = flags.get(row.code) ?? { code: row.code, due: 0, overdue: 0 };
        entry[field] += row._count._all;
        flags.set(row.code, entry);
      }
    }
  }
  // "Any sarcopenia finding" means what the clinic's tiers and flags read: the AWGS edition in force.
  const awgsEdition = (await getActiveThresholds(db, clinicId, now)).values.awgs2025.drivesTiersAndFlags ? 2025 : 2019;
  return summariseGroups([...categories.values()], [...medicines.values()], [...flags.values()], awgsEdition);
}

/**
 * The clinic (or cohort) summary as the actor may see it: exact for those who may view patients,
 * small cells suppressed for everyone else (lib/domain/suppression.ts).
 */
export async function getClinicSummary(db: Db, actor: Actor, now: Date = new Date(), cohort?: Prisma.PatientWhereInput): Promise<PublishedSummary> {
  const aggregates = await getClinicAggregates(db, actor, now, cohort);
  return publishSummary(buildSummaryModel(aggregates), { suppress: !seesExactCounts(actor) });
}

/**
 * The summary as a long-format CSV (one row per published cell; suppressed for analysts exactly
 * as on screen), cells neutralised against formula injection, and its "export.run" audit event.
 */
export async function exportSummaryCsv(db: Db, actor: Actor, now: Date = new Date()): Promise<string> {
  const summary = await getClinicSummary(db, actor, now);
  const rows = summaryCsvRows(summary);
  await auditRead(db, actor, [
    { action: "export.run", entityType: "summary", detail: { format: "csv", suppressed: summary.isSuppressed, rows: rows.length - 1, asOf: now.toISOString() } },
  ], now);
  return stringify(rows.map((row) => row.map(neutraliseCell)));
}
