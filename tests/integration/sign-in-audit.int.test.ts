import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { CredentialsConfig } from "next-auth/providers/credentials";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, type TestClinic } from "../support/clinic-factory";
import { authOptions } from "@/lib/auth/options";
import { hashPassword } from "@/lib/data/auth/password";
import { verifyAuditChain } from "@/lib/data/audit/log";
import { searchAuditEvents } from "@/lib/data/audit/search";
import { describeAuditEvent } from "@/lib/domain/audit-describe";
import { PEER_HEADER_GLOBAL } from "@/lib/auth/client-address";

/**
 * Sign-ins in the audit log, through the real next-auth credentials `authorize` (argon2 check,
 * throttle, audit) on the provider under test: a success writes "user.login", a wrong password or
 * a disabled account writes "user.login_failed" against the account, an unknown email writes
 * nothing, and no event ever holds the password.
 */
describe("sign-in audit", () => {
  let t: TestDatabase;
  let clinic: TestClinic;
  const password = "correct horse battery staple 42";
  const address = "203.0.113.9";
  const peerHeader = "x-test-peer-address";

  async function signIn(email: string, typed: string): Promise<unknown> {
    const provider = authOptions().providers[0] as unknown as { options: CredentialsConfig };
    // As under server.mjs (no trusted proxies): the socket's address, whatever X-Forwarded-For says.
    const request = { headers: { [peerHeader]: address, "x-forwarded-for": "10.9.9.9" } } as never;
    return provider.options.authorize!({ email, password: typed }, request);
  }

  async function events() {
    const page = await searchAuditEvents(t.db, clinic.actors.admin, {}, undefined);
    return page.rows.filter((r) => r.action.startsWith("user.login"));
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    // authorize() uses the process-wide client; point it at the test database.
    (globalThis as unknown as { sarcopeniaDb?: unknown }).sarcopeniaDb = t.db;
    (globalThis as Record<symbol, unknown>)[PEER_HEADER_GLOBAL] = peerHeader;
    clinic = await createTestClinic(t.db, { slug: "signin", patients: 0 });
    const passwordHash = await hashPassword(password);
    await t.db.user.updateMany({ where: { clinicId: clinic.clinicId }, data: { passwordHash } });
  });
  afterAll(async () => {
    delete (globalThis as unknown as { sarcopeniaDb?: unknown }).sarcopeniaDb;
    delete (globalThis as Record<symbol, unknown>)[PEER_HEADER_GLOBAL];
    await t?.drop();
  });

  it("a successful sign-in writes user.login with the address and stamps the last login, in one chain", async () => {
    const clinician = clinic.actors.clinician;
    const user = await signIn(clinician.email.toUpperCase(), password);
    expect(user).toMatchObject({ id: clinician.userId });
    const [login] = await events();
    expect(login).toMatchObject({ action: "user.login", actorLabel: clinician.email, role: "clinician" });
    expect(login!.description).toBe(`Signed in from ${address}.`);
    const row = await t.db.user.findUniqueOrThrow({ where: { id: clinician.userId }, select: { lastLoginAt: true } });
    expect(row.lastLoginAt?.getTime()).toBe(login!.at.getTime());
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("a wrong password is refused and audited against the account, without the password", async () => {
    const analyst = clinic.actors.analyst;
    const before = (await events()).length;
    expect(await signIn(analyst.email, "wrong password typed here")).toBeNull();
    // Written just after the answer (lib/auth/sign-in.ts: a real account's refusal takes no longer).
    await vi.waitFor(async () => expect(await events()).toHaveLength(before + 1));
    const rows = await events();
    expect(rows[0]).toMatchObject({ action: "user.login_failed", actorLabel: analyst.email });
    expect(rows[0]!.description).toBe(`Sign-in refused (wrong password) from ${address}.`);
    const stored = await t.db.auditEvent.findMany({ where: { action: { startsWith: "user.login" } }, select: { detailJson: true } });
    for (const e of stored) {
      expect(e.detailJson).not.toContain("wrong password typed here");
      expect(e.detailJson).not.toContain(password);
    }
  });

  it("a disabled account is refused and the reason recorded; an unknown email leaves no event", async () => {
    const admin = clinic.actors.admin;
    await t.db.user.update({ where: { id: admin.userId }, data: { disabledAt: new Date() } });
    try {
      const beforeDisabled = (await events()).length;
      expect(await signIn(admin.email, password)).toBeNull();
      await vi.waitFor(async () => expect(await events()).toHaveLength(beforeDisabled + 1));
      const before = (await events()).length;
      expect(await signIn("nobody@signin.test", password)).toBeNull();
      const rows = await events();
      expect(rows).toHaveLength(before);
      expect(rows[0]).toMatchObject({ action: "user.login_failed", actorLabel: admin.email });
      expect(rows[0]!.description).toContain("the account is disabled");
    } finally {
      await t.db.user.update({ where: { id: admin.userId }, data: { disabledAt: null } });
    }
    expect(describeAuditEvent("user.login_failed", {})).toBe("Sign-in refused (wrong password).");
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("an admin finds a user's sign-ins and refusals by filtering on that user", async () => {
    const page = await searchAuditEvents(t.db, clinic.actors.admin, { actorId: clinic.actors.analyst.userId }, undefined);
    expect(page.rows.map((r) => r.action)).toContain("user.login_failed");
    const logins = await searchAuditEvents(t.db, clinic.actors.admin, { action: "user.login" }, undefined);
    expect(logins.rows.map((r) => r.actorLabel)).toEqual([clinic.actors.clinician.email]);
  });
});
