import "server-only";
import { findMedicineById } from "@/lib/domain/medicine-catalogue";
import { isCurrentMedication } from "@/lib/domain/medications";
import type { MeasureKind, StoredObservation } from "@/lib/domain/types";
import type { NewPatient } from "@/lib/data/patients/new-patient";

/** Measures that count as "assessed" for the panel's last-assessed column (labs do not). */
const ASSESSMENT_KINDS: ReadonlySet<MeasureKind> = new Set(["grip_strength", "gait_speed", "chair_stand_5x", "sppb", "tug", "walk_400m", "asm", "calf_circumference", "sarc_f"]);

function latest(observations: readonly StoredObservation[], kind: MeasureKind): StoredObservation | null {
  let found: StoredObservation | null = null;
  for (const o of observations) {
    if (o.kind === kind && o.value !== null && (!found || o.observedAt > found.observedAt)) found = o;
  }
  return found;
}

/** Denormalised panel columns derived from a patient's observations and medicines. */
export function panelColumns(patient: Pick<NewPatient, "observations" | "medications">, now: Date) {
  const grip = latest(patient.observations, "grip_strength");
  const gait = latest(patient.observations, "gait_speed");
  const b12 = latest(patient.observations, "b12_total");
  const assessed = patient.observations.filter((o) => ASSESSMENT_KINDS.has(o.kind)).map((o) => o.observedAt.getTime());
  const classes = new Set<string>();
  for (const m of patient.medications) {
    const entry = m.catalogueId ? findMedicineById(m.catalogueId) : null;
    if (entry && isCurrentMedication(m, now)) classes.add(entry.medicineClass);
  }
  return {
    lastAssessedAt: assessed.length > 0 ? new Date(Math.max(...assessed)) : null,
    latestGripKg: grip?.value ?? null,
    latestGripAt: grip?.observedAt ?? null,
    latestGaitMs: gait?.value ?? null,
    latestGaitAt: gait?.observedAt ?? null,
    latestB12Pmol: b12?.value ?? null,
    latestB12At: b12?.observedAt ?? null,
    medicationClasses: classes.size > 0 ? `;${[...classes].sort().join(";")};` : "",
  };
}

export type PanelColumns = ReturnType<typeof panelColumns>;

export function samePanel(a: PanelColumns, b: PanelColumns): boolean {
  return (Object.keys(a) as (keyof PanelColumns)[]).every((key) => {
    const x = a[key];
    const y = b[key];
    if (x instanceof Date || y instanceof Date) return x instanceof Date && y instanceof Date && x.getTime() === y.getTime();
    return x === y;
  });
}

export const PANEL_COLUMNS = [
  "lastAssessedAt", "latestGripKg", "latestGripAt", "latestGaitMs", "latestGaitAt", "latestB12Pmol", "latestB12At", "medicationClasses",
] as const satisfies readonly (keyof PanelColumns)[];
