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
class Cells {
  readonly id: string;
  private readonly raw: RawRow;

  /** `idColumn`: the column holding the row's id (the flag's columns of a joined row carry a prefix). */
  constructor(
    raw: unknown,
    private readonly table: string,
    idColumn = "id",
  ) {
    if (!isRawRow(raw)) throw new StoredValueError(table, "(no id)", "row", "is not a row");
    this.raw = raw;
    const id = raw[idColumn];
    this.id = isText(id) ? id : "(no id)";
    this.read(idColumn, isText, "text");
  }

  text(column: string): string {
    return this.read(column, isText, "text");
  }
  optionalText(column: string): string | null {
    return this.raw[column] === null ? null : this.text(column);
  }
  optionalNumber(column: string): number | null {
    return this.raw[column] === null ? null : this.read(column, isNumber, "a number");
  }
  date(column: string): Date {
    return this.read(column, isDate, "a date and time");
  }
  optionalDate(column: string): Date | null {
    return this.raw[column] === null ? null : this.date(column);
  }
  optionalBoolean(column: string): boolean | null {
    return this.raw[column] === null ? null : this.read(column, isBoolean, "true or false");
  }

  private read<T>(column: string, is: (value: unknown) => value is T, what: string): T {
    const value = this.raw[column];
    if (is(value)) return value;
    throw new StoredValueError(this.table, this.id, column, `is ${value === null || value === undefined ? "empty" : `a ${typeof value}`}, not ${what}`);
  }
}

/**
 * The page's patients, each joined with its clinician's name, its snapshot and its open flags: a
 * patient with several open flags is on several rows (one per flag, the one needing action first;
 * flags due the same day by code, where the order was the database's choice before), a patient with
 * none on one row whose flag columns are null.
 */
const PANEL_ROWS = (ids: readonly string[]) => Prisma.sql`
  SELECT p."id", p."mrn", p."familyName", p."givenName", p."birthDate", p."sex", p."diet", p."lastAssessedAt",
    p."latestGripKg", p."latestGripAt", p."latestGaitMs", p."latestGaitAt", p."latestB12Pmol", p."latestB12At",
    u."name" AS "clinicianName",
    s."id" AS "snapshotId", s."tier", s."ewgsop2", s."awgs2019", s."b12Status", s."b12OnTreatment",
    f."id" AS "flagId", f."code" AS "flagCode", f."status" AS "flagStatus", f."stage" AS "flagStage", f."dueAt" AS "flagDueAt",
    f."actionDueAt" AS "flagActionDueAt", f."orderedAt" AS "flagOrderedAt", f."postponedUntil" AS "flagPostponedUntil"
  FROM "Patient" AS p
  LEFT JOIN "User" AS u ON u."id" = p."attributedClinicianId"
  LEFT JOIN "RiskSnapshot" AS s ON s."patientId" = p."id"
  LEFT JOIN "Flag" AS f ON f."patientId" = p."id" AND f."status" = 'open'
  WHERE p."id" IN (${Prisma.join(ids)})
  ORDER BY f."actionDueAt" ASC, f."code" ASC`;

/**
 * The panel's columns for a page of patients, in the order of `ids` (an id with no patient is
 * left out), in one statement. Read through Prisma's relation select, the same page took four
 * (patient, clinician, snapshot, flags), and on a panel call each statement costs the process
 * about as much as the database's work for it (docs/benchmarks.md, "One panel call: fewer
 * statements").
 *
 * The ids come from a clinic-scoped query, so `clinicId` is not repeated here: with it, SQLite's
 * planner walks the whole clinic on a (clinicId, …) index instead of looking 25 patients up by key.
 */
export async function readPanelRows(db: Db, ids: readonly string[], now: Date, lifecycle: FlagLifecycleSettings): Promise<PanelRow[]> {
  if (ids.length === 0) return [];
  const byId = new Map<string, PanelRow>();
  for (const raw of await db.$queryRaw<unknown[]>(PANEL_ROWS(ids))) {
    const p = new Cells(raw, "Patient");
    let row = byId.get(p.id);
    if (!row) byId.set(p.id, (row = patientColumns(p)));
    if (p.optionalText("flagId") === null) continue;
    const flag = new Cells(raw, "Flag", "flagId");
    const life = decodeFlagLife({
      id: flag.id,
      status: flag.text("flagStatus"),
      stage: flag.text("flagStage"),
      dueAt: flag.date("flagDueAt"),
      actionDueAt: flag.optionalDate("flagActionDueAt"),
      orderedAt: flag.optionalDate("flagOrderedAt"),
      postponedUntil: flag.optionalDate("flagPostponedUntil"),
    });
    row.openFlags.push({ code: decodeFlagCode(flag.text("flagCode"), flag.id), dueAt: life.dueAt, state: flagState(life, now, lifecycle) });
  }
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** A patient's columns (its open flags to be added), decoded. */
function patientColumns(p: Cells): PanelRow {
  // The snapshot's columns are null only when the patient has none (they are NOT NULL in RiskSnapshot).
  const snapshotId = p.optionalText("snapshotId");
  return {
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
    openFlags: [],
  };
}
