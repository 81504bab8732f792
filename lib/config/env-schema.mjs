// @ts-check
import { z } from "zod";
import { parseTrustedProxies } from "./trusted-proxies.mjs";
import { parseCdsClients } from "./cds-clients.mjs";

/**
 * Every setting the app reads, and the one place its rules are written: plain JavaScript with JSDoc
 * types (checked by `tsc`), so that next.config.js validates the environment with it when the app
 * is built and when the server starts — a bad setting fails `next build` and the start, with a
 * message naming it — and the TypeScript code reads the same parse (lib/config/env.ts).
 */

const AUDIT_KEY_RULE = "must be at least 32 characters (e.g. `openssl rand -base64 32`)";

/**
 * Stands in for AUDIT_HMAC_KEY outside production only. It is in the source for anyone to read,
 * so it signs nothing an attacker could not re-sign; lib/data/audit/key.ts warns whenever it is used.
 */
// The text is the key: changing it would make the events it signed fail verification.
export const DEVELOPMENT_AUDIT_KEY = "development-only audit key: anyone can read it in lib/config/env.ts";

/**
 * Stands in for EHR_SECRET_KEY outside production only (a demo, the tests): it is in the source,
 * so the EHR client secrets it encrypts are protected by nothing; lib/data/ehr/secret.ts warns.
 */
export const DEVELOPMENT_EHR_SECRET_KEY = "development-only EHR secret key: anyone can read it in lib/config/env.ts";

/**
 * Every setting the app reads, validated once. A bad or missing value fails at start-up with a
 * message naming the variable, instead of surfacing later as an odd runtime error.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z
    .string()
    .default("file:./data/app.db")
    .refine((url) => url.startsWith("file:") || /^postgres(ql)?:\/\//.test(url), {
      message: "must be a SQLite file URL (file:./data/app.db) or a PostgreSQL URL (postgresql://user@host:5432/db)",
    }),
  /**
   * Prepare the app's PostgreSQL statements once per connection (lib/data/db/prepared-statements.ts).
   * "off" for a connection pooler in transaction mode that cannot keep prepared statements.
   */
  PG_PREPARED_STATEMENTS: z
    .enum(["on", "off"], { message: 'must be "on" or "off"' })
    .default("on")
    .transform((value) => value === "on"),
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)").optional(),
  NEXTAUTH_URL: z.string().url().optional(),
  /** Sign a user out after this many minutes without activity (docs/design.md#roles-and-security: default 15). */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  /** Hard cap on a session's life, however active. */
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(7 * 24).default(12),
  /**
   * Sign-in attempts allowed from one address to one account in LOGIN_WINDOW_MINUTES; the next
   * waits for the window to end (lib/data/auth/sign-in-throttle.ts).
   */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_WINDOW_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  /** Failed sign-ins allowed from one address to all accounts together in LOGIN_WINDOW_MINUTES. */
  LOGIN_ADDRESS_MAX_FAILURES: z.coerce.number().int().min(1).max(10_000).default(20),
  /** Reverse proxies whose X-Forwarded-For / X-Forwarded-Host are believed (lib/config/trusted-proxies.mjs). */
  TRUSTED_PROXIES: z
    .string()
    .default("")
    .transform((text, context) => {
      const parsed = parseTrustedProxies(text);
      if (parsed.ok) return parsed.value;
      for (const problem of parsed.problems) context.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }),
  /**
   * The key that signs the audit log (HMAC-SHA256, lib/data/audit/key.ts). It must live outside
   * the database: whoever can write the database but not read this key cannot rewrite the log
   * unnoticed. Required in production; a development key stands in elsewhere, with a warning.
   */
  AUDIT_HMAC_KEY: z.string().trim().min(32, AUDIT_KEY_RULE).optional(),
  /** Retired audit keys, comma- or space-separated, kept so events they signed still verify. */
  AUDIT_HMAC_OLD_KEYS: z
    .string()
    .optional()
    .transform((text) => (text ?? "").split(/[\s,]+/).filter((key) => key.length > 0))
    .refine((keys) => keys.every((key) => key.length >= 32), { message: `every key ${AUDIT_KEY_RULE}` }),
  /** Where `audit anchor` and every backup append the audit log's heads (docs/operations.md). */
  AUDIT_ANCHOR_DIR: z.string().trim().min(1).optional(),
  /**
   * The EHRs allowed to call the CDS Hooks service (lib/config/cds-clients.mjs): JSON keyed by the
   * client's JWT issuer, each with its keys (`jwksUrl` or an inline `jwks`) and the slug of the
   * clinic whose thresholds apply (docs/ehr-integration.md). Unset: no client is trusted.
   */
  CDS_CLIENTS: z
    .string()
    .default("{}")
    .transform((text, context) => {
      const parsed = parseCdsClients(text);
      if (parsed.ok) return parsed.value;
      for (const problem of parsed.problems) context.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }),
  /**
   * The key that encrypts the EHR client secrets stored for SMART App Launch (AES-256-GCM,
   * lib/data/ehr/secret.ts; docs/operations.md "EHR secret key"). Outside the database, like the
   * audit key. Required in production once an EHR is registered; a development key stands in
   * elsewhere, with a warning.
   */
  EHR_SECRET_KEY: z.string().trim().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)").optional(),
  /**
   * "true": the sign-in cookies are `SameSite=None; Secure`, so the app also works when an EHR on
   * another site shows it in a frame (docs/ehr-integration.md "In a frame"). Needs an https
   * NEXTAUTH_URL. Off by default: a Lax session cookie is one more guard against cross-site requests.
   */
  SESSION_COOKIES_IN_EHR_FRAME: z.enum(["true", "false"], { error: 'must be "true" or "false"' }).default("false").transform((value) => value === "true"),
  /** Where a CDS card's "open the app" link points: the app's SMART launch URL (docs/ehr-integration.md). */
  SMART_LAUNCH_URL: z.string().url().optional(),
});

/** @typedef {z.infer<typeof envSchema>} Env */

/**
 * The settings in `source`, checked, or an Error listing every problem, each naming its
 * variable. "build" (next build): every rule but the secrets a production server needs, which a
 * build may be made without; "run" (the default): all of them.
 *
 * @param {Record<string, string | undefined>} source
 * @param {{ phase?: "build" | "run" }} [options]
 * @returns {Env}
 */
export function parseEnv(source, options = {}) {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const env = result.data;
  /** @type {string[]} */
  const problems = [];
  const running = options.phase !== "build";
  if (env.LOGIN_ADDRESS_MAX_FAILURES < env.LOGIN_MAX_FAILURES) {
    problems.push(`LOGIN_ADDRESS_MAX_FAILURES: must be at least LOGIN_MAX_FAILURES (${env.LOGIN_MAX_FAILURES}); several people often share one address`);
  }
  if (running && env.NODE_ENV === "production" && !env.NEXTAUTH_SECRET) problems.push("NEXTAUTH_SECRET: required in production (e.g. `openssl rand -base64 32`)");
  if (running && env.NODE_ENV === "production" && !env.AUDIT_HMAC_KEY) {
    problems.push("AUDIT_HMAC_KEY: required in production: the key that signs the audit log, kept outside the database (e.g. `openssl rand -base64 32`; docs/operations.md \"Audit key\")");
  }
  if (env.NODE_ENV === "production" && env.AUDIT_HMAC_KEY === DEVELOPMENT_AUDIT_KEY) {
    problems.push("AUDIT_HMAC_KEY: is the published development key; generate a key of your own (e.g. `openssl rand -base64 32`)");
  }
  if (env.SESSION_COOKIES_IN_EHR_FRAME && !(env.NEXTAUTH_URL ?? "").startsWith("https://")) {
    problems.push("SESSION_COOKIES_IN_EHR_FRAME: needs an https NEXTAUTH_URL (browsers accept SameSite=None cookies only when they are Secure)");
  }
  if (env.NODE_ENV === "production" && env.EHR_SECRET_KEY === DEVELOPMENT_EHR_SECRET_KEY) {
    problems.push("EHR_SECRET_KEY: is the published development key; generate a key of your own (e.g. `openssl rand -base64 32`)");
  }
  if (env.AUDIT_HMAC_KEY && env.AUDIT_HMAC_OLD_KEYS.includes(env.AUDIT_HMAC_KEY)) {
    problems.push("AUDIT_HMAC_OLD_KEYS: lists the current AUDIT_HMAC_KEY; it should hold only retired keys");
  }
  if (problems.length > 0) throw new Error(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  return env;
}

/**
 * For next.config.js: checks the environment with {@link parseEnv} and, on a problem, prints every
 * problem and ends the process (the build or the server start), as a bad setting must stop both.
 *
 * @param {Record<string, string | undefined>} source
 * @param {"build" | "run"} phase
 */
export function checkEnvironment(source, phase) {
  try {
    parseEnv(source, { phase });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
