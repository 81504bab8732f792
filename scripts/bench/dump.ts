/**
 * The database's own CSV dump of the cohort export's columns (the bound the export is compared to):
 * `sqlite3 -csv` for SQLite, `psql \copy … TO '/dev/null' CSV` for PostgreSQL. One SELECT writes
 * the same cells the exporter writes (lib/domain/csv-export.ts EXPORT_COLUMNS): demographics from
 * Patient, the stored evaluation from RiskSnapshot, the clinician's name; same clinic, same MRN
 * order. Two forms, both printed by the benchmark:
 *
 * - "observations" (the original bound): the measure cells computed from the Observation table —
 *   grip, gait and B12 from the denormalised latest values on Patient, the latest final chair
 *   stand, muscle mass, height (for ASMI), SARC-F and MMA on or before `now` through correlated
 *   subqueries on the (patientId, kind, observedAt) index; the b12-lowering medicines out of
 *   `detailJson`.
 * - "stored": the cells the export itself reads — the measure cells and the medicines out of the
 *   snapshot's small `cohortJson` (`json_extract` on SQLite, `->>` on PostgreSQL), stored there at
 *   evaluation time (lib/data/evaluation/snapshots.ts). The like-for-like bound for the export's own work.
 */
import { spawn } from "node:child_process";
import { openSync, closeSync } from "node:fs";
import type { BenchDatabase } from "./databases";

function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function sqliteLatest(kind: string, now: string, expr = `round(o."value", 1)`): string {
  return `(SELECT ${expr} FROM "Observation" o WHERE o."patientId" = p."id" AND o."kind" = '${kind}' AND o."status" = 'final' AND o."observedAt" <= ${now} ORDER BY o."observedAt" DESC LIMIT 1)`;
}

function pgLatest(kind: string, now: string, expr = `round(o."value"::numeric, 1)`): string {
  return `(SELECT ${expr} FROM "Observation" o WHERE o."patientId" = p."id" AND o."kind" = '${kind}' AND o."status" = 'final' AND o."observedAt" <= ${now} ORDER BY o."observedAt" DESC LIMIT 1)`;
}

/** Where the dump takes the measure cells from (see the file comment). */
export type DumpCells = "observations" | "stored";

const MEASURE_KEYS = ["grip", "gait", "chair", "asm", "asmi", "sarc_f", "b12", "mma"] as const;
const STORED_KEYS: Record<(typeof MEASURE_KEYS)[number], string> = {
  grip: "grip_strength_kg", gait: "gait_speed_m_s", chair: "chair_stand_5x_s", asm: "asm_kg", asmi: "asmi_kg_m2",
  sarc_f: "sarc_f_score", b12: "b12_pmol_l", mma: "mma_umol_l",
};

/** The dump reading the stored cells: one flat SELECT, the JSON read once per cell. */
function storedDumpSql(kind: BenchDatabase, clinicId: string, now: Date): string {
  const sqlite = kind === "sqlite";
  const cell = (key: string) => (sqlite ? `json_extract(s."cohortJson", '$.measures.${key}')` : `(s."cohortJson"::json -> 'measures' ->> '${key}')`);
  const measures = MEASURE_KEYS.map((key) => `${cell(STORED_KEYS[key])} AS ${key}`).join(", ");
  if (sqlite) {
    const n = quote(now.toISOString().replace("Z", "+00:00"));
    return `SELECT p."mrn", p."familyName", p."givenName", substr(p."birthDate", 1, 10), p."sex",
    CAST(strftime('%Y', ${n}) AS INTEGER) - CAST(strftime('%Y', substr(p."birthDate", 1, 10)) AS INTEGER)
      - (strftime('%m-%d', ${n}) < strftime('%m-%d', substr(p."birthDate", 1, 10))) AS age,
    s."tier", s."ewgsop2", s."awgs2019", s."b12Status", CASE WHEN s."b12OnTreatment" THEN 'true' ELSE 'false' END, s."flagCodes",
    ${measures},
    substr(p."lastAssessedAt", 1, 10), json_extract(s."cohortJson", '$.medicines.b12Lowering'),
    s."evaluatedAt", s."ruleSetVersion", p."diet", u."name", substr(s."nextDueAt", 1, 10)
  FROM "Patient" p
  LEFT JOIN "RiskSnapshot" s ON s."patientId" = p."id"
  LEFT JOIN "User" u ON u."id" = p."attributedClinicianId"
  WHERE p."clinicId" = ${quote(clinicId)}
  ORDER BY p."mrn"`;
  }
  const n = `${quote(now.toISOString())}::timestamp`;
  return `SELECT p."mrn", p."familyName", p."givenName", to_char(p."birthDate", 'YYYY-MM-DD'), p."sex",
    date_part('year', age(${n}, p."birthDate"))::int AS age,
    s."tier", s."ewgsop2", s."awgs2019", s."b12Status", CASE WHEN s."b12OnTreatment" THEN 'true' ELSE 'false' END, s."flagCodes",
    ${measures},
    to_char(p."lastAssessedAt", 'YYYY-MM-DD'), (s."cohortJson"::json -> 'medicines' -> 'b12Lowering')::text,
    s."evaluatedAt", s."ruleSetVersion", p."diet", u."name", to_char(s."nextDueAt", 'YYYY-MM-DD')
  FROM "Patient" p
  LEFT JOIN "RiskSnapshot" s ON s."patientId" = p."id"
  LEFT JOIN "User" u ON u."id" = p."attributedClinicianId"
  WHERE p."clinicId" = ${quote(clinicId)}
  ORDER BY p."mrn"`;
}

export function dumpSql(kind: BenchDatabase, clinicId: string, now: Date, cells: DumpCells = "observations"): string {
  if (cells === "stored") return storedDumpSql(kind, clinicId, now);
  if (kind === "sqlite") {
    // Prisma's SQLite adapter stores DateTime as ISO text ("2026-11-21T00:00:00.000+00:00").
    const n = quote(now.toISOString().replace("Z", "+00:00"));
    return `SELECT mrn, familyName, givenName, birth_date, sex, age, tier, ewgsop2, awgs2019, b12_on, b12_status, flagCodes,
  grip, gait, chair, asm, CASE WHEN asm IS NULL OR height IS NULL THEN NULL ELSE round(asm / ((height / 100.0) * (height / 100.0)), 2) END AS asmi,
  sarc_f, b12, mma, last_assessed, b12_lowering, evaluatedAt, ruleSetVersion, diet, clinician, next_due
FROM (
  SELECT p."mrn" AS mrn, p."familyName" AS familyName, p."givenName" AS givenName, substr(p."birthDate", 1, 10) AS birth_date, p."sex" AS sex,
    CAST(strftime('%Y', ${n}) AS INTEGER) - CAST(strftime('%Y', substr(p."birthDate", 1, 10)) AS INTEGER)
      - (strftime('%m-%d', ${n}) < strftime('%m-%d', substr(p."birthDate", 1, 10))) AS age,
    s."tier" AS tier, s."ewgsop2" AS ewgsop2, s."awgs2019" AS awgs2019, s."b12Status" AS b12_status,
    CASE WHEN s."b12OnTreatment" THEN 'true' ELSE 'false' END AS b12_on, s."flagCodes" AS flagCodes,
    round(p."latestGripKg", 1) AS grip, round(p."latestGaitMs", 2) AS gait,
    ${sqliteLatest("chair_stand_5x", n, `CASE WHEN o."isUnable" THEN 'unable' ELSE round(o."value", 1) END`)} AS chair,
    ${sqliteLatest("asm", n, `o."value"`)} AS asm,
    ${sqliteLatest("height", n, `o."value"`)} AS height,
    ${sqliteLatest("sarc_f", n, `round(o."value", 0)`)} AS sarc_f,
    round(p."latestB12Pmol", 1) AS b12,
    ${sqliteLatest("mma", n, `round(o."value", 2)`)} AS mma,
    substr(p."lastAssessedAt", 1, 10) AS last_assessed,
    json_extract(s."detailJson", '$.medicines.b12Lowering') AS b12_lowering,
    s."evaluatedAt" AS evaluatedAt, s."ruleSetVersion" AS ruleSetVersion, p."diet" AS diet, u."name" AS clinician,
    substr(s."nextDueAt", 1, 10) AS next_due
  FROM "Patient" p
  LEFT JOIN "RiskSnapshot" s ON s."patientId" = p."id"
  LEFT JOIN "User" u ON u."id" = p."attributedClinicianId"
  WHERE p."clinicId" = ${quote(clinicId)}
  ORDER BY p."mrn"
)`;
  }
  const n = `${quote(now.toISOString())}::timestamp`;
  return `SELECT mrn, "familyName", "givenName", birth_date, sex, age, tier, ewgsop2, awgs2019, b12_status, b12_on, "flagCodes",
  grip, gait, chair, round(asm, 1) AS asm, CASE WHEN asm IS NULL OR height IS NULL THEN NULL ELSE round((asm / ((height / 100.0) * (height / 100.0)))::numeric, 2) END AS asmi,
  sarc_f, b12, mma, last_assessed, b12_lowering, "evaluatedAt", "ruleSetVersion", diet, clinician, next_due
FROM (
  SELECT p."mrn" AS mrn, p."familyName", p."givenName", to_char(p."birthDate", 'YYYY-MM-DD') AS birth_date, p."sex" AS sex,
    date_part('year', age(${n}, p."birthDate"))::int AS age,
    s."tier" AS tier, s."ewgsop2" AS ewgsop2, s."awgs2019" AS awgs2019, s."b12Status" AS b12_status,
    CASE WHEN s."b12OnTreatment" THEN 'true' ELSE 'false' END AS b12_on, s."flagCodes",
    round(p."latestGripKg"::numeric, 1) AS grip, round(p."latestGaitMs"::numeric, 2) AS gait,
    ${pgLatest("chair_stand_5x", n, `CASE WHEN o."isUnable" THEN 'unable' ELSE round(o."value"::numeric, 1)::text END`)} AS chair,
    ${pgLatest("asm", n, `o."value"::numeric`)} AS asm,
    ${pgLatest("height", n, `o."value"::numeric`)} AS height,
    ${pgLatest("sarc_f", n, `round(o."value"::numeric, 0)`)} AS sarc_f,
    round(p."latestB12Pmol"::numeric, 1) AS b12,
    ${pgLatest("mma", n, `round(o."value"::numeric, 2)`)} AS mma,
    to_char(p."lastAssessedAt", 'YYYY-MM-DD') AS last_assessed,
    (s."detailJson"::json -> 'medicines' -> 'b12Lowering')::text AS b12_lowering,
    s."evaluatedAt", s."ruleSetVersion", p."diet" AS diet, u."name" AS clinician,
    to_char(s."nextDueAt", 'YYYY-MM-DD') AS next_due
  FROM "Patient" p
  LEFT JOIN "RiskSnapshot" s ON s."patientId" = p."id"
  LEFT JOIN "User" u ON u."id" = p."attributedClinicianId"
  WHERE p."clinicId" = ${quote(clinicId)}
  ORDER BY p."mrn"
) t`;
}

/** Runs the dump once; resolves with its wall time in ms (output to /dev/null, or counted when `count`). */
export function runDump(kind: BenchDatabase, url: string, sql: string, count = false): Promise<{ ms: number; lines: number }> {
  const oneLine = sql.replace(/\s+/g, " ");
  const [cmd, args] =
    kind === "sqlite"
      ? ["sqlite3", ["-csv", url.replace(/^file:/, ""), oneLine]]
      : ["psql", [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", `\\copy (${oneLine}) TO ${count ? "STDOUT" : "'/dev/null'"} CSV`]];
  return new Promise((resolve, reject) => {
    const devNull = count ? null : openSync("/dev/null", "w");
    const t0 = performance.now();
    const child = spawn(cmd as string, args as string[], { stdio: ["ignore", count ? "pipe" : devNull!, "pipe"] });
    let lines = 0;
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) lines += 1;
    });
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30 * 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (devNull !== null) closeSync(devNull);
      if (code !== 0) reject(new Error(`${cmd} dump failed (exit ${code}): ${stderr.trim().slice(0, 500)}`));
      else resolve({ ms: performance.now() - t0, lines });
    });
  });
}
