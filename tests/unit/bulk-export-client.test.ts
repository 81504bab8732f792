import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { BulkDataError, downloadExportFile, kickOffExport, pollExport } from "@/lib/bulk-data/export-client";

/**
 * The Bulk Data export client (lib/bulk-data/export-client.ts) against small HTTP servers on this
 * machine that answer the way the specification allows a server to — and misbehave where a test
 * needs it. The whole protocol against a real export runs in tests/integration/bulk-sync.int.test.ts.
 */

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];
async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const dir = mkdtempSync(path.join(tmpdir(), "bulk-client-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MANIFEST = { transactionTime: "2026-11-21T10:00:00.000Z", request: "x", requiresAccessToken: true, output: [{ type: "Patient", url: "http://127.0.0.1:1/f.ndjson" }], error: [] };

/** A status URL that says "in progress" `waits` times (with the given headers), then gives `final`. */
async function statusServer(waits: number, headers: (n: number) => Record<string, string>, final: { status: number; body: unknown }) {
  let polls = 0;
  const origin = await serve((_req, res) => {
    polls += 1;
    if (polls <= waits) res.writeHead(202, headers(polls)).end();
    else res.writeHead(final.status, { "content-type": "application/json" }).end(JSON.stringify(final.body));
  });
  return `${origin}/status/1`;
}

describe("pollExport", () => {
  it("waits what Retry-After asks (seconds), capped by maxWaitMs, and reports X-Progress", async () => {
    const url = await statusServer(2, (n) => ({ "retry-after": n === 1 ? "3" : "500", "x-progress": `${n * 40}%` }), { status: 200, body: MANIFEST });
    const waits: number[] = [];
    const progress: (string | null)[] = [];
    const manifest = await pollExport(url, { accessToken: "t", maxWaitMs: 60_000, sleep: async (ms) => void waits.push(ms), onProgress: (p) => progress.push(p) });
    expect(manifest.transactionTime).toBe(MANIFEST.transactionTime);
    expect(waits).toEqual([3_000, 60_000]);
    expect(progress).toEqual(["40%", "80%"]);
  });

  it("backs off exponentially from 1 s when the server gives no Retry-After", async () => {
    const url = await statusServer(4, () => ({}), { status: 200, body: MANIFEST });
    const waits: number[] = [];
    await pollExport(url, { accessToken: "t", maxWaitMs: 5_000, sleep: async (ms) => void waits.push(ms) });
    expect(waits).toEqual([1_000, 2_000, 4_000, 5_000]);
  });

  it("reads a Retry-After given as an HTTP date", async () => {
    const url = await statusServer(1, () => ({ "retry-after": new Date(Date.now() + 10_000).toUTCString() }), { status: 200, body: MANIFEST });
    const waits: number[] = [];
    await pollExport(url, { accessToken: "t", sleep: async (ms) => void waits.push(ms) });
    expect(waits[0]).toBeGreaterThan(7_000);
    expect(waits[0]).toBeLessThanOrEqual(10_000);
  });

  it("gives up when the export is not ready in time, saying it can be resumed", async () => {
    const url = await statusServer(100, () => ({ "retry-after": "120" }), { status: 200, body: MANIFEST });
    await expect(pollExport(url, { accessToken: "t", timeoutMs: 60_000, sleep: async () => undefined })).rejects.toThrow(/not finished the export in time; run the sync again/);
  });

  it("an error status is the export failing, with the server's own reason", async () => {
    const url = await statusServer(0, () => ({}), { status: 500, body: { resourceType: "OperationOutcome", issue: [{ severity: "error", code: "exception", diagnostics: "disk full" }] } });
    await expect(pollExport(url, { accessToken: "t" })).rejects.toThrow(/export failed \(500: disk full\)/);
  });

  it("refuses a manifest without what the specification requires of it", async () => {
    const url = await statusServer(0, () => ({}), { status: 200, body: { ...MANIFEST, transactionTime: "yesterday", output: [{ type: "Patient" }] } });
    const error = await pollExport(url, { accessToken: "t" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BulkDataError);
    expect(String(error)).toMatch(/transactionTime/);
    expect(String(error)).toMatch(/output\.0\.url/);
  });
});

describe("kickOffExport", () => {
  it("asks asynchronously for the given types since an instant, and returns the status URL", async () => {
    let seen: { url?: string; prefer?: string; auth?: string } = {};
    const origin = await serve((req, res) => {
      seen = { url: req.url, prefer: String(req.headers.prefer), auth: req.headers.authorization };
      res.writeHead(202, { "content-location": "/fhir/status/42" }).end();
    });
    const status = await kickOffExport({ fhirBaseUrl: `${origin}/fhir/`, accessToken: "tok", groupId: "g 1", types: ["Patient", "Observation"], since: new Date("2026-11-01T00:00:00Z") });
    expect(status).toBe(`${origin}/fhir/status/42`);
    expect(seen).toEqual({ url: "/fhir/Group/g%201/$export?_type=Patient%2CObservation&_since=2026-11-01T00%3A00%3A00.000Z", prefer: "respond-async", auth: "Bearer tok" });
  });

  it("says why the EHR refused, and when it gave no status URL", async () => {
    const refusing = await serve((_req, res) => res.writeHead(403, { "content-type": "application/fhir+json" }).end(JSON.stringify({ resourceType: "OperationOutcome", issue: [{ diagnostics: "scope system/Observation.rs not granted" }] })));
    await expect(kickOffExport({ fhirBaseUrl: refusing, accessToken: "t", types: ["Patient"] })).rejects.toThrow(/refused to start the export \(403: scope system\/Observation.rs not granted\)/);
    const silent = await serve((_req, res) => res.writeHead(202).end());
    await expect(kickOffExport({ fhirBaseUrl: silent, accessToken: "t", types: ["Patient"] })).rejects.toThrow(/no status URL/);
  });
});

describe("downloadExportFile", () => {
  it("sends the token only to the FHIR server's own origin, and only when the manifest requires it", async () => {
    const auth: (string | undefined)[] = [];
    const files = await serve((req, res) => {
      auth.push(req.headers.authorization);
      res.writeHead(200, { "content-type": "application/fhir+ndjson" }).end('{"resourceType":"Patient","id":"a"}\n');
    });
    const fhir = await serve((_req, res) => res.writeHead(404).end());
    await expect(downloadExportFile(`${files}/f.ndjson`, path.join(dir, "x.ndjson"), { accessToken: "secret", requiresAccessToken: true, fhirBaseUrl: `${fhir}/fhir` })).rejects.toThrow(/only sent to the EHR's own FHIR server/);
    expect(auth).toEqual([]);
    const bytes = await downloadExportFile(`${files}/f.ndjson`, path.join(dir, "open.ndjson"), { accessToken: "secret", requiresAccessToken: false, fhirBaseUrl: `${fhir}/fhir` });
    expect(bytes).toBe(36);
    expect(auth).toEqual([undefined]);
    await downloadExportFile(`${files}/f.ndjson`, path.join(dir, "own.ndjson"), { accessToken: "secret", requiresAccessToken: true, fhirBaseUrl: `${files}/fhir` });
    expect(auth).toEqual([undefined, "Bearer secret"]);
  });

  it("a file cut off mid-way leaves nothing on disk under its name", async () => {
    const cutting = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/fhir+ndjson", "content-length": "1000" });
      res.write('{"resourceType":"Patient"');
      setTimeout(() => res.destroy(), 20);
    });
    await expect(downloadExportFile(`${cutting}/f.ndjson`, path.join(dir, "cut.ndjson"), { accessToken: "t", requiresAccessToken: true, fhirBaseUrl: cutting })).rejects.toThrow(BulkDataError);
    expect(readdirSync(dir).filter((f) => f.startsWith("cut"))).toEqual([]);
  });
});
