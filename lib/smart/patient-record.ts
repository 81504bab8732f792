import "server-only";
import type { Db } from "@/lib/data/db/client";
import type { UserActor } from "@/lib/data/access/actor";
import type { EhrForLaunch } from "@/lib/data/ehr/connections";
import { findClinicPatientIdByMrn } from "@/lib/data/ehr/patients";
import { importFhir, type FhirImportResult } from "@/lib/data/import/fhir";
import { fetchPrefetch, FhirFetchError } from "@/lib/cds-hooks/fhir-fetch";
import { isObject, type Json } from "@/lib/domain/fhir-map";
import { PrefetchError } from "@/lib/cds-hooks/prefetch";
import { SmartLaunchError } from "./oauth";

/**
 * Step 3 of a SMART launch: the patient in context, read from the EHR's FHIR API with the launch's
 * access token and imported through the FHIR import pipeline (lib/data/import/fhir.ts: the same
 * mapping, units and codes checked, idempotent, audited — here as a "SMART launch").
 *
 * The patient is matched by their identifier in the clinic's MRN system (a setting of the EHR,
 * lib/data/ehr/connections.ts) — not by the EHR's resource id, which means nothing outside that
 * EHR — and created when the clinic has no patient with that MRN. A Patient without an identifier
 * in that system is refused: guessing another identifier could file one person's results under
 * another's record, and a new record per launch would split the history.
 */

/** The patient's record: the same searches as the CDS Hooks service's fetch, every page. */
const RECORD_QUERIES = {
  patient: "Patient/{{context.patientId}}",
  observations: "Observation?patient={{context.patientId}}&_count=200",
  medicationRequests: "MedicationRequest?patient={{context.patientId}}&_count=200",
  medicationStatements: "MedicationStatement?patient={{context.patientId}}&_count=200",
  conditions: "Condition?patient={{context.patientId}}&_count=200",
} as const;

/** Reading a whole record while the clinician waits: longer than a CDS call's 4 s, bounded all the same. */
const RECORD_BUDGET_MS = 30_000;

const MR_TYPE = { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v2-0203", code: "MR" }] };

export interface LaunchPatientResult {
  /** The app's patient id, for /patients/[id]. */
  patientId: string;
  mrn: string;
  import: FhirImportResult;
}

function entriesOf(bundle: unknown): Json[] {
  if (!isObject(bundle) || !Array.isArray(bundle.entry)) return [];
  return bundle.entry.filter(isObject).map((entry) => entry.resource).filter(isObject);
}

/** The MRN: the value of the Patient's identifier in the clinic's MRN system. */
export function mrnOf(patient: Json, mrnSystem: string): string | null {
  const identifiers = Array.isArray(patient.identifier) ? patient.identifier.filter(isObject) : [];
  const match = identifiers.find((identifier) => identifier.system === mrnSystem && typeof identifier.value === "string" && identifier.value.trim() !== "");
  return match ? String(match.value).trim() : null;
}

/**
 * Reads the patient's record from the EHR and imports it for the user's clinic; returns the app's
 * patient. Throws SmartLaunchError with what went wrong and what to do.
 */
export async function importLaunchPatient(db: Db, actor: UserActor, ehr: EhrForLaunch, launch: { accessToken: string; patientId: string }, now: Date): Promise<LaunchPatientResult> {
  let fetched: Record<string, unknown>;
  try {
    fetched = await fetchPrefetch(RECORD_QUERIES, {
      fhirServer: ehr.issuer,
      fhirAuthorization: { access_token: launch.accessToken, token_type: "Bearer" },
      patientId: launch.patientId,
      trustedServers: [ehr.issuer],
      budgetMs: RECORD_BUDGET_MS,
    });
  } catch (error) {
    if (error instanceof FhirFetchError || error instanceof PrefetchError) throw new SmartLaunchError(`The patient's record could not be read from ${ehr.name}: ${error.message} Try the launch again; if it keeps failing, ask your EHR administrator.`);
    throw error;
  }
  const patient = fetched.patient;
  if (!isObject(patient) || patient.resourceType !== "Patient") throw new SmartLaunchError(`${ehr.name} has no Patient/${launch.patientId}, the patient it launched the app with. Open the app again from the patient's chart.`);
  const mrn = mrnOf(patient, ehr.mrnSystem);
  if (mrn === null) {
    const systems = (Array.isArray(patient.identifier) ? patient.identifier.filter(isObject) : []).map((identifier) => identifier.system).filter((system): system is string => typeof system === "string");
    throw new SmartLaunchError(
      `${ehr.name}'s record of this patient has no identifier in the clinic's MRN system (${ehr.mrnSystem}), so the app cannot tell which of its patients this is. Ask your admin to check the MRN system of this EHR${systems.length > 0 ? `; the record's identifier systems are ${systems.join(", ")}` : ""}.`,
    );
  }
  // The clinic's MRN marked as the MR identifier, which is what the import's mapping reads.
  const asImported: Json = { ...patient, identifier: [{ type: MR_TYPE, system: ehr.mrnSystem, value: mrn }] };
  const resources = [asImported, ...entriesOf(fetched.observations), ...entriesOf(fetched.medicationRequests), ...entriesOf(fetched.medicationStatements), ...entriesOf(fetched.conditions)];
  const bundle = { resourceType: "Bundle", type: "collection", entry: resources.map((resource) => ({ resource })) };
  const result = await importFhir(db, actor, [{ name: `${ehr.name} Patient/${launch.patientId}`, content: JSON.stringify(bundle) }], {
    now,
    via: { kind: "SMART launch", ehr: ehr.name, issuer: ehr.issuer },
  });
  const patientRejection = result.rejected.find((rejection) => rejection.resourceType === "Patient");
  if (patientRejection) throw new SmartLaunchError(`The app cannot take this patient's record from ${ehr.name}: ${patientRejection.reason}.`);
  if (result.blocked) throw new SmartLaunchError(`The record read from ${ehr.name} could not be imported (${result.errors.map((e) => e.message).join("; ")}).`);
  const patientId = await findClinicPatientIdByMrn(db, actor, mrn);
  if (!patientId) throw new SmartLaunchError(`The record from ${ehr.name} was read, but no patient with MRN ${mrn} is in the clinic afterwards; try the launch again.`);
  return { patientId, mrn, import: result };
}
