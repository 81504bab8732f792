import "server-only";
import { countUnder } from "@/lib/domain/own-keys";
import {
  isObject, mapCondition, mapFinding, mapMedication, mapObservation, mapPatient,
  type Json, type MappedCondition, type MappedFinding, type MappedMedication, type MappedObservation, type MappedPatient, type Rejection,
} from "@/lib/domain/fhir-map";
import type { Incoming, IncomingPatient } from "./plan";
import type { FhirFileError, FhirIgnoredCode, FhirRejection } from "./problems";

/**
 * Step 1 of a FHIR import (docs/design.md#fhir-import; the pipeline: lib/data/import/run.ts):
 * transaction/collection Bundles (JSON), single resources (JSON) and bulk NDJSON (one resource a
 * line) are read, and Patient, Observation, MedicationRequest, MedicationStatement and Condition
 * mapped by lib/domain/fhir-map.ts — a Condition or Observation coded as a B12 symptom or sign, or
 * a Yubi-wakka result, becomes a finding; other resource types are skipped and counted. Every file is
 * read and every resource mapped before anything is written. A file that cannot be read and a
 * resource that cannot be imported are collected with their reason (what each does to the
 * import: problems.ts).
 */

export interface FhirImportFile {
  name: string;
  content: Buffer | string;
}

const SUPPORTED = new Set(["Patient", "Observation", "MedicationRequest", "MedicationStatement", "Condition"]);

interface ParsedResource {
  file: string;
  type: string;
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
    resources.push({ file: file.name, type: value.resourceType, resource: value, fullUrl });
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

/** What reading a set of FHIR files found. */
export interface FhirReading {
  resources: number;
  /** Files (or lines) that could not be read. */
  errors: FhirFileError[];
  rejected: FhirRejection[];
  /** Observations screening does not use, by code, most frequent first (ignored: not a problem). */
  ignored: FhirIgnoredCode[];
  /** Resources of types this importer does not read, by type. */
  skippedByType: Record<string, number>;
  /** Resources deliberately not imported (entered-in-error, cancelled…), by reason. */
  skippedByStatus: Record<string, number>;
  /** Conditions that are not absorption conditions (not imported). */
  ignoredConditions: number;
  /** By MRN, in the order the files give the Patients. */
  patients: Map<string, MappedPatient>;
  observations: (MappedObservation & { mrn: string })[];
  medications: (MappedMedication & { mrn: string })[];
  conditions: (MappedCondition & { mrn: string })[];
  /** B12 symptoms and signs and Yubi-wakka results, from Conditions and Observations. */
  findings: (MappedFinding & { mrn: string })[];
}

/** Counts by a key that comes from the file (a resource type, a status): `__proto__` is counted like any other. */
const bump = countUnder;

/** Reads every file and maps every resource; resolves subjects to MRNs of Patients in the same file set. */
export function readFhirFiles(files: readonly FhirImportFile[], now: Date): FhirReading {
  const reading: FhirReading = {
    resources: 0, errors: [], rejected: [], ignored: [], skippedByType: {}, skippedByStatus: {}, ignoredConditions: 0,
    patients: new Map(), observations: [], medications: [], conditions: [], findings: [],
  };
  const parsed: ParsedResource[] = [];
  for (const f of files) {
    const read = readFhirFile(f);
    parsed.push(...read.resources);
    reading.errors.push(...read.errors);
  }
  reading.resources = parsed.length;

  const mrnByRef = new Map<string, string>();
  const rejectedPatientRefs = new Set<string>();
  const refsOf = (r: ParsedResource) => {
    const id = typeof r.resource.id === "string" ? r.resource.id : null;
    return [...(id ? [`Patient/${id}`, `urn:uuid:${id}`] : []), ...(r.fullUrl ? [r.fullUrl] : [])];
  };
  const rejectedOf = (r: ParsedResource, rejection: Rejection) => reading.rejected.push({ file: r.file, ...rejection });

  for (const r of parsed) {
    if (!SUPPORTED.has(r.type)) bump(reading.skippedByType, r.type);
    if (r.type !== "Patient") continue;
    const mapped = mapPatient(r.resource);
    if (mapped.status !== "ok") {
      if (mapped.status === "rejected") rejectedOf(r, mapped.rejection);
      for (const ref of refsOf(r)) rejectedPatientRefs.add(ref);
      continue;
    }
    reading.patients.set(mapped.value.mrn, mapped.value);
    for (const ref of refsOf(r)) mrnByRef.set(ref, mapped.value.mrn);
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

  const ignored = new Map<string, FhirIgnoredCode>();
  for (const r of parsed) {
    const base = { resourceType: r.type, id: typeof r.resource.id === "string" ? r.resource.id : null };
    // A symptom or a Yubi-wakka result, whether sent as a Condition or an Observation; null: not a finding's code.
    const finding = r.type === "Condition" || r.type === "Observation" ? mapFinding(r.resource, now) : null;
    if (finding) {
      if (finding.status === "skipped") bump(reading.skippedByStatus, `${r.type} ${finding.reason}`);
      else if (finding.status === "rejected") rejectedOf(r, finding.rejection);
      else {
        const mrn = resolve(r, finding.value.subject, { ...base, system: finding.value.coding.system, code: finding.value.coding.code });
        if (mrn) reading.findings.push({ ...finding.value, mrn });
      }
    } else if (r.type === "Observation") {
      const mapped = mapObservation(r.resource, now);
      if (mapped.status === "skipped") bump(reading.skippedByStatus, `Observation ${mapped.reason}`);
      else if (mapped.status === "rejected") rejectedOf(r, mapped.rejection);
      else if (mapped.status === "ignored") {
        const key = `${mapped.system ?? ""}|${mapped.code ?? ""}`;
        const seen = ignored.get(key);
        if (seen) seen.count += 1;
        else ignored.set(key, { system: mapped.system, code: mapped.code, display: mapped.display, count: 1 });
      }
      else {
        const mrn = resolve(r, mapped.value.subject, { ...base, system: mapped.value.mapping.system, code: mapped.value.mapping.code });
        if (mrn) reading.observations.push({ ...mapped.value, mrn });
      }
    } else if (r.type === "MedicationRequest" || r.type === "MedicationStatement") {
      const mapped = mapMedication(r.resource);
      if (mapped.status === "skipped") bump(reading.skippedByStatus, `${r.type} ${mapped.reason}`);
      else if (mapped.status === "rejected") rejectedOf(r, mapped.rejection);
      else {
        const mrn = resolve(r, mapped.value.subject, { ...base, system: null, code: mapped.value.rxnormCode });
        if (mrn) reading.medications.push({ ...mapped.value, mrn });
      }
    } else if (r.type === "Condition") {
      const mapped = mapCondition(r.resource);
      if (mapped.status === "skipped") reading.ignoredConditions += 1;
      else if (mapped.status === "rejected") rejectedOf(r, mapped.rejection);
      else {
        const mrn = resolve(r, mapped.value.subject, { ...base, system: null, code: mapped.value.condition });
        if (mrn) reading.conditions.push({ ...mapped.value, mrn });
      }
    }
  }
  reading.ignored = [...ignored.values()].sort((a, b) => b.count - a.count || (a.code ?? "").localeCompare(b.code ?? ""));
  return reading;
}

/**
 * The patients to import, in the order the files give them, each with its results, medicines and
 * conditions. Every item is recognised by its source reference `fhir:<type>/<id>`, which is stored
 * with it, so a resource imported before is left alone.
 */
export function fhirPatients(reading: FhirReading): IncomingPatient[] {
  const byMrn = new Map<string, IncomingPatient>();
  for (const p of reading.patients.values()) {
    byMrn.set(p.mrn, {
      mrn: p.mrn,
      demographics: { familyName: p.familyName, givenName: p.givenName, birthDate: p.birthDate, sex: p.sex, deceasedAt: p.deceasedAt },
      diet: null,
      observations: [],
      medications: [],
      conditions: [],
      findings: [],
      medicationStops: [],
      rows: [],
      size: 1,
    });
  }
  const add = <T>(mrn: string, list: (p: IncomingPatient) => Incoming<T>[], item: Omit<Incoming<T>, "key" | "row">, key = item.sourceRef) => {
    const patient = byMrn.get(mrn)!;
    list(patient).push({ ...item, key, row: null });
    patient.size += 1;
  };
  for (const o of reading.observations) add(o.mrn, (p) => p.observations, { value: o, sourceRef: `fhir:Observation/${o.fhirId}` });
  for (const m of reading.medications) add(m.mrn, (p) => p.medications, { value: m, sourceRef: `fhir:${m.resourceType}/${m.fhirId}` });
  for (const c of reading.conditions) {
    add(c.mrn, (p) => p.conditions, { value: { code: c.condition, recordedAt: c.recordedAt, resolvedAt: c.resolvedAt }, sourceRef: `fhir:Condition/${c.fhirId}` }, c.condition);
  }
  for (const f of reading.findings) add(f.mrn, (p) => p.findings, { value: f.finding, sourceRef: `fhir:${f.resourceType}/${f.fhirId}` });
  return [...byMrn.values()];
}
