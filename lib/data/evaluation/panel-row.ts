import "server-only";
import type { Tx } from "@/lib/data/db/client";
import { bulkTable, insertRows, updateRows } from "@/lib/data/db/bulk-insert";
import { findMedicineById } from "@/lib/domain/medicine-catalogue";
import { isCurrentMedication } from "@/lib/domain/medications";
import { patientSearchKey } from "@/lib/domain/search-key";
import type { Diet, MeasureKind, MedicationInput, ObservationInput, Sex } from "@/lib/domain/types";

/**
 * A patient's panel row: the Patient row as the panel lists it — demographics and the panel
 * columns, the latest grip, gait speed and B12 result, when the patient was last assessed and the
 * classes of medicine they take now, kept on the row so that sorting and filtering the panel reads
 * one table (docs/design.md#architecture). The panel columns are a cache of the patient's record:
 * this file computes them, writes them with every new patient (the seed and both importers, through
 * lib/data/import/write.ts) and refreshes them after every re-evaluation
 * (lib/data/evaluation/reevaluate.ts), only where they changed.
 */

/** Measures that count as "assessed" for the panel's last-assessed column (labs do not). */
const ASSESSMENT_KINDS: ReadonlySet<MeasureKind> = new Set(["grip_strength", "gait_speed", "chair_stand_5x", "sppb", "tug", "walk_400m", "asm", "calf_circumference", "sarc_f"]);

export interface PanelColumns {
  lastAssessedAt: Date | null;
  latestGripKg: number | null;
  latestGripAt: Date | null;
  latestGaitMs: number | null;
  latestGaitAt: Date | null;
  latestB12Pmol: number | null;
  latestB12At: Date | null;
  /** `;`-delimited on both ends (";metformin;ppi;"), so a filter matches whole class names; "" for none. */
  medicationClasses: string;
}

export const PANEL_COLUMNS = [
  "lastAssessedAt", "latestGripKg", "latestGripAt", "latestGaitMs", "latestGaitAt", "latestB12Pmol", "latestB12At", "medicationClasses",
] as const satisfies readonly (keyof PanelColumns)[];

function latest<O extends ObservationInput>(observations: readonly O[], kind: MeasureKind): O | null {
  let found: O | null = null;
  for (const o of observations) {
    if (o.kind === kind && o.value !== null && (!found || o.observedAt > found.observedAt)) found = o;
  }
  return found;
}

/** The panel columns of a patient with these results and medicines, as of `now` (current medicines). */
export function panelColumns(record: { observations: readonly ObservationInput[]; medications: readonly MedicationInput[] }, now: Date): PanelColumns {
  const grip = latest(record.observations, "grip_strength");
  const gait = latest(record.observations, "gait_speed");
  const b12 = latest(record.observations, "b12_total");
  const assessed = record.observations.filter((o) => ASSESSMENT_KINDS.has(o.kind)).map((o) => o.observedAt.getTime());
  const classes = new Set<string>();
  for (const m of record.medications) {
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

/** The panel columns of a patient with no results and no medicines (and of one not yet evaluated). */
export const EMPTY_PANEL_COLUMNS: PanelColumns = {
  lastAssessedAt: null,
  latestGripKg: null,
  latestGripAt: null,
  latestGaitMs: null,
  latestGaitAt: null,
  latestB12Pmol: null,
  latestB12At: null,
  medicationClasses: "",
};

export function samePanel(a: PanelColumns, b: PanelColumns): boolean {
  return PANEL_COLUMNS.every((key) => {
    const x = a[key];
    const y = b[key];
    if (x instanceof Date || y instanceof Date) return x instanceof Date && y instanceof Date && x.getTime() === y.getTime();
    return x === y;
  });
}

/** A new Patient row, every column given (bulk inserts apply no defaults). */
export interface PatientRow extends PanelColumns {
  id: string;
  clinicId: string;
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: Sex;
  diet: Diet | null;
  attributedClinicianId: string | null;
  deceasedAt: Date | null;
  searchText: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const PATIENT_TABLE = bulkTable<PatientRow>()("Patient", [
  "id", "clinicId", "mrn", "familyName", "givenName", "birthDate", "sex", "diet", "attributedClinicianId", "deceasedAt", "searchText", "version",
  ...PANEL_COLUMNS, "createdAt", "updatedAt",
]);

/** Who a new patient is: what the row holds besides the panel columns and the bookkeeping. */
export interface NewPatientFields {
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: Sex;
  diet: Diet | null;
  deceasedAt: Date | null;
  attributedClinicianId: string | null;
}

/** The row of a new patient of `clinicId` (version 1, its search key built from MRN and names). */
export function newPatientRow(id: string, clinicId: string, patient: NewPatientFields, panel: PanelColumns, writtenAt: Date): PatientRow {
  return {
    id,
    clinicId,
    mrn: patient.mrn,
    familyName: patient.familyName,
    givenName: patient.givenName,
    birthDate: patient.birthDate,
    sex: patient.sex,
    diet: patient.diet,
    attributedClinicianId: patient.attributedClinicianId,
    deceasedAt: patient.deceasedAt,
    searchText: patientSearchKey(patient),
    version: 1,
    ...panel,
    createdAt: writtenAt,
    updatedAt: writtenAt,
  };
}

export async function insertPatientRows(tx: Tx, rows: readonly PatientRow[]): Promise<void> {
  await insertRows(tx, PATIENT_TABLE, rows);
}

/**
 * Writes the panel columns of patients whose columns changed (`fresh` against what is stored).
 * They are a cache of the patient's results, not an edit a person could conflict with: the
 * patient's `version` is not bumped.
 */
export async function refreshPanelColumns(tx: Tx, patients: readonly { id: string; stored: PanelColumns; fresh: PanelColumns }[], writtenAt: Date): Promise<void> {
  const changed = patients.filter((p) => !samePanel(p.fresh, p.stored)).map((p) => ({ id: p.id, ...p.fresh, updatedAt: writtenAt }));
  await updateRows(tx, PATIENT_TABLE, [...PANEL_COLUMNS, "updatedAt"], changed);
}
