import { z } from "zod";
import { isObject, type Json } from "@/lib/domain/fhir-map";
import { PrefetchError } from "./prefetch";

/**
 * Prefetch the EHR did not send, fetched from its FHIR server (CDS Hooks 2.0, "FHIR Resource
 * Access"): the request names the server (`fhirServer`) and gives a bearer token for it
 * (`fhirAuthorization`), and the service runs its own prefetch queries there.
 *
 * The token is only ever sent to a server this app was told to trust for that client
 * (`fhirServers` in CDS_CLIENTS): a JWT proves who the EHR is, not that the URL it names is its
 * own, and a service that fetched any URL it was given could be made to call inside the network
 * it runs in. Paging follows `next` links on the same origin only, for the same reason, and stops
 * at MAX_PAGES. The whole fetch has one time budget; what it reads is held in memory for the
 * evaluation and never stored.
 */

/** CDS Hooks 2.0 `fhirAuthorization`: the fields this service needs. */
const fhirAuthorizationSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().refine((type) => type.toLowerCase() === "bearer", { message: "must be \"Bearer\"" }),
});

/** A patient's search pages: a busy record is a few pages of the server's default size. */
export const MAX_PAGES = 20;
/** The time the whole fetch may take, inside the 500 ms the EHR waits for cards at p95 and the few seconds it waits at most. */
export const FETCH_BUDGET_MS = 4000;

export class FhirFetchError extends Error {}

export interface FetchContext {
  fhirServer: string | undefined;
  fhirAuthorization: unknown;
  patientId: string;
  /** The FHIR base URLs trusted for this CDS client (CDS_CLIENTS `fhirServers`). */
  trustedServers: readonly string[];
  /** FETCH_BUDGET_MS unless a caller needs less. */
  budgetMs?: number;
}

const withoutSlash = (url: string) => url.replace(/\/+$/, "");

/**
 * The query of a prefetch template for this patient. A search's `patient=` becomes
 * `subject=Patient/<id>`: the same records (`patient` is `subject` restricted to Patient
 * references, and the reference is typed), in a form every server answers without resolving each
 * record's reference to learn its type — which some servers do, slowly, and some decline for a
 * bare id.
 */
export function resolveTemplate(template: string, patientId: string): string {
  const id = encodeURIComponent(patientId);
  return template.replace(/([?&])patient=\{\{context\.patientId\}\}/g, `$1subject=Patient/${id}`).replaceAll("{{context.patientId}}", id);
}

/**
 * Runs the prefetch queries of `templates` (key → FHIR query) against the EHR's FHIR server and
 * returns them as prefetch values: a read's resource (null when the server has none), or one
 * searchset Bundle holding every page of a search.
 */
export async function fetchPrefetch(templates: Readonly<Record<string, string>>, context: FetchContext): Promise<Record<string, unknown>> {
  const keys = Object.keys(templates);
  if (!context.fhirServer || context.fhirAuthorization === undefined) {
    throw new PrefetchError(
      `Prefetch ${keys.map((k) => `"${k}"`).join(", ")} missing, and the request gives no fhirServer and fhirAuthorization to fetch it with: configure the CDS client to send the prefetch its discovery lists (GET /cds-services), or a FHIR server and an access token.`,
      412,
    );
  }
  const server = withoutSlash(context.fhirServer);
  if (!context.trustedServers.some((trusted) => withoutSlash(trusted) === server)) {
    throw new PrefetchError(
      `Prefetch ${keys.map((k) => `"${k}"`).join(", ")} missing, and the FHIR server "${server}" is not one this app fetches from for this CDS client; an administrator lists it under "fhirServers" in CDS_CLIENTS (docs/ehr-integration.md), or the client sends the prefetch.`,
      412,
    );
  }
  const authorization = fhirAuthorizationSchema.safeParse(context.fhirAuthorization);
  if (!authorization.success) throw new PrefetchError("fhirAuthorization must give an access_token of token_type \"Bearer\".", 400);
  const accessToken = authorization.data.access_token;
  const signal = AbortSignal.timeout(context.budgetMs ?? FETCH_BUDGET_MS);
  const origin = new URL(server).origin;

  async function get(url: string): Promise<Json | null> {
    let response: Response;
    try {
      response = await fetch(url, { headers: { Accept: "application/fhir+json", Authorization: `Bearer ${accessToken}` }, signal, redirect: "error" });
    } catch (error) {
      const why = signal.aborted ? `took longer than ${(context.budgetMs ?? FETCH_BUDGET_MS) / 1000} s` : error instanceof Error ? error.message : String(error);
      throw new FhirFetchError(`The FHIR server ${server} could not be read (${why}).`);
    }
    if (response.status === 404 || response.status === 410) return null;
    if (!response.ok) throw new FhirFetchError(`The FHIR server ${server} answered ${response.status} to ${url.slice(server.length + 1)}${response.status === 401 || response.status === 403 ? " (the access token was refused)" : ""}.`);
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new FhirFetchError(`The FHIR server ${server} answered ${url.slice(server.length + 1)} with something that is not JSON.`);
    }
    if (!isObject(body)) throw new FhirFetchError(`The FHIR server ${server} answered ${url.slice(server.length + 1)} with something that is not a FHIR resource.`);
    return body;
  }

  async function search(url: string): Promise<Json> {
    const entries: unknown[] = [];
    let next: string | undefined = url;
    for (let page = 0; next !== undefined; page++) {
      if (page === MAX_PAGES) throw new FhirFetchError(`The FHIR server ${server} has more than ${MAX_PAGES} pages for ${url.slice(server.length + 1)}; the record is too large to evaluate while the EHR waits.`);
      const bundle: Json | null = await get(next);
      if (bundle === null) break;
      if (bundle.resourceType !== "Bundle") throw new FhirFetchError(`The FHIR server ${server} answered a search with a ${String(bundle.resourceType)}, not a Bundle.`);
      if (Array.isArray(bundle.entry)) entries.push(...bundle.entry.filter((entry) => !isObject(entry) || !isObject(entry.search) || entry.search.mode !== "outcome"));
      const link = Array.isArray(bundle.link) ? bundle.link.find((l) => isObject(l) && l.relation === "next") : undefined;
      const nextUrl = isObject(link) && typeof link.url === "string" ? link.url : undefined;
      // Only on the server's own origin: the token goes nowhere else.
      next = nextUrl !== undefined && new URL(nextUrl, `${server}/`).origin === origin ? new URL(nextUrl, `${server}/`).toString() : undefined;
    }
    return { resourceType: "Bundle", type: "searchset", total: entries.length, entry: entries };
  }

  const values = await Promise.all(
    keys.map(async (key) => {
      const query = resolveTemplate(templates[key]!, context.patientId);
      const url = `${server}/${query}`;
      return [key, query.includes("?") ? await search(url) : await get(url)] as const;
    }),
  );
  return Object.fromEntries(values);
}
