import "server-only";
import { stringify } from "csv-stringify/sync";
import type { Db } from "@/lib/data/db/client";
import { auditRead, verifyAuditChain, type AuditVerification } from "./log";
import { actorRole, type Actor } from "@/lib/data/access/actor";
import { can, type Role } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { describeAuditEvent, type AuditAction } from "@/lib/domain/audit-describe";
import { neutraliseCell } from "@/lib/domain/csv-export";
import type { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { decodeAuditDetail, decodeRole } from "@/lib/data/stored/values";

/**
 * Reading the audit log: the "who has seen or changed this record" page of a patient and the
 * admins' audit search. Both are scoped to the actor's clinic, list newest first with keyset
 * paging on (at, seq) — the (clinicId, at) and (patientId, at) indexes — and are audited.
 *
 * A patient's trail is the events that name the patient (views, changes, flags) plus the events
 * that list the patient in their detail: panel searches (`patientIds`, the page shown) and
 * imports (`patients.created/updated`). The latter have no index of their own; they are found by
 * a text match on the clinic's search and import events no older than the patient's record, so
 * the cost grows with the clinic's searches since the patient was created (see
 * docs/operations.md "Audit"). Cohort exports record their filters, not patient ids, so they are
 * on the audit page but not on a patient's trail.
 */

export const AUDIT_PAGE_SIZE = 50;
/** Events that list patients in their detail rather than in `patientId`. */
const MENTION_ACTIONS: readonly AuditAction[] = ["patient.search", "import.run"];

export interface AuditCursor {
  at: Date;
  seq: number;
}

export interface AuditFilter {
  /** A user id of the clinic, or "system" for the CLI and background jobs. */
  actorId?: string;
  action?: AuditAction;
  /** The patient's MRN (the audit page) — resolved to the patient in the actor's clinic. */
  mrn?: string;
  /** Events at or after `from`, and before `to`. */
  from?: Date;
  to?: Date;
}

export interface AuditEventRow {
  seq: number;
  at: Date;
  actorLabel: string;
  /** The acting user's role today (events do not store it); "system" for the CLI and jobs. */
  role: Role | "system" | "unknown";
  action: string;
  patient: { id: string; mrn: string; name: string } | null;
  /** "listed" when the event names the patient in its detail (a search or import), not as its subject. */
  relation: "subject" | "listed";
  description: string;
}

export interface AuditPage {
  rows: AuditEventRow[];
  /** Pass back as `after` for the next (older) page; null on the last page. */
  next: AuditCursor | null;
}

/** The cursor as it travels in a URL: "<epoch ms>.<seq>". */
export function formatCursor(cursor: AuditCursor): string {
  return `${cursor.at.getTime()}.${cursor.seq}`;
}

export function parseCursor(value: string | undefined): AuditCursor | undefined {
  const match = /^(\d{1,15})\.(\d{1,12})$/.exec(value ?? "");
  if (!match) return undefined;
  return { at: new Date(Number(match[1])), seq: Number(match[2]) };
}

function olderThan(cursor: AuditCursor | undefined): Prisma.AuditEventWhereInput {
  if (!cursor) return {};
  return { OR: [{ at: { lt: cursor.at } }, { at: cursor.at, seq: { lt: cursor.seq } }] };
}

function clinicOf(actor: Actor): string {
  if (!actor.clinicId) throw new AppError("forbidden", "Reading the audit log needs a clinic.");
  return actor.clinicId;
}

const EVENT_SELECT = { seq: true, at: true, actorId: true, actorLabel: true, action: true, patientId: true, detailJson: true } as const;
type EventRecord = Prisma.AuditEventGetPayload<{ select: typeof EVENT_SELECT }>;
const NEWEST_FIRST: Prisma.AuditEventOrderByWithRelationInput[] = [{ at: "desc" }, { seq: "desc" }];

interface Query {
  clinicId: string;
  filter: Omit<AuditFilter, "mrn">;
  /** Only events about this patient: naming it, or listing it (searches, imports). */
  patient?: { id: string; createdAt: Date };
  after?: AuditCursor;
  limit: number;
}

function baseWhere(q: Query): Prisma.AuditEventWhereInput[] {
  const and: Prisma.AuditEventWhereInput[] = [{ clinicId: q.clinicId }, olderThan(q.after)];
  if (q.filter.actorId === "system") and.push({ actorId: null });
  else if (q.filter.actorId) and.push({ actorId: q.filter.actorId });
  if (q.filter.from || q.filter.to) and.push({ at: { ...(q.filter.from ? { gte: q.filter.from } : {}), ...(q.filter.to ? { lt: q.filter.to } : {}) } });
  return and;
}

/** One page of events, newest first; with a patient, the two sources merged. */
async function queryEvents(db: Db, q: Query): Promise<{ records: (EventRecord & { relation: AuditEventRow["relation"] })[]; next: AuditCursor | null }> {
  const take = q.limit + 1;
  const and = baseWhere(q);
  if (q.filter.action) and.push({ action: q.filter.action });
  let records: (EventRecord & { relation: AuditEventRow["relation"] })[];
  if (!q.patient) {
    const found = await db.auditEvent.findMany({ where: { AND: and }, orderBy: NEWEST_FIRST, take, select: EVENT_SELECT });
    records = found.map((r) => ({ ...r, relation: "subject" as const }));
  } else {
    const mentionActions = MENTION_ACTIONS.filter((a) => !q.filter.action || a === q.filter.action);
    const [subject, listed] = await Promise.all([
      db.auditEvent.findMany({ where: { AND: [...and, { patientId: q.patient.id }] }, orderBy: NEWEST_FIRST, take, select: EVENT_SELECT }),
      mentionActions.length === 0
        ? Promise.resolve([])
        : db.auditEvent.findMany({
            where: {
              AND: [
                ...baseWhere(q),
                { action: { in: [...mentionActions] } },
                // Nothing listed the patient before the record existed: bounds the scan (with an
                // hour's grace for clocks of several app instances that disagree).
                { at: { gte: new Date(q.patient.createdAt.getTime() - 3_600_000) } },
                // Ids are cuids/uuids (no LIKE wildcards); the quotes make the match exact.
                { detailJson: { contains: `"${q.patient.id}"` } },
              ],
            },
            orderBy: NEWEST_FIRST,
            take,
            select: EVENT_SELECT,
          }),
    ]);
    records = [...subject.map((r) => ({ ...r, relation: "subject" as const })), ...listed.map((r) => ({ ...r, relation: "listed" as const }))];
    records.sort((a, b) => b.at.getTime() - a.at.getTime() || b.seq - a.seq);
  }
  const page = records.slice(0, q.limit);
  const last = page.at(-1);
  return { records: page, next: records.length > q.limit && last ? { at: last.at, seq: last.seq } : null };
}

/** Turns stored events into rows: actor roles and patient names looked up once per page. */
async function toRows(db: Db, clinicId: string, records: (EventRecord & { relation: AuditEventRow["relation"] })[], askingPatientId?: string): Promise<AuditEventRow[]> {
  const userIds = [...new Set(records.map((r) => r.actorId).filter((id): id is string => id !== null))];
  const patientIds = [...new Set(records.map((r) => r.patientId ?? (r.relation === "listed" ? askingPatientId : undefined)).filter((id): id is string => !!id))];
  const [users, patients] = await Promise.all([
    userIds.length > 0 ? db.user.findMany({ where: { id: { in: userIds }, clinicId }, select: { id: true, role: true } }) : [],
    patientIds.length > 0 ? db.patient.findMany({ where: { id: { in: patientIds }, clinicId }, select: { id: true, mrn: true, familyName: true, givenName: true } }) : [],
  ]);
  const roleOf = new Map(users.map((u) => [u.id, decodeRole(u.role, u.id)]));
  const patientOf = new Map(patients.map((p) => [p.id, { id: p.id, mrn: p.mrn, name: `${p.familyName}, ${p.givenName}` }]));
  return records.map((r) => {
    // Decoded, not skipped when it is not JSON: the app writes JSON only, so anything else was written around it (audit verify reports the event).
    const detail = decodeAuditDetail(r.detailJson, String(r.seq));
    const patientId = r.patientId ?? (r.relation === "listed" ? askingPatientId : undefined);
    return {
      seq: r.seq,
      at: r.at,
      actorLabel: r.actorLabel,
      role: r.actorId === null ? "system" : (roleOf.get(r.actorId) ?? "unknown"),
      action: r.action,
      patient: patientId ? (patientOf.get(patientId) ?? null) : null,
      relation: r.relation,
      description: describeAuditEvent(r.action, detail, r.relation === "listed" ? askingPatientId : undefined),
    };
  });
}

/**
 * May this actor see a patient's access trail? Admins (audit:view) may see any patient of their
 * clinic; a clinician only the patients attributed to them (docs/design.md#roles-and-security).
 */
export function canViewPatientAccess(actor: Actor, attributedClinicianId: string | null): boolean {
  if (can(actorRole(actor), "audit:view")) return true;
  return actor.kind === "user" && can(actor.role, "patient:view") && attributedClinicianId === actor.userId;
}

export interface PatientAccessPage extends AuditPage {
  patient: { id: string; mrn: string; familyName: string; givenName: string };
}

/**
 * "Who has seen or changed this record": the patient's audit events, newest first. Throws
 * not_found for a patient outside the actor's clinic and forbidden for anyone but an admin or the
 * attributed clinician. The look itself is audited ("audit.view").
 */
export async function listPatientAccess(db: Db, actor: Actor, patientId: string, after: AuditCursor | undefined, now: Date = new Date()): Promise<PatientAccessPage> {
  const clinicId = clinicOf(actor);
  if (!patientId) throw new AppError("not_found", "No such patient in your clinic.");
  const patient = await db.patient.findFirst({
    where: { id: patientId, clinicId },
    select: { id: true, mrn: true, familyName: true, givenName: true, attributedClinicianId: true, createdAt: true },
  });
  if (!patient) throw new AppError("not_found", "No such patient in your clinic.");
  if (!canViewPatientAccess(actor, patient.attributedClinicianId)) {
    throw new AppError("forbidden", "Only admins and the patient's attributed clinician may see who accessed this record.");
  }
  const { records, next } = await queryEvents(db, { clinicId, filter: {}, patient: { id: patient.id, createdAt: patient.createdAt }, after, limit: AUDIT_PAGE_SIZE });
  const rows = await toRows(db, clinicId, records, patient.id);
  await auditRead(db, actor, [{ action: "audit.view", patientId: patient.id, entityType: "patient", entityId: patient.id, detail: { after: after ? formatCursor(after) : null, shown: rows.length } }], now);
  const { attributedClinicianId: _a, createdAt: _c, ...header } = patient;
  return { patient: header, rows, next };
}

function assertCanSearch(actor: Actor): string {
  if (!can(actorRole(actor), "audit:view")) throw new AppError("forbidden", "Only admins may search the audit log.");
  return clinicOf(actor);
}

/** The filter's MRN as a patient of the clinic; `null` when no patient has that MRN. */
async function resolvePatient(db: Db, clinicId: string, mrn: string | undefined) {
  if (!mrn) return undefined;
  return (await db.patient.findFirst({ where: { clinicId, mrn }, select: { id: true, createdAt: true } })) ?? null;
}

function filterDetail(filter: AuditFilter): Record<string, string> {
  const detail: Record<string, string> = {};
  if (filter.actorId) detail.actorId = filter.actorId;
  if (filter.action) detail.action = filter.action;
  if (filter.mrn) detail.mrn = filter.mrn;
  if (filter.from) detail.from = filter.from.toISOString();
  if (filter.to) detail.to = filter.to.toISOString();
  return detail;
}

export interface AuditSearchPage extends AuditPage {
  /** Set when the filter named an MRN that no patient of the clinic has. */
  unknownMrn?: string;
}

/** The admins' audit search: one page of the clinic's events matching `filter`, audited ("audit.search"). */
export async function searchAuditEvents(db: Db, actor: Actor, filter: AuditFilter, after: AuditCursor | undefined, now: Date = new Date()): Promise<AuditSearchPage> {
  const clinicId = assertCanSearch(actor);
  const patient = await resolvePatient(db, clinicId, filter.mrn);
  let page: AuditSearchPage;
  if (patient === null) page = { rows: [], next: null, unknownMrn: filter.mrn };
  else {
    const { records, next } = await queryEvents(db, { clinicId, filter, patient, after, limit: AUDIT_PAGE_SIZE });
    page = { rows: await toRows(db, clinicId, records, patient?.id), next };
  }
  await auditRead(db, actor, [{ action: "audit.search", patientId: patient?.id ?? null, detail: { filter: filterDetail(filter), after: after ? formatCursor(after) : null, shown: page.rows.length } }], now);
  return page;
}

export const AUDIT_CSV_COLUMNS = ["seq", "at", "actor", "role", "action", "mrn", "patient", "relation", "description"] as const;

/**
 * The events matching `filter` as CSV text chunks, newest first, read page by page (memory stays
 * bounded), every cell formula-neutralised. One "audit.export" event with the filter and the row
 * count is written when the stream ends, also when the consumer stops early.
 */
export async function* streamAuditCsv(db: Db, actor: Actor, filter: AuditFilter, now: Date = new Date(), batchSize = 1_000): AsyncGenerator<string, { rows: number }> {
  const clinicId = assertCanSearch(actor);
  let rows = 0;
  let completed = false;
  try {
    yield stringify([[...AUDIT_CSV_COLUMNS]]);
    const patient = await resolvePatient(db, clinicId, filter.mrn);
    let after: AuditCursor | undefined;
    while (patient !== null) {
      const { records, next } = await queryEvents(db, { clinicId, filter, patient, after, limit: batchSize });
      const page = await toRows(db, clinicId, records, patient?.id);
      if (page.length > 0) {
        yield stringify(
          page.map((r) =>
            [r.seq, r.at.toISOString(), r.actorLabel, r.role, r.action, r.patient?.mrn ?? "", r.patient?.name ?? "", r.relation, r.description].map(neutraliseCell),
          ),
        );
      }
      rows += page.length;
      if (!next) break;
      after = next;
    }
    completed = true;
  } finally {
    await auditRead(db, actor, [{ action: "audit.export", detail: { format: "csv", filter: filterDetail(filter), rows, completed } }], now);
  }
  return { rows };
}

/**
 * Verifies the actor's clinic's chain (never another clinic's events, nor their count) against
 * the audit key and the anchors, and records that it was checked. The whole log is the
 * operator's `npm run cli -- audit verify`.
 */
export async function verifyAuditChainAs(db: Db, actor: Actor, now: Date = new Date()): Promise<AuditVerification> {
  const clinicId = assertCanSearch(actor);
  const result = await verifyAuditChain(db, { clinicId });
  const detail = {
    ok: result.ok,
    checked: result.checked,
    brokenAtSeq: result.brokenAtSeq ?? null,
    brokenAtChainSeq: result.brokenAtChainSeq ?? null,
    problems: result.problems.map((p) => ({ kind: p.kind, seq: p.seq ?? null, chainSeq: p.chainSeq ?? null })),
    anchors: result.anchors.count,
  };
  await auditRead(db, actor, [{ action: "audit.verify", detail }], now);
  return result;
}

/** The clinic's users, for the audit page's actor filter. */
export async function listAuditActors(db: Db, actor: Actor) {
  const clinicId = assertCanSearch(actor);
  return db.user.findMany({ where: { clinicId }, orderBy: [{ name: "asc" }, { id: "asc" }], select: { id: true, name: true, email: true, role: true } });
}
