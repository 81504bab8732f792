// @ts-check
import { z } from "zod";

/**
 * CDS_CLIENTS: the CDS clients (EHRs) trusted to call the CDS Hooks service, as JSON keyed by the
 * issuer (`iss`) the client puts in its JWT:
 *
 *   {"https://ehr.example.org": {"jwksUrl": "https://ehr.example.org/.well-known/jwks.json", "clinic": "demo"}}
 *
 * Each client gives its public keys either as a URL (`jwksUrl`, fetched and cached; https only,
 * as the keys decide who may read cards) or inline (`jwks`, a JSON Web Key Set), and the slug of
 * the clinic whose thresholds apply to its patients and whose audit log records its feedback.
 * Optionally `fhirServers`: the FHIR base URLs of that EHR from which the service may fetch what a
 * call did not prefetch, with the access token the call gives (lib/cds-hooks/fhir-fetch.ts);
 * without it, a call must send every prefetch key.
 * Empty (the default) trusts no client: every call is refused with 401.
 *
 * Plain JavaScript with JSDoc types, read by lib/config/env-schema.mjs (see trusted-proxies.mjs).
 */

/** A public JSON Web Key: `kty` is required; `d` (a private part) is refused, as it must never be shared. */
const publicJwk = z
  .looseObject({ kty: z.string().min(1) })
  .refine((key) => !("d" in key), { message: "is a private key (it has \"d\"); give the client's public key only" });

/** https, or plain http on this machine only (a test EHR). */
const secureUrl = z
  .string()
  .url()
  .refine((url) => url.startsWith("https://") || /^http:\/\/(localhost|127\.0\.0\.1)(:|\/)/.test(url), {
    message: "must be an https URL (plain http only on localhost)",
  });

const clientSchema = z
  .strictObject({
    jwksUrl: secureUrl.optional(),
    jwks: z.object({ keys: z.array(publicJwk).min(1, "must list at least one key") }).optional(),
    clinic: z.string().trim().min(1, "must name the clinic's slug"),
    fhirServers: z.array(secureUrl).optional(),
  })
  .refine((client) => (client.jwksUrl === undefined) !== (client.jwks === undefined), {
    message: "must give exactly one of jwksUrl and jwks",
  });

/** @typedef {z.infer<typeof clientSchema>} CdsClient */
/** @typedef {Readonly<Record<string, CdsClient>>} CdsClients */

/**
 * @param {string} text
 * @returns {{ ok: true, value: CdsClients } | { ok: false, problems: string[] }}
 */
export function parseCdsClients(text) {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: {} };
  /** @type {unknown} */
  let json;
  try {
    json = JSON.parse(trimmed);
  } catch (error) {
    return { ok: false, problems: [`is not JSON (${error instanceof Error ? error.message : String(error)}); expected {"<issuer>": {"jwksUrl": "https://…", "clinic": "<slug>"}}`] };
  }
  const result = z.record(z.string().min(1, "an issuer must not be empty"), clientSchema).safeParse(json);
  if (!result.success) {
    return { ok: false, problems: result.error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`) };
  }
  return { ok: true, value: result.data };
}
