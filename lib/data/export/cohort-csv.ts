import "server-only";
import { once } from "node:events";
import type { Writable } from "node:stream";
import type { Db } from "@/lib/data/db/client";
import { auditRead } from "@/lib/data/audit/log";
import { actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import type { ThresholdValues } from "@/lib/domain/thresholds";
import { cohortRow, csvLine, EXPORT_COLUMNS, EXPORT_MEASURE_KINDS, measureCells, storedMeasureCells, type CohortEvaluation, type MeasureCells } from "@/lib/domain/csv-export";
import type { Diet, FlagCode, ObservationInput, Sex, Tier } from "@/lib/domain/types";
import { z } from "zod";
import { storedDateTime, storedRow, StoredValueError } from "@/lib/data/stored/decode";
import { decodeCohortEvaluation, decodeCohortEvaluationFromDetail, decodeDiet, decodeFlagCode, decodeFlagLife, decodeMassMethod, decodeMeasureKind, decodeSex } from "@/lib/data/stored/values";
import { flagState, type FlagLifecycleSettings, type FlagState } from "@/lib/domain/flag-lifecycle";
import { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { savedViewQueryString, type PanelQuery } from "@/lib/validation/panel-query";
import { panelWhere } from "@/lib/data/patients/panel";
import { chunks, IDS_PER_QUERY } from "@/lib/data/db/batches";
import { openSqliteReader } from "@/lib/data/db/sqlite-connection";
import type { Database, Statement } from "better-sqlite3";

export interface CohortExportOptions {
  /** Age and the measure columns are as of this time. */
  now: Date;
  /** Only patients in one of these tiers (default: all, including never evaluated). */
  tiers?: readonly Tier[];
  /** Only patients with at least one of these flags in their stored evaluation. */
  flags?: readonly FlagCode[];
  /**
   * Exactly the patient panel's cohort for this actor and query (panelWhere: filters and cohort
   * criteria, cut-offs resolved by resolveCohortCutOffs); `tiers` and `flags` still narrow it.
   */
  panel?: { actor: Actor; query: PanelQuery };
  /** Patients per query; memory is bounded by one batch whatever the cohort size. */
  batchSize?: number;
}

/**
 * Patients per page: one id list, so a page needs at most one observation query
 * (docs/benchmarks.md: larger pages were no faster).
 */
const PATIENTS_PER_PAGE = IDS_PER_QUERY;

/**
 * Patients per batch when the whole clinic is read through a SQLite reader ({@link readerBatches}):
 * smaller batches leave less alive at each young-generation collection. 100,000 patients through
 * `npm run cli -- export` (then one statement stepped in chunks; now a page per batch), medians of
 * 4: 900 a chunk 3.4 s CPU and 323 MB peak RSS, 400 3.5 s / 317 MB, 200 3.1 s / 250 MB, 100
 * 3.4 s / 251 MB (docs/benchmarks.md). The web download passes its own size.
 */
const READER_PATIENTS_PER_CHUNK = 200;

export interface CohortExportSummary {
  rows: number;
}

/**
 * The panel cohort's filter (panelWhere: the panel's filters and cohort criteria, narrowed by
 * `tiers` and `flags`), or null when the export reads the whole clinic — no panel, or a panel with
 * no filter at all (what "Download CSV" under an unfiltered panel asks for). The whole clinic is
 * read with {@link clinicSelect}, which applies `tiers` and `flags` itself, in a fraction of the
 * CPU of Prisma's query with its relations (docs/operations.md "Load").
 */
function panelFilter(clinicId: string, options: CohortExportOptions, lifecycle: FlagLifecycleSettings): Prisma.PatientWhereInput | null {
  if (!options.panel) return null;
  const base = panelWhere(options.panel.actor, options.panel.query, options.now, lifecycle);
  if (base.clinicId !== clinicId) throw new AppError("forbidden", "The cohort belongs to another clinic.");
  if (Object.keys(base).length === 1) return null;
  const snapshot: Prisma.RiskSnapshotWhereInput = {};
  if (options.tiers && options.tiers.length > 0) snapshot.tier = { in: [...options.tiers] };
  // flagCodes is the `;`-joined list; no flag code is a substring of another, so `contains` is exact.
  if (options.flags && options.flags.length > 0) snapshot.OR = options.flags.map((code) => ({ flagCodes: { contains: code } }));
  return Object.keys(snapshot).length === 0 ? base : { AND: [base, { snapshot }] };
}

/** An open flag as the export reads it, whichever query read it: what `decodeFlagLife` decodes, with its patient and code. */
type OpenFlagRow = Parameters<typeof decodeFlagLife>[0] & { patientId: string; code: string };

/** The open flags of a batch of patients through Prisma: one query per {@link IDS_PER_QUERY} patients. */
async function prismaOpenFlags(db: Db, patientIds: readonly string[]): Promise<OpenFlagRow[]> {
  const flags: OpenFlagRow[] = [];
  for (const ids of chunks(patientIds, IDS_PER_QUERY)) {
    flags.push(
      ...(await db.flag.findMany({
        where: { patientId: { in: ids }, status: "open" },
        orderBy: [{ patientId: "asc" }, { code: "asc" }, { id: "asc" }],
        select: { id: true, patientId: true, code: true, status: true, stage: true, dueAt: true, actionDueAt: true, orderedAt: true, postponedUntil: true },
      })),
    );
  }
  return flags;
}

/** The open flags of each patient of a batch with their state at `now`. */
function openFlagStates(flags: readonly OpenFlagRow[], now: Date, lifecycle: FlagLifecycleSettings): Map<string, { code: string; state: FlagState }[]> {
  const byPatient = new Map<string, { code: string; state: FlagState }[]>();
  for (const flag of flags) {
    const list = byPatient.get(flag.patientId) ?? [];
    list.push({ code: decodeFlagCode(flag.code, flag.id), state: flagState(decodeFlagLife(flag), now, lifecycle).state });
    byPatient.set(flag.patientId, list);
  }
  return byPatient;
}

/** One patient of a batch as the export reads it, whichever query read it. */
interface ExportBatchPatient {
  id: string;
  mrn: string;
  familyName: string;
  givenName: string;
  birthDate: Date;
  sex: Sex;
  diet: Diet | null;
  lastAssessedAt: Date | null;
  clinician: string | null;
  /** Null when the patient was never evaluated. */
  snapshotId: string | null;
  /** Null also for a snapshot written before the column existed (read from `detailJson`). */
  cohortJson: string | null;
}

/** A row of the plain SELECT below. */
const exportRowSchema = z.object({
  id: z.string(),
  mrn: z.string(),
  familyName: z.string(),
  givenName: z.string(),
  birthDate: z.date(),
  sex: z.string(),
  diet: z.string().nullable(),
  lastAssessedAt: z.date().nullable(),
  clinician: z.string().nullable(),
  snapshotId: z.string().nullable(),
  cohortJson: z.string().nullable(),
});

const EXPORT_PATIENT_SELECT = {
  id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true, diet: true, lastAssessedAt: true,
  attributedClinician: { select: { name: true } },
  snapshot: { select: { id: true, cohortJson: true } },
} satisfies Prisma.PatientSelect;

/** `LIKE` pattern for text containing `code`, `!` escaping the wildcards (both databases). */
const containsPattern = (code: string): string => `%${code.replace(/[!%_]/g, "!$&")}%`;

/**
 * The whole clinic (optionally by tier and flag) in MRN order: one plain SELECT joining Patient,
 * RiskSnapshot and User — a third of the CPU of Prisma's query plus a query per relation. Its
 * columns are {@link exportRowSchema}'s, in that order; `after` continues after an MRN (keyset).
 */
function clinicSelect(clinicId: string, options: CohortExportOptions, after: Prisma.Sql, limit: Prisma.Sql): Prisma.Sql {
  const tiers = options.tiers && options.tiers.length > 0 ? Prisma.sql`AND s."tier" IN (${Prisma.join([...options.tiers])})` : Prisma.empty;
  // As panelFilter's `contains`: flagCodes is the `;`-joined list and no code is a substring of another.
  const flags =
    options.flags && options.flags.length > 0
      ? Prisma.sql`AND (${Prisma.join(options.flags.map((code) => Prisma.sql`s."flagCodes" LIKE ${containsPattern(code)} ESCAPE '!'`), " OR ")})`
      : Prisma.empty;
  return Prisma.sql`
    SELECT p."id" AS "id", p."mrn" AS "mrn", p."familyName" AS "familyName", p."givenName" AS "givenName", p."birthDate" AS "birthDate",
      p."sex" AS "sex", p."diet" AS "diet", p."lastAssessedAt" AS "lastAssessedAt", u."name" AS "clinician",
      s."id" AS "snapshotId", s."cohortJson" AS "cohortJson"
    FROM "Patient" p
    LEFT JOIN "RiskSnapshot" s ON s."patientId" = p."id"
    LEFT JOIN "User" u ON u."id" = p."attributedClinicianId"
    WHERE p."clinicId" = ${clinicId} ${after} ${tiers} ${flags}
    ORDER BY p."mrn"
    ${limit}`;
}

/**
 * The cohort in batches of `batchSize` patients in MRN order, each batch read by keyset pagination
 * (`mrn > last`, the (clinicId, mrn) index) so memory does not grow with the cohort: a panel cohort
 * through Prisma with its filter (`where`, {@link panelFilter}), the whole clinic (`where` null)
 * with {@link clinicSelect}.
 */
async function* prismaBatches(
  db: Db,
  clinicId: string,
  options: CohortExportOptions,
  where: Prisma.PatientWhereInput | null,
  batchSize: number,
): AsyncGenerator<ExportBatch> {
  let afterMrn: string | null = null;
  for (;;) {
    const patients: ExportBatchPatient[] = where
      ? (
          await db.patient.findMany({
            where: afterMrn === null ? where : { AND: [where, { mrn: { gt: afterMrn } }] },
            orderBy: { mrn: "asc" },
            take: batchSize,
            select: EXPORT_PATIENT_SELECT,
          })
        ).map(({ attributedClinician, snapshot, sex, diet, ...p }) => ({
          ...p,
          sex: decodeSex(sex, p.id),
          diet: decodeDiet(diet, p.id),
          clinician: attributedClinician?.name ?? null,
          snapshotId: snapshot?.id ?? null,
          cohortJson: snapshot?.cohortJson ?? null,
        }))
      : (
          await db.$queryRaw<unknown[]>(
            clinicSelect(clinicId, options, afterMrn === null ? Prisma.empty : Prisma.sql`AND p."mrn" > ${afterMrn}`, Prisma.sql`LIMIT ${Prisma.raw(String(batchSize))}`),
          )
        ).map((row) => {
          const { sex, diet, ...patient } = storedRow(exportRowSchema, "Patient", row);
          return { ...patient, sex: decodeSex(sex, patient.id), diet: decodeDiet(diet, patient.id) };
        });
    if (patients.length === 0) return;
    yield { patients, openFlags: null };
    if (patients.length < batchSize) return;
    afterMrn = patients.at(-1)!.mrn;
  }
}

/** A stored column, as a decoding error names it. */
const storedColumn = (table: string, column: string) => ({ table, column });
const BIRTH_DATE = storedColumn("Patient", "birthDate");
const LAST_ASSESSED_AT = storedColumn("Patient", "lastAssessedAt");

/** A text column of a row read without Prisma (better-sqlite3 gives strings, numbers, bigints, buffers or null). */
function text(value: unknown, table: string, column: string, rowId: string): string {
  if (typeof value === "string") return value;
  throw new StoredValueError(table, rowId, column, `is ${value === null ? "empty" : `a ${typeof value}`}, not text`);
}
function optionalText(value: unknown, table: string, column: string, rowId: string): string | null {
  return value === null ? null : text(value, table, column, rowId);
}

/** One row of {@link clinicSelect} as better-sqlite3 returns it (an array in the SELECT's order), decoded. */
function readerPatient(row: unknown[]): ExportBatchPatient {
  const [rawId, mrn, familyName, givenName, birthDate, sex, diet, lastAssessedAt, clinician, snapshotId, cohortJson] = row;
  const id = typeof rawId === "string" ? rawId : "(no id)";
  text(rawId, "Patient", "id", id);
  return {
    id,
    mrn: text(mrn, "Patient", "mrn", id),
    familyName: text(familyName, "Patient", "familyName", id),
    givenName: text(givenName, "Patient", "givenName", id),
    birthDate: storedDateTime(birthDate, BIRTH_DATE, id),
    sex: decodeSex(text(sex, "Patient", "sex", id), id),
    diet: decodeDiet(optionalText(diet, "Patient", "diet", id), id),
    lastAssessedAt: optionalDateTime(lastAssessedAt, LAST_ASSESSED_AT, id),
    clinician: optionalText(clinician, "User", "name", id),
    snapshotId: optionalText(snapshotId, "RiskSnapshot", "id", id),
    cohortJson: optionalText(cohortJson, "RiskSnapshot", "cohortJson", id),
  };
}

const DUE_AT = storedColumn("Flag", "dueAt");
const ACTION_DUE_AT = storedColumn("Flag", "actionDueAt");
const ORDERED_AT = storedColumn("Flag", "orderedAt");
const POSTPONED_UNTIL = storedColumn("Flag", "postponedUntil");
const optionalDateTime = (value: unknown, at: { table: string; column: string }, rowId: string) => (value === null ? null : storedDateTime(value, at, rowId));

/** One row of the open-flag SELECT in {@link readerBatches}, decoded as Prisma decodes it. */
function readerOpenFlag(row: unknown[]): OpenFlagRow {
  const [rawId, patientId, code, status, stage, dueAt, actionDueAt, orderedAt, postponedUntil] = row;
  const id = text(rawId, "Flag", "id", "(no id)");
  return {
    id,
    patientId: text(patientId, "Flag", "patientId", id),
    code: text(code, "Flag", "code", id),
    status: text(status, "Flag", "status", id),
    stage: text(stage, "Flag", "stage", id),
    dueAt: storedDateTime(dueAt, DUE_AT, id),
    actionDueAt: optionalDateTime(actionDueAt, ACTION_DUE_AT, id),
    orderedAt: optionalDateTime(orderedAt, ORDERED_AT, id),
    postponedUntil: optionalDateTime(postponedUntil, POSTPONED_UNTIL, id),
  };
}

/** A batch of the cohort with its patients' open flags, when the reader read them too. */
interface ExportBatch {
  patients: ExportBatchPatient[];
  /** Null: read them through Prisma. */
  openFlags: OpenFlagRow[] | null;
}

/**
 * The whole clinic's cohort in batches, read through a SQLite connection of its own
 * ({@link openSqliteReader}) inside one read transaction, so every batch comes from the same
 * committed state: the patients by {@link clinicSelect} with keyset pagination as in
 * {@link prismaBatches}, and each batch's open flags. So a batch needs no query through the Prisma
 * client, whose one SQLite connection every other request of the server queues for, one query at a
 * time: under load an export that made one Prisma query per batch waited in that queue once per
 * batch (docs/operations.md "Load"). Prisma is still asked for the few patients whose stored
 * evaluation predates the cohort cells or whose stored measure cells are no longer current.
 */
function* readerBatches(reader: Database, clinicId: string, options: CohortExportOptions, batchSize: number): Generator<ExportBatch> {
  const statements = new Map<string, Statement>();
  const run = (query: Prisma.Sql): unknown[][] => {
    let statement = statements.get(query.sql);
    if (!statement) statements.set(query.sql, (statement = reader.prepare(query.sql).raw(true)));
    return statement.all(...query.values) as unknown[][];
  };
  const limit = Prisma.sql`LIMIT ${Prisma.raw(String(batchSize))}`;
  reader.exec("BEGIN");
  try {
    let afterMrn: string | null = null;
    for (;;) {
      const patients: ExportBatchPatient[] = run(clinicSelect(clinicId, options, afterMrn === null ? Prisma.empty : Prisma.sql`AND p."mrn" > ${afterMrn}`, limit)).map(readerPatient);
      if (patients.length === 0) return;
      const openFlags = chunks(patients.map((p) => p.id), IDS_PER_QUERY).flatMap((ids) =>
        run(Prisma.sql`
          SELECT "id", "patientId", "code", "status", "stage", "dueAt", "actionDueAt", "orderedAt", "postponedUntil"
          FROM "Flag" WHERE "status" = 'open' AND "patientId" IN (${Prisma.join(ids)})
          ORDER BY "patientId", "code", "id"`).map(readerOpenFlag),
      );
      yield { patients, openFlags };
      if (patients.length < batchSize) return;
      afterMrn = patients.at(-1)!.mrn;
    }
  } finally {
    // An error that ended the transaction already (SQLite rolls back on some) must not be hidden by a failing COMMIT.
    if (reader.inTransaction) reader.exec("COMMIT");
  }
}

/**
 * The stored evaluations of a batch, by patient: the snapshot's small `cohortJson`, or for a
 * snapshot written before that column existed its full `detailJson` (read only for those).
 */
async function cohortEvaluations(db: Db, patients: readonly ExportBatchPatient[]): Promise<Map<string, CohortEvaluation>> {
  const result = new Map<string, CohortEvaluation>();
  const older: string[] = [];
  for (const p of patients) {
    if (p.cohortJson && p.snapshotId !== null) result.set(p.id, decodeCohortEvaluation(p.cohortJson, p.snapshotId));
    else if (p.snapshotId !== null) older.push(p.id);
  }
  for (const slice of chunks(older)) {
    const rows = await db.riskSnapshot.findMany({ where: { patientId: { in: slice } }, select: { id: true, patientId: true, detailJson: true } });
    for (const row of rows) result.set(row.patientId, decodeCohortEvaluationFromDetail(row.detailJson, row.id));
  }
  return result;
}

/**
 * The final observations of the export's kinds on or before `now`, by patient, in the engine's
 * order (observedAt, then createdAt). One query per batch, by patient id only (the ids come from
 * the clinic-scoped patient query), so the (patientId, kind, observedAt) index serves it. Fetching only the latest row per kind with correlated
 * subqueries was tried and cost twice the CPU on SQLite (a sorter per seek for the createdAt tie).
 */
async function exportObservations(db: Db, ids: readonly string[], now: Date): Promise<Map<string, ObservationInput[]>> {
  const byPatient = new Map<string, ObservationInput[]>();
  // In slices: Prisma refuses more bind values than the database takes (999 on SQLite).
  for (const slice of chunks(ids)) {
    const observations = await db.observation.findMany({
      where: { patientId: { in: slice }, status: "final", kind: { in: [...EXPORT_MEASURE_KINDS] }, observedAt: { lte: now } },
      select: { id: true, patientId: true, kind: true, value: true, isUnable: true, observedAt: true, method: true },
      orderBy: [{ observedAt: "asc" }, { createdAt: "asc" }],
    });
    for (const { id, patientId, kind, method, ...o } of observations) {
      const list = byPatient.get(patientId) ?? [];
      list.push({ ...o, kind: decodeMeasureKind(kind, id), method: decodeMassMethod(method, id) });
      byPatient.set(patientId, list);
    }
  }
  return byPatient;
}

/**
 * The measure cells of a batch as of `now`, by patient: the ones stored with the evaluation where
 * they are still current (lib/domain/csv-export.ts `storedMeasureCells`), else computed from the
 * observations and rounded against the clinic's thresholds in force — read only for those patients (never evaluated, an older snapshot without the
 * cells, `now` before the evaluation, or a future-dated result that has come due since).
 */
async function batchMeasureCells(
  db: Db,
  patients: readonly ExportBatchPatient[],
  evaluations: ReadonlyMap<string, CohortEvaluation>,
  now: Date,
  thresholds: ThresholdValues,
): Promise<Map<string, MeasureCells>> {
  const result = new Map<string, MeasureCells>();
  const stale: string[] = [];
  for (const p of patients) {
    const stored = storedMeasureCells(evaluations.get(p.id) ?? null, now);
    if (stored) result.set(p.id, stored);
    else stale.push(p.id);
  }
  if (stale.length === 0) return result;
  const byPatient = await exportObservations(db, stale, now);
  for (const id of stale) result.set(id, measureCells(byPatient.get(id) ?? [], now, thresholds));
  return result;
}

/**
 * The actor's clinic's cohort as CSV text chunks: the header, then one chunk per batch of
 * patients read in MRN order ({@link prismaBatches}, {@link readerBatches}), so memory does not
 * grow with the cohort. Cells are formula-neutralised (lib/domain/csv-export.ts).
 * One "export.run" audit event with the filter and the row count is written when the stream ends,
 * also when the consumer stops early (`completed: false`).
 */
export async function* streamCohortCsv(db: Db, actor: Actor, options: CohortExportOptions): AsyncGenerator<string, CohortExportSummary> {
  if (!can(actorRole(actor), "export:identified")) throw new AppError("forbidden", "You may not export identified patient data.");
  const clinicId = actor.clinicId;
  if (!clinicId) throw new AppError("forbidden", "Exporting needs a clinic.");
  // The labels beside recomputed cells come from the set in force: round against the same cut-offs,
  // and state each flag by the same lifecycle settings.
  const thresholds = (await getActiveThresholds(db, clinicId, options.now)).values;
  const lifecycle = thresholds.flagLifecycle;
  const where = panelFilter(clinicId, options, lifecycle);
  let rows = 0;
  let completed = false;
  let reader: Database | null = null;
  try {
    yield csvLine(EXPORT_COLUMNS);
    // The whole clinic on a SQLite file: through a connection of its own; else through Prisma.
    reader = where ? null : openSqliteReader(db);
    const batchSize = options.batchSize ?? (reader ? READER_PATIENTS_PER_CHUNK : PATIENTS_PER_PAGE);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new Error(`streamCohortCsv: batch size must be a positive integer, not ${batchSize}`);
    const batches = reader ? readerBatches(reader, clinicId, options, batchSize) : prismaBatches(db, clinicId, options, where, batchSize);
    for await (const { patients, openFlags } of batches) {
      const evaluations = await cohortEvaluations(db, patients);
      const measures = await batchMeasureCells(db, patients, evaluations, options.now, thresholds);
      const flagStates = openFlagStates(openFlags ?? (await prismaOpenFlags(db, patients.map((p) => p.id))), options.now, lifecycle);
      const lines = patients.map((p) =>
        cohortRow(
          {
            mrn: p.mrn,
            familyName: p.familyName,
            givenName: p.givenName,
            birthDate: p.birthDate,
            sex: p.sex,
            diet: p.diet,
            attributedClinician: p.clinician,
            lastAssessedAt: p.lastAssessedAt,
            evaluation: evaluations.get(p.id) ?? null,
            openFlagStates: flagStates.get(p.id) ?? [],
          },
          measures.get(p.id)!,
          options.now,
        ),
      );
      // Counted when handed over: an export stopped at this batch has disclosed it.
      rows += patients.length;
      yield lines.map(csvLine).join("");
    }
    completed = true;
  } finally {
    reader?.close();
    // auditRead waits up to 15 s for a connection: under load a cut-off export must still be recorded.
    const cohort = options.panel ? savedViewQueryString(options.panel.query) : undefined;
    await auditRead(db, actor, [
      {
        action: "export.run",
        entityType: "cohort",
        detail: { format: "csv", tiers: options.tiers ?? [], flags: options.flags ?? [], ...(cohort !== undefined ? { cohort } : {}), rows, completed, asOf: options.now.toISOString() },
      },
    ]);
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
