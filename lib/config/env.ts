import { parseEnv, type Env } from "./env-schema.mjs";

/**
 * The validated settings, for the TypeScript code. The rules are lib/config/env-schema.mjs, which
 * next.config.js also runs, so the build, the server start and the code read the same parse.
 */
export { DEVELOPMENT_AUDIT_KEY, DEVELOPMENT_EHR_SECRET_KEY, parseEnv, type Env } from "./env-schema.mjs";

let cached: Env | undefined;

/** The validated environment (parsed on first use, then cached). */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

export type DatabaseProvider = "sqlite" | "postgresql";

export function databaseProvider(url: string): DatabaseProvider {
  return url.startsWith("file:") ? "sqlite" : "postgresql";
}

/** `file:./data/app.db` → an absolute or cwd-relative path for better-sqlite3. */
export function sqliteFilePath(url: string): string {
  return url.replace(/^file:/, "").replace(/\?.*$/, "");
}
