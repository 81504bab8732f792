import "server-only";
import type { Db } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import {
  FHIR_EXPORT_TYPES, emptyFhirCounts, toFhirFlag, toFhirMedicationStatement, toFhirObservation, toFhirPatient, toFhirRiskAssessment, toNdjsonLine,
  type FhirExportType,
} from "@/lib/domain/fhir-export";
import type { FlagCode, Tier } from "@/lib/domain/types";
import {
  decodeAwgs2019, decodeAwgs2025, decodeFlagReasons, decodeB12Status, decodeEwgsop2, decodeFlagCode, decodeFlagLife, decodeMassMethod, decodeMeasureKind, decodeSex, decodeTier, decodeTierReasons,
} from "@/lib/data/stored/values";
import type { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { chunks, PATIENTS_PER_BATCH } from "@/lib/data/db/batches";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { flagState, type FlagLifecycleSettings } from "@/lib/domain/flag-lifecycle";

/**
 * FHIR R4 export of a cohort (docs/design.md#fhir-export): NDJSON per resource type, read in batches of
 * patients by keyset pagination on MRN (the (clinicId, mrn) index), so memory is bounded by one
 * batch whatever the cohort size. The mapping is lib/domain/fhir-export.ts. Every export writes
 * one "export.run" audit event (format "fhir") with the filter, the types and the counts, also
 * when the consumer stops early (`completed: false`), like the CSV export.
 */

export interface FhirExportOptions {
  /** Medicines stopped after this time are exported as active; the audit records it. */
  now: Date;
  /**
   * The cohort: a patient filter built by the caller (e.g. {@link fhirCohortWhere}, or the panel
   * query's `where`). It is always combined with the actor's clinic.
   */
  where?: Prisma.PatientWhereInput;
  /** The filter as the user gave it, for the audit record. */
  filter?: Record<string, unknown>;
  /** Resource types to export (default all five). */
  types?: readonly FhirExportType[];
  /** Patients per batch. */
  batchSize?: number;
}

export interface FhirExportBatch {
  /** Patients read so far. */
  patientsDone: number;
  /** NDJSON text per requested type for this batch of patients ("" when the batch has none). */
  ndjson: Partial<Record<FhirExportType, string>>;
}

export interface FhirExportSummary {
  patients: number;
  counts: Record<FhirExportType, number>;
}

/**
 * The tier/flag cohort of the CSV export (lib/data/export/cohort-csv.ts): patients whose stored
 * evaluation has one of the tiers, and any of the flags.
 */
export function fhirCohortWhere(filter: { tiers?: readonly Tier[]; flags?: readonly FlagCode[] }): Prisma.PatientWhereInput {
  const snapshot: Prisma.RiskSnapshotWhereInput = {};
  if (filter.tiers && filter.tiers.length > 0) snapshot.tier = { in: [...filter.tiers] };
  // flagCodes is the `;`-joined list; no flag code is a substring of another, so `contains` is exact.
  if (filter.flags && filter.flags.length > 0) snapshot.OR = filter.flags.map((code) => ({ flagCodes: { contains: code } }));
  return Object.keys(snapshot).length > 0 ? { snapshot: { is: snapshot } } : {};
}

function scopedWhere(actor: Actor, options: FhirExportOptions): { clinicId: string; where: Prisma.PatientWhereInput } {
  if (!can(actorRole(actor), "export:identified")) throw new AppError("forbidden", "You may not export identified patient data.");
  const clinicId = actor.clinicId;
  if (!clinicId) throw new AppError("forbidden", "Exporting needs a clinic.");
  return { clinicId, where: options.where ? { AND: [{ clinicId }, options.where] } : { clinicId } };
}

/**
 * How many resources of each type the export of this cohort holds now (for the manifest), audited
 * as an "export.run" of format "fhir-manifest".
 */
export async function countFhirExport(db: Db, actor: Actor, options: FhirExportOptions): Promise<FhirExportSummary> {
  const { where } = scopedWhere(actor, options);
  const ofCohort = { patient: { is: where } };
  const [patients, observations, medications, flags, snapshots] = await Promise.all([
    db.patient.count({ where }),
    db.observation.count({ where: ofCohort }),
    db.patientMedication.count({ where: ofCohort }),
    db.flag.count({ where: { ...ofCohort, status: "open" } }),
    db.riskSnapshot.count({ where: ofCohort }),
  ]);
  const counts = { Patient: patients, Observation: observations, MedicationStatement: medications, Flag: flags, RiskAssessment: snapshots };
  await db.$transaction((tx) =>
    appendAudit(tx, actor, [
      { action: "export.run", entityType: "cohort", detail: { format: "fhir-manifest", filter: options.filter ?? {}, counts, asOf: options.now.toISOString() } },
    ]),
  );
  return { patients, counts };
}

/** The resources of one batch of patients, as NDJSON per requested type. */
async function batchNdjson(
  db: Db,
  patients: { id: string; mrn: string; familyName: string; givenName: string; birthDate: Date; sex: string; deceasedAt: Date | null }[],
  types: ReadonlySet<FhirExportType>,
  now: Date,
  lifecycle: FlagLifecycleSettings,
): Promise<Partial<Record<FhirExportType, string>>> {
  const out: Partial<Record<FhirExportType, string>> = {};
  const ids = patients.map((p) => p.id);
  // Resources follow their patients' MRN order, so the output does not depend on the batch size.
  const position = new Map(ids.map((id, i) => [id, i]));
  const inPatientOrder = <R extends { patientId: string }>(rows: R[]) => rows.sort((a, b) => position.get(a.patientId)! - position.get(b.patientId)!);
  if (types.has("Patient")) out.Patient = patients.map((p) => toNdjsonLine(toFhirPatient({ ...p, sex: decodeSex(p.sex, p.id) }))).join("");
  // Patient ids in slices (SQLite takes 999 bind values); the ids come from the clinic-scoped
  // patient query, and `clinicId` is left out here for the reason cohort-csv.ts gives.
  if (types.has("Observation")) {
    let text = "";
    for (const slice of chunks(ids)) {
      const rows = await db.observation.findMany({
        where: { patientId: { in: slice } },
        orderBy: [{ patientId: "asc" }, { observedAt: "asc" }, { id: "asc" }],
        select: { id: true, patientId: true, kind: true, value: true, isUnable: true, reportedValue: true, reportedUnit: true, observedAt: true, method: true, status: true, version: true, note: true },
      });
      for (const o of inPatientOrder(rows)) text += toNdjsonLine(toFhirObservation({ ...o, kind: decodeMeasureKind(o.kind, o.id), method: decodeMassMethod(o.method, o.id) }));
    }
    out.Observation = text;
  }
  if (types.has("MedicationStatement")) {
    let text = "";
    for (const slice of chunks(ids)) {
      const rows = await db.patientMedication.findMany({
        where: { patientId: { in: slice } },
        orderBy: [{ patientId: "asc" }, { id: "asc" }],
        select: { id: true, patientId: true, catalogueId: true, name: true, atcCode: true, rxnormCode: true, startedOn: true, stoppedOn: true },
      });
      for (const m of inPatientOrder(rows)) text += toNdjsonLine(toFhirMedicationStatement(m, now));
    }
    out.MedicationStatement = text;
  }
  if (types.has("Flag")) {
    let text = "";
    for (const slice of chunks(ids)) {
      const rows = await db.flag.findMany({
        where: { patientId: { in: slice }, status: "open" },
        orderBy: [{ patientId: "asc" }, { code: "asc" }],
        select: { id: true, patientId: true, code: true, openedAt: true, dueAt: true, reasonText: true, detailJson: true, status: true, stage: true, actionDueAt: true, orderedAt: true, postponedUntil: true },
      });
      for (const { detailJson, status, stage, actionDueAt, orderedAt, postponedUntil, ...f } of inPatientOrder(rows)) {
        const code = decodeFlagCode(f.code, f.id);
        const state = flagState(decodeFlagLife({ id: f.id, status, stage, dueAt: f.dueAt, actionDueAt, orderedAt, postponedUntil }), now, lifecycle);
        // The basis and source are the flag's last reason (lib/domain/flags.ts `raise`).
        const basis = decodeFlagReasons(detailJson, f.id).find((reason) => reason.code === `flag.${code}.basis`);
        text += toNdjsonLine(toFhirFlag({ ...f, code, state, basisText: basis?.text ?? null }));
      }
    }
    out.Flag = text;
  }
  if (types.has("RiskAssessment")) {
    let text = "";
    for (const slice of chunks(ids)) {
      const rows = await db.riskSnapshot.findMany({
        where: { patientId: { in: slice } },
        orderBy: { patientId: "asc" },
        select: { id: true, patientId: true, tier: true, ewgsop2: true, awgs2019: true, awgs2025: true, b12Status: true, b12OnTreatment: true, ruleSetVersion: true, evaluatedAt: true, detailJson: true },
      });
      for (const { detailJson, ...r } of inPatientOrder(rows)) {
        text += toNdjsonLine(
          toFhirRiskAssessment({
            ...r,
            tier: decodeTier(r.tier, r.id),
            ewgsop2: decodeEwgsop2(r.ewgsop2, r.id),
            awgs2019: decodeAwgs2019(r.awgs2019, r.id),
            awgs2025: decodeAwgs2025(r.awgs2025, r.id),
            b12Status: decodeB12Status(r.b12Status, r.id),
            tierReasons: decodeTierReasons(detailJson, r.id).tierReasons.map((reason) => reason.text),
          }),
        );
      }
    }
    out.RiskAssessment = text;
  }
  return out;
}

const countLines = (text: string) => {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n += 1;
  return n;
};

/**
 * The cohort's FHIR resources, one batch of patients at a time (see the file comment). Throws
 * AppError "forbidden" when the actor may not export identified data.
 */
export async function* streamFhirExport(db: Db, actor: Actor, options: FhirExportOptions): AsyncGenerator<FhirExportBatch, FhirExportSummary> {
  const { where } = scopedWhere(actor, options);
  const types = new Set(options.types ?? FHIR_EXPORT_TYPES);
  const batchSize = options.batchSize ?? PATIENTS_PER_BATCH;
  const lifecycle = (await getActiveThresholds(db, actor.clinicId, options.now)).values.flagLifecycle;
  const counts = emptyFhirCounts();
  let patientsDone = 0;
  let completed = false;
  try {
    let afterMrn: string | null = null;
    for (;;) {
      const patients: { id: string; mrn: string; familyName: string; givenName: string; birthDate: Date; sex: string; deceasedAt: Date | null }[] = await db.patient.findMany({
        where: afterMrn === null ? where : { AND: [where, { mrn: { gt: afterMrn } }] },
        orderBy: { mrn: "asc" },
        take: batchSize,
        select: { id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true, deceasedAt: true },
      });
      if (patients.length === 0) break;
      const ndjson = await batchNdjson(db, patients, types, options.now, lifecycle);
      for (const type of types) counts[type] += countLines(ndjson[type] ?? "");
      patientsDone += patients.length;
      yield { patientsDone, ndjson };
      afterMrn = patients.at(-1)!.mrn;
      if (patients.length < batchSize) break;
    }
    completed = true;
  } finally {
    await db.$transaction((tx) =>
      appendAudit(tx, actor, [
        {
          action: "export.run",
          entityType: "cohort",
          detail: { format: "fhir", types: [...types], filter: options.filter ?? {}, patients: patientsDone, counts, completed, asOf: options.now.toISOString() },
        },
      ]),
    );
  }
  return { patients: patientsDone, counts };
}

/** The number of patients in the cohort (for progress), not audited: it reveals no patient data. */
export async function countFhirCohort(db: Db, actor: Actor, options: FhirExportOptions): Promise<number> {
  return db.patient.count({ where: scopedWhere(actor, options).where });
}
