import "server-only";
import { createHash, randomUUID } from "node:crypto";
import type { Db, Tx } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { newRowId } from "@/lib/data/db/bulk-insert";
import { EMPTY_PANEL_COLUMNS, insertPatientRows, newPatientRow, type PatientRow } from "@/lib/data/evaluation/panel-row";
import { conditionRow, insertRecordRows, medicationRow, observationRow, type ConditionRow, type MedicationRow, type ObservationRow } from "@/lib/data/patients/record-rows";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { chunks, PATIENTS_PER_BATCH } from "@/lib/data/db/batches";
import { runImportWrite, type ImportJobStatus } from "./run";
import { actorId, actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { countUnder } from "@/lib/domain/own-keys";
import { patientSearchKey } from "@/lib/domain/search-key";
import {
  isObject, mapCondition, mapMedication, mapObservation, mapPatient,
  type Json, type MappedCondition, type MappedMedication, type MappedObservation, type MappedPatient, type Rejection,
} from "@/lib/domain/fhir-map";

/**
 * FHIR R4 import (docs/design.md#fhir-import, docs/clinical-reference.md#codes): transaction/collection Bundles (JSON),
 * single resources (JSON) and bulk NDJSON (one resource a line). Patient, Observation,
 * MedicationRequest, MedicationStatement and Condition are mapped by lib/domain/fhir-map.ts;
 * other resource types are skipped and counted.
 *
 * Like the CSV importer: every file is read and mapped first (an unreadable file stops the import
 * and nothing is written); then ONE transaction writes new patients, demographic changes,
 * observations, medications and conditions with multi-row inserts, re-evaluates every touched
 * patient, and records the ImportJob (format "fhir") and the "import.run" audit event.
 *
 * Rejected resources (unknown or mislabelled code, wrong unit, implausible value, unknown
 * subject…) are reported with their id, code and reason and do not block the rest.
 *
 * Idempotent: observations and medications carry sourceRef `fhir:<resourceType>/<id>` and one
 * already stored for the patient is skipped; a condition code the patient already has is
 * skipped; a patient (matched by MRN) is updated only when its demographics differ.
 */

export interface FhirImportFile {
  name: string;
  content: Buffer | string;
}

export interface FhirFileError {
  file: string;
  /** 1-based line for NDJSON, null for a JSON document. */
  line: number | null;
  message: string;
}

export interface FhirRejection extends Rejection {
  file: string;
}

export interface FhirImportResult {
  importJobId: string;
  dryRun: boolean;
  /** True when an unreadable file stopped the import (nothing written). */
  blocked: boolean;
  files: number;
  resources: number;
  patients: { created: number; updated: number; unchanged: number };
  observations: { created: number; existing: number };
  medications: { created: number; existing: number; freeText: number };
  conditions: { created: number; existing: number; ignored: number };
  /** Resources of types this importer does not read, by type. */
  skippedByType: Record<string, number>;
  /** Resources deliberately not imported (entered-in-error, cancelled…), by reason. */
  skippedByStatus: Record<string, number>;
  rejected: FhirRejection[];
  errors: FhirFileError[];
}

export interface FhirImportOptions {
  now: Date;
  dryRun?: boolean;
}

const SUPPORTED = new Set(["Patient", "Observation", "MedicationRequest", "MedicationStatement", "Condition"]);
const IMPORT_TRANSACTION = { maxWait: 30_000, timeout: 60 * 60_000 };
const SUMMARY_REJECTION_LIMIT = 200;

interface ParsedResource {
  file: string;
  resource: Json;
  /** Bundle entry fullUrl, for references like urn:uuid:… */
  fullUrl: string | null;
}

function isBulkManifest(value: unknown): boolean {
  return isObject(value) && value.resourceType === undefined && typeof value.transactionTime === "string" && Array.isArray(value.output);
}

/** Resources of a file: a Bundle's entries, one resource, or NDJSON lines; a Bulk Data manifest has none. */
export function readFhirFile(file: FhirImportFile): { resources: ParsedResource[]; errors: FhirFileError[] } {
  const text = (typeof file.content === "string" ? file.content : file.content.toString("utf8")).replace(/^\uFEFF/, "");
  const resources: ParsedResource[] = [];
  const errors: FhirFileError[] = [];
  const add = (value: unknown, fullUrl: string | null, line: number | null) => {
    if (!isObject(value) || typeof value.resourceType !== "string") {
      errors.push({ file: file.name, line, message: "not a FHIR resource (no resourceType)" });
      return;
    }
    if (value.resourceType === "Bundle") {
      const entries = Array.isArray(value.entry) ? value.entry : [];
      for (const entry of entries) {
        if (!isObject(entry) || !isObject(entry.resource)) continue;
        add(entry.resource, typeof entry.fullUrl === "string" ? entry.fullUrl : null, line);
      }
      return;
    }
    resources.push({ file: file.name, resource: value, fullUrl });
  };
  const trimmed = text.trim();
  if (trimmed === "") {
    errors.push({ file: file.name, line: null, message: "the file is empty" });
    return { resources, errors };
  }
  try {
    const document: unknown = JSON.parse(trimmed);
    // A Bulk Data export manifest (manifest.json beside the NDJSON files) lists files, not resources.
    if (isBulkManifest(document)) return { resources, errors };
    add(document, null, null);
    return { resources, errors };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  // Not one JSON document: NDJSON, one resource a line.
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (raw.trim() === "") return;
    try {
      add(JSON.parse(raw), null, i + 1);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      errors.push({ file: file.name, line: i + 1, message: `not valid JSON: ${error.message}` });
    }
  });
  return { resources, errors };
}

interface Plan {
  patients: Map<string, MappedPatient & { refs: string[] }>;
  observations: (MappedObservation & { mrn: string })[];
  medications: (MappedMedication & { mrn: string })[];
  conditions: (MappedCondition & { mrn: string })[];
}

interface Counts {
  patients: FhirImportResult["patients"];
  observations: FhirImportResult["observations"];
  medications: FhirImportResult["medications"];
  conditions: FhirImportResult["conditions"];
  createdPatientIds: string[];
  updatedPatientIds: string[];
}

/** Counts by a key that comes from the file (a resource type, a status): `__proto__` is counted like any other. */
const bump = countUnder;

/** Maps every resource; resolves subjects to MRNs of Patients in the same file set. */
function plan(parsed: ParsedResource[], now: Date, result: FhirImportResult): Plan {
  const p: Plan = { patients: new Map(), observations: [], medications: [], conditions: [] };
  const mrnByRef = new Map<string, string>();
  const rejectedPatientRefs = new Set<string>();
  const refsOf = (r: ParsedResource) => {
    const id = typeof r.resource.id === "string" ? r.resource.id : null;
    return [...(id ? [`Patient/${id}`, `urn:uuid:${id}`] : []), ...(r.fullUrl ? [r.fullUrl] : [])];
  };
  const rejectedOf = (r: ParsedResource, rejection: Rejection) => result.rejected.push({ file: r.file, ...rejection });

  for (const r of parsed) {
    const type = r.resource.resourceType as string;
    if (!SUPPORTED.has(type)) bump(result.skippedByType, type);
    if (type !== "Patient") continue;
    const mapped = mapPatient(r.resource);
    if (mapped.status !== "ok") {
      if (mapped.status === "rejected") rejectedOf(r, mapped.rejection);
      for (const ref of refsOf(r)) rejectedPatientRefs.add(ref);
      continue;
    }
    const refs = refsOf(r);
    const existing = p.patients.get(mapped.value.mrn);
    p.patients.set(mapped.value.mrn, { ...mapped.value, refs: [...(existing?.refs ?? []), ...refs] });
    for (const ref of refs) mrnByRef.set(ref, mapped.value.mrn);
  }

  const resolve = (r: ParsedResource, subject: string, rejection: Omit<Rejection, "reason">): string | null => {
    const mrn = mrnByRef.get(subject) ?? mrnByRef.get(subject.replace(/^.*\/(Patient\/[^/]+)$/, "$1"));
    if (mrn) return mrn;
    const reason = rejectedPatientRefs.has(subject)
      ? `its subject ${subject} was rejected`
      : `its subject ${subject} is not a Patient in the imported files`;
    rejectedOf(r, { ...rejection, reason });
    return null;
  };

  for (const r of parsed) {
    const type = r.resource.resourceType as string;
    const base = { resourceType: type, id: typeof r.resource.id === "string" ? r.resource.id : null };
    if (type === "Observation") {
      const mapped = mapObservation(r.resource, now);
      if (mapped.status === "skipped") bump(result.skippedByStatus, `Observation ${mapped.reason}`);
      else if (mapped.status === "rejected") rejectedOf(r, mapped.rejection);
      else {
        const mrn = resolve(r, mapped.value.subject, { ...base, system: mapped.value.mapping.system, code: mapped.value.mapping.code });
        if (mrn) p.observations.push({ ...mapped.value, mrn });
      }
    } else if (type === "MedicationRequest" || type === "MedicationStatement") {
      const mapped = mapMedication(r.resource);
      if (mapped.status === "skipped") bump(result.skippedByStatus, `${type} ${mapped.reason}`);
      else if (mapped.status === "rejected") rejectedOf(r, mapped.rejection);
      else {
        const mrn = resolve(r, mapped.value.subject, { ...base, system: null, code: mapped.value.rxnormCode });
        if (mrn) p.medications.push({ ...mapped.value, mrn });
      }
    } else if (type === "Condition") {
      const mapped = mapCondition(r.resource);
      if (mapped.status === "skipped") result.conditions.ignored += 1;
      else if (mapped.status === "rejected") rejectedOf(r, mapped.rejection);
      else {
        const mrn = resolve(r, mapped.value.subject, { ...base, system: null, code: mapped.value.condition });
        if (mrn) p.conditions.push({ ...mapped.value, mrn });
      }
    }
  }
  return p;
}

const sameTime = (a: Date | null, b: Date | null) => (a === null ? b === null : b !== null && a.getTime() === b.getTime());

async function writePlan(tx: Tx, clinicId: string, enteredById: string | null, p: Plan, now: Date, reevaluate: boolean): Promise<Counts> {
  const counts: Counts = {
    patients: { created: 0, updated: 0, unchanged: 0 },
    observations: { created: 0, existing: 0 },
    medications: { created: 0, existing: 0, freeText: 0 },
    conditions: { created: 0, existing: 0, ignored: 0 },
    createdPatientIds: [],
    updatedPatientIds: [],
  };
  const mrns = [...p.patients.keys()];
  const idByMrn = new Map<string, string>();
  const touched = new Set<string>();
  const writtenAt = new Date();
  const origin = { clinicId, source: "fhir" as const, enteredById, writtenAt };
  const patientRows: PatientRow[] = [];
  for (const batch of chunks(mrns)) {
    const existing = await tx.patient.findMany({
      where: { clinicId, mrn: { in: batch } },
      select: { id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true, deceasedAt: true },
    });
    for (const e of existing) {
      idByMrn.set(e.mrn, e.id);
      const m = p.patients.get(e.mrn)!;
      const same = e.familyName === m.familyName && e.givenName === m.givenName && sameTime(e.birthDate, m.birthDate) && e.sex === m.sex && sameTime(e.deceasedAt, m.deceasedAt);
      if (same) {
        counts.patients.unchanged += 1;
        continue;
      }
      await tx.patient.update({
        where: { id: e.id, clinicId },
        data: {
          familyName: m.familyName, givenName: m.givenName, birthDate: m.birthDate, sex: m.sex, deceasedAt: m.deceasedAt,
          searchText: patientSearchKey(m), version: { increment: 1 },
        },
      });
      counts.updatedPatientIds.push(e.id);
      touched.add(e.id);
    }
  }
  for (const m of p.patients.values()) {
    if (idByMrn.has(m.mrn)) continue;
    const id = newRowId();
    idByMrn.set(m.mrn, id);
    counts.createdPatientIds.push(id);
    touched.add(id);
    // The panel columns are filled by the re-evaluation below.
    patientRows.push(newPatientRow(id, clinicId, { ...m, diet: null, attributedClinicianId: null }, EMPTY_PANEL_COLUMNS, writtenAt));
  }
  await insertPatientRows(tx, patientRows);
  counts.patients.created = counts.createdPatientIds.length;

  // What the patients already have from earlier FHIR imports.
  const ids = [...idByMrn.values()];
  const seen = new Set<string>();
  const seenConditions = new Set<string>();
  for (const batch of chunks(ids)) {
    const [obs, meds, conds] = [
      await tx.observation.findMany({ where: { patientId: { in: batch }, sourceRef: { startsWith: "fhir:" } }, select: { patientId: true, sourceRef: true } }),
      await tx.patientMedication.findMany({ where: { patientId: { in: batch }, sourceRef: { startsWith: "fhir:" } }, select: { patientId: true, sourceRef: true } }),
      await tx.patientCondition.findMany({ where: { patientId: { in: batch } }, select: { patientId: true, code: true } }),
    ];
    for (const o of [...obs, ...meds]) seen.add(`${o.patientId}|${o.sourceRef}`);
    for (const c of conds) seenConditions.add(`${c.patientId}|${c.code}`);
  }

  const observationRows: ObservationRow[] = [];
  for (const o of p.observations) {
    const patientId = idByMrn.get(o.mrn)!;
    const sourceRef = `fhir:Observation/${o.fhirId}`;
    if (seen.has(`${patientId}|${sourceRef}`)) {
      counts.observations.existing += 1;
      continue;
    }
    seen.add(`${patientId}|${sourceRef}`);
    touched.add(patientId);
    observationRows.push(observationRow(patientId, o, sourceRef, origin));
  }
  counts.observations.created = observationRows.length;

  const medicationRows: MedicationRow[] = [];
  for (const m of p.medications) {
    const patientId = idByMrn.get(m.mrn)!;
    const sourceRef = `fhir:${m.resourceType}/${m.fhirId}`;
    if (seen.has(`${patientId}|${sourceRef}`)) {
      counts.medications.existing += 1;
      continue;
    }
    seen.add(`${patientId}|${sourceRef}`);
    touched.add(patientId);
    if (m.catalogueId === null) counts.medications.freeText += 1;
    medicationRows.push(medicationRow(patientId, m, sourceRef, origin));
  }
  counts.medications.created = medicationRows.length;

  const conditionRows: ConditionRow[] = [];
  for (const c of p.conditions) {
    const patientId = idByMrn.get(c.mrn)!;
    const key = `${patientId}|${c.condition}`;
    if (seenConditions.has(key)) {
      counts.conditions.existing += 1;
      continue;
    }
    seenConditions.add(key);
    touched.add(patientId);
    conditionRows.push(conditionRow(patientId, { code: c.condition, recordedAt: c.recordedAt, resolvedAt: c.resolvedAt }, `fhir:Condition/${c.fhirId}`, origin));
  }
  await insertRecordRows(tx, { observations: observationRows, medications: medicationRows, conditions: conditionRows });
  counts.conditions.created = conditionRows.length;

  if (reevaluate) {
    for (const batch of chunks([...touched], PATIENTS_PER_BATCH)) await reevaluatePatients(tx, clinicId, batch, now);
  }
  const created = new Set(counts.createdPatientIds);
  const updated = new Set(counts.updatedPatientIds);
  for (const id of touched) if (!created.has(id)) updated.add(id);
  counts.updatedPatientIds = [...updated];
  counts.patients.updated = updated.size;
  counts.patients.unchanged = mrns.length - created.size - updated.size;
  return counts;
}

/**
 * Imports FHIR files into the actor's clinic (see the file comment). Throws AppError "forbidden"
 * when the actor may not import.
 */
export async function importFhir(db: Db, actor: Actor, files: readonly FhirImportFile[], options: FhirImportOptions): Promise<FhirImportResult> {
  if (!can(actorRole(actor), "import:run")) throw new AppError("forbidden", "You may not import data.");
  const clinicId = actor.clinicId;
  if (!clinicId) throw new AppError("forbidden", "Importing needs a clinic.");
  const { now } = options;
  const dryRun = options.dryRun ?? false;
  const jobId = randomUUID();
  const startedAt = new Date();
  const hash = createHash("sha256");
  for (const f of files) hash.update(f.name).update("\0").update(f.content).update("\0");
  const sha256 = hash.digest("hex");

  const result: FhirImportResult = {
    importJobId: jobId,
    dryRun,
    blocked: false,
    files: files.length,
    resources: 0,
    patients: { created: 0, updated: 0, unchanged: 0 },
    observations: { created: 0, existing: 0 },
    medications: { created: 0, existing: 0, freeText: 0 },
    conditions: { created: 0, existing: 0, ignored: 0 },
    skippedByType: {},
    skippedByStatus: {},
    rejected: [],
    errors: [],
  };
  const parsed: ParsedResource[] = [];
  for (const f of files) {
    const read = readFhirFile(f);
    parsed.push(...read.resources);
    result.errors.push(...read.errors);
  }
  result.resources = parsed.length;
  result.blocked = result.errors.length > 0;
  const thePlan = plan(parsed, now, result);

  const apply = (c: Counts) => {
    result.patients = c.patients;
    result.observations = c.observations;
    result.medications = c.medications;
    result.conditions = { ...c.conditions, ignored: result.conditions.ignored };
  };
  const record = async (tx: Tx, status: ImportJobStatus, counts: Counts | null, failure?: string) => {
    const rejectedByReason: Record<string, number> = {};
    for (const r of result.rejected) bump(rejectedByReason, r.reason.replace(/"[^"]*"/g, '"…"').slice(0, 120));
    const summary = {
      files: files.map((f) => f.name),
      resources: result.resources,
      patients: result.patients,
      observations: result.observations,
      medications: result.medications,
      conditions: result.conditions,
      skippedByType: result.skippedByType,
      skippedByStatus: result.skippedByStatus,
      rejectedCount: result.rejected.length,
      rejected: result.rejected.slice(0, SUMMARY_REJECTION_LIMIT),
      errors: result.errors.slice(0, SUMMARY_REJECTION_LIMIT),
      ...(failure ? { failure } : {}),
    };
    await tx.importJob.create({
      data: {
        id: jobId, clinicId, actorId: actorId(actor), format: "fhir",
        fileName: files.map((f) => f.name).join(", ").slice(0, 1_000), fileSha256: sha256, status, dryRun,
        rowsTotal: result.resources, rowsValid: result.resources - result.rejected.length, rowsInvalid: result.rejected.length,
        summaryJson: JSON.stringify(summary), startedAt, finishedAt: new Date(),
      },
    });
    await appendAudit(tx, actor, [
      {
        action: "import.run",
        entityType: "import_job",
        entityId: jobId,
        detail: {
          format: "fhir", files: files.length, sha256, status, dryRun, blocked: result.blocked, resources: result.resources,
          patients: result.patients, observations: result.observations, medications: result.medications, conditions: result.conditions,
          rejected: result.rejected.length, errors: result.errors.length, ...(failure ? { failure } : {}),
          ...(counts && status === "completed" ? { patientIds: { created: counts.createdPatientIds, updated: counts.updatedPatientIds } } : {}),
        },
      },
    ]);
  };

  if (result.blocked) {
    await db.$transaction((tx) => record(tx, "failed", null));
    return result;
  }
  await runImportWrite(db, {
    dryRun,
    transaction: IMPORT_TRANSACTION,
    write: (tx) => writePlan(tx, clinicId, actorId(actor), thePlan, now, !dryRun),
    apply,
    record,
  });
  return result;
}
