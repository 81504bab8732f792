import * as oidc from "openid-client";
import { z } from "zod";
import { requireSecure, isLoopbackHttp, SmartLaunchError } from "./oauth";

/**
 * SMART Backend Services (SMART App Launch 2, "Backend Services"): an access token for a system
 * with no user — here, the Bulk Data sync — obtained with the client-credentials grant, the app
 * authenticating with a JWT it signs with its own private key (`private_key_jwt`, RFC 7523). The
 * EHR holds the matching public key (a JWKS it was given when the app was registered).
 *
 * Through `openid-client`; the assertion is adjusted to what the SMART specification requires
 * of it: header `typ: "JWT"` and `kid`, and `aud` = the token endpoint's URL.
 */

const backendConfigurationSchema = z.looseObject({
  token_endpoint: z.string().url(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
  token_endpoint_auth_signing_alg_values_supported: z.array(z.string()).optional(),
  scopes_supported: z.array(z.string()).optional(),
  capabilities: z.array(z.string()).default([]),
});

/** The resource types the sync reads (docs/design.md#fhir-import). */
export const SYNC_RESOURCE_TYPES = ["Patient", "Observation", "Condition", "MedicationRequest", "MedicationStatement"] as const;

/** A private key in JWK form (RSA for RS384, or EC P-384 for ES384), with its `kid`. */
export const privateJwkSchema = z.looseObject({
  kty: z.enum(["RSA", "EC"]),
  kid: z.string({ error: "the key needs a kid, which the EHR uses to pick the public key" }).min(1, "the key needs a kid, which the EHR uses to pick the public key"),
  d: z.string({ error: "this is a public key; the sync needs the private one" }).min(1, "this is a public key; the sync needs the private one"),
  crv: z.string().optional(),
});
export type PrivateJwk = z.infer<typeof privateJwkSchema>;

export interface BackendClient {
  /** The client id the EHR gave the app's backend registration. */
  clientId: string;
  privateJwk: PrivateJwk;
}

export interface BackendToken {
  accessToken: string;
  expiresAt: Date | null;
  scope: string;
}

/** The scopes for reading the sync's resource types: SMART v2 names, or v1 names when the server advertises only those. */
export function systemScopes(configuration: z.infer<typeof backendConfigurationSchema>): string {
  const supported = configuration.scopes_supported ?? [];
  const v2 = configuration.capabilities.includes("permission-v2") || supported.some((s) => /^system\/.+\.c?r?u?d?s$/.test(s));
  const v1 = configuration.capabilities.includes("permission-v1") || supported.some((s) => /^system\/.+\.(read|\*)$/.test(s));
  const access = v1 && !v2 ? "read" : "rs";
  return SYNC_RESOURCE_TYPES.map((type) => `system/${type}.${access}`).join(" ");
}

async function importSigningKey(jwk: PrivateJwk): Promise<{ key: CryptoKey; alg: string }> {
  try {
    if (jwk.kty === "RSA") {
      return { key: await crypto.subtle.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" }, false, ["sign"]), alg: "RS384" };
    }
    if (jwk.crv !== "P-384") throw new Error(`an EC key must be on curve P-384 for ES384, not ${jwk.crv ?? "unnamed"}`);
    return { key: await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-384" }, false, ["sign"]), alg: "ES384" };
  } catch (error) {
    throw new SmartLaunchError(`The backend-services private key could not be used (${error instanceof Error ? error.message : String(error)}).`);
  }
}

/** Reads `<fhirBase>/.well-known/smart-configuration` and asks its token endpoint for a system access token. */
export async function backendAccessToken(fhirBaseUrl: string, client: BackendClient, now: Date, options: { timeoutMs?: number } = {}): Promise<BackendToken> {
  requireSecure(fhirBaseUrl, "The EHR's FHIR base URL");
  const base = fhirBaseUrl.replace(/\/+$/, "");
  const url = `${base}/.well-known/smart-configuration`;
  const response = await fetch(url, { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000), redirect: "error" }).catch((error: unknown) => {
    throw new SmartLaunchError(`The EHR's SMART configuration could not be read from ${url} (${error instanceof Error ? error.message : String(error)}).`);
  });
  if (!response.ok) throw new SmartLaunchError(`The EHR answered ${response.status} for its SMART configuration (${url}).`);
  const parsed = backendConfigurationSchema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) throw new SmartLaunchError(`The EHR's SMART configuration (${url}) has no token endpoint.`);
  const configuration = parsed.data;
  const methods = configuration.token_endpoint_auth_methods_supported;
  if (methods && !methods.includes("private_key_jwt")) throw new SmartLaunchError(`The EHR at ${base} does not accept private_key_jwt client authentication, which SMART Backend Services uses.`);
  requireSecure(configuration.token_endpoint, "The EHR's token endpoint");

  const { key } = await importSigningKey(client.privateJwk);
  const tokenEndpoint = configuration.token_endpoint;
  const auth = oidc.PrivateKeyJwt(
    { key, kid: client.privateJwk.kid },
    {
      [oidc.modifyAssertion]: (header, payload) => {
        header.typ = "JWT";
        payload.aud = tokenEndpoint;
      },
    },
  );
  const config = new oidc.Configuration({ issuer: base, token_endpoint: tokenEndpoint }, client.clientId, undefined, auth);
  if (isLoopbackHttp(tokenEndpoint)) oidc.allowInsecureRequests(config);
  const scope = systemScopes(configuration);
  try {
    const tokens = await oidc.clientCredentialsGrant(config, { scope });
    const expiresIn = tokens.expiresIn();
    return { accessToken: tokens.access_token, expiresAt: expiresIn === undefined ? null : new Date(now.getTime() + expiresIn * 1000), scope: tokens.scope ?? scope };
  } catch (cause) {
    const said = cause instanceof oidc.ResponseBodyError ? `${cause.error}${cause.error_description ? `: ${cause.error_description}` : ""}` : cause instanceof Error ? cause.message : String(cause);
    throw new SmartLaunchError(`The EHR refused the app's backend-services sign-in (${said}); check the client id and that the EHR holds the public key with kid "${client.privateJwk.kid}".`);
  }
}
