import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { authenticateCdsClient, CdsAuthError, type AuthenticatedCdsClient } from "@/lib/auth/cds-client-jwt";
import type { CdsClients } from "@/lib/config/cds-clients.mjs";
import { cdsClinic, recordCdsFeedback, type CdsClinic } from "@/lib/data/cds-hooks/clinic";
import { rememberCdsToken } from "@/lib/data/cds-hooks/token-use";
import type { Db } from "@/lib/data/db/client";
import { evaluatePatient } from "@/lib/domain/evaluate";
import { textProblem } from "@/lib/domain/text-rules";
import { NO_STORE } from "@/lib/http/security-headers";
import { patientViewCards, type Card } from "./cards";
import { b12OrderCard, promptingDrafts } from "./order-select";
import { fetchPrefetch, FhirFetchError } from "./fhir-fetch";
import { missingPrefetch, PrefetchError, readPrefetch, resourcesOf } from "./prefetch";
import { discovery, isCdsServiceId, PREFETCH, type CdsServiceId } from "./services";

/**
 * The CDS Hooks 2.0 endpoints, behind the thin route handlers in app/cds-services/: discovery,
 * the two services and feedback. A service call is authenticated by the client's JWT
 * (lib/auth/cds-client-jwt.ts), evaluates the patient from the request's prefetch in memory, and
 * stores nothing; feedback goes to the client's clinic's audit log. Time and ids are inputs.
 */

export interface CdsSettings {
  clients: CdsClients;
  /** The app's SMART launch URL, for the cards' links (SMART_LAUNCH_URL). */
  launchUrl: string | undefined;
  /** NEXTAUTH_URL: the public origin the client calls, which its JWT's `aud` names (behind a proxy the request's own URL is internal). */
  publicOrigin: string | undefined;
}

export interface CdsCall {
  db: Db;
  now: Date;
  settings: CdsSettings;
  newId?: () => string;
}

/** A prefetched record of one patient is some hundreds of kilobytes; a year of a busy one a few megabytes. */
const MAX_BODY_BYTES = 20 * 1024 * 1024;

/**
 * CORS, as CDS Hooks 2.0 requires of a service ("CDS Services SHALL implement CORS"), so that a
 * browser-based CDS client (an EHR's web front end, the public sandbox) can call it. Any origin
 * may: the caller is authenticated by the JWT in its Authorization header, never by a cookie, so
 * credentials are not allowed and a page on another origin gains nothing it could not send itself.
 */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  "Access-Control-Allow-Headers": "Authorization, Content-Type",
  "Access-Control-Expose-Headers": "WWW-Authenticate",
  "Access-Control-Max-Age": "600",
};

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "Cache-Control": NO_STORE, ...CORS_HEADERS, ...headers } });
}

/** OPTIONS on any CDS Hooks endpoint: the CORS preflight a browser sends before a call with an Authorization header. */
export function preflightResponse(): Response {
  return new Response(null, { status: 204, headers: { ...CORS_HEADERS } });
}

function problem(status: number, error: string, message: string, headers: Record<string, string> = {}): Response {
  return json({ error, message }, status, headers);
}

/** The URL the client called, on the public origin when one is configured. */
export function calledUrl(request: Request, publicOrigin: string | undefined): string {
  const url = new URL(request.url);
  return new URL(url.pathname, publicOrigin ?? url.origin).toString().replace(/\/$/, "");
}

class RequestProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function readJsonBody(request: Request): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new RequestProblem(413, "too_large", `The request body is over ${MAX_BODY_BYTES / 1024 / 1024} MB.`);
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw new RequestProblem(413, "too_large", `The request body is over ${MAX_BODY_BYTES / 1024 / 1024} MB.`);
  try {
    return JSON.parse(text);
  } catch {
    throw new RequestProblem(400, "invalid", "The request body is not JSON.");
  }
}

function parsed<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new RequestProblem(400, "invalid", `${what}: ${first ? `${first.path.join(".") || "(body)"}: ${first.message}` : "invalid"}.`);
  }
  return result.data;
}

/** CDS Hooks 2.0 "HTTP Request": the fields this service reads; others are allowed and ignored. */
const hookRequestSchema = z.object({
  hook: z.string().min(1),
  hookInstance: z.string().min(1).max(200),
  fhirServer: z.string().url().optional(),
  fhirAuthorization: z.unknown().optional(),
  context: z.looseObject({
    patientId: z.string().min(1).max(200),
    userId: z.string().max(500).optional(),
    selections: z.array(z.string().max(500)).max(1000).optional(),
    draftOrders: z.unknown().optional(),
  }),
  prefetch: z.record(z.string(), z.unknown()).optional(),
});
type HookRequest = z.infer<typeof hookRequestSchema>;

/**
 * Text the audit log keeps from the EHR: held to the project's one rule for stored text
 * (lib/domain/text-rules.ts: a length limit, no control or text-direction characters; a comment
 * may have line breaks).
 */
const storedText = (max: number, multiline = false) =>
  z.string().superRefine((value, context) => {
    const problem = textProblem(value, "this text", max, { multiline });
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

const feedbackSchema = z.object({
  feedback: z
    .array(
      z.object({
        card: storedText(200).pipe(z.string().min(1)),
        outcome: z.enum(["accepted", "overridden"]),
        outcomeTimestamp: storedText(100).pipe(z.string().min(1)),
        acceptedSuggestions: z.array(z.object({ id: storedText(200).pipe(z.string().min(1)) })).max(100).optional(),
        overrideReason: z
          .object({
            reason: z.object({ code: storedText(200).optional(), system: storedText(500).optional(), display: storedText(500).optional() }).optional(),
            userComment: storedText(2000, true).optional(),
          })
          .optional(),
      }),
    )
    .min(1)
    .max(100),
});

async function authenticate(request: Request, call: CdsCall, audiences: string[]): Promise<{ client: AuthenticatedCdsClient; clinic: CdsClinic }> {
  let client: AuthenticatedCdsClient;
  try {
    client = await authenticateCdsClient(request.headers.get("authorization"), { clients: call.settings.clients, audience: audiences, now: call.now });
  } catch (error) {
    if (error instanceof CdsAuthError) throw new RequestProblem(401, "unauthorized", error.message);
    throw error;
  }
  if (!(await rememberCdsToken(call.db, { issuer: client.issuer, jti: client.jti, expiresAt: client.expiresAt }, call.now))) {
    throw new RequestProblem(401, "unauthorized", "The JWT was used before (same \"jti\"); sign a new one for every call.");
  }
  const clinic = await cdsClinic(call.db, client.clinicSlug, call.now);
  if (!clinic) throw new RequestProblem(503, "misconfigured", `The CDS client "${client.issuer}" is configured for the clinic "${client.clinicSlug}", which does not exist here; an administrator corrects CDS_CLIENTS.`);
  return { client, clinic };
}

function toResponse(error: unknown): Response {
  if (error instanceof RequestProblem) {
    return problem(error.status, error.code, error.message, error.status === 401 ? { "WWW-Authenticate": 'Bearer error="invalid_token"' } : {});
  }
  if (error instanceof PrefetchError) return problem(error.status, error.status === 412 ? "prefetch_required" : "invalid", error.message);
  if (error instanceof FhirFetchError) return problem(502, "fhir_server_error", error.message);
  throw error;
}

/** GET /cds-services: the services and their prefetch. The specification asks for the client's JWT on this call too. */
export async function discoveryResponse(request: Request, call: CdsCall): Promise<Response> {
  try {
    await authenticate(request, call, [calledUrl(request, call.settings.publicOrigin)]);
    return json(discovery());
  } catch (error) {
    return toResponse(error);
  }
}

/**
 * The request's prefetch, completed: keys the client did not send are fetched from its FHIR server
 * with the token it gave (lib/cds-hooks/fhir-fetch.ts), when that server is trusted for the client.
 */
async function completePrefetch(hook: HookRequest, service: CdsServiceId, client: AuthenticatedCdsClient, call: CdsCall): Promise<Record<string, unknown>> {
  const templates: Record<string, string> = PREFETCH[service];
  const missing = missingPrefetch(hook.prefetch, Object.keys(templates));
  if (missing.length === 0) return hook.prefetch!;
  const configured = Object.hasOwn(call.settings.clients, client.issuer) ? call.settings.clients[client.issuer] : undefined;
  const fetched = await fetchPrefetch(Object.fromEntries(missing.map((key) => [key, templates[key]!])), {
    fhirServer: hook.fhirServer,
    fhirAuthorization: hook.fhirAuthorization,
    patientId: hook.context.patientId,
    trustedServers: configured?.fhirServers ?? [],
  });
  return { ...hook.prefetch, ...fetched };
}

function patientView(hook: HookRequest, prefetch: Record<string, unknown>, clinic: CdsClinic, call: CdsCall, newId: () => string): { cards: Card[] } {
  const { history } = readPrefetch(prefetch, hook.context.patientId, call.now);
  const evaluation = evaluatePatient(history, { now: call.now, thresholds: clinic.thresholds.values, ruleSetVersion: clinic.thresholds.version });
  return patientViewCards(evaluation, { patientId: hook.context.patientId, launchUrl: call.settings.launchUrl, newId });
}

async function orderSelect(hook: HookRequest, client: AuthenticatedCdsClient, clinic: CdsClinic, call: CdsCall, newId: () => string): Promise<{ cards: Card[] }> {
  if (hook.context.draftOrders === undefined) throw new RequestProblem(400, "invalid", "An order-select request needs context.draftOrders (a Bundle of the draft orders).");
  const drafts = resourcesOf(hook.context.draftOrders, "context.draftOrders");
  const prompting = promptingDrafts(drafts, hook.context.selections, hook.context.patientId);
  if (prompting.length === 0) return { cards: [] };
  // Only now, when a card may follow: a draft order that prompts nothing needs no record.
  const prefetch = await completePrefetch(hook, "order-select", client, call);
  const { history } = readPrefetch(prefetch, hook.context.patientId, call.now);
  const card = b12OrderCard({
    patientId: hook.context.patientId,
    prompting,
    history,
    now: call.now,
    retestIntervalMonths: clinic.thresholds.values.b12Testing.retestIntervalMonths,
    launchUrl: call.settings.launchUrl,
    newId,
  });
  return { cards: card ? [card] : [] };
}

/** POST /cds-services/{id}: a hook call. */
export async function serviceResponse(request: Request, serviceId: string, call: CdsCall): Promise<Response> {
  try {
    if (!isCdsServiceId(serviceId)) throw new RequestProblem(404, "not_found", `There is no CDS service "${serviceId}"; GET /cds-services lists them.`);
    const { client, clinic } = await authenticate(request, call, [calledUrl(request, call.settings.publicOrigin)]);
    const hook = parsed(hookRequestSchema, await readJsonBody(request), "The hook request");
    if (hook.hook !== serviceId) throw new RequestProblem(400, "invalid", `The service "${serviceId}" answers the "${serviceId}" hook, not "${hook.hook}".`);
    const newId = call.newId ?? randomUUID;
    return json(
      serviceId === "patient-view"
        ? patientView(hook, await completePrefetch(hook, "patient-view", client, call), clinic, call, newId)
        : await orderSelect(hook, client, clinic, call, newId),
    );
  } catch (error) {
    return toResponse(error);
  }
}

/** POST /cds-services/{id}/feedback: the outcome of cards, recorded in the client's clinic's audit log. */
export async function feedbackResponse(request: Request, serviceId: string, call: CdsCall): Promise<Response> {
  try {
    if (!isCdsServiceId(serviceId)) throw new RequestProblem(404, "not_found", `There is no CDS service "${serviceId}"; GET /cds-services lists them.`);
    const url = calledUrl(request, call.settings.publicOrigin);
    // The specification names the service's endpoint as the audience; some clients name the feedback URL.
    const { client, clinic } = await authenticate(request, call, [url.replace(/\/feedback$/, ""), url]);
    const body = parsed(feedbackSchema, await readJsonBody(request), "The feedback");
    await recordCdsFeedback(call.db, { clinicId: clinic.clinicId, issuer: client.issuer, service: serviceId, feedback: body.feedback }, call.now);
    return json({}, 200);
  } catch (error) {
    return toResponse(error);
  }
}
