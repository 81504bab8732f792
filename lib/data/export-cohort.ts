import "server-only";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { stringify } from "csv-stringify/sync";
import type { Db } from "./db";
import { appendAudit } from "./audit";
import { actorRole, type Actor } from "@/lib/auth/actor";
import { can } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { EXPORT_COLUMNS, EXPORT_MEASURE_KINDS, toCohortRow, type CohortEvaluation } from "@/lib/domain/csv-export";
import { UNABLE_IS_RESULT } from "@/lib/domain/measures";
import type { FlagCode, MassMethod, MeasureKind, ObservationInput, Tier } from "@/lib/domain/types";
import type { Prisma } from "@/lib/generated/prisma-sqlite/client";

export interface CohortExportOptions {
  /** Age and the measure columns are as of this time. */
  now: Date;
  /** Only patients in one of these tiers (default: all, including never evaluated). */
  tiers?: readonly Tier[];
  /** Only patients with at least one of these flags in their stored evaluation. */
  flags?: readonly FlagCode[];
  /** Patients per query; memory is bounded by one batch whatever the cohort size. */
  batchSize?: number;
}

export interface CohortExportSummary {
  rows: number;
}

/** One observation query per batch: 900 ids plus the other binds stay under SQLite's 999. */
const DEFAULT_BATCH = 900;
const IDS_PER_QUERY = 900;

function cohortWhere(clinicId: string, options: CohortExportOptions): Prisma.PatientWhereInput {
  const snapshot: Prisma.RiskSnapshotWhereInput = {};
  if (options.tiers && options.tiers.length > 0) snapshot.tier = { in: [...options.tiers] };
  // flagCodes is the `;`-joined list; no flag code is a substring of another, so `contains` is exact.
  if (options.flags && options.flags.length > 0) snapshot.OR = options.flags.map((code) => ({ flagCodes: { contains: code } }));
  return Object.keys(snapshot).length > 0 ? { clinicId, snapshot } : { clinicId };
}

const EXPORT_PATIENT_SELECT = {
  id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true, diet: true, lastAssessedAt: true,
  attributedClinician: { select: { name: true } },
  snapshot: { select: { cohortJson: true } },
} satisfies Prisma.PatientSelect;
type ExportBatchPatient = Prisma.PatientGetPayload<{ select: typeof EXPORT_PATIENT_SELECT }>;

/**
 * The stored evaluations of a batch, by patient: the snapshot's small `cohortJson`, or for a
 * snapshot written before that column existed its full `detailJson` (read only for those).
 */
async function cohortEvaluations(db: Db, patients: readonly ExportBatchPatient[]): Promise<Map<string, CohortEvaluation>> {
  const result = new Map<string, CohortEvaluation>();
  const older: string[] = [];
  for (const p of patients) {
    if (p.snapshot?.cohortJson) result.set(p.id, JSON.parse(p.snapshot.cohortJson) as CohortEvaluation);
    else if (p.snapshot) older.push(p.id);
  }
  for (let i = 0; i < older.length; i += IDS_PER_QUERY) {
    const rows = await db.riskSnapshot.findMany({ where: { patientId: { in: older.slice(i, i + IDS_PER_QUERY) } }, select: { patientId: true, detailJson: true } });
    for (const row of rows) result.set(row.patientId, JSON.parse(row.detailJson) as CohortEvaluation);
  }
  return result;
}

const sqlText = (text: string) => `'${text.replace(/'/g, "''")}'`;
const isTrue = (value: unknown) => value === true || value === 1 || value === 1n || value === "1";

/**
 * Per patient, only the observations the export's columns can show (lib/domain/csv-export.ts):
 * the latest final result of each export kind on or before `now`, and the latest height at or
 * before that latest ASM (findMuscleMass reads it for ASMI). One statement per batch, each row
 * found by an index seek on (patientId, kind, observedAt) instead of reading every result of
 * every patient — what the database's own dump does. "Result" is ObservationWindow's hasResult:
 * a value, or "unable" for kinds where that is a result. Ties on observedAt go to the later
 * createdAt, as in the engine's ordering. The rows go through ObservationWindow unchanged, so
 * the cells are the same as from the full history.
 */
async function latestMeasures(db: Db, patientIds: readonly string[], now: Date): Promise<Map<string, ObservationInput[]>> {
  const result = new Map<string, ObservationInput[]>();
  if (patientIds.length === 0) return result;
  const isPostgres = (db as unknown as { _activeProvider?: string })._activeProvider === "postgresql";
  // Placeholders are bound in the order they appear in the text (SQLite's `?` is positional).
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return isPostgres ? `$${params.length}` : "?";
  };
  const idList = () => patientIds.map(bind).join(", ");
  const unableKinds = EXPORT_MEASURE_KINDS.filter((kind) => UNABLE_IS_RESULT[kind]).map(sqlText);
  const hasResult = (o: string) =>
    `((${o}."isUnable" AND ${o}."kind" IN (${unableKinds.join(", ") || "NULL"})) OR (NOT ${o}."isUnable" AND ${o}."value" IS NOT NULL))`;
  const latest = (o: string, kind: string, upTo: string) =>
    `SELECT ${o}."id" FROM "Observation" ${o} WHERE ${o}."patientId" = p."id" AND ${o}."kind" = ${kind} AND ${o}."status" = 'final' ` +
    `AND ${o}."observedAt" <= ${upTo} AND ${hasResult(o)} ORDER BY ${o}."observedAt" DESC, ${o}."createdAt" DESC LIMIT 1`;
  const kinds = EXPORT_MEASURE_KINDS.map((kind) => `SELECT ${sqlText(kind)} AS "kind"`).join(" UNION ALL ");
  const eachKind = `SELECT (${latest("l", 'k."kind"', bind(now))}) FROM "Patient" p CROSS JOIN (${kinds}) k WHERE p."id" IN (${idList()})`;
  const latestAsmAt = `(SELECT a."observedAt" FROM "Observation" a WHERE a."id" = (${latest("a2", "'asm'", bind(now))}))`;
  const heightForAsm = `SELECT (${latest("h", "'height'", latestAsmAt)}) FROM "Patient" p WHERE p."id" IN (${idList()})`;
  const sql =
    `SELECT o."patientId", o."kind", o."value", o."isUnable", o."observedAt", o."createdAt", o."method" FROM "Observation" o ` +
    `WHERE o."id" IN (${eachKind} UNION ALL ${heightForAsm})`;
  const rows = await db.$queryRawUnsafe<
    { patientId: string; kind: string; value: number | null; isUnable: unknown; observedAt: Date | string; createdAt: Date | string; method: string | null }[]
  >(sql, ...params);
  const sorted = rows
    .map((row) => ({ ...row, observedAt: new Date(row.observedAt), createdAt: new Date(row.createdAt) }))
    .sort((x, y) => x.observedAt.getTime() - y.observedAt.getTime() || x.createdAt.getTime() - y.createdAt.getTime());
  for (const row of sorted) {
    const list = result.get(row.patientId) ?? [];
    list.push({
      kind: row.kind as MeasureKind,
      value: row.value === null ? null : Number(row.value),
      isUnable: isTrue(row.isUnable),
      observedAt: row.observedAt,
      method: row.method as MassMethod | null,
    });
    result.set(row.patientId, list);
  }
  return result;
}

/**
 * The actor's clinic's cohort as CSV text chunks: the header, then one chunk per batch of
 * patients read in MRN order by keyset pagination (`mrn > last`, the (clinicId, mrn) index), so
 * memory does not grow with the cohort. Cells are formula-neutralised (lib/domain/csv-export.ts).
 * One "export.run" audit event with the filter and the row count is written when the stream ends,
 * also when the consumer stops early (`completed: false`).
 */
export async function* streamCohortCsv(db: Db, actor: Actor, options: CohortExportOptions): AsyncGenerator<string, CohortExportSummary> {
  if (!can(actorRole(actor), "export:identified")) throw new AppError("forbidden", "You may not export identified patient data.");
  const clinicId = actor.clinicId;
  if (!clinicId) throw new AppError("forbidden", "Exporting needs a clinic.");
  const where = cohortWhere(clinicId, options);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let rows = 0;
  let completed = false;
  try {
    yield stringify([[...EXPORT_COLUMNS]]);
    let afterMrn: string | null = null;
    for (;;) {
      const patients: ExportBatchPatient[] = await db.patient.findMany({
        where: afterMrn === null ? where : { AND: [where, { mrn: { gt: afterMrn } }] },
        orderBy: { mrn: "asc" },
        take: batchSize,
        select: EXPORT_PATIENT_SELECT,
      });
      if (patients.length === 0) break;
      const evaluations = await cohortEvaluations(db, patients);
      const byPatient = await latestMeasures(db, patients.map((p) => p.id), options.now);
      const lines = patients.map((p) =>
        toCohortRow(
          {
            mrn: p.mrn,
            familyName: p.familyName,
            givenName: p.givenName,
            birthDate: p.birthDate,
            sex: p.sex,
            diet: p.diet,
            attributedClinician: p.attributedClinician?.name ?? null,
            lastAssessedAt: p.lastAssessedAt,
            evaluation: evaluations.get(p.id) ?? null,
            observations: byPatient.get(p.id) ?? [],
          },
          options.now,
        ),
      );
      yield stringify(lines);
      rows += patients.length;
      afterMrn = patients.at(-1)!.mrn;
      if (patients.length < batchSize) break;
    }
    completed = true;
  } finally {
    await db.$transaction((tx) =>
      appendAudit(tx, actor, [
        {
          action: "export.run",
          entityType: "cohort",
          detail: { format: "csv", tiers: options.tiers ?? [], flags: options.flags ?? [], rows, completed, asOf: options.now.toISOString() },
        },
      ]),
    );
  }
  return { rows };
}

/** Writes the cohort CSV to `out` with back-pressure; does not end `out` (it may be stdout). */
export async function exportCohortCsv(db: Db, actor: Actor, out: Writable, options: CohortExportOptions): Promise<CohortExportSummary> {
  const stream = streamCohortCsv(db, actor, options);
  try {
    for (;;) {
      const next = await stream.next();
      if (next.done) return next.value;
      if (!out.write(next.value)) await once(out, "drain");
    }
  } catch (error) {
    // Closing the generator runs its `finally`, so an interrupted export is still audited.
    await stream.return({ rows: 0 });
    throw error;
  }
}
