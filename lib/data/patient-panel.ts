import "server-only";
import { subYears } from "date-fns";
import type { Db } from "./db";
import type { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { auditRead } from "./audit";
import type { Actor } from "@/lib/auth/actor";
import type { PanelQuery } from "@/lib/validation/panel-query";
import { cohortWhere } from "./cohort-where";

export interface PanelRow {
  id: string;
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: string;
  diet: string | null;
  clinicianName: string | null;
  lastAssessedAt: Date | null;
  latestGripKg: number | null;
  latestGripAt: Date | null;
  latestGaitMs: number | null;
  latestGaitAt: Date | null;
  latestB12Pmol: number | null;
  latestB12At: Date | null;
  tier: string | null;
  ewgsop2: string | null;
  awgs2019: string | null;
  b12Status: string | null;
  b12OnTreatment: boolean;
  openFlags: { code: string; dueAt: Date }[];
}

export interface PanelPage {
  rows: PanelRow[];
  total: number;
  /** Patients per tier under the current filters other than the tier filter itself. */
  tierCounts: Record<string, number>;
  page: number;
  pageCount: number;
}

/**
 * The `where` for a panel query, always scoped to the actor's clinic. Age bounds become birth-date
 * bounds relative to `now`: age ≥ a ⇔ born on or before now − a years; age ≤ b ⇔ born after
 * now − (b + 1) years.
 */
export function panelWhere(actor: Actor, query: PanelQuery, now: Date): Prisma.PatientWhereInput {
  const clinicId = actor.clinicId;
  if (!clinicId) throw new Error("panelWhere: actor without a clinic");
  const where: Prisma.PatientWhereInput = { clinicId };
  const birth: Prisma.DateTimeFilter = {};
  if (query.ageMin !== undefined) birth.lte = subYears(now, query.ageMin);
  if (query.ageMax !== undefined) birth.gt = subYears(now, query.ageMax + 1);
  if (birth.lte || birth.gt) where.birthDate = birth;
  if (query.sex) where.sex = query.sex;
  if (query.diet) where.diet = query.diet === "not_recorded" ? null : query.diet;
  if (query.med) where.medicationClasses = { contains: `;${query.med};` };
  if (query.mine && actor.kind === "user") where.attributedClinicianId = actor.userId;
  else if (query.clinician) where.attributedClinicianId = query.clinician;
  if (query.q) where.searchText = { contains: query.q.toLowerCase() };
  const snapshot: Prisma.RiskSnapshotWhereInput = {};
  if (query.tier) snapshot.tier = query.tier;
  if (query.ewgsop2) snapshot.ewgsop2 = query.ewgsop2;
  if (query.awgs) snapshot.awgs2019 = query.awgs;
  if (query.b12) snapshot.b12Status = query.b12;
  if (Object.keys(snapshot).length > 0) where.snapshot = { is: snapshot };
  if (query.flag || query.outreach || query.overdue) {
    where.flags = {
      some: {
        status: "open",
        ...(query.flag ? { code: query.flag } : {}),
        ...(query.outreach ? { outreach: query.outreach } : {}),
        ...(query.overdue ? { dueAt: { lt: now } } : {}),
      },
    };
  }
  if (query.criteria.length > 0) where.AND = [cohortWhere(query.criteria, query.match, now)];
  return where;
}

function panelOrder(query: PanelQuery): Prisma.PatientOrderByWithRelationInput[] {
  const dir = query.dir;
  switch (query.sort) {
    case "age":
      // Older first when ascending by age means birth date descending.
      return [{ birthDate: dir === "asc" ? "desc" : "asc" }, { id: "asc" }];
    case "last_assessed":
      return [{ lastAssessedAt: { sort: dir, nulls: "last" } }, { id: "asc" }];
    case "name":
      return [{ familyName: dir }, { givenName: dir }, { id: "asc" }];
    case "tier":
      // Highest risk first, then the most overdue flag first (DESIGN.md: worklist order).
      return [{ snapshot: { tierRank: dir } }, { snapshot: { nextDueAt: { sort: "asc", nulls: "last" } } }, { id: "asc" }];
  }
}

/** One page of the actor's clinic's patients, and an audit record of who was listed. */
export async function getPatientPanel(db: Db, actor: Actor, query: PanelQuery, now: Date = new Date()): Promise<PanelPage> {
  const where = panelWhere(actor, query, now);
  const tierWhere = query.tier ? panelWhere(actor, { ...query, tier: undefined }, now) : where;
  const [total, byTier] = await Promise.all([
    db.patient.count({ where }),
    db.riskSnapshot.groupBy({ by: ["tier"], where: { clinicId: actor.clinicId, patient: tierWhere }, _count: { _all: true } }),
  ]);
  const tierCounts = Object.fromEntries(byTier.map((row) => [row.tier, row._count._all]));
  const pageCount = Math.max(1, Math.ceil(total / query.size));
  const page = Math.min(query.page, pageCount);
  const found = await db.patient.findMany({
    where,
    orderBy: panelOrder(query),
    skip: (page - 1) * query.size,
    take: query.size,
    select: {
      id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true, diet: true,
      lastAssessedAt: true, latestGripKg: true, latestGripAt: true, latestGaitMs: true, latestGaitAt: true,
      latestB12Pmol: true, latestB12At: true,
      attributedClinician: { select: { name: true } },
      snapshot: { select: { tier: true, ewgsop2: true, awgs2019: true, b12Status: true, b12OnTreatment: true } },
      flags: { where: { status: "open" }, select: { code: true, dueAt: true }, orderBy: { dueAt: "asc" } },
    },
  });
  const rows = found.map(({ attributedClinician, snapshot, flags, ...row }) => ({
    ...row,
    clinicianName: attributedClinician?.name ?? null,
    tier: snapshot?.tier ?? null,
    ewgsop2: snapshot?.ewgsop2 ?? null,
    awgs2019: snapshot?.awgs2019 ?? null,
    b12Status: snapshot?.b12Status ?? null,
    b12OnTreatment: snapshot?.b12OnTreatment ?? false,
    openFlags: flags,
  }));
  await auditRead(db, actor, [{ action: "patient.search", detail: { query: { ...query }, total, patientIds: rows.map((r) => r.id) } }], now);
  return { rows, total, tierCounts, page, pageCount };
}

