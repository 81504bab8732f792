import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { claimPatientVersion } from "./version";
import { openPatientRecord, type PatientHeader, type StoredSnapshot } from "./record";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { actorId, actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { toIsoDate } from "@/lib/domain/dates";
import { MEASURE_LABELS } from "@/lib/domain/measures";
import { MEASURE_KINDS, type MeasureKind, type ObservationInput, type Tier } from "@/lib/domain/types";
import { decodeMeasureKind, decodeTier } from "@/lib/data/stored/values";
import { findingRow, observationRow, type StoredFinding } from "./record-rows";

/**
 * Recording one visit's results for a patient (docs/design.md#who-uses-it, "enter an assessment"). The write is
 * guarded by the patient's optimistic-concurrency version: the form carries the version the
 * clinician saw, and the save succeeds only if it is still current — so two clinicians saving the
 * same patient at once never silently overwrite or duplicate each other; the second is told.
 */

/** One result to store: a domain observation with what was entered and an optional note. */
export type AssessmentObservation = ObservationInput & { reportedValue: string; reportedUnit: string; note?: string | null };

export interface AssessmentInput {
  observations: readonly AssessmentObservation[];
  /** Yubi-wakka results and B12 symptoms noted at the visit (PatientFinding rows). */
  findings?: readonly StoredFinding[];
}

export interface RecordAssessmentResult {
  patientId: string;
  /** The patient's version after the save (the next form must carry it). */
  version: number;
  observationIds: string[];
  /** What the save changed: the tier before and after, and the flags it opened and closed (for the page to say so). */
  change: AssessmentChange;
}

export interface AssessmentChange {
  /** null: the patient had not been evaluated before. */
  tierBefore: Tier | null;
  tierAfter: Tier | null;
  flagsOpened: string[];
  flagsClosed: string[];
}

/** The patient's tier and open flag codes, read inside the save's transaction (also by lib/data/patients/details.ts). */
export async function riskState(tx: Tx, clinicId: string, patientId: string): Promise<{ tier: Tier | null; openFlags: Set<string> }> {
  const [snapshot, flags] = await Promise.all([
    tx.riskSnapshot.findFirst({ where: { patientId, clinicId }, select: { id: true, tier: true } }),
    // By patient only: the caller has claimed the patient in the clinic (claimPatientVersion), and
    // with `clinicId` too SQLite's planner picks the (clinicId, status, …) index and walks every
    // open flag of the clinic — about a second per call at 100,000 patients.
    tx.flag.findMany({ where: { patientId, status: "open" }, select: { code: true } }),
  ]);
  const tier = snapshot ? decodeTier(snapshot.tier, snapshot.id) : null;
  return { tier, openFlags: new Set(flags.map((f) => f.code)) };
}

function assertPatientId(patientId: unknown): asserts patientId is string {
  // Prisma reads `undefined` as "no filter": never let an absent id through.
  if (typeof patientId !== "string" || patientId.trim() === "") throw new AppError("not_found", "No such patient in your clinic.");
}

function assertCanEdit(actor: Actor): void {
  if (!can(actorRole(actor), "patient:edit")) throw new AppError("forbidden", "Your role does not allow changing patient records.");
}

/**
 * Stores one visit's results for a patient of the actor's clinic (source "manual", entered by
 * the actor), provided the patient is still at `expectedPatientVersion`; then, in the same
 * transaction, re-evaluates the patient (snapshot, flags, panel columns) and writes one
 * "observation.create" audit event per result (and a "patient.update" event per finding: a
 * Yubi-wakka result or a B12 symptom). Another clinic's patient is not_found; a stale
 * version is a conflict and writes nothing. Results dated after `now` are refused (the engine
 * would ignore them).
 */
export async function recordAssessment(
  db: Db,
  actor: Actor,
  patientId: string,
  input: AssessmentInput,
  expectedPatientVersion: number,
  now: Date = new Date(),
): Promise<RecordAssessmentResult> {
  assertCanEdit(actor);
  assertPatientId(patientId);
  const clinicId = actor.clinicId;
  const findings = input.findings ?? [];
  if (input.observations.length === 0 && findings.length === 0) throw new AppError("invalid", "Enter at least one result before saving.");
  for (const f of findings) {
    if (f.recordedAt.getTime() > now.getTime()) throw new AppError("invalid", `The visit is dated ${toIsoDate(f.recordedAt)}, after today.`);
  }
  for (const o of input.observations) {
    if (!(MEASURE_KINDS as readonly string[]).includes(o.kind)) throw new AppError("invalid", `Unknown kind of result “${o.kind}”.`);
    if (o.observedAt.getTime() > now.getTime()) {
      throw new AppError("invalid", `${MEASURE_LABELS[o.kind]} is dated ${toIsoDate(o.observedAt)}, after today; enter results on or after the day they were taken.`);
    }
  }
  return db.$transaction(async (tx) => {
    const version = await claimPatientVersion(tx, clinicId, patientId, expectedPatientVersion);
    const before = await riskState(tx, clinicId, patientId);
    const origin = { clinicId, source: "manual" as const, enteredById: actorId(actor), writtenAt: new Date() };
    // The rows every other writer builds (record-rows.ts), plus what only a form has: the clinician's note.
    const rows = input.observations.map((o) => ({ ...observationRow(patientId, { ...o, method: o.method ?? null }, null, origin), note: o.note ?? null }));
    await tx.observation.createMany({ data: rows });
    const findingRows = findings.map((f) => findingRow(patientId, f, null, origin));
    if (findingRows.length > 0) await tx.patientFinding.createMany({ data: findingRows });
    await reevaluatePatients(tx, clinicId, [patientId], now);
    await appendAudit(
      tx,
      actor,
      [
        ...rows.map((row) => ({
          action: "observation.create" as const,
          patientId,
          entityType: "observation",
          entityId: row.id,
          detail: {
            kind: row.kind,
            value: row.value,
            isUnable: row.isUnable,
            reportedValue: row.reportedValue,
            reportedUnit: row.reportedUnit,
            observedAt: row.observedAt.toISOString(),
            method: row.method,
            note: row.note,
            patientVersion: version,
          },
        })),
        ...findingRows.map((row) => ({
          action: "patient.update" as const,
          patientId,
          entityType: "patient_finding",
          entityId: row.id,
          detail: { change: "finding.add", kind: row.kind, code: row.code, recordedAt: row.recordedAt.toISOString(), patientVersion: version },
        })),
      ],
      now,
    );
    const after = await riskState(tx, clinicId, patientId);
    const change: AssessmentChange = {
      tierBefore: before.tier,
      tierAfter: after.tier,
      flagsOpened: [...after.openFlags].filter((code) => !before.openFlags.has(code)).sort(),
      flagsClosed: [...before.openFlags].filter((code) => !after.openFlags.has(code)).sort(),
    };
    return { patientId, version, observationIds: rows.map((r) => r.id), change };
  });
}

export interface LatestResult {
  kind: MeasureKind;
  isUnable: boolean;
  reportedValue: string;
  reportedUnit: string;
  observedAt: Date;
  enteredAt: Date;
  enteredByName: string | null;
  source: string;
}

export interface AssessmentContext {
  patient: PatientHeader;
  snapshot: StoredSnapshot | null;
  /** The version the form must carry. */
  version: number;
  /** The latest final result of each kind on record (what a second clinician must check against). */
  latest: LatestResult[];
}

/**
 * What the entry form needs: the patient (opened and audited as a view, scoped by clinic), the
 * version to save against, and the latest result of each kind already on record.
 */
export async function getAssessmentContext(db: Db, actor: Actor, patientId: string, now: Date = new Date()): Promise<AssessmentContext> {
  assertCanEdit(actor);
  const opened = await openPatientRecord(db, actor, patientId, now);
  const clinicId = actor.clinicId;
  const [row, observations] = await Promise.all([
    db.patient.findFirstOrThrow({ where: { id: opened.patient.id, clinicId }, select: { version: true } }),
    db.observation.findMany({
      where: { patientId: opened.patient.id, clinicId, status: "final" },
      select: { id: true, kind: true, isUnable: true, reportedValue: true, reportedUnit: true, observedAt: true, createdAt: true, source: true, enteredBy: { select: { name: true } } },
      orderBy: [{ observedAt: "desc" }, { createdAt: "desc" }],
    }),
  ]);
  const latest = new Map<MeasureKind, LatestResult>();
  for (const o of observations) {
    const kind = decodeMeasureKind(o.kind, o.id);
    if (latest.has(kind)) continue;
    latest.set(kind, {
      kind,
      isUnable: o.isUnable,
      reportedValue: o.reportedValue,
      reportedUnit: o.reportedUnit,
      observedAt: o.observedAt,
      enteredAt: o.createdAt,
      enteredByName: o.enteredBy?.name ?? null,
      source: o.source,
    });
  }
  return {
    patient: opened.patient,
    snapshot: opened.snapshot,
    version: row.version,
    latest: MEASURE_KINDS.flatMap((kind) => latest.get(kind) ?? []),
  };
}
