import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchPrefetch, FhirFetchError, MAX_PAGES, resolveTemplate, type FetchContext } from "@/lib/cds-hooks/fhir-fetch";
import { PrefetchError } from "@/lib/cds-hooks/prefetch";
import { startTestFhirServer, type TestFhirServer } from "../support/fhir-server";

/**
 * Fetching missing prefetch from an EHR's FHIR server (lib/cds-hooks/fhir-fetch.ts), against real
 * HTTP servers on this machine: Medplum's in-memory FHIR server, and small hand-made servers only
 * where a server must misbehave (point its paging elsewhere, never end its pages).
 */

const TOKEN = "the-access-token";
const PATIENT = { resourceType: "Patient", id: "p1", name: [{ family: "Jackson", given: ["Jan"] }], gender: "female", birthDate: "1940-02-03" } as const;
const grip = (n: number) => ({
  resourceType: "Observation",
  id: `grip-${n}`,
  status: "final",
  code: { coding: [{ system: "http://loinc.org", code: "83174-3" }] },
  subject: { reference: "Patient/p1" },
  effectiveDateTime: `2026-0${1 + (n % 9)}-01`,
  valueQuantity: { value: 20 + n, unit: "kg", system: "http://unitsofmeasure.org", code: "kg" },
});

let fhir: TestFhirServer;
beforeAll(async () => {
  fhir = await startTestFhirServer([PATIENT, ...Array.from({ length: 23 }, (_, n) => grip(n)), { ...grip(99), id: "other", subject: { reference: "Patient/p2" } }] as never, { token: TOKEN, pageSize: 5 });
}, 60_000);
afterAll(async () => fhir?.close());

const context = (overrides: Partial<FetchContext> = {}): FetchContext => ({
  fhirServer: fhir.baseUrl,
  fhirAuthorization: { access_token: TOKEN, token_type: "Bearer" },
  patientId: "p1",
  trustedServers: [fhir.baseUrl],
  ...overrides,
});

async function serve(handler: (url: string, origin: string) => unknown): Promise<{ url: string; hits: string[]; close: () => Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? "");
    res.writeHead(200, { "content-type": "application/fhir+json" }).end(JSON.stringify(handler(req.url ?? "", `http://${req.headers.host}`)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/fhir`, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("resolveTemplate", () => {
  it("fills in the patient, as a typed subject reference in searches", () => {
    expect(resolveTemplate("Patient/{{context.patientId}}", "p 1")).toBe("Patient/p%201");
    expect(resolveTemplate("Observation?patient={{context.patientId}}&code=http://loinc.org|2132-9", "p1")).toBe("Observation?subject=Patient/p1&code=http://loinc.org|2132-9");
    expect(resolveTemplate("Condition?clinical-status=active&patient={{context.patientId}}", "p1")).toBe("Condition?clinical-status=active&subject=Patient/p1");
  });
});

describe("fetchPrefetch", () => {
  it("reads a resource, and every page of a search as one Bundle of that patient's records", async () => {
    const got = await fetchPrefetch({ patient: "Patient/{{context.patientId}}", grips: "Observation?patient={{context.patientId}}&code=http://loinc.org|83174-3" }, context());
    expect((got.patient as { id: string }).id).toBe("p1");
    const bundle = got.grips as { resourceType: string; total: number; entry: { resource: { id: string } }[] };
    expect(bundle.resourceType).toBe("Bundle");
    expect(bundle.entry.map((e) => e.resource.id).sort()).toEqual(Array.from({ length: 23 }, (_, n) => `grip-${n}`).sort());
    expect(bundle.total).toBe(23);
  });

  it("gives null for a resource the server does not have", async () => {
    expect(await fetchPrefetch({ patient: "Patient/{{context.patientId}}" }, context({ patientId: "nobody" }))).toEqual({ patient: null });
  });

  it("refuses (412) without a server or a token, or with a server not trusted for the client, before calling anything", async () => {
    const asked = fhir.requests.length;
    const templates = { patient: "Patient/{{context.patientId}}" };
    await expect(fetchPrefetch(templates, context({ fhirServer: undefined }))).rejects.toMatchObject({ status: 412 });
    await expect(fetchPrefetch(templates, context({ fhirAuthorization: undefined }))).rejects.toMatchObject({ status: 412 });
    await expect(fetchPrefetch(templates, context({ trustedServers: ["https://ehr.example.org/fhir"] }))).rejects.toBeInstanceOf(PrefetchError);
    await expect(fetchPrefetch(templates, context({ fhirAuthorization: { access_token: TOKEN, token_type: "MAC" } }))).rejects.toMatchObject({ status: 400 });
    expect(fhir.requests.length).toBe(asked);
  });

  it("accepts the trusted server with or without a trailing slash", async () => {
    const got = await fetchPrefetch({ patient: "Patient/{{context.patientId}}" }, context({ fhirServer: `${fhir.baseUrl}/`, trustedServers: [fhir.baseUrl] }));
    expect((got.patient as { id: string }).id).toBe("p1");
  });

  it("says the token was refused when the server answers 401", async () => {
    await expect(fetchPrefetch({ patient: "Patient/{{context.patientId}}" }, context({ fhirAuthorization: { access_token: "wrong", token_type: "bearer" } }))).rejects.toThrow(/401.*access token was refused/);
  });

  it("gives up after its time budget, saying so", async () => {
    fhir.delayMs = 400;
    try {
      await expect(fetchPrefetch({ patient: "Patient/{{context.patientId}}" }, context({ budgetMs: 100 }))).rejects.toThrow(/took longer than 0.1 s/);
    } finally {
      fhir.delayMs = 0;
    }
  });

  it("never follows a next link to another origin with the token", async () => {
    const elsewhere = await serve(() => ({ resourceType: "Bundle", type: "searchset", entry: [] }));
    const ehr = await serve((url) => ({ resourceType: "Bundle", type: "searchset", entry: [{ resource: { ...grip(1) } }], link: url.includes("page=2") ? [] : [{ relation: "next", url: `${elsewhere.url}/Observation?page=2` }] }));
    try {
      const got = await fetchPrefetch({ grips: "Observation?patient={{context.patientId}}" }, context({ fhirServer: ehr.url, trustedServers: [ehr.url] }));
      expect((got.grips as { entry: unknown[] }).entry).toHaveLength(1);
      expect(elsewhere.hits).toEqual([]);
    } finally {
      await Promise.all([ehr.close(), elsewhere.close()]);
    }
  });

  it(`stops a search that never ends its pages after ${MAX_PAGES} pages`, async () => {
    const endless = await serve((url, origin) => ({ resourceType: "Bundle", type: "searchset", entry: [], link: [{ relation: "next", url: `${origin}/fhir/Observation?page=${Number(new URL(url, origin).searchParams.get("page") ?? "1") + 1}` }] }));
    try {
      await expect(fetchPrefetch({ grips: "Observation?patient={{context.patientId}}" }, context({ fhirServer: endless.url, trustedServers: [endless.url] }))).rejects.toBeInstanceOf(FhirFetchError);
      expect(endless.hits).toHaveLength(MAX_PAGES);
    } finally {
      await endless.close();
    }
  });
});
