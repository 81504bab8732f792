import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import { chunks, PATIENTS_PER_BATCH } from "@/lib/data/db/batches";
import { newRowId } from "@/lib/data/db/bulk-insert";
import type { NewPatientFields } from "@/lib/data/evaluation/panel-row";
import type { StoredCondition, StoredFinding } from "@/lib/data/patients/record-rows";
import { AppError } from "@/lib/errors";
import { findMedicineById } from "@/lib/domain/medicine-catalogue";
import type { Diet, Sex, StoredMedication, StoredObservation } from "@/lib/domain/types";

/**
 * Step 2 of an import (lib/data/import/run.ts): the plan. For each patient the file speaks of,
 * what the import creates (the patient, its results, medicines and conditions), changes
 * (demographics, diet) and leaves alone (what the patient already has), read against the clinic's
 * records in batches of patients. A dry run is the plan and nothing else; a real run makes the
 * same plan inside its transaction and applies it batch by batch (write.ts).
 *
 * Idempotent by construction: an item the patient already has, or that the file gives twice, is
 * planned as "existing", never written again, so importing a file twice changes nothing.
 */

/** Demographics as a source gives them. */
export interface Demographics {
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: Sex;
  deceasedAt: Date | null;
}

/** One item of a patient's record as a source gives it. */
export interface Incoming<T> {
  value: T;
  /** Recognises the item among what the patient has already (see {@link ImportRules.identity}). */
  key: string;
  /** Stored with the item: where in the source it came from. */
  sourceRef: string;
  /** The spreadsheet row it came from, credited with the change when it is new; null for FHIR. */
  row: number | null;
}

/** Everything a source says about one patient (one MRN). */
export interface IncomingPatient {
  mrn: string;
  /** Required for a patient the clinic does not have yet; null when the source gives none (or not all). */
  demographics: Demographics | null;
  /**
   * Whether the reading found the patient in the clinic (the spreadsheet checks the file against
   * the clinic's records first): a different answer when the plan is made means someone created
   * or removed the patient meanwhile, and the import stops. Undefined: not checked.
   */
  storedWhenRead?: boolean;
  /** The diet of the latest visit that gives one, with that visit's time (spreadsheet only). */
  diet: { value: Diet; at: number } | null;
  observations: Incoming<StoredObservation>[];
  medications: Incoming<StoredMedication>[];
  conditions: Incoming<StoredCondition>[];
  /** Yubi-wakka results and B12 symptoms. */
  findings: Incoming<StoredFinding>[];
  /**
   * Medicines the source says were stopped (spreadsheet `medications_stopped`), earliest first. The
   * file's own medicines were stopped already when it was read; these stop the stored ones.
   */
  medicationStops: Incoming<MedicationStop>[];
  /** The spreadsheet rows about this patient, in file order (none for FHIR). */
  rows: readonly number[];
  /** The source rows or resources behind this patient: what a write batch and the progress count. */
  size: number;
}

/** A medicine stopped on a day: the catalogue entry, or for free text the name. */
export interface MedicationStop {
  catalogueId: string | null;
  name: string;
  stoppedOn: Date;
}

/** How a source's items and patients are matched to what the clinic has. */
export interface ImportRules {
  /**
   * When an item counts as already stored. "content": the patient has a result of the same kind,
   * time, reported value and unit (a medicine: the same catalogue entry, or name for free text, and
   * start date), whoever entered it — a spreadsheet has no ids. "sourceRef": the patient has an
   * item with the same source reference — a FHIR resource keeps its id across exports. Conditions
   * count as stored when the patient has the code, in both.
   */
  identity: "content" | "sourceRef";
  /**
   * Whether a stored patient's demographics are replaced by the source's when they differ (FHIR:
   * the Patient resource is the current record). A spreadsheet never changes them: a difference
   * is an error found when the file is read.
   */
  updatesDemographics: boolean;
  /**
   * Whether a new patient is evaluated from what the plan writes — the file holds its whole record,
   * so the bulk of a large import needs no reads — instead of being read back after the writes.
   */
  evaluatesNewPatientsFromPlan: boolean;
}

/** What the import does to one patient. */
export interface PlannedPatient {
  mrn: string;
  /** The stored patient's id, or the new patient's. */
  patientId: string;
  /** The patient this import creates; null for one the clinic has. */
  create: (NewPatientFields & { diet: Diet | null }) | null;
  /** New demographics of a stored patient. */
  demographics: Demographics | null;
  /** A newer diet of a stored patient. */
  diet: Diet | null;
  /** What the import writes, each item with its source reference (null for the seed's). */
  observations: { value: StoredObservation; sourceRef: string | null }[];
  medications: { value: StoredMedication; sourceRef: string | null }[];
  conditions: { value: StoredCondition; sourceRef: string | null }[];
  findings: { value: StoredFinding; sourceRef: string | null }[];
  /** Stored medicines of the patient this import stops (the stop date set where there was none). */
  medicationStops: { medicationId: string; stoppedOn: Date }[];
  /** Items left alone: the patient has them already, or the source gave them twice. */
  existing: { observations: number; medications: number; conditions: number; findings: number };
  /** Spreadsheet rows of this patient that bring nothing new. */
  unchangedRows: number;
  /**
   * "from-plan": a new patient evaluated from the plan; "read-back": re-evaluated from the database
   * after the writes (a stored patient that changed, or a new one when the rules say so); "none".
   */
  evaluation: "from-plan" | "read-back" | "none";
  /** The size of the incoming patient (rows or resources). */
  size: number;
}

/** Patients of the clinic, by MRN, as the plan (and the spreadsheet's checks) compare against them. */
export interface StoredPatient {
  id: string;
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: string;
  diet: string | null;
  deceasedAt: Date | null;
  lastAssessedAt: Date | null;
}

/** The clinic's patients with these MRNs. */
export async function findStoredPatients(db: Db | Tx, clinicId: string, mrns: readonly string[]): Promise<Map<string, StoredPatient>> {
  const found = new Map<string, StoredPatient>();
  for (const batch of chunks(mrns)) {
    const rows = await db.patient.findMany({
      where: { clinicId, mrn: { in: batch } },
      select: { id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true, diet: true, deceasedAt: true, lastAssessedAt: true },
    });
    for (const row of rows) found.set(row.mrn, row);
  }
  return found;
}

/** What stored patients already have, as keys of their items (`patientId|key`). */
interface StoredKeys {
  observations: Set<string>;
  medications: Set<string>;
  conditions: Set<string>;
  findings: Set<string>;
  /** The stored medicines themselves, by patient id, for the stops a spreadsheet gives (content identity only). */
  medicines: Map<string, StoredMedicine[]>;
}

interface StoredMedicine {
  id: string;
  catalogueId: string | null;
  name: string;
  startedOn: Date | null;
  stoppedOn: Date | null;
}

/** The content key of a result: kind, time, and what was reported. */
export function observationKey(o: { kind: string; observedAt: Date; reportedValue: string; reportedUnit: string }): string {
  return `${o.kind}|${o.observedAt.getTime()}|${o.reportedValue}|${o.reportedUnit}`;
}

/** The content key of a finding: kind, code and day. */
export function findingKey(f: StoredFinding): string {
  return `${f.kind}|${f.code}|${f.recordedAt.getTime()}`;
}

/** The content key of a medicine stop: the medicine and the stop date. */
export function medicationStopKey(m: MedicationStop): string {
  return `${medicineIdentity(m)}|${m.stoppedOn.toISOString()}`;
}

/** The catalogue entry of a medicine, or for free text its name ignoring case (as `sameMedicine` in lib/validation/assessment-row.ts). */
function medicineIdentity(m: Pick<StoredMedication, "catalogueId" | "name">): string {
  return m.catalogueId ?? `text:${m.name.trim().toLowerCase()}`;
}

/** The content key of a medicine: its catalogue entry (free text: its name, ignoring case) and start date. */
export function medicationKey(m: Pick<StoredMedication, "catalogueId" | "name" | "startedOn">): string {
  return `${medicineIdentity(m)}|${m.startedOn?.toISOString() ?? ""}`;
}

async function findStoredKeys(db: Db | Tx, patientIds: readonly string[], identity: ImportRules["identity"]): Promise<StoredKeys> {
  const keys: StoredKeys = { observations: new Set(), medications: new Set(), conditions: new Set(), findings: new Set(), medicines: new Map() };
  for (const ids of chunks(patientIds)) {
    const conditions = await db.patientCondition.findMany({ where: { patientId: { in: ids } }, select: { patientId: true, code: true } });
    for (const c of conditions) keys.conditions.add(`${c.patientId}|${c.code}`);
    if (identity === "content") {
      const observations = await db.observation.findMany({
        where: { patientId: { in: ids } },
        select: { patientId: true, kind: true, observedAt: true, reportedValue: true, reportedUnit: true },
      });
      const medications = await db.patientMedication.findMany({
        where: { patientId: { in: ids } },
        select: { id: true, patientId: true, catalogueId: true, name: true, startedOn: true, stoppedOn: true },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      const findings = await db.patientFinding.findMany({ where: { patientId: { in: ids } }, select: { id: true, patientId: true, kind: true, code: true, recordedAt: true } });
      for (const o of observations) keys.observations.add(`${o.patientId}|${observationKey(o)}`);
      for (const { patientId, ...m } of medications) {
        keys.medications.add(`${patientId}|${medicationKey(m)}`);
        keys.medicines.set(patientId, [...(keys.medicines.get(patientId) ?? []), m]);
      }
      // The key is built from the stored text as it is: a finding is compared, not decoded.
      for (const f of findings) keys.findings.add(`${f.patientId}|${f.kind}|${f.code}|${f.recordedAt.getTime()}`);
    } else {
      const bySource = { patientId: { in: ids }, sourceRef: { startsWith: "fhir:" } };
      const observations = await db.observation.findMany({ where: bySource, select: { patientId: true, sourceRef: true } });
      const medications = await db.patientMedication.findMany({ where: bySource, select: { patientId: true, sourceRef: true } });
      const findings = await db.patientFinding.findMany({ where: bySource, select: { patientId: true, sourceRef: true } });
      for (const o of observations) keys.observations.add(`${o.patientId}|${o.sourceRef}`);
      for (const m of medications) keys.medications.add(`${m.patientId}|${m.sourceRef}`);
      for (const f of findings) keys.findings.add(`${f.patientId}|${f.sourceRef}`);
    }
  }
  return keys;
}

const sameTime = (a: Date | null, b: Date | null) => (a === null ? b === null : b !== null && a.getTime() === b.getTime());

function sameDemographics(stored: StoredPatient, given: Demographics): boolean {
  return (
    stored.familyName === given.familyName &&
    stored.givenName === given.givenName &&
    sameTime(stored.birthDate, given.birthDate) &&
    stored.sex === given.sex &&
    sameTime(stored.deceasedAt, given.deceasedAt)
  );
}

/** A diet from an older visit than the last assessment on record does not overwrite a newer one. */
function newerDiet(stored: StoredPatient, diet: IncomingPatient["diet"]): Diet | null {
  if (!diet || diet.value === stored.diet) return null;
  const isNewer = stored.diet === null || stored.lastAssessedAt === null || diet.at >= stored.lastAssessedAt.getTime();
  return isNewer ? diet.value : null;
}

/** The items of `incoming` not stored yet and not given earlier in the source; counts the rest. */
function newItems<T>(patientId: string, incoming: readonly Incoming<T>[], stored: Set<string>): { items: Incoming<T>[]; existing: number } {
  const items: Incoming<T>[] = [];
  let existing = 0;
  for (const item of incoming) {
    const key = `${patientId}|${item.key}`;
    if (stored.has(key)) {
      existing += 1;
      continue;
    }
    stored.add(key);
    items.push(item);
  }
  return { items, existing };
}

/** Plans one batch of incoming patients against what the clinic has now (read through `db`). */
export async function planBatch(db: Db | Tx, clinicId: string, batch: readonly IncomingPatient[], rules: ImportRules): Promise<PlannedPatient[]> {
  const stored = await findStoredPatients(db, clinicId, batch.map((p) => p.mrn));
  for (const p of batch) {
    if (p.storedWhenRead !== undefined && p.storedWhenRead !== stored.has(p.mrn)) {
      throw new AppError("conflict", `Patient ${p.mrn} was ${p.storedWhenRead ? "removed" : "created"} while the file was being checked; run the import again.`);
    }
  }
  const keys = await findStoredKeys(db, [...stored.values()].map((s) => s.id), rules.identity);
  return batch.map((p): PlannedPatient => {
    const existingPatient = stored.get(p.mrn);
    const patientId = existingPatient?.id ?? newRowId();
    let create: PlannedPatient["create"] = null;
    let demographics: Demographics | null = null;
    let diet: Diet | null = null;
    if (existingPatient) {
      if (rules.updatesDemographics && p.demographics && !sameDemographics(existingPatient, p.demographics)) demographics = p.demographics;
      diet = newerDiet(existingPatient, p.diet);
    } else {
      if (!p.demographics) throw new Error(`planBatch: patient ${p.mrn} is new but the source gives no demographics (the reading should have refused it).`);
      create = { mrn: p.mrn, ...p.demographics, diet: p.diet?.value ?? null, attributedClinicianId: null };
    }
    const conditions = newItems(patientId, p.conditions, keys.conditions);
    const observations = newItems(patientId, p.observations, keys.observations);
    const findings = newItems(patientId, p.findings, keys.findings);
    const stops = planStops(p, keys.medicines.get(patientId) ?? []);
    const medications = newItems(patientId, [...p.medications, ...stops.unmatched], keys.medications);
    const changesPatient = create !== null || demographics !== null || diet !== null || conditions.items.length > 0;
    // A row counts as unchanged when it brings no new result, medicine, finding or stop; a change to
    // the patient itself (new, a newer diet, new conditions) is credited to its first row.
    const rowsWithNews = new Set([...observations.items, ...medications.items, ...findings.items, ...stops.rows].map((item) => item.row));
    const unchangedRows = p.rows.filter((row, i) => !(i === 0 && changesPatient) && !rowsWithNews.has(row)).length;
    const changed = changesPatient || observations.items.length > 0 || medications.items.length > 0 || findings.items.length > 0 || stops.stored.length > 0;
    return {
      mrn: p.mrn,
      patientId,
      create,
      demographics,
      diet,
      observations: observations.items,
      medications: medications.items,
      conditions: conditions.items,
      findings: findings.items,
      medicationStops: stops.stored,
      existing: { observations: observations.existing, medications: medications.existing, conditions: conditions.existing, findings: findings.existing },
      unchangedRows,
      evaluation: create ? (rules.evaluatesNewPatientsFromPlan ? "from-plan" : "read-back") : changed ? "read-back" : "none",
      size: p.size,
    };
  });
}

/**
 * What a patient's medicine stops do, earliest first: each stops the stored medicines of the same
 * catalogue entry (free text: name) started on or before its date (or with no start date) and not
 * stopped yet. The file's own medicines were stopped when it was read (read-csv.ts), so a stop
 * that matches neither a stored nor an incoming medicine records the medicine as stopped, with no
 * start date: nothing the file says is lost, and importing the file again changes nothing.
 */
function planStops(p: IncomingPatient, stored: readonly StoredMedicine[]): { stored: { medicationId: string; stoppedOn: Date }[]; unmatched: Incoming<StoredMedication>[]; rows: Incoming<MedicationStop>[] } {
  const stopsStored: { medicationId: string; stoppedOn: Date }[] = [];
  const unmatched: Incoming<StoredMedication>[] = [];
  const rows: Incoming<MedicationStop>[] = [];
  const stoppedNow = new Set<string>();
  for (const stop of p.medicationStops) {
    const identity = medicineIdentity(stop.value);
    const same = stored.filter((m) => medicineIdentity(m) === identity);
    const stopAt = stop.value.stoppedOn.getTime();
    let applied = false;
    for (const m of same) {
      if (m.stoppedOn !== null || stoppedNow.has(m.id)) continue;
      if (m.startedOn !== null && m.startedOn.getTime() > stopAt) continue;
      stoppedNow.add(m.id);
      stopsStored.push({ medicationId: m.id, stoppedOn: stop.value.stoppedOn });
      applied = true;
    }
    if (applied) rows.push(stop);
    const inFile = p.medications.some((m) => medicineIdentity(m.value) === identity);
    if (same.length === 0 && !inFile) {
      const entry = stop.value.catalogueId === null ? null : findMedicineById(stop.value.catalogueId);
      const value: StoredMedication = {
        catalogueId: entry?.id ?? null,
        name: entry?.genericName ?? stop.value.name,
        atcCode: entry?.atc ?? null,
        rxnormCode: entry?.rxnormIngredient ?? null,
        startedOn: null,
        stoppedOn: stop.value.stoppedOn,
      };
      unmatched.push({ value, key: medicationKey(value), sourceRef: stop.sourceRef, row: stop.row });
    }
  }
  return { stored: stopsStored, unmatched, rows };
}

/**
 * The patients a reader gives the pipeline, with their numbers known before the first is made
 * (for progress). `take` gives them once, one by one (a second call throws): a reader may build
 * each as it is asked for and let go of what it built it from (read-csv.ts `spreadsheetPatients`),
 * so that only the patients of the batches being planned and written are in memory.
 */
export interface IncomingPatients {
  count: number;
  /** The sum of their sizes (rows or resources). */
  rows: number;
  take: () => Iterable<IncomingPatient>;
}

/** Patients already built, as an {@link IncomingPatients} (the FHIR reader's). */
export function incomingPatients(patients: readonly IncomingPatient[]): IncomingPatients {
  return { count: patients.length, rows: patients.reduce((n, p) => n + p.size, 0), take: takeOnce(() => patients) };
}

/** `take` for an {@link IncomingPatients}: gives what `patients` gives, the first time only. */
export function takeOnce(patients: () => Iterable<IncomingPatient>): () => Iterable<IncomingPatient> {
  let taken = false;
  return () => {
    if (taken) throw new Error("An import's patients are taken once: a reader may let go of them as they are made.");
    taken = true;
    return patients();
  };
}

/**
 * The incoming patients in write batches, made as they are asked for: whole patients, at most
 * {@link PATIENTS_PER_BATCH} of them or about `batchSize` rows (a batch closes once it reaches
 * either; each database's size is IMPORT_ROWS_PER_BATCH in lib/data/db/batches.ts).
 */
export function* writeBatches(patients: Iterable<IncomingPatient>, batchSize: number): Generator<IncomingPatient[]> {
  let batch: IncomingPatient[] = [];
  let size = 0;
  for (const patient of patients) {
    batch.push(patient);
    size += patient.size;
    if (batch.length >= PATIENTS_PER_BATCH || size >= batchSize) {
      yield batch;
      batch = [];
      size = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

/** The totals of a plan, as both importers report them. */
export interface PlanTotals {
  patients: { created: number; updated: number; unchanged: number };
  observations: { created: number; existing: number };
  medications: { created: number; existing: number; freeText: number };
  conditions: { created: number; existing: number };
  /** B12 symptoms and signs and Yubi-wakka results. */
  findings: { created: number; existing: number };
  unchangedRows: number;
  createdPatientIds: string[];
  updatedPatientIds: string[];
}

export function emptyTotals(): PlanTotals {
  return {
    patients: { created: 0, updated: 0, unchanged: 0 },
    observations: { created: 0, existing: 0 },
    medications: { created: 0, existing: 0, freeText: 0 },
    conditions: { created: 0, existing: 0 },
    findings: { created: 0, existing: 0 },
    unchangedRows: 0,
    createdPatientIds: [],
    updatedPatientIds: [],
  };
}

/** Adds a planned batch to the totals. */
export function addToTotals(totals: PlanTotals, planned: readonly PlannedPatient[]): void {
  for (const p of planned) {
    if (p.create) {
      totals.patients.created += 1;
      totals.createdPatientIds.push(p.patientId);
    } else if (p.evaluation === "read-back") {
      totals.patients.updated += 1;
      totals.updatedPatientIds.push(p.patientId);
    } else {
      totals.patients.unchanged += 1;
    }
    totals.observations.created += p.observations.length;
    totals.observations.existing += p.existing.observations;
    totals.medications.created += p.medications.length;
    totals.medications.existing += p.existing.medications;
    totals.medications.freeText += p.medications.filter((m) => m.value.catalogueId === null).length;
    totals.conditions.created += p.conditions.length;
    totals.conditions.existing += p.existing.conditions;
    totals.findings.created += p.findings.length;
    totals.findings.existing += p.existing.findings;
    totals.unchangedRows += p.unchangedRows;
  }
}
