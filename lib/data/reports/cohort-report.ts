import "server-only";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { flagState, type FlagStateView } from "@/lib/domain/flag-lifecycle";
import type { Prisma } from "@/lib/generated/prisma-sqlite/client";
import type { Db } from "@/lib/data/db/client";
import { auditRead } from "@/lib/data/audit/log";
import { panelWhere } from "@/lib/data/patients/panel";
import { getClinicSummary } from "./summary";
import { actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import type { PublishedSummary } from "@/lib/domain/summary-tables";
import type { PanelQuery } from "@/lib/validation/panel-query";
import type { Awgs2019Category, B12Status, Ewgsop2Category, FlagCode, Sex, Tier } from "@/lib/domain/types";
import { decodeAwgs2019, decodeB12Status, decodeEwgsop2, decodeFlagCode, decodeFlagLife, decodeSex, decodeTier } from "@/lib/data/stored/values";

/** A printed list longer than this is not read; the CSV export has no cap. */
export const REPORT_LIST_LIMIT = 500;

export interface ReportPatient {
  id: string;
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: Sex;
  tier: Tier | null;
  ewgsop2: Ewgsop2Category | null;
  awgs2019: Awgs2019Category | null;
  b12Status: B12Status | null;
  /** Open flags, the one needing action first, each with its state at the report's time. */
  openFlags: { code: FlagCode; dueAt: Date; state: FlagStateView }[];
}

export interface CohortReport {
  summary: PublishedSummary;
  /** False for an actor who may not list patients: the report covers the whole clinic, de-identified. */
  isCohort: boolean;
  /** The identified patient list (worklist order, at most REPORT_LIST_LIMIT), or null when the actor may not see it. */
  patients: ReportPatient[] | null;
}

/**
 * The printable report of a cohort (the panel's query): its summary and its patient list.
 * Only an actor who may view the panel gets the cohort and the identified list. Anyone else
 * (an analyst) gets the whole clinic's summary with small cells suppressed and no list: a name or
 * exact-age filter over a handful of patients would otherwise disclose them
 * (docs/design.md#de-identified-export: analysts see de-identified data only; their patient-level
 * data is the de-identified CSV). Every report is audited as an export, with the ids of the
 * patients it lists.
 */
export async function getCohortReport(db: Db, actor: Actor, query: PanelQuery, now: Date = new Date()): Promise<CohortReport> {
  const mayList = can(actorRole(actor), "panel:view");
  if (!mayList) {
    const summary = await getClinicSummary(db, actor, now);
    await auditRead(db, actor, [{ action: "export.run", entityType: "report", detail: { format: "print", cohort: null, suppressed: summary.isSuppressed, listed: 0 } }], now);
    return { summary, isCohort: false, patients: null };
  }
  const lifecycle = (await getActiveThresholds(db, actor.clinicId, now)).values.flagLifecycle;
  const where = panelWhere(actor, query, now, lifecycle);
  const select = {
    id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true,
    snapshot: { select: { id: true, tier: true, ewgsop2: true, awgs2019: true, b12Status: true } },
    flags: {
      where: { status: "open" },
      select: { id: true, code: true, status: true, stage: true, dueAt: true, actionDueAt: true, orderedAt: true, postponedUntil: true },
      orderBy: { actionDueAt: "asc" },
    },
  } satisfies Prisma.PatientSelect;
  // Worklist order; patients without a stored evaluation last (as on the panel), on both databases.
  const listEvaluated = () =>
    db.patient.findMany({
      where: { AND: [where, { snapshot: { isNot: null } }] },
      orderBy: [{ snapshot: { tierRank: "asc" } }, { snapshot: { nextDueAt: { sort: "asc", nulls: "last" } } }, { familyName: "asc" }, { id: "asc" }],
      take: REPORT_LIST_LIMIT,
      select,
    });
  const [summary, evaluated] = await Promise.all([getClinicSummary(db, actor, now, where), listEvaluated()]);
  const found =
    evaluated.length < REPORT_LIST_LIMIT
      ? [...evaluated, ...(await db.patient.findMany({ where: { AND: [where, { snapshot: { is: null } }] }, orderBy: [{ familyName: "asc" }, { id: "asc" }], take: REPORT_LIST_LIMIT - evaluated.length, select }))]
      : evaluated;
  const patients = found.map(({ snapshot, flags, sex, ...p }): ReportPatient => ({
    ...p,
    sex: decodeSex(sex, p.id),
    tier: snapshot ? decodeTier(snapshot.tier, snapshot.id) : null,
    ewgsop2: snapshot ? decodeEwgsop2(snapshot.ewgsop2, snapshot.id) : null,
    awgs2019: snapshot ? decodeAwgs2019(snapshot.awgs2019, snapshot.id) : null,
    b12Status: snapshot ? decodeB12Status(snapshot.b12Status, snapshot.id) : null,
    openFlags: flags.map((flag) => ({ code: decodeFlagCode(flag.code, flag.id), dueAt: flag.dueAt, state: flagState(decodeFlagLife(flag), now, lifecycle) })),
  }));
  const { page: _page, size: _size, sort: _sort, dir: _dir, ...filters } = query;
  await auditRead(
    db,
    actor,
    [{ action: "export.run", entityType: "report", detail: { format: "print", cohort: filters, total: summary.total.count, listed: patients.length, patientIds: patients.map((p) => p.id) } }],
    now,
  );
  return { summary, isCohort: true, patients };
}
