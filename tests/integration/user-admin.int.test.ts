import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, type TestClinic } from "../support/clinic-factory";
import { createDb, type Db } from "@/lib/data/db/client";
import { changeUserRole, createUser, disableUser, enableUser, findLiveSessionUser, findUserForLogin, listUsers, recordSignIn, resetUserPassword } from "@/lib/data/auth/users";
import { verifyPassword } from "@/lib/data/auth/password";
import { verifyAuditChain } from "@/lib/data/audit/log";
import type { UserActor } from "@/lib/data/access/actor";

/**
 * Managing a clinic's users (docs/design.md#patients-and-users-in-the-app) on the provider under
 * test: add, disable (the user's open session is refused on its next request), enable, reset a
 * password (the new one returned once, only its hash stored, the sessions ended), change a role;
 * every change audited; the clinic's last active admin can be neither disabled nor demoted, also
 * when two admins act on each other at the same moment (the check runs under a lock inside the
 * transaction). Two database clients stand for two app instances.
 */
describe("users in the app", () => {
  let t: TestDatabase;
  let second: Db;
  let c: TestClinic;
  let other: TestClinic;
  const password = "a long enough password 42";

  async function addAdmin(email: string): Promise<UserActor> {
    const user = await createUser(t.db, c.actors.admin, { email, name: `Admin ${email}`, role: "admin", password });
    return { kind: "user", userId: user.id, clinicId: c.clinicId, role: "admin", name: user.name, email: user.email };
  }

  /** Signs `email` in as the sign-in does, returning the session the browser would carry. */
  async function openSessionFor(email: string, at: Date): Promise<{ sid: string; uid: string }> {
    const user = await findUserForLogin(t.db, email);
    if (!user) throw new Error(`no user ${email}`);
    const session = await recordSignIn(t.db, user, "198.51.100.7", at, 12);
    return { sid: session.id, uid: user.id };
  }

  /**
   * The client the second of two simultaneous requests runs on: another instance's pool on
   * PostgreSQL; on SQLite the same client (one app process holds one connection; a second
   * better-sqlite3 connection in this process would wait for the lock synchronously, blocking
   * the very transaction it waits for).
   */
  function racer(): Db {
    return t.provider === "postgresql" ? second : t.db;
  }

  async function activeAdmins(): Promise<number> {
    return t.db.user.count({ where: { clinicId: c.clinicId, role: "admin", disabledAt: null } });
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    second = createDb(t.url);
    c = await createTestClinic(t.db, { slug: "users", patients: 0 });
    other = await createTestClinic(t.db, { slug: "users-other", patients: 0 });
  });
  afterAll(async () => {
    await second?.$disconnect();
    await t?.drop();
  });

  it("an admin adds a user to their own clinic; the email is unique; the user is listed and audited", async () => {
    const user = await createUser(t.db, c.actors.admin, { email: " Nurse.Kim@Users.test ", name: "Nurse Kim", role: "clinician", password });
    expect(user).toMatchObject({ email: "nurse.kim@users.test", role: "clinician" });
    const stored = await t.db.user.findUniqueOrThrow({ where: { id: user.id }, select: { clinicId: true, passwordHash: true } });
    expect(stored.clinicId).toBe(c.clinicId);
    expect(stored.passwordHash).not.toContain(password);
    expect(await verifyPassword(stored.passwordHash, password)).toBe(true);
    expect((await listUsers(t.db, c.actors.admin)).map((u) => u.email)).toContain("nurse.kim@users.test");
    expect((await listUsers(t.db, other.actors.admin)).map((u) => u.email)).not.toContain("nurse.kim@users.test");
    await expect(createUser(t.db, c.actors.admin, { email: "nurse.kim@users.test", name: "Again", role: "analyst", password })).rejects.toMatchObject({
      code: "conflict",
      message: "A user with the email nurse.kim@users.test already exists.",
    });
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "user.create", entityId: user.id }, select: { detailJson: true, clinicId: true } });
    expect(audit.clinicId).toBe(c.clinicId);
    expect(JSON.parse(audit.detailJson)).toEqual({ email: "nurse.kim@users.test", name: "Nurse Kim", role: "clinician" });
  });

  it("clinicians and analysts may not manage users; an admin cannot touch another clinic's users", async () => {
    for (const actor of [c.actors.clinician, c.actors.analyst]) {
      await expect(listUsers(t.db, actor)).rejects.toMatchObject({ code: "forbidden" });
      await expect(createUser(t.db, actor, { email: "x@users.test", name: "X", role: "admin", password })).rejects.toMatchObject({ code: "forbidden" });
      await expect(changeUserRole(t.db, actor, { id: actor.userId }, "admin")).rejects.toMatchObject({ code: "forbidden" });
      await expect(resetUserPassword(t.db, actor, { id: c.actors.admin.userId })).rejects.toMatchObject({ code: "forbidden" });
      await expect(disableUser(t.db, actor, { id: c.actors.admin.userId })).rejects.toMatchObject({ code: "forbidden" });
    }
    const theirs = other.actors.clinician.userId;
    await expect(disableUser(t.db, c.actors.admin, { id: theirs })).rejects.toMatchObject({ code: "not_found" });
    await expect(changeUserRole(t.db, c.actors.admin, { id: theirs }, "analyst")).rejects.toMatchObject({ code: "not_found" });
    await expect(resetUserPassword(t.db, c.actors.admin, { id: theirs })).rejects.toMatchObject({ code: "not_found" });
    expect(await t.db.user.findUniqueOrThrow({ where: { id: theirs }, select: { role: true, disabledAt: true } })).toEqual({ role: "clinician", disabledAt: null });
  });

  it("disabling a user ends their open session: its next request (on either instance) is refused; enabling lets them sign in again", async () => {
    const user = await createUser(t.db, c.actors.admin, { email: "leaving@users.test", name: "Leaving", role: "clinician", password });
    const now = new Date();
    const session = await openSessionFor(user.email, now);
    expect(await findLiveSessionUser(second, session.sid, session.uid, now)).not.toBeNull();
    const result = await disableUser(t.db, c.actors.admin, { id: user.id }, now);
    expect(result.sessionsEnded).toBe(1);
    expect(await findLiveSessionUser(t.db, session.sid, session.uid, now)).toBeNull();
    expect(await findLiveSessionUser(second, session.sid, session.uid, now)).toBeNull();
    await expect(disableUser(t.db, c.actors.admin, { id: user.id }, now)).rejects.toMatchObject({ code: "invalid", message: "leaving@users.test is already disabled." });
    await enableUser(t.db, c.actors.admin, { id: user.id }, now);
    // The old session stays ended; a new sign-in works.
    expect(await findLiveSessionUser(t.db, session.sid, session.uid, now)).toBeNull();
    const again = await openSessionFor(user.email, now);
    expect(await findLiveSessionUser(t.db, again.sid, again.uid, now)).not.toBeNull();
    const actions = (await t.db.auditEvent.findMany({ where: { entityId: user.id, action: { in: ["user.disable", "user.enable"] } }, orderBy: { seq: "asc" }, select: { action: true, detailJson: true } }));
    expect(actions.map((a) => a.action)).toEqual(["user.disable", "user.enable"]);
    expect(JSON.parse(actions[0]!.detailJson)).toEqual({ email: "leaving@users.test", sessionsEnded: 1 });
  });

  it("a password reset returns a new password once, stores only its hash, ends the user's sessions and never writes it to the audit log", async () => {
    const user = await createUser(t.db, c.actors.admin, { email: "forgot@users.test", name: "Forgot", role: "analyst", password });
    const now = new Date();
    const session = await openSessionFor(user.email, now);
    const reset = await resetUserPassword(t.db, c.actors.admin, { id: user.id }, now);
    expect(reset.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(reset.sessionsEnded).toBe(1);
    const stored = await t.db.user.findUniqueOrThrow({ where: { id: user.id }, select: { passwordHash: true } });
    expect(await verifyPassword(stored.passwordHash, reset.password)).toBe(true);
    expect(await verifyPassword(stored.passwordHash, password)).toBe(false);
    expect(stored.passwordHash).not.toContain(reset.password);
    expect(await findLiveSessionUser(t.db, session.sid, session.uid, now)).toBeNull();
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "user.password_reset", entityId: user.id }, select: { detailJson: true } });
    expect(audit.detailJson).not.toContain(reset.password);
    expect(JSON.parse(audit.detailJson)).toEqual({ email: "forgot@users.test", sessionsEnded: 1 });
    // Two resets give two different passwords.
    expect((await resetUserPassword(t.db, c.actors.admin, { id: user.id }, now)).password).not.toBe(reset.password);
  });

  it("a role change applies on the user's next request and is audited before → after", async () => {
    const user = await createUser(t.db, c.actors.admin, { email: "promoted@users.test", name: "Promoted", role: "analyst", password });
    const now = new Date();
    const session = await openSessionFor(user.email, now);
    expect((await findLiveSessionUser(t.db, session.sid, session.uid, now))?.role).toBe("analyst");
    await expect(changeUserRole(t.db, c.actors.admin, { id: user.id }, "analyst")).rejects.toMatchObject({ code: "invalid" });
    await changeUserRole(t.db, c.actors.admin, { id: user.id }, "clinician", now);
    expect((await findLiveSessionUser(second, session.sid, session.uid, now))?.role).toBe("clinician");
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "user.role_change", entityId: user.id }, select: { detailJson: true } });
    expect(JSON.parse(audit.detailJson)).toEqual({ email: "promoted@users.test", before: "analyst", after: "clinician" });
  });

  it("the last active admin can be neither disabled nor demoted, and an admin cannot disable or demote themself", async () => {
    expect(await activeAdmins()).toBe(1);
    const error = await disableUser(t.db, { kind: "system", clinicId: c.clinicId, label: "cli" }, c.actors.admin.email).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "conflict", message: "admin@users.test is the clinic's last active admin and cannot be disabled: make another user an admin first." });
    await expect(changeUserRole(t.db, { kind: "system", clinicId: c.clinicId, label: "cli" }, c.actors.admin.email, "clinician")).rejects.toMatchObject({ code: "conflict" });
    await expect(disableUser(t.db, c.actors.admin, { id: c.actors.admin.userId })).rejects.toMatchObject({ code: "invalid", message: "You cannot disable your own account; ask another admin." });
    expect(await activeAdmins()).toBe(1);
    // With a second admin, the first may be demoted (by the other).
    const deputy = await addAdmin("deputy@users.test");
    await changeUserRole(t.db, deputy, { id: c.actors.admin.userId }, "clinician");
    expect(await activeAdmins()).toBe(1);
    await changeUserRole(t.db, deputy, { id: c.actors.admin.userId }, "admin");
    expect(await activeAdmins()).toBe(2);
  });

  it("two admins disabling each other at the same moment: exactly one succeeds and the clinic keeps an active admin", async () => {
    const a = await addAdmin("race-a@users.test");
    const b = await addAdmin("race-b@users.test");
    // Leave exactly these two active admins.
    for (const u of await t.db.user.findMany({ where: { clinicId: c.clinicId, role: "admin", id: { notIn: [a.userId, b.userId] } }, select: { id: true } })) {
      await t.db.user.update({ where: { id: u.id }, data: { role: "clinician" } });
    }
    expect(await activeAdmins()).toBe(2);
    const results = await Promise.allSettled([disableUser(t.db, a, { id: b.userId }), disableUser(racer(), b, { id: a.userId })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toMatchObject({ code: "conflict", message: expect.stringContaining("last active admin") });
    expect(await activeAdmins()).toBe(1);
  });

  it("two admins demoting each other at the same moment: exactly one succeeds", async () => {
    const survivor = await t.db.user.findFirstOrThrow({ where: { clinicId: c.clinicId, role: "admin", disabledAt: null }, select: { id: true, email: true, name: true } });
    const one: UserActor = { kind: "user", userId: survivor.id, clinicId: c.clinicId, role: "admin", name: survivor.name, email: survivor.email };
    const two = await addAdmin("race-c@users.test");
    expect(await activeAdmins()).toBe(2);
    const results = await Promise.allSettled([changeUserRole(t.db, one, { id: two.userId }, "analyst"), changeUserRole(racer(), two, { id: one.userId }, "analyst")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "conflict" } });
    expect(await activeAdmins()).toBe(1);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});
