import { OBSERVATION_CODES } from "@/lib/domain/fhir-codes";
import type { MeasureKind } from "@/lib/domain/types";

/**
 * The CDS Hooks 2.0 services this app offers (GET /cds-services), with the prefetch each needs.
 * The observation templates ask for exactly the codes the engine reads (lib/domain/fhir-codes.ts),
 * as `system|code` tokens so that a local code cannot match another system's code.
 */

export const CDS_SERVICE_IDS = ["patient-view", "order-select"] as const;
export type CdsServiceId = (typeof CDS_SERVICE_IDS)[number];

export function isCdsServiceId(id: string): id is CdsServiceId {
  return (CDS_SERVICE_IDS as readonly string[]).includes(id);
}

/** The measures a B12 result is (the engine's B12_KINDS: serum and active B12). */
export const B12_RESULT_KINDS: readonly MeasureKind[] = ["b12_total", "holotc"];

function codeTokens(keep: (kind: MeasureKind) => boolean): string {
  return OBSERVATION_CODES.filter((mapping) => keep(mapping.kind)).map((mapping) => `${mapping.system}|${mapping.code}`).join(",");
}

const PATIENT = "Patient/{{context.patientId}}";
const MEDICATION_REQUESTS = "MedicationRequest?patient={{context.patientId}}";
const MEDICATION_STATEMENTS = "MedicationStatement?patient={{context.patientId}}";

/** The prefetch keys each service reads, with their FHIR queries. */
export const PREFETCH = {
  "patient-view": {
    patient: PATIENT,
    observations: `Observation?patient={{context.patientId}}&code=${codeTokens(() => true)}`,
    medicationRequests: MEDICATION_REQUESTS,
    medicationStatements: MEDICATION_STATEMENTS,
    conditions: "Condition?patient={{context.patientId}}",
  },
  "order-select": {
    patient: PATIENT,
    b12Results: `Observation?patient={{context.patientId}}&code=${codeTokens((kind) => B12_RESULT_KINDS.includes(kind))}`,
    medicationRequests: MEDICATION_REQUESTS,
    medicationStatements: MEDICATION_STATEMENTS,
  },
} as const satisfies Record<CdsServiceId, Record<string, string>>;

export type PrefetchKey<S extends CdsServiceId> = keyof (typeof PREFETCH)[S] & string;

export interface CdsServiceDescription {
  hook: string;
  id: CdsServiceId;
  title: string;
  description: string;
  prefetch: Record<string, string>;
  usageRequirements?: string;
}

/** The discovery response (CDS Hooks 2.0, "Discovery"). */
export function discovery(): { services: CdsServiceDescription[] } {
  return {
    services: [
      {
        hook: "patient-view",
        id: "patient-view",
        title: "Sarcopenia and B12 screening",
        description:
          "One card per open screening flag (B12 test, B12 confirmation or follow-up, muscle mass, physical performance, sarcopenia follow-up, reassessment, medication review, muscle decline), each with its guideline source, evaluated from the prefetched record; nothing is stored.",
        prefetch: { ...PREFETCH["patient-view"] },
        usageRequirements: "Send every prefetch key, or a fhirServer this service is configured to read for you with fhirAuthorization; otherwise a request is answered 412.",
      },
      {
        hook: "order-select",
        id: "order-select",
        title: "B12 test with a B12-lowering medicine",
        description:
          "When metformin, a proton-pump inhibitor or an H2-receptor antagonist is ordered for a patient with no B12 result within the clinic's re-test interval, suggests adding a serum B12 test.",
        prefetch: { ...PREFETCH["order-select"] },
        usageRequirements: "Send every prefetch key, or a fhirServer this service is configured to read for you with fhirAuthorization; otherwise a request is answered 412.",
      },
    ],
  };
}
