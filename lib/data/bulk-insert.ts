import "server-only";
import { randomUUID } from "node:crypto";
import type { Tx } from "./db";

/**
 * Multi-row INSERT for the tables written by the thousand (imports, seeds, recomputes). Prisma's
 * createMany through the driver adapters costs about 1 ms per row on this stack (measured: 20,000
 * observations 22 s on SQLite, 15 s on PostgreSQL); a parameterised multi-row INSERT about
 * 0.1 ms (2.5 s and 2.3 s). Callers give every column explicitly (ids, timestamps, defaults), so
 * the rows are what Prisma would have written; integration tests read them back through Prisma on
 * both databases.
 */
export type BulkTable = "Patient" | "Observation" | "PatientMedication" | "PatientCondition" | "RiskSnapshot" | "Flag";

export async function insertRows(tx: Tx, table: BulkTable, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const isPostgres = (tx as unknown as { _activeProvider?: string })._activeProvider === "postgresql";
  // Well below SQLite's 32,766 and PostgreSQL's 65,535 bind parameters per statement.
  const perStatement = Math.max(1, Math.floor(16_000 / columns.length));
  const columnList = columns.map((c) => `"${c}"`).join(", ");
  for (let start = 0; start < rows.length; start += perStatement) {
    const batch = rows.slice(start, start + perStatement);
    let n = 0;
    const tuples = batch.map(() => `(${columns.map(() => (isPostgres ? `$${++n}` : "?")).join(", ")})`).join(", ");
    await tx.$executeRawUnsafe(`INSERT INTO "${table}" (${columnList}) VALUES ${tuples}`, ...batch.flat());
  }
}

/** Column order of an observation row for {@link insertRows} (every column given explicitly). */
export const OBSERVATION_COLUMNS = [
  "id", "clinicId", "patientId", "kind", "value", "isUnable", "reportedValue", "reportedUnit", "observedAt", "method",
  "source", "sourceRef", "enteredById", "status", "version", "createdAt", "updatedAt",
] as const;

/** Column order of a patient medication row for {@link insertRows}. */
export const MEDICATION_COLUMNS = [
  "id", "clinicId", "patientId", "catalogueId", "name", "atcCode", "rxnormCode", "startedOn", "stoppedOn", "source", "sourceRef", "createdAt", "updatedAt",
] as const;

/** Column order of a patient row for {@link insertRows}: demographics and the panel columns. */
export const PATIENT_COLUMNS = [
  "id", "clinicId", "mrn", "familyName", "givenName", "birthDate", "sex", "diet", "attributedClinicianId", "searchText", "version",
  "lastAssessedAt", "latestGripKg", "latestGripAt", "latestGaitMs", "latestGaitAt", "latestB12Pmol", "latestB12At", "medicationClasses",
  "createdAt", "updatedAt",
] as const;

/** Column order of a patient condition row for {@link insertRows}. */
export const CONDITION_COLUMNS = ["id", "patientId", "code", "recordedAt", "source", "sourceRef"] as const;

const idClock = { ms: 0, sequence: 0 };

/**
 * A row id for bulk inserts: a UUID version 7 (RFC 9562) — the millisecond time, a 12-bit
 * sequence within the millisecond, then random bits — so ids made one after another sort one
 * after another. A batch of new rows then lands at one end of the primary-key index (and of the
 * indexes that lead with `patientId`) instead of at random pages all over it: inserting
 * observations into a large table costs a fraction of what random ids cost.
 */
export function newRowId(): string {
  const now = Date.now();
  if (now > idClock.ms) {
    idClock.ms = now;
    idClock.sequence = 0;
  } else if (++idClock.sequence > 0xfff) {
    idClock.ms += 1;
    idClock.sequence = 0;
  }
  const time = idClock.ms.toString(16).padStart(12, "0");
  // randomUUID() is "xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx": keep its variant and random tail.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${idClock.sequence.toString(16).padStart(3, "0")}-${randomUUID().slice(19)}`;
}
