import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { CdsClient, CdsClients } from "@/lib/config/cds-clients.mjs";

/**
 * Authentication of a CDS client (an EHR) calling the CDS Hooks service. CDS Hooks 2.0
 * ("Trusting CDS Clients"): every service call carries `Authorization: Bearer <jwt>`, signed by
 * the client with a key it publishes as a JWKS, with `iss` (the client), `aud` (the URL of the
 * service being called), `exp`, `iat` and `jti`. The issuer must be one of CDS_CLIENTS
 * (lib/config/cds-clients.mjs), whose keys verify the signature; there is no session cookie.
 */

/** Algorithms the specification names (RS384, ES384), and their SHA-256 forms that older clients use. */
const ALGORITHMS = ["RS384", "ES384", "RS256", "ES256"];
/** The specification: `exp` at most 5 minutes after `iat`; a token issued longer ago is refused whatever its `exp`. */
const MAX_TOKEN_AGE_SECONDS = 5 * 60;
/** Client and server clocks differ a little. */
const CLOCK_TOLERANCE_SECONDS = 30;

export interface AuthenticatedCdsClient {
  issuer: string;
  clinicSlug: string;
  /** The token's id and expiry: the caller refuses a `jti` seen before (lib/data/cds-hooks/token-use.ts). */
  jti: string;
  expiresAt: Date;
}

export class CdsAuthError extends Error {}

/** Remote key sets are fetched once per issuer and URL, then cached and refreshed by jose. */
const remoteKeySets = new Map<string, JWTVerifyGetKey>();

function keySetOf(issuer: string, client: CdsClient): JWTVerifyGetKey {
  if (client.jwks) return createLocalJWKSet({ keys: client.jwks.keys.map((key) => ({ ...key })) });
  const url = client.jwksUrl!;
  const cacheKey = `${issuer}\n${url}`;
  let keySet = remoteKeySets.get(cacheKey);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(url), { timeoutDuration: 3000, cooldownDuration: 30_000 });
    remoteKeySets.set(cacheKey, keySet);
  }
  return keySet;
}

function bearerToken(authorization: string | null): string {
  const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/i.exec(authorization ?? "");
  if (!match) {
    throw new CdsAuthError(authorization ? "The Authorization header is not \"Bearer <JWT>\"." : "No Authorization header: a CDS client must send \"Authorization: Bearer <JWT>\" (CDS Hooks 2.0).");
  }
  return match[1]!;
}

/**
 * The client that signed the request's JWT, or a CdsAuthError saying why the request is refused:
 * no or malformed token, an issuer not in CDS_CLIENTS, a bad signature, a wrong audience, an
 * expired or too old token, or a missing claim. Whether the `jti` was seen before is the caller's
 * check, against the database (lib/data/cds-hooks/token-use.ts), so that it holds across instances.
 */
export async function authenticateCdsClient(
  authorization: string | null,
  options: { clients: CdsClients; /** The URLs `aud` may name: the service called. */ audience: readonly string[]; now: Date },
): Promise<AuthenticatedCdsClient> {
  const token = bearerToken(authorization);
  let issuer: string | undefined;
  try {
    issuer = decodeJwt(token).iss;
  } catch {
    throw new CdsAuthError("The bearer token is not a readable JWT.");
  }
  if (!issuer) throw new CdsAuthError("The JWT has no \"iss\" claim.");
  const client = Object.hasOwn(options.clients, issuer) ? options.clients[issuer] : undefined;
  if (!client) throw new CdsAuthError(`The issuer "${issuer}" is not a trusted CDS client; an administrator adds it to CDS_CLIENTS (docs/ehr-integration.md).`);
  let payload;
  try {
    ({ payload } = await jwtVerify(token, keySetOf(issuer, client), {
      issuer,
      audience: [...options.audience],
      algorithms: ALGORITHMS,
      requiredClaims: ["iss", "aud", "exp", "iat", "jti"],
      maxTokenAge: MAX_TOKEN_AGE_SECONDS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: options.now,
    }));
  } catch (error) {
    // jose reports a token issued too long ago (maxTokenAge) as expired too, naming "iat".
    if (error instanceof errors.JWTExpired) {
      throw new CdsAuthError(error.claim === "iat" ? `The JWT was issued more than ${MAX_TOKEN_AGE_SECONDS / 60} minutes ago; sign a new one for every call.` : "The JWT has expired.");
    }
    if (error instanceof errors.JWTClaimValidationFailed) throw new CdsAuthError(`The JWT's "${error.claim}" claim is not accepted: ${error.message}${error.claim === "aud" ? ` (expected ${options.audience.join(" or ")})` : ""}.`);
    if (error instanceof errors.JOSEError) throw new CdsAuthError(`The JWT is not accepted: ${error.message}.`);
    throw error;
  }
  const jti = typeof payload.jti === "string" ? payload.jti : "";
  if (jti === "") throw new CdsAuthError("The JWT's \"jti\" claim is empty.");
  // `exp` is a required claim, checked above; the token is remembered until then.
  return { issuer, clinicSlug: client.clinic, jti, expiresAt: new Date((payload.exp ?? 0) * 1000) };
}
