import "server-only";
import type { Db } from "@/lib/data/db/client";
import { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { StoredValueError } from "@/lib/data/stored/decode";
import { decodeAwgs2019, decodeB12Status, decodeDiet, decodeEwgsop2, decodeFlagCode, decodeFlagLife, decodeSex, decodeTier } from "@/lib/data/stored/values";
import type { Awgs2019Category, B12Status, Diet, Ewgsop2Category, FlagCode, Sex, Tier } from "@/lib/domain/types";
import { flagState, type FlagLifecycleSettings, type FlagStateView } from "@/lib/domain/flag-lifecycle";

export interface PanelRow {
  id: string;
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: Sex;
  diet: Diet | null;
  clinicianName: string | null;
  lastAssessedAt: Date | null;
  latestGripKg: number | null;
  latestGripAt: Date | null;
  latestGaitMs: number | null;
  latestGaitAt: Date | null;
  latestB12Pmol: number | null;
  latestB12At: Date | null;
  tier: Tier | null;
  ewgsop2: Ewgsop2Category | null;
  awgs2019: Awgs2019Category | null;
  b12Status: B12Status | null;
  b12OnTreatment: boolean;
  /** Open flags, the one needing action first, each with its state at `now`. */
  openFlags: { code: FlagCode; dueAt: Date; state: FlagStateView }[];
}

/** A row as `$queryRaw` returns it: an object of column values (a Date for DATETIME columns, on both databases). */
type RawRow = Record<string, unknown>;

function isRawRow(value: unknown): value is RawRow {
  return typeof value === "object" && value !== null;
}

const isText = (value: unknown): value is string => typeof value === "string";
const isNumber = (value: unknown): value is number => typeof value === "number";
const isDate = (value: unknown): value is Date => value instanceof Date;
const isBoolean = (value: unknown): value is boolean => typeof value === "boolean";

/**
 * Typed readers of one raw row's cells: a cell of another type is a StoredValueError naming the
 * table, the row and the column. Checked by hand rather than with a zod object per row: the panel
 * decodes 25 rows of 21 columns on every call, and zod's parse was a tenth of a call's CPU.
 */
function cells(raw: unknown, table: string) {
  if (!isRawRow(raw)) throw new StoredValueError(table, "(no id)", "row", "is not a row");
  const id = isText(raw.id) ? raw.id : "(no id)";
  const read = <T>(column: string, is: (value: unknown) => value is T, what: string): T => {
    const value = raw[column];
    if (is(value)) return value;
    throw new StoredValueError(table, id, column, `is ${value === null ? "empty" : `a ${typeof value}`}, not ${what}`);
  };
  const optional = <T>(column: string, is: (value: unknown) => value is T, what: string): T | null => (raw[column] === null ? null : read(column, is, what));
  return {
    id: read("id", isText, "text"),
    text: (column: string) => read(column, isText, "text"),
    optionalText: (column: string) => optional(column, isText, "text"),
    optionalNumber: (column: string) => optional(column, isNumber, "a number"),
    date: (column: string) => read(column, isDate, "a date and time"),
    optionalDate: (column: string) => optional(column, isDate, "a date and time"),
    optionalBoolean: (column: string) => optional(column, isBoolean, "true or false"),
  };
}

const PATIENT_ROWS = (ids: readonly string[]) => Prisma.sql`
  SELECT p."id", p."mrn", p."familyName", p."givenName", p."birthDate", p."sex", p."diet", p."lastAssessedAt",
    p."latestGripKg", p."latestGripAt", p."latestGaitMs", p."latestGaitAt", p."latestB12Pmol", p."latestB12At",
    u."name" AS "clinicianName",
    s."id" AS "snapshotId", s."tier", s."ewgsop2", s."awgs2019", s."b12Status", s."b12OnTreatment"
  FROM "Patient" AS p
  LEFT JOIN "User" AS u ON u."id" = p."attributedClinicianId"
  LEFT JOIN "RiskSnapshot" AS s ON s."patientId" = p."id"
  WHERE p."id" IN (${Prisma.join(ids)})`;

const OPEN_FLAGS = (ids: readonly string[]) => Prisma.sql`
  SELECT "id", "patientId", "code", "status", "stage", "dueAt", "actionDueAt", "orderedAt", "postponedUntil"
  FROM "Flag"
  WHERE "patientId" IN (${Prisma.join(ids)}) AND "status" = 'open'
  ORDER BY "actionDueAt" ASC`;

/**
 * The panel's columns for a page of patients, in the order of `ids` (an id with no patient is
 * left out): two statements, the patients joined with their clinician's name and their snapshot,
 * then their open flags. Read through Prisma's relation select, the same page took four (patient,
 * clinician, snapshot, flags), and on a panel call each statement costs the process about as much
 * as the database's work for it (docs/benchmarks.md, "One panel call: fewer statements").
 *
 * The ids come from a clinic-scoped query, so `clinicId` is not repeated here: with it, SQLite's
 * planner walks the whole clinic on a (clinicId, …) index instead of looking 25 patients up by key.
 */
export async function readPanelRows(db: Db, ids: readonly string[], now: Date, lifecycle: FlagLifecycleSettings): Promise<PanelRow[]> {
  if (ids.length === 0) return [];
  const [patients, flags] = await Promise.all([db.$queryRaw<unknown[]>(PATIENT_ROWS(ids)), db.$queryRaw<unknown[]>(OPEN_FLAGS(ids))]);
  const openFlags = new Map<string, PanelRow["openFlags"]>();
  for (const raw of flags) {
    const flag = cells(raw, "Flag");
    const life = decodeFlagLife({
      id: flag.id,
      status: flag.text("status"),
      stage: flag.text("stage"),
      dueAt: flag.date("dueAt"),
      actionDueAt: flag.optionalDate("actionDueAt"),
      orderedAt: flag.optionalDate("orderedAt"),
      postponedUntil: flag.optionalDate("postponedUntil"),
    });
    const patientId = flag.text("patientId");
    const list = openFlags.get(patientId) ?? [];
    list.push({ code: decodeFlagCode(flag.text("code"), flag.id), dueAt: life.dueAt, state: flagState(life, now, lifecycle) });
    openFlags.set(patientId, list);
  }
  const byId = new Map<string, PanelRow>();
  for (const raw of patients) {
    const p = cells(raw, "Patient");
    // The snapshot's columns are null only when the patient has none (they are NOT NULL in RiskSnapshot).
    const snapshotId = p.optionalText("snapshotId");
    byId.set(p.id, {
      id: p.id,
      mrn: p.text("mrn"),
      familyName: p.text("familyName"),
      givenName: p.text("givenName"),
      birthDate: p.date("birthDate"),
      sex: decodeSex(p.text("sex"), p.id),
      diet: decodeDiet(p.optionalText("diet"), p.id),
      clinicianName: p.optionalText("clinicianName"),
      lastAssessedAt: p.optionalDate("lastAssessedAt"),
      latestGripKg: p.optionalNumber("latestGripKg"),
      latestGripAt: p.optionalDate("latestGripAt"),
      latestGaitMs: p.optionalNumber("latestGaitMs"),
      latestGaitAt: p.optionalDate("latestGaitAt"),
      latestB12Pmol: p.optionalNumber("latestB12Pmol"),
      latestB12At: p.optionalDate("latestB12At"),
      tier: snapshotId === null ? null : decodeTier(p.text("tier"), snapshotId),
      ewgsop2: snapshotId === null ? null : decodeEwgsop2(p.text("ewgsop2"), snapshotId),
      awgs2019: snapshotId === null ? null : decodeAwgs2019(p.text("awgs2019"), snapshotId),
      b12Status: snapshotId === null ? null : decodeB12Status(p.text("b12Status"), snapshotId),
      b12OnTreatment: p.optionalBoolean("b12OnTreatment") ?? false,
      openFlags: openFlags.get(p.id) ?? [],
    });
  }
  return ids.flatMap((id) => byId.get(id) ?? []);
}
