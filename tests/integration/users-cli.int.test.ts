import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { runCli } from "../support/cli-process";
import { seedDemoClinic } from "@/lib/data/seed/demo-clinic";
import { verifyPassword } from "@/lib/data/auth/password";

/**
 * `npm run cli -- users add` on the provider under test: the password comes from standard input
 * (--password-stdin) or is generated and printed once; never from the command line.
 */

describe("users add: no password on the command line", () => {
  let t: TestDatabase;

  const cli = (args: string[], input?: string) => runCli(t.url, args, input);

  async function storedHash(email: string): Promise<string | null> {
    return (await t.db.user.findUnique({ where: { email }, select: { passwordHash: true } }))?.passwordHash ?? null;
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    await seedDemoClinic(t.db, { patients: 0, seed: 1, asOf: new Date("2026-11-21T00:00:00Z"), reset: false });
  });
  afterAll(async () => t?.drop());

  it("--password-stdin reads the password from the first line of standard input", async () => {
    const password = "piped password for Nurse 7";
    const result = await cli(["users", "add", "--email", "nurse@demo.clinic", "--name", "Nurse", "--role", "clinician", "--password-stdin"], `${password}\nignored second line\n`);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain("Added clinician nurse@demo.clinic");
    expect(result.stdout).not.toContain(password);
    expect(await verifyPassword((await storedHash("nurse@demo.clinic"))!, password)).toBe(true);
  });

  it("--password on the command line is refused with the reason, and nothing is added", async () => {
    const result = await cli(["users", "add", "--email", "argv@demo.clinic", "--name", "Argv", "--role", "analyst", "--password", "visible in ps 12345"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--password is not accepted: the password would show in the process list and shell history/);
    expect(await storedHash("argv@demo.clinic")).toBeNull();
  });

  it("without a password option a password is generated and printed once", async () => {
    const result = await cli(["users", "add", "--email", "gen@demo.clinic", "--name", "Gen", "--role", "analyst"]);
    expect(result.code).toBe(0);
    const generated = /with password (\S+) \(shown once\)/.exec(result.stdout)?.[1];
    expect(generated).toBeDefined();
    expect(await verifyPassword((await storedHash("gen@demo.clinic"))!, generated!)).toBe(true);
  });

  it("--password-prompt without a terminal, or --password-stdin with nothing piped, stops with what to do", async () => {
    const prompt = await cli(["users", "add", "--email", "tty@demo.clinic", "--name", "T", "--role", "analyst", "--password-prompt"]);
    expect(prompt.code).not.toBe(0);
    expect(prompt.stderr).toContain("--password-prompt needs a terminal");
    const empty = await cli(["users", "add", "--email", "tty@demo.clinic", "--name", "T", "--role", "analyst", "--password-stdin"], "");
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain("standard input was empty");
    expect(await storedHash("tty@demo.clinic")).toBeNull();
  });

  it("users role refuses to demote the last active admin; users reset-password prints a new password once and only its hash is stored", async () => {
    const demote = await cli(["users", "role", "admin@demo.clinic", "clinician"]);
    expect(demote.code).not.toBe(0);
    expect(demote.stderr).toContain("admin@demo.clinic is the clinic's last active admin and cannot be demoted");
    expect((await t.db.user.findUnique({ where: { email: "admin@demo.clinic" }, select: { role: true } }))?.role).toBe("admin");
    const reset = await cli(["users", "reset-password", "gen@demo.clinic"]);
    expect(reset.code).toBe(0);
    const password = /New password for gen@demo\.clinic: (\S+) \(shown once\)/.exec(reset.stdout)?.[1];
    expect(password).toBeDefined();
    const hash = (await storedHash("gen@demo.clinic"))!;
    expect(hash).not.toContain(password!);
    expect(await verifyPassword(hash, password!)).toBe(true);
  });
});
