import { findMedicineById, type CatalogueEntry } from "./medicine-catalogue";
import type { Evaluation, MedicationInput } from "./types";

export interface CurrentMedicine {
  entry: CatalogueEntry;
  medication: MedicationInput;
}

/**
 * A medication is current at `now` when it started on or before `now` (or the start is unknown)
 * and has not stopped on or before `now`: a stop date is the first day without the medicine, so
 * a medicine stopped today no longer counts (as the FHIR export marks it "stopped"). Only
 * catalogue-matched medications count: free text is never interpreted
 * (docs/clinical-reference.md#medicines).
 */
export function isCurrentMedication(medication: Pick<MedicationInput, "startedOn" | "stoppedOn">, now: Date): boolean {
  if (medication.startedOn !== null && medication.startedOn.getTime() > now.getTime()) return false;
  if (medication.stoppedOn !== null && medication.stoppedOn.getTime() <= now.getTime()) return false;
  return true;
}

export function currentMedicines(medications: readonly MedicationInput[], now: Date): CurrentMedicine[] {
  const current: CurrentMedicine[] = [];
  for (const medication of medications) {
    if (medication.catalogueId === null || !isCurrentMedication(medication, now)) continue;
    const entry = findMedicineById(medication.catalogueId);
    if (entry) current.push({ entry, medication });
  }
  return current;
}

function sortedNames(current: readonly CurrentMedicine[], keep: (entry: CatalogueEntry) => boolean): string[] {
  const names = new Set(current.filter((c) => keep(c.entry)).map((c) => c.entry.genericName));
  return [...names].sort();
}

/** Current catalogue generic names by role, each sorted and de-duplicated. */
export function summariseMedicines(current: readonly CurrentMedicine[]): Evaluation["medicines"] {
  return {
    b12Lowering: sortedNames(current, (e) => e.roles.b12Lowering),
    muscleOrFalls: sortedNames(current, (e) => e.roles.muscleOrFalls),
    b12Replacement: sortedNames(current, (e) => e.roles.b12Replacement),
  };
}
