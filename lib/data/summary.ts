import "server-only";
import { subYears } from "date-fns";
import { stringify } from "csv-stringify/sync";
import type { Db } from "./db";
import { auditRead } from "./audit";
import type { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { actorRole, type Actor } from "@/lib/auth/actor";
import { can } from "@/lib/auth/roles";
import { neutraliseCell } from "@/lib/domain/csv-export";
import {
  AGE_BANDS,
  AWGS2019_FINDINGS,
  EWGSOP2_FINDINGS,
  buildSummaryModel,
  publishSummary,
  summaryCsvRows,
  type AgeBandKey,
  type ClinicAggregates,
  type PublishedSummary,
} from "@/lib/domain/summary-tables";

const B12_STATUSES = ["deficient", "indeterminate", "adequate", "not_tested"] as const;

/**
 * Whether the actor sees exact counts. Those who may open identified patient records gain nothing
 * from suppression; everyone else (analysts) sees small cells suppressed on every screen, report
 * and export, so no two views of the same numbers disagree.
 */
export function seesExactCounts(actor: Actor): boolean {
  return can(actorRole(actor), "patient:view");
}

/** Birth-date bounds of an age band at `now` (as in panelWhere: age ≥ a ⇔ born on or before now − a years). */
function bandWhere(index: number, now: Date): Prisma.DateTimeFilter {
  const band = AGE_BANDS[index]!;
  const next = AGE_BANDS[index + 1];
  return { lte: subYears(now, band.min), ...(next ? { gt: subYears(now, next.min) } : {}) };
}

/**
 * The counts behind the clinic summary, for the actor's clinic or a cohort of it (`cohort`, a
 * where from panelWhere, already clinic-scoped). Every number is counted by the database
 * (GROUP BY through Prisma's groupBy and count, the same on SQLite and PostgreSQL); no patient
 * row is loaded. About two dozen small queries, each on an index of (clinicId, …).
 */
export async function getClinicAggregates(db: Db, actor: Actor, now: Date, cohort?: Prisma.PatientWhereInput): Promise<ClinicAggregates> {
  const clinicId = actor.clinicId;
  if (!clinicId) throw new Error("getClinicAggregates: actor without a clinic");
  const patientWhere: Prisma.PatientWhereInput = cohort ? { AND: [{ clinicId }, cohort] } : { clinicId };
  const ofCohort = cohort ? { patient: cohort } : {};
  const anySarcopenia: Prisma.RiskSnapshotWhereInput = {
    OR: [{ ewgsop2: { in: [...EWGSOP2_FINDINGS] } }, { awgs2019: { in: [...AWGS2019_FINDINGS] } }],
  };
  const bySex = (where: Prisma.PatientWhereInput) => db.patient.groupBy({ by: ["sex"], where: { AND: [patientWhere, where] }, _count: { _all: true } });
  const openFlags = (dueAt: Prisma.DateTimeFilter) =>
    db.flag.groupBy({ by: ["code"], where: { clinicId, status: "open", dueAt, ...ofCohort }, _count: { _all: true } });

  const [patients, snapshots, bands, due, overdue, medicines] = await Promise.all([
    db.patient.count({ where: patientWhere }),
    db.riskSnapshot.groupBy({ by: ["tier", "ewgsop2", "awgs2019", "b12Status"], where: { clinicId, ...ofCohort }, _count: { _all: true } }),
    Promise.all(
      AGE_BANDS.map((_, i) => {
        const birthDate = bandWhere(i, now);
        return Promise.all([
          bySex({ birthDate }),
          bySex({ birthDate, snapshot: { is: { tier: "high" } } }),
          bySex({ birthDate, snapshot: { is: anySarcopenia } }),
        ]);
      }),
    ),
    openFlags({ gte: now }),
    openFlags({ lt: now }),
    Promise.all([
      ...B12_STATUSES.map((b12Status) =>
        db.patient.groupBy({ by: ["medicationClasses"], where: { AND: [patientWhere, { snapshot: { is: { b12Status } } }] }, _count: { _all: true } }),
      ),
      db.patient.groupBy({ by: ["medicationClasses"], where: { AND: [patientWhere, { snapshot: { is: null } }] }, _count: { _all: true } }),
    ]),
  ]);

  const demographics: ClinicAggregates["demographics"] = [];
  bands.forEach(([all, high, sarcopenia], i) => {
    const band = AGE_BANDS[i]!.key as AgeBandKey;
    for (const row of all) {
      demographics.push({
        band,
        sex: row.sex,
        patients: row._count._all,
        high: high.find((h) => h.sex === row.sex)?._count._all ?? 0,
        sarcopenia: sarcopenia.find((s) => s.sex === row.sex)?._count._all ?? 0,
      });
    }
  });
  const flagCodes = new Set([...due, ...overdue].map((f) => f.code));
  return {
    patients,
    snapshots: snapshots.map((s) => ({ tier: s.tier, ewgsop2: s.ewgsop2, awgs2019: s.awgs2019, b12Status: s.b12Status, count: s._count._all })),
    demographics,
    flags: [...flagCodes].map((code) => ({
      code,
      due: due.find((f) => f.code === code)?._count._all ?? 0,
      overdue: overdue.find((f) => f.code === code)?._count._all ?? 0,
    })),
    b12ByMedicines: medicines.flatMap((rows, i) =>
      rows.map((row) => ({ medicationClasses: row.medicationClasses, b12Status: B12_STATUSES[i] ?? null, count: row._count._all })),
    ),
  };
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
