import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";

/**
 * The environment has one set of rules (lib/config/env-schema.mjs), run by next.config.js when the
 * app is built and when the server starts, and by the TypeScript code (lib/config/env.ts): every
 * rule stops the build, not only those someone remembered to copy into the config.
 */
const PRODUCTION = { NODE_ENV: "production", DATABASE_URL: "file:./data/app.db" } as const;

/** Loads next.config.js for `phase` as Next does, in a child process with only `settings` set. */
function loadConfig(phase: string, settings: typeof PRODUCTION & Record<string, string>): { code: number; stderr: string } {
  try {
    execFileSync(process.execPath, ["-e", `require('./next.config.js')(${JSON.stringify(phase)}).then((c) => { if (typeof c.headers !== "function") process.exit(3); })`], {
      env: { PATH: process.env.PATH, ...settings },
      stdio: "pipe",
      encoding: "utf8",
    });
    return { code: 0, stderr: "" };
  } catch (error) {
    const failed = error as { status: number; stderr: string };
    return { code: failed.status, stderr: failed.stderr };
  }
}

describe("the configuration that builds and starts the app validates the environment", () => {
  it("a good environment builds, and returns the app's configuration", () => {
    expect(loadConfig("phase-production-build", PRODUCTION)).toEqual({ code: 0, stderr: "" });
  });

  it("a rule between two settings stops the build, with the message of the app's own check", () => {
    const bad = { ...PRODUCTION, LOGIN_MAX_FAILURES: "10", LOGIN_ADDRESS_MAX_FAILURES: "9" };
    const result = loadConfig("phase-production-build", bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("LOGIN_ADDRESS_MAX_FAILURES: must be at least LOGIN_MAX_FAILURES");
    expect(() => parseEnv(bad)).toThrow(/LOGIN_ADDRESS_MAX_FAILURES: must be at least LOGIN_MAX_FAILURES/);
  });

  it("a setting of the wrong type stops the build, naming it", () => {
    const result = loadConfig("phase-production-build", { ...PRODUCTION, SESSION_IDLE_MINUTES: "a quarter of an hour" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("SESSION_IDLE_MINUTES");
  });

  it("a build needs no secrets, a production server start does", () => {
    expect(loadConfig("phase-production-build", PRODUCTION).code).toBe(0);
    const start = loadConfig("phase-production-server", PRODUCTION);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain("NEXTAUTH_SECRET: required in production");
    expect(start.stderr).toContain("AUDIT_HMAC_KEY: required in production");
    const secrets = { NEXTAUTH_SECRET: "s".repeat(40), AUDIT_HMAC_KEY: "k".repeat(40) };
    expect(loadConfig("phase-production-server", { ...PRODUCTION, ...secrets })).toEqual({ code: 0, stderr: "" });
  });
});
