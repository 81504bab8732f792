import "server-only";
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Db } from "@/lib/data/db/client";
import { actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { importFhir, type FhirImportResult } from "@/lib/data/import/fhir";
import { appendAudit } from "@/lib/data/audit/log";
import { AppError } from "@/lib/errors";
import { backendAccessToken, SYNC_RESOURCE_TYPES, type BackendClient } from "@/lib/smart/backend-services";
import { downloadExportFile, exportManifestSchema, fetchPatientsById, kickOffExport, pollExport, type ExportManifest } from "@/lib/bulk-data/export-client";

/**
 * Bulk Data sync (docs/ehr-integration.md#fhir-bulk-data-sync): the clinic's patients read from its EHR
 * with a FHIR Bulk Data export and imported through the FHIR import pipeline.
 *
 *   1. **token** — SMART Backend Services (lib/smart/backend-services.ts);
 *   2. **export** — kick-off (`_type`, and `_since` = the last completed sync's `transactionTime`),
 *      then polling with back-off until the manifest (lib/bulk-data/export-client.ts);
 *   3. **download** — each NDJSON file into a staging folder of its own, a file on disk always whole;
 *      and, for an incremental export, the Patients its changed resources name but it does not
 *      hold (they did not change), read by id, so the importer can match them to the clinic's
 *      patients by MRN;
 *   4. **import** — every downloaded file at once through `importFhir`: one transaction, all or
 *      nothing, idempotent (a resource already imported is skipped).
 *
 * Every step is recorded on the sync's `BulkSync` row as it completes, so a sync that is killed
 * or fails part-way has written nothing to the clinic's records and is **resumed** by the next
 * run: it polls the same export, downloads only the files still missing, and imports. If the
 * process dies after the import committed but before the row says so, the resumed import finds
 * every resource already there and changes nothing. Only one sync per clinic and EHR runs at a
 * time (the row's `activeKey` is unique while it is unfinished; a runner holds it by heartbeat).
 */

export type BulkSyncStatus = "exporting" | "downloading" | "importing" | "completed" | "failed";

export interface BulkSource {
  /** The EHR's FHIR base URL. */
  fhirBaseUrl: string;
  /** Export this Group's patients; all patients (`Patient/$export`) when absent. */
  groupId?: string | null;
  client: BackendClient;
}

export interface BulkSyncOptions {
  now: Date;
  /** Where the downloaded files are kept until imported (one folder per sync). */
  stagingDir: string;
  /** Told of each step, for a progress line. */
  onProgress?: (step: BulkSyncStatus, done: number, total: number, detail?: string) => void;
  /** Polling limits (tests shorten them). */
  poll?: { maxWaitMs?: number; timeoutMs?: number };
  /** A runner whose heartbeat is older than this is taken to have died, and its sync is resumed. */
  staleAfterMs?: number;
  /** Abandon an unfinished sync (e.g. its export expired on the EHR) and start a new one. */
  restart?: boolean;
}

export interface BulkSyncResult {
  syncId: string;
  resumed: boolean;
  since: Date | null;
  transactionTime: Date;
  files: number;
  import: FhirImportResult;
}

const DEFAULT_STALE_MS = 10 * 60_000;

function activeKey(clinicId: string, fhirBaseUrl: string): string {
  return `${clinicId} ${fhirBaseUrl}`;
}

/** Output file `i` of the manifest, in the sync's staging folder (a name the importer reports by). */
function stagedName(index: number, type: string): string {
  return `${String(index + 1).padStart(4, "0")}-${type.replace(/[^A-Za-z]/g, "")}.ndjson`;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Patient ids the staged files refer to (`subject`, `patient`) that no staged Patient file holds. */
async function patientsNamedButAbsent(folder: string): Promise<string[]> {
  const held = new Set<string>();
  const named = new Set<string>();
  for (const name of (await readdir(folder)).filter((n) => n.endsWith(".ndjson"))) {
    for (const line of (await readFile(path.join(folder, name), "utf8")).split("\n")) {
      if (line.trim() === "") continue;
      let resource: { resourceType?: unknown; id?: unknown; subject?: { reference?: unknown }; patient?: { reference?: unknown } };
      try {
        resource = JSON.parse(line) as typeof resource;
      } catch {
        continue; // the importer reports the unreadable line
      }
      if (resource.resourceType === "Patient" && typeof resource.id === "string") held.add(resource.id);
      const ref = resource.subject?.reference ?? resource.patient?.reference;
      if (typeof ref === "string" && ref.startsWith("Patient/")) named.add(ref.slice("Patient/".length));
    }
  }
  return [...named].filter((id) => !held.has(id)).sort();
}

/** Takes (or resumes) the clinic's sync from this EHR; refuses while another runner's heartbeat is fresh. */
async function claimSync(db: Db, clinicId: string, source: BulkSource, runner: string, options: BulkSyncOptions) {
  const key = activeKey(clinicId, source.fhirBaseUrl);
  const staleBefore = new Date(Date.now() - (options.staleAfterMs ?? DEFAULT_STALE_MS));
  const open = await db.bulkSync.findUnique({ where: { activeKey: key } });
  if (open) {
    if (open.runnerId !== null && open.heartbeatAt > staleBefore) {
      throw new AppError("conflict", `A sync from ${source.fhirBaseUrl} is already running (started ${open.startedAt.toISOString()}, step "${open.status}"); wait for it to finish.`);
    }
    if (options.restart) {
      await db.bulkSync.update({ where: { id: open.id }, data: { activeKey: null, status: "failed", message: "abandoned: restarted", finishedAt: new Date() } });
    } else {
      const claimed = await db.bulkSync.updateMany({ where: { id: open.id, heartbeatAt: open.heartbeatAt }, data: { runnerId: runner, heartbeatAt: new Date() } });
      if (claimed.count === 0) throw new AppError("conflict", `Another run has just resumed the sync from ${source.fhirBaseUrl}; wait for it to finish.`);
      return { sync: open, resumed: true };
    }
  }
  const last = await db.bulkSync.findFirst({ where: { clinicId, fhirBaseUrl: source.fhirBaseUrl, status: "completed" }, orderBy: { transactionTime: "desc" }, select: { transactionTime: true } });
  try {
    const sync = await db.bulkSync.create({
      data: { clinicId, fhirBaseUrl: source.fhirBaseUrl, groupId: source.groupId ?? null, activeKey: key, runnerId: runner, status: "exporting", since: last?.transactionTime ?? null },
    });
    return { sync, resumed: false };
  } catch {
    throw new AppError("conflict", `A sync from ${source.fhirBaseUrl} has just been started by someone else; wait for it to finish.`);
  }
}

/** A sync that has been claimed and is running: its id, and the promise of its end. */
export interface StartedSync {
  syncId: string;
  resumed: boolean;
  done: Promise<BulkSyncResult>;
}

/** Runs (or resumes) a sync of the actor's clinic from `source` and waits for it; see the file comment. */
export async function syncFromEhr(db: Db, actor: Actor, source: BulkSource, options: BulkSyncOptions): Promise<BulkSyncResult> {
  return (await startSync(db, actor, source, options)).done;
}

/**
 * Claims the sync (refusing at once, with the reason, when another is running) and runs it in the
 * background: the EHR page's button returns as soon as it has started, then follows its progress
 * on the BulkSync row (`latestSync`).
 */
export async function startSync(db: Db, actor: Actor, source: BulkSource, options: BulkSyncOptions): Promise<StartedSync> {
  if (!can(actorRole(actor), "import:run")) throw new AppError("forbidden", "You may not import data.");
  const clinicId = actor.clinicId;
  if (!clinicId) throw new AppError("forbidden", "A sync needs a clinic.");
  const runner = randomUUID();
  const { sync, resumed } = await claimSync(db, clinicId, source, runner, options);
  return { syncId: sync.id, resumed, done: runSync(db, actor, source, options, sync, resumed) };
}

type ClaimedSync = Awaited<ReturnType<typeof claimSync>>["sync"];

async function runSync(db: Db, actor: Actor, source: BulkSource, options: BulkSyncOptions, sync: ClaimedSync, resumed: boolean): Promise<BulkSyncResult> {
  const progress = options.onProgress ?? (() => undefined);
  const save = (data: Parameters<Db["bulkSync"]["update"]>[0]["data"]) => db.bulkSync.update({ where: { id: sync.id }, data: { ...data, heartbeatAt: new Date() } });

  try {
    progress("exporting", 0, 1);
    const token = await backendAccessToken(source.fhirBaseUrl, source.client, options.now);

    let statusUrl = sync.statusUrl;
    if (statusUrl === null) {
      statusUrl = await kickOffExport({ fhirBaseUrl: source.fhirBaseUrl, accessToken: token.accessToken, groupId: source.groupId, types: SYNC_RESOURCE_TYPES, since: sync.since });
      await save({ statusUrl });
    }
    let manifest: ExportManifest;
    if (sync.manifestJson === null) {
      manifest = await pollExport(statusUrl, { accessToken: token.accessToken, ...options.poll, onProgress: (said) => progress("exporting", 0, 1, said ?? undefined) });
      await save({ status: "downloading", manifestJson: JSON.stringify(manifest), transactionTime: new Date(manifest.transactionTime), filesTotal: manifest.output.length });
    } else {
      manifest = exportManifestSchema.parse(JSON.parse(sync.manifestJson));
    }

    const folder = path.join(options.stagingDir, sync.id);
    await mkdir(folder, { recursive: true });
    let done = 0;
    for (const [index, file] of manifest.output.entries()) {
      const target = path.join(folder, stagedName(index, file.type));
      if (!(await exists(target))) {
        await downloadExportFile(file.url, target, { accessToken: token.accessToken, requiresAccessToken: manifest.requiresAccessToken, fhirBaseUrl: source.fhirBaseUrl });
      }
      done += 1;
      await save({ filesDone: done });
      progress("downloading", done, manifest.output.length);
    }

    const referenced = path.join(folder, "0000-referenced-Patient.ndjson");
    if (!(await exists(referenced))) {
      const missing = await patientsNamedButAbsent(folder);
      const text = missing.length === 0 ? "" : await fetchPatientsById(source.fhirBaseUrl, token.accessToken, missing);
      await writeFile(`${referenced}.part`, text);
      await rename(`${referenced}.part`, referenced);
    }

    await save({ status: "importing" });
    progress("importing", 0, 1);
    const names = (await readdir(folder)).filter((name) => name.endsWith(".ndjson")).sort();
    // An empty file (no referenced patients; an export the server wrote nothing into) holds nothing to import.
    const files = (await Promise.all(names.map(async (name) => ({ name, content: await readFile(path.join(folder, name)) })))).filter((f) => f.content.length > 0);
    const imported = await importFhir(db, actor, files, { now: options.now });
    if (imported.blocked) {
      const reasons = imported.errors.map((e) => `${e.file}: ${e.message}`).join("; ");
      throw new AppError("invalid", `The EHR's export files could not be read (${reasons}); nothing was imported.`);
    }
    const transactionTime = new Date(manifest.transactionTime);
    await db.$transaction(async (tx) => {
      await tx.bulkSync.update({ where: { id: sync.id }, data: { status: "completed", activeKey: null, runnerId: null, importJobId: imported.importJobId, finishedAt: new Date(), heartbeatAt: new Date(), message: null } });
      const detail = { fhirBaseUrl: source.fhirBaseUrl, groupId: source.groupId ?? null, since: sync.since?.toISOString() ?? null, transactionTime: manifest.transactionTime, files: manifest.output.length, importJobId: imported.importJobId, resumed };
      await appendAudit(tx, actor, [{ action: "bulk.sync", entityType: "bulk_sync", entityId: sync.id, detail }], new Date());
    });
    await rm(folder, { recursive: true, force: true });
    progress("completed", 1, 1);
    return { syncId: sync.id, resumed, since: sync.since, transactionTime, files: manifest.output.length, import: imported };
  } catch (error) {
    // Left resumable: the row keeps what is done; the next run picks it up (or --restart abandons it).
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 2_000);
    await db.bulkSync.update({ where: { id: sync.id }, data: { runnerId: null, message } }).catch(() => undefined);
    throw error;
  }
}

export interface SyncStatus {
  id: string;
  status: string;
  running: boolean;
  filesDone: number;
  filesTotal: number;
  since: Date | null;
  transactionTime: Date | null;
  message: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

/** The clinic's latest sync from `fhirBaseUrl` (any EHR when null; for the EHR page's progress), or null. */
export async function latestSync(db: Db, actor: Actor, fhirBaseUrl: string | null, options: { staleAfterMs?: number } = {}): Promise<SyncStatus | null> {
  if (!can(actorRole(actor), "import:run")) throw new AppError("forbidden", "You may not see syncs.");
  const row = await db.bulkSync.findFirst({
    where: { clinicId: actor.clinicId, ...(fhirBaseUrl === null ? {} : { fhirBaseUrl }) },
    orderBy: { startedAt: "desc" },
    select: { id: true, status: true, runnerId: true, heartbeatAt: true, filesDone: true, filesTotal: true, since: true, transactionTime: true, message: true, startedAt: true, finishedAt: true },
  });
  if (!row) return null;
  const { runnerId, heartbeatAt, ...rest } = row;
  const running = runnerId !== null && Date.now() - heartbeatAt.getTime() < (options.staleAfterMs ?? DEFAULT_STALE_MS);
  return { ...rest, running };
}
