import { z } from "zod";
import { parseTrustedProxies, type TrustedProxies } from "./trusted-proxies";

/**
 * Every setting the app reads, validated once. A bad or missing value fails at start-up with a
 * message naming the variable, instead of surfacing later as an odd runtime error.
 */
const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z
    .string()
    .default("file:./data/app.db")
    .refine((url) => url.startsWith("file:") || /^postgres(ql)?:\/\//.test(url), {
      message: "must be a SQLite file URL (file:./data/app.db) or a PostgreSQL URL (postgresql://user@host:5432/db)",
    }),
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)").optional(),
  NEXTAUTH_URL: z.string().url().optional(),
  /** Sign a user out after this many minutes without activity (docs/design.md#roles-and-security: default 15). */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  /** Hard cap on a session's life, however active. */
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(7 * 24).default(12),
  /**
   * Sign-in attempts allowed from one address to one account in LOGIN_WINDOW_MINUTES; the next
   * waits for the window to end (lib/data/login-throttle.ts).
   */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_WINDOW_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  /** Failed sign-ins allowed from one address to all accounts together in LOGIN_WINDOW_MINUTES. */
  LOGIN_ADDRESS_MAX_FAILURES: z.coerce.number().int().min(1).max(10_000).default(20),
  /** Reverse proxies whose X-Forwarded-For / X-Forwarded-Host are believed (lib/config/trusted-proxies.ts). */
  TRUSTED_PROXIES: z
    .string()
    .default("")
    .transform((text, context): TrustedProxies => {
      const parsed = parseTrustedProxies(text);
      if (parsed.ok) return parsed.value;
      for (const problem of parsed.problems) context.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }),
});

export type Env = z.infer<typeof envSchema>;

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const env = result.data;
  if (env.LOGIN_ADDRESS_MAX_FAILURES < env.LOGIN_MAX_FAILURES) {
    throw new Error(
      `Invalid configuration:\n  LOGIN_ADDRESS_MAX_FAILURES: must be at least LOGIN_MAX_FAILURES (${env.LOGIN_MAX_FAILURES}); several people often share one address`,
    );
  }
  if (env.NODE_ENV === "production" && !env.NEXTAUTH_SECRET) {
    throw new Error("Invalid configuration:\n  NEXTAUTH_SECRET: required in production (e.g. `openssl rand -base64 32`)");
  }
  return env;
}

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
