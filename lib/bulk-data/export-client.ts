import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { z } from "zod";

/**
 * The client side of FHIR Bulk Data Access 2.0 export (https://hl7.org/fhir/uv/bulkdata/export.html):
 * kick off an export, poll its status with back-off until the manifest is ready, download each
 * NDJSON file, or cancel. No database here: lib/data/bulk/sync.ts keeps the state that makes a
 * sync resumable and imports what was downloaded.
 */

export class BulkDataError extends Error {}

export const exportManifestSchema = z.object({
  transactionTime: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "transactionTime must be an instant"),
  request: z.string(),
  requiresAccessToken: z.boolean(),
  output: z.array(z.object({ type: z.string(), url: z.string().url(), count: z.number().int().nonnegative().optional() })),
  error: z.array(z.object({ type: z.string(), url: z.string().url() })).default([]),
});
export type ExportManifest = z.infer<typeof exportManifestSchema>;

export interface KickOff {
  fhirBaseUrl: string;
  accessToken: string;
  /** Export a Group's patients (`Group/[id]/$export`); all patients (`Patient/$export`) when absent. */
  groupId?: string | null;
  types: readonly string[];
  /** Only resources changed after this instant (the last sync's `transactionTime`). */
  since?: Date | null;
}

async function explain(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const outcome = JSON.parse(text) as { issue?: { diagnostics?: string; details?: { text?: string } }[] };
    const said = outcome.issue?.map((i) => i.diagnostics ?? i.details?.text).filter(Boolean).join("; ");
    if (said) return said;
  } catch {
    // not an OperationOutcome
  }
  return text.slice(0, 200) || response.statusText;
}

/** Sends the kick-off request; returns the status URL (`Content-Location`). */
export async function kickOffExport(request: KickOff): Promise<string> {
  const base = request.fhirBaseUrl.replace(/\/+$/, "");
  const path = request.groupId ? `Group/${encodeURIComponent(request.groupId)}/$export` : "Patient/$export";
  const query = new URLSearchParams({ _type: request.types.join(",") });
  if (request.since) query.set("_since", request.since.toISOString());
  const url = `${base}/${path}?${query.toString()}`;
  const response = await fetch(url, {
    headers: { Accept: "application/fhir+json", Prefer: "respond-async", Authorization: `Bearer ${request.accessToken}` },
    signal: AbortSignal.timeout(60_000),
  }).catch((error: unknown) => {
    throw new BulkDataError(`The EHR could not be reached to start the export (${error instanceof Error ? error.message : String(error)}).`);
  });
  if (response.status !== 202) throw new BulkDataError(`The EHR refused to start the export (${response.status}: ${await explain(response)}).`);
  const location = response.headers.get("content-location");
  if (!location) throw new BulkDataError("The EHR accepted the export but gave no status URL (Content-Location).");
  return new URL(location, `${base}/`).toString();
}

export interface PollOptions {
  accessToken: string;
  /** Told how far the server is (its `X-Progress`), each time it says "not yet". */
  onProgress?: (progress: string | null) => void;
  /** The longest wait between two polls, whatever `Retry-After` asks (default 2 minutes). */
  maxWaitMs?: number;
  /** Give up (and leave the export to be resumed) after this long in total (default 6 hours). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Seconds or an HTTP date; null when absent or unreadable. */
function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Polls the status URL until the manifest is ready. Waits what the server's `Retry-After` asks,
 * or backs off exponentially from 1 s when it says nothing, never longer than `maxWaitMs`.
 */
export async function pollExport(statusUrl: string, options: PollOptions): Promise<ExportManifest> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxWait = options.maxWaitMs ?? 120_000;
  const deadline = Date.now() + (options.timeoutMs ?? 6 * 3_600_000);
  let backoff = 1_000;
  for (;;) {
    const response = await fetch(statusUrl, { headers: { Accept: "application/json", Authorization: `Bearer ${options.accessToken}` }, signal: AbortSignal.timeout(60_000) }).catch((error: unknown) => {
      throw new BulkDataError(`The export's status could not be read (${error instanceof Error ? error.message : String(error)}); run the sync again to resume it.`);
    });
    if (response.status === 200) {
      const parsed = exportManifestSchema.safeParse(await response.json().catch(() => null));
      if (!parsed.success) throw new BulkDataError(`The EHR's export manifest is not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}.`);
      return parsed.data;
    }
    if (response.status !== 202) {
      // 4xx/5xx here is the export failing (or expiring): a new one must be started.
      throw new BulkDataError(`The EHR's export failed (${response.status}: ${await explain(response)}).`);
    }
    await response.body?.cancel();
    options.onProgress?.(response.headers.get("x-progress"));
    const asked = retryAfterMs(response.headers.get("retry-after"), Date.now());
    const wait = Math.min(asked ?? backoff, maxWait);
    backoff = Math.min(backoff * 2, maxWait);
    if (Date.now() + wait > deadline) throw new BulkDataError("The EHR has not finished the export in time; run the sync again later to resume waiting for it.");
    await sleep(wait);
  }
}

/**
 * Downloads one output file to `destination`, through a `.part` file renamed at the end, so a
 * file on disk is always whole. The access token is sent only when the manifest requires it and
 * only to the FHIR server's own origin.
 */
export async function downloadExportFile(url: string, destination: string, options: { accessToken: string; requiresAccessToken: boolean; fhirBaseUrl: string }): Promise<number> {
  const sameOrigin = new URL(url).origin === new URL(options.fhirBaseUrl).origin;
  if (options.requiresAccessToken && !sameOrigin) throw new BulkDataError(`An export file is on another server (${new URL(url).origin}) but needs the access token; the token is only sent to the EHR's own FHIR server.`);
  const headers: Record<string, string> = { Accept: "application/fhir+ndjson" };
  if (options.requiresAccessToken) headers.Authorization = `Bearer ${options.accessToken}`;
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10 * 60_000) }).catch((error: unknown) => {
    throw new BulkDataError(`An export file could not be downloaded (${error instanceof Error ? error.message : String(error)}); run the sync again to resume.`);
  });
  if (!response.ok || !response.body) throw new BulkDataError(`The EHR answered ${response.status} for an export file (${url}): ${await explain(response)}.`);
  const part = `${destination}.part`;
  let bytes = 0;
  const counted = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>).on("data", (chunk: Buffer) => (bytes += chunk.length));
  try {
    await pipeline(counted, createWriteStream(part));
  } catch (error) {
    await rm(part, { force: true });
    throw new BulkDataError(`An export file was cut off while downloading (${error instanceof Error ? error.message : String(error)}); run the sync again to resume.`);
  }
  await rename(part, destination);
  return bytes;
}

/**
 * Reads Patients by id through the FHIR API (`Patient?_id=…`, 50 ids a search, following `next`
 * links on the same server) — for an incremental export whose changed Observations name patients
 * that did not change themselves, so are not in it. Returns them as NDJSON text.
 */
export async function fetchPatientsById(fhirBaseUrl: string, accessToken: string, ids: readonly string[]): Promise<string> {
  const base = fhirBaseUrl.replace(/\/+$/, "");
  const lines: string[] = [];
  for (let i = 0; i < ids.length; i += 50) {
    let url: string | null = `${base}/Patient?_id=${ids.slice(i, i + 50).map(encodeURIComponent).join(",")}&_count=50`;
    for (let page = 0; url !== null && page < 100; page += 1) {
      const response: Response = await fetch(url, { headers: { Accept: "application/fhir+json", Authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(60_000) }).catch((error: unknown) => {
        throw new BulkDataError(`The patients named by the export could not be read (${error instanceof Error ? error.message : String(error)}); run the sync again to resume.`);
      });
      if (!response.ok) throw new BulkDataError(`The EHR answered ${response.status} when asked for the patients the export names: ${await explain(response)}.`);
      const bundle = (await response.json()) as { entry?: { resource?: { resourceType?: string } }[]; link?: { relation?: string; url?: string }[] };
      for (const entry of bundle.entry ?? []) if (entry.resource?.resourceType === "Patient") lines.push(JSON.stringify(entry.resource));
      const next = bundle.link?.find((l) => l.relation === "next")?.url;
      url = next && new URL(next).origin === new URL(base).origin ? next : null;
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** Asks the server to stop and discard an export (DELETE on the status URL); failures are ignored. */
export async function cancelExport(statusUrl: string, accessToken: string): Promise<void> {
  await fetch(statusUrl, { method: "DELETE", headers: { Authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(30_000) })
    .then((r) => r.body?.cancel())
    .catch(() => undefined);
}
