import { isObject, mapCondition, mapMedication, mapObservation, mapPatient, type Json, type MappedPatient, type Rejection } from "@/lib/domain/fhir-map";
import type { ConditionCode, PatientHistory, StoredMedication, StoredObservation } from "@/lib/domain/types";

/**
 * Reading a CDS Hooks request's prefetch (resources or search Bundles) into the engine's
 * `PatientHistory`, through the same mapping the FHIR importer uses (lib/domain/fhir-map.ts): the
 * same codes, units, plausibility limits and rejections. In memory only.
 */

export class PrefetchError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 412,
  ) {
    super(message);
  }
}

/** The prefetch keys a request lacks (null counts as sent: the client found nothing). */
export function missingPrefetch(prefetch: Record<string, unknown> | undefined, keys: readonly string[]): string[] {
  return keys.filter((key) => prefetch === undefined || !Object.hasOwn(prefetch, key));
}

/** The resources in one prefetch value: a Bundle's entries, a single resource, or none for null. */
export function resourcesOf(value: unknown, key: string): Json[] {
  if (value === null || value === undefined) return [];
  if (!isObject(value)) throw new PrefetchError(`Prefetch "${key}" is neither a FHIR resource nor a Bundle.`, 400);
  if (value.resourceType !== "Bundle") return [value];
  const entries = Array.isArray(value.entry) ? value.entry : [];
  return entries.flatMap((entry) => (isObject(entry) && isObject(entry.resource) ? [entry.resource] : []));
}

/**
 * True when `reference` names the patient: `Patient/<id>` (relative or absolute) or, as in a
 * transaction Bundle, `urn:uuid:<id>`. Resources about anyone else are ignored, so a client that
 * sends too much cannot mix two patients' records.
 */
function isAbout(reference: string, patientId: string): boolean {
  return reference === `Patient/${patientId}` || reference.endsWith(`/Patient/${patientId}`) || reference === `urn:uuid:${patientId}`;
}

export interface PrefetchedRecord {
  patient: MappedPatient;
  history: PatientHistory;
  /** Resources the mapping refused (wrong unit, implausible value…): left out of the evaluation. */
  rejected: Rejection[];
}

/** The patient resource of the prefetch, mapped; a 412 when it is absent or not the patient in context. */
export function prefetchedPatient(value: unknown, patientId: string): MappedPatient {
  const [resource] = resourcesOf(value, "patient").filter((r) => r.resourceType === "Patient");
  if (!resource) throw new PrefetchError(`Prefetch "patient" holds no Patient resource for Patient/${patientId}.`, 412);
  if (resource.id !== patientId) throw new PrefetchError(`Prefetch "patient" is Patient/${String(resource.id)}, not the patient in context (Patient/${patientId}).`, 400);
  const mapped = mapPatient(resource);
  if (mapped.status !== "ok") throw new PrefetchError(`The Patient resource cannot be read: ${mapped.status === "rejected" ? mapped.rejection.reason : mapped.reason}.`, 400);
  return mapped.value;
}

/**
 * The patient's history from the prefetch values given (observations, medication requests and
 * statements, conditions, in any keys): each resource is mapped by its type; resources of other
 * types or about another patient are ignored.
 */
export function readPrefetch(prefetch: Record<string, unknown>, patientId: string, now: Date): PrefetchedRecord {
  const patient = prefetchedPatient(prefetch.patient, patientId);
  const observations: StoredObservation[] = [];
  const medications: StoredMedication[] = [];
  const conditions = new Set<ConditionCode>();
  const rejected: Rejection[] = [];
  for (const [key, value] of Object.entries(prefetch)) {
    if (key === "patient") continue;
    for (const resource of resourcesOf(value, key)) {
      switch (resource.resourceType) {
        case "Observation": {
          const mapped = mapObservation(resource, now);
          if (mapped.status === "rejected") rejected.push(mapped.rejection);
          else if (mapped.status === "ok" && isAbout(mapped.value.subject, patientId)) {
            const { kind, value: v, isUnable, observedAt, method, reportedValue, reportedUnit } = mapped.value;
            observations.push({ kind, value: v, isUnable, observedAt, method, reportedValue, reportedUnit });
          }
          break;
        }
        case "MedicationRequest":
        case "MedicationStatement": {
          const mapped = mapMedication(resource);
          if (mapped.status === "rejected") rejected.push(mapped.rejection);
          else if (mapped.status === "ok" && isAbout(mapped.value.subject, patientId)) {
            const { name, catalogueId, startedOn, stoppedOn, atcCode, rxnormCode } = mapped.value;
            medications.push({ name, catalogueId, startedOn, stoppedOn, atcCode, rxnormCode });
          }
          break;
        }
        case "Condition": {
          const mapped = mapCondition(resource);
          if (mapped.status === "rejected") rejected.push(mapped.rejection);
          // A resolved condition no longer counts (the stored record keeps only current ones for the engine).
          else if (mapped.status === "ok" && isAbout(mapped.value.subject, patientId) && mapped.value.resolvedAt === null) conditions.add(mapped.value.condition);
          break;
        }
        default:
          break;
      }
    }
  }
  return {
    patient,
    history: { birthDate: patient.birthDate, deceasedAt: patient.deceasedAt, sex: patient.sex, diet: null, conditions: [...conditions], observations, medications },
    rejected,
  };
}
