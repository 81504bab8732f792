import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { MemoryRepository } from "@medplum/fhir-router";
import type { Group, Resource, ResourceType } from "@medplum/fhirtypes";

/**
 * FHIR Bulk Data Access 2.0 export ("$export", the asynchronous request pattern) for the test FHIR
 * server (tests/support/fhir-server.ts). Medplum's router has no `$export` (its server keeps the
 * operation in a package that needs PostgreSQL and Redis), and no independent Bulk Data server is
 * available as a package, so this file is the one piece of the test EHR's FHIR side written here.
 * It follows the specification to the letter where a client could tell the difference
 * (https://hl7.org/fhir/uv/bulkdata/export.html):
 *
 *   - kick-off: `GET [base]/Patient/$export` or `[base]/Group/[id]/$export` (`_type`, `_since`),
 *     `Prefer: respond-async` required → 202 with `Content-Location` (the status URL);
 *   - status: 202 with `X-Progress` and `Retry-After` while "running" (the first `pollsBeforeDone`
 *     polls), then 200 with the manifest (`transactionTime`, `request`, `requiresAccessToken`,
 *     `output[]` of `{type, url, count}`, `error[]`); `DELETE` cancels (202), later polls 404;
 *   - files: NDJSON, `Content-Type: application/fhir+ndjson`, at most `resourcesPerFile` each,
 *     behind the same bearer token as the API.
 *
 * The data are the repository's, read when the export is kicked off (as a server that snapshots
 * at `transactionTime` would): every resource of the requested types whose `meta.lastUpdated` is
 * after `_since`. A Group's members are its `member[].entity` patients; `Patient/$export` is
 * every patient. Resources other than Patient belong to a patient by `subject` or `patient`.
 */

export interface BulkExportOptions {
  /** Polls answered "in progress" before the manifest (exercises the client's back-off). */
  pollsBeforeDone?: number;
  /** Seconds in the `Retry-After` of an "in progress" answer. */
  retryAfterSeconds?: number;
  resourcesPerFile?: number;
}

interface ExportJob {
  request: string;
  transactionTime: string;
  polls: number;
  /** NDJSON file contents, by file name. */
  files: Map<string, string>;
  output: { type: string; url: string; count: number }[];
}

const DEFAULT_TYPES = ["Patient", "Observation", "Condition", "MedicationRequest", "MedicationStatement"] as const;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/fhir+json", ...headers }).end(body === undefined ? undefined : JSON.stringify(body));
}

function outcome(res: ServerResponse, status: number, diagnostics: string): void {
  send(res, status, { resourceType: "OperationOutcome", issue: [{ severity: "error", code: status === 404 ? "not-found" : "invalid", diagnostics }] });
}

/** The patient a resource is about: itself, or its `subject` / `patient` reference. */
function patientOf(resource: Resource): string | undefined {
  if (resource.resourceType === "Patient") return resource.id;
  const ref = (resource as { subject?: { reference?: string }; patient?: { reference?: string } }).subject?.reference ?? (resource as { patient?: { reference?: string } }).patient?.reference;
  return ref?.startsWith("Patient/") ? ref.slice("Patient/".length) : undefined;
}

export class BulkExportHandler {
  private readonly jobs = new Map<string, ExportJob>();
  /** Kick-off requests received, for tests to inspect (`_since` and `_type` as sent). */
  readonly kickOffs: string[] = [];

  constructor(
    private readonly repo: MemoryRepository,
    private readonly options: BulkExportOptions = {},
  ) {}

  /** Answers a Bulk Data request and returns true, or returns false when `path` is not one. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, base: string): Promise<boolean> {
    const [pathname = "", query = ""] = path.split("?");
    const kickOff = /^(?:Patient|Group\/([A-Za-z0-9\-.]{1,64}))\/\$export$/.exec(pathname);
    if (kickOff) {
      await this.kickOff(req, res, kickOff[1], new URLSearchParams(query), base, path);
      return true;
    }
    const status = /^\$export-status\/([0-9a-f-]{36})$/.exec(pathname);
    if (status) {
      this.status(req, res, status[1]!);
      return true;
    }
    const file = /^\$export-file\/([0-9a-f-]{36})\/([A-Za-z]+-\d+\.ndjson)$/.exec(pathname);
    if (file) {
      const content = this.jobs.get(file[1]!)?.files.get(file[2]!);
      if (content === undefined) outcome(res, 404, "No such export file.");
      else res.writeHead(200, { "content-type": "application/fhir+ndjson" }).end(content);
      return true;
    }
    return false;
  }

  private async kickOff(req: IncomingMessage, res: ServerResponse, groupId: string | undefined, query: URLSearchParams, base: string, path: string): Promise<void> {
    this.kickOffs.push(path);
    if (req.method !== "GET") return outcome(res, 405, "Kick off an export with GET.");
    if (!/respond-async/.test(String(req.headers.prefer ?? ""))) return outcome(res, 400, "Bulk Data kick-off requires the header Prefer: respond-async.");
    const types = (query.get("_type")?.split(",") ?? [...DEFAULT_TYPES]).map((t) => t.trim());
    const unknown = types.find((t) => !(DEFAULT_TYPES as readonly string[]).includes(t));
    if (unknown) return outcome(res, 400, `This server does not export ${unknown}.`);
    const sinceText = query.get("_since");
    const since = sinceText === null ? null : new Date(sinceText);
    if (since !== null && Number.isNaN(since.getTime())) return outcome(res, 400, `_since is not a FHIR instant: ${sinceText}`);

    let members: Set<string> | null = null;
    if (groupId !== undefined) {
      const group = await this.repo.readResource<Group>("Group", groupId).catch(() => undefined);
      if (!group) return outcome(res, 404, `No Group/${groupId}.`);
      members = new Set((group.member ?? []).flatMap((m) => (m.entity.reference?.startsWith("Patient/") ? [m.entity.reference.slice(8)] : [])));
    }

    const id = randomUUID();
    const job: ExportJob = { request: `${base}${path}`, transactionTime: new Date().toISOString(), polls: 0, files: new Map(), output: [] };
    const perFile = this.options.resourcesPerFile ?? 100;
    for (const type of types) {
      const all = await this.repo.searchResources({ resourceType: type as ResourceType, count: 1_000_000 });
      const chosen = all.filter((r) => {
        if (since !== null && !(new Date(r.meta?.lastUpdated ?? 0) > since)) return false;
        const patient = patientOf(r);
        return patient !== undefined && (members === null || members.has(patient));
      });
      for (let i = 0; i * perFile < chosen.length; i += 1) {
        const slice = chosen.slice(i * perFile, (i + 1) * perFile);
        const name = `${type}-${i + 1}.ndjson`;
        job.files.set(name, slice.map((r) => JSON.stringify(r)).join("\n") + "\n");
        job.output.push({ type, url: `${base}$export-file/${id}/${name}`, count: slice.length });
      }
    }
    this.jobs.set(id, job);
    res.writeHead(202, { "content-location": `${base}$export-status/${id}` }).end();
  }

  private status(req: IncomingMessage, res: ServerResponse, id: string): void {
    const job = this.jobs.get(id);
    if (!job) return outcome(res, 404, "No such export (finished, cancelled or never started).");
    if (req.method === "DELETE") {
      this.jobs.delete(id);
      return send(res, 202, undefined);
    }
    job.polls += 1;
    const waiting = this.options.pollsBeforeDone ?? 1;
    if (job.polls <= waiting) {
      res.writeHead(202, { "x-progress": `${Math.round((100 * job.polls) / (waiting + 1))}% prepared`, "retry-after": String(this.options.retryAfterSeconds ?? 1) }).end();
      return;
    }
    send(res, 200, { transactionTime: job.transactionTime, request: job.request, requiresAccessToken: true, output: job.output, error: [] }, { expires: new Date(Date.now() + 3_600_000).toUTCString() });
  }
}
