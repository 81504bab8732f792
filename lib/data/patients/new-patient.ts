import type { ConditionCode, Diet, Sex, StoredMedication, StoredObservation } from "@/lib/domain/types";

/**
 * A patient to create together with the record it arrives with: what the demo seed and the test
 * factories (prisma/factories.ts) generate and the bulk writer stores in one go. Type-only, so the
 * factories can name it without loading the data layer.
 */
export interface NewPatient {
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: Sex;
  diet: Diet | null;
  conditions: ConditionCode[];
  /** Attributed to the clinic's clinician given to the writer (the seed's), else to nobody. */
  attributedToClinician: boolean;
  observations: StoredObservation[];
  medications: StoredMedication[];
}
