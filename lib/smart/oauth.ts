import * as oidc from "openid-client";
import { z } from "zod";

/**
 * The OAuth side of SMART App Launch 2.x (HL7 SMART App Launch, "App Launch: Launch and
 * Authorization"), as a confidential client with PKCE, through `openid-client`: read the EHR's
 * `.well-known/smart-configuration`, send the user to its authorization endpoint with the scopes
 * this app needs, and exchange the code for an access token and the launch context (the patient,
 * and the user as `fhirUser`).
 *
 * What the app then does with the token (find the user and the patient, read the record, open
 * the patient page) is outside this file. Nothing here touches the database: the state and the
 * PKCE verifier of a launch in progress are returned to the caller to keep until the callback.
 */

/** `.well-known/smart-configuration`: the fields this app reads. */
const smartConfigurationSchema = z.looseObject({
  issuer: z.string().url().optional(),
  jwks_uri: z.string().url().optional(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  capabilities: z.array(z.string()).default([]),
  scopes_supported: z.array(z.string()).optional(),
  code_challenge_methods_supported: z.array(z.string()).default([]),
});
export type SmartConfiguration = z.infer<typeof smartConfigurationSchema>;

export class SmartLaunchError extends Error {}

/** The app's registration with one EHR: its client id and secret there, and where the EHR sends the user back. */
export interface SmartClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface SmartServer {
  /** The FHIR base URL the EHR launched with (`iss`). */
  fhirBaseUrl: string;
  configuration: SmartConfiguration;
}

/** Plain http is for a test EHR on this machine only. */
export function isLoopbackHttp(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === "http:" && (hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]");
}

export function requireSecure(url: string, what: string): void {
  if (!url.startsWith("https://") && !isLoopbackHttp(url)) throw new SmartLaunchError(`${what} must be https (plain http only on this machine): ${url}`);
}

/** Reads `<iss>/.well-known/smart-configuration`; the EHR must support PKCE with S256, as SMART 2.0 requires. */
export async function discoverSmartServer(iss: string, options: { timeoutMs?: number } = {}): Promise<SmartServer> {
  requireSecure(iss, "The EHR's FHIR base URL (iss)");
  const fhirBaseUrl = iss.replace(/\/+$/, "");
  const url = `${fhirBaseUrl}/.well-known/smart-configuration`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(options.timeoutMs ?? 5000), redirect: "error" });
  } catch (error) {
    throw new SmartLaunchError(`The EHR's SMART configuration could not be read from ${url} (${error instanceof Error ? error.message : String(error)}).`);
  }
  if (!response.ok) throw new SmartLaunchError(`The EHR answered ${response.status} for its SMART configuration (${url}); is ${fhirBaseUrl} a SMART-enabled FHIR server?`);
  const parsed = smartConfigurationSchema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) throw new SmartLaunchError(`The EHR's SMART configuration (${url}) lacks ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}.`);
  const configuration = parsed.data;
  if (!configuration.code_challenge_methods_supported.includes("S256")) throw new SmartLaunchError(`The EHR at ${fhirBaseUrl} does not offer PKCE with S256, which SMART App Launch 2 requires; this app does not launch without it.`);
  requireSecure(configuration.authorization_endpoint, "The EHR's authorization endpoint");
  requireSecure(configuration.token_endpoint, "The EHR's token endpoint");
  return { fhirBaseUrl, configuration };
}

export type LaunchKind = "ehr" | "standalone";

/**
 * The scopes this app asks for: the launch context, the user's identity (`openid fhirUser`) and
 * read access to the patient's record — SMART v2 names (`patient/*.rs`), or v1 names
 * (`patient/*.read`) when the server advertises only those.
 */
export function launchScopes(server: SmartServer, kind: LaunchKind): string {
  const { capabilities, scopes_supported: supported = [] } = server.configuration;
  const v2 = capabilities.includes("permission-v2") || supported.some((scope) => /^(patient|user|system)\/.+\.c?r?u?d?s$/.test(scope));
  const v1 = capabilities.includes("permission-v1") || supported.some((scope) => /^(patient|user|system)\/.+\.(read|write|\*)$/.test(scope));
  const read = v1 && !v2 ? "patient/*.read" : "patient/*.rs";
  return [kind === "ehr" ? "launch" : "launch/patient", "openid", "fhirUser", read].join(" ");
}

function clientConfiguration(server: SmartServer, client: SmartClient): oidc.Configuration {
  const { configuration } = server;
  const metadata: oidc.ServerMetadata = {
    issuer: configuration.issuer ?? server.fhirBaseUrl,
    authorization_endpoint: configuration.authorization_endpoint,
    token_endpoint: configuration.token_endpoint,
    ...(configuration.jwks_uri ? { jwks_uri: configuration.jwks_uri } : {}),
  };
  const config = new oidc.Configuration(metadata, client.clientId, undefined, oidc.ClientSecretBasic(client.clientSecret));
  if (isLoopbackHttp(configuration.token_endpoint)) oidc.allowInsecureRequests(config);
  return config;
}

/** A launch in progress: what the callback needs, kept by the caller (never sent to the browser but the state). */
export interface PendingLaunch {
  authorizationUrl: string;
  state: string;
  codeVerifier: string;
  scope: string;
}

/** The authorization request (with `aud` = the FHIR base URL, and the EHR's `launch` for an EHR launch). */
export async function beginLaunch(server: SmartServer, client: SmartClient, options: { launch?: string } = {}): Promise<PendingLaunch> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const scope = launchScopes(server, options.launch ? "ehr" : "standalone");
  const url = oidc.buildAuthorizationUrl(clientConfiguration(server, client), {
    redirect_uri: client.redirectUri,
    scope,
    state,
    aud: server.fhirBaseUrl,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    ...(options.launch ? { launch: options.launch } : {}),
  });
  return { authorizationUrl: url.toString(), state, codeVerifier, scope };
}

/** What a completed launch gives the app. */
export interface LaunchContext {
  accessToken: string;
  expiresAt: Date | null;
  scope: string;
  /** The patient in context (`patient` in the token response). */
  patientId: string;
  /** The user, as a FHIR reference (`fhirUser` in the id_token), e.g. "Practitioner/123". */
  fhirUser: string;
}

/** Exchanges the code in the callback URL; refuses a launch without a patient or a user. */
export async function completeLaunch(server: SmartServer, client: SmartClient, callbackUrl: string, pending: { state: string; codeVerifier: string }, now: Date): Promise<LaunchContext> {
  const callback = new URL(callbackUrl);
  const error = callback.searchParams.get("error");
  if (error) throw new SmartLaunchError(`The EHR refused the launch: ${error}${callback.searchParams.get("error_description") ? ` (${callback.searchParams.get("error_description")})` : ""}.`);
  let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  try {
    tokens = await oidc.authorizationCodeGrant(clientConfiguration(server, client), callback, { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, idTokenExpected: true });
  } catch (cause) {
    // openid-client's ResponseBodyError carries the server's own `error` and `error_description`.
    const said = cause instanceof oidc.ResponseBodyError ? `${cause.error}${cause.error_description ? `: ${cause.error_description}` : ""}` : cause instanceof Error ? cause.message : String(cause);
    throw new SmartLaunchError(`The EHR did not complete the launch (${said}).`);
  }
  const patientId = typeof tokens.patient === "string" ? tokens.patient : "";
  if (patientId === "") throw new SmartLaunchError("The EHR gave no patient with the launch; open the app from a patient's chart, or choose a patient when asked.");
  const claims = tokens.claims();
  const fhirUser = typeof claims?.fhirUser === "string" ? claims.fhirUser : typeof claims?.profile === "string" ? claims.profile : "";
  if (fhirUser === "") throw new SmartLaunchError("The EHR did not say who the user is (no fhirUser in the id_token); the app cannot sign anyone in without it.");
  const expiresIn = tokens.expiresIn();
  return { accessToken: tokens.access_token, expiresAt: expiresIn === undefined ? null : new Date(now.getTime() + expiresIn * 1000), scope: tokens.scope ?? "", patientId, fhirUser };
}
