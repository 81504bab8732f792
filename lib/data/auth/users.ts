import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { AppError } from "@/lib/errors";
import type { Actor, UserActor } from "@/lib/data/access/actor";
import { actorRole } from "@/lib/data/access/actor";
import { can, isRole, type Role } from "@/lib/data/access/roles";
import { decodeRole } from "@/lib/data/stored/values";
import { generatePassword, hashPassword, passwordProblem } from "@/lib/data/auth/password";
import { openSession, revokeUserSessions } from "./sessions";

/** What a session needs to know about its user, re-read on every request so that disabling a
 * user or changing their role takes effect at once. */
export interface SessionUserRecord {
  id: string;
  clinicId: string;
  email: string;
  name: string;
  role: Role;
  disabledAt: Date | null;
}

const SESSION_USER_SELECT = { id: true, clinicId: true, email: true, name: true, role: true, disabledAt: true } as const;

function toSessionUser(row: { role: string } & Omit<SessionUserRecord, "role">): SessionUserRecord {
  return { ...row, role: decodeRole(row.role, row.id) };
}

/**
 * The user of a live session, read with one indexed query (the user by primary key, with the
 * session row by primary key as a sub-select): null when the session is revoked, expired, not
 * this user's, or the user is disabled. Called on every request (lib/auth/session.ts).
 */
export async function findLiveSessionUser(db: Db, sessionId: string, userId: string, now: Date): Promise<SessionUserRecord | null> {
  const row = await db.user.findFirst({
    where: { id: userId, disabledAt: null, sessions: { some: { id: sessionId, revokedAt: null, expiresAt: { gt: now } } } },
    select: SESSION_USER_SELECT,
  });
  return row ? toSessionUser(row) : null;
}

/** An active user by id (a SMART launch's sign-in ticket names its user), or null. */
export async function findActiveUserById(db: Db, userId: string): Promise<SessionUserRecord | null> {
  const row = await db.user.findFirst({ where: { id: userId, disabledAt: null }, select: SESSION_USER_SELECT });
  return row ? toSessionUser(row) : null;
}

export async function findUserForLogin(db: Db, email: string): Promise<(SessionUserRecord & { passwordHash: string }) | null> {
  const row = await db.user.findUnique({
    where: { email: email.trim().toLowerCase() },
    select: { ...SESSION_USER_SELECT, passwordHash: true },
  });
  return row ? { ...toSessionUser(row), passwordHash: row.passwordHash } : null;
}

/** The user as the actor of their own sign-in (the audit log's actor fields). */
function signInActor(user: SessionUserRecord): UserActor {
  return { kind: "user", userId: user.id, clinicId: user.clinicId, role: user.role, name: user.name, email: user.email };
}

/**
 * A successful sign-in: opens the server-side session (lib/data/auth/sessions.ts), stamps the
 * user's last login and writes a "user.login" audit event, in one transaction. `address` is the
 * client address (lib/auth/client-address.ts; no patient data).
 */
export async function recordSignIn(db: Db, user: SessionUserRecord, address: string, at: Date, sessionMaxHours: number, how: Record<string, string> = {}): Promise<{ id: string; expiresAt: Date }> {
  return db.$transaction(async (tx) => {
    const session = await openSession(tx, user.id, at, sessionMaxHours);
    await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: at } });
    await appendAudit(tx, signInActor(user), [{ action: "user.login", entityType: "user", entityId: user.id, detail: { address, ...how } }], at);
    return session;
  });
}

export type RefusedSignInReason = "wrong_password" | "disabled";

/**
 * A refused sign-in to an existing account, audited against that account ("user.login_failed") so
 * an admin searching the user sees the attempts. Never the password. Attempts on an email with no
 * account are not audited: they belong to no clinic, and the rate limiter already counts them.
 */
export async function recordRefusedSignIn(db: Db, user: SessionUserRecord, reason: RefusedSignInReason, address: string, at: Date): Promise<void> {
  await db.$transaction((tx) => appendAudit(tx, signInActor(user), [{ action: "user.login_failed", entityType: "user", entityId: user.id, detail: { reason, address } }], at));
}

function assertCanManageUsers(actor: Actor): void {
  if (!can(actorRole(actor), "users:manage")) throw new AppError("forbidden", "Only an admin can manage users.");
}

/*
 * Managing users (the CLI's `users` commands and the Users page, docs/design.md#patients-and-users-in-the-app).
 * Every change is one transaction that first locks the clinic's user list (lockClinicUsers), then
 * reads the user, checks the rules, writes and audits. The lock is what makes "the last active
 * admin cannot be disabled or demoted" hold under concurrent requests: two admins disabling each
 * other at once are serialised, and the second sees the first's change and is refused.
 */

/**
 * Serialises user changes within a clinic: a no-op UPDATE of the clinic's row takes its row lock
 * on PostgreSQL (the second transaction waits, then reads committed data) and the write lock on
 * SQLite, before anything is read.
 */
async function lockClinicUsers(tx: Tx, clinicId: string): Promise<void> {
  await tx.$executeRaw`UPDATE "Clinic" SET "name" = "name" WHERE "id" = ${clinicId}`;
}

/** A user to act on: by email (the CLI) or by id (the Users page). */
export type UserRef = string | { id: string };

const MANAGED_USER_SELECT = { id: true, email: true, name: true, role: true, disabledAt: true } as const;

async function findClinicUser(tx: Tx, actor: Actor, who: UserRef) {
  const where = typeof who === "string" ? { email: who.trim().toLowerCase(), clinicId: actor.clinicId } : { id: who.id, clinicId: actor.clinicId };
  if (typeof who !== "string" && (typeof who.id !== "string" || who.id === "")) throw new AppError("not_found", "No such user in this clinic.");
  const row = await tx.user.findFirst({ where, select: MANAGED_USER_SELECT });
  if (!row) throw new AppError("not_found", typeof who === "string" ? `No user with the email ${who} in this clinic.` : "No such user in this clinic.");
  return { ...row, role: decodeRole(row.role, row.id) };
}

/** Refuses a change that would leave the clinic with no active admin (read under the clinic lock). */
async function assertAnotherActiveAdmin(tx: Tx, clinicId: string, user: { id: string; email: string }, what: string): Promise<void> {
  const others = await tx.user.count({ where: { clinicId, role: "admin", disabledAt: null, id: { not: user.id } } });
  if (others === 0) {
    throw new AppError("conflict", `${user.email} is the clinic's last active admin and cannot be ${what}: make another user an admin first.`);
  }
}

function assertNotSelf(actor: Actor, userId: string, what: string): void {
  if (actor.kind === "user" && actor.userId === userId) throw new AppError("invalid", `You cannot ${what} your own account; ask another admin.`);
}

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  password: string;
}

/** Adds a user to the actor's clinic (the password hashed with argon2id, never stored or logged in clear); audited "user.create". */
export async function createUser(db: Db, actor: Actor, input: NewUser, at: Date = new Date()) {
  assertCanManageUsers(actor);
  const problem = passwordProblem(input.password);
  if (problem) throw new AppError("invalid", `Password not accepted: ${problem}`);
  const email = input.email.trim().toLowerCase();
  const taken = async () => (await db.user.findUnique({ where: { email }, select: { id: true } })) !== null;
  const conflict = () => new AppError("conflict", `A user with the email ${email} already exists.`);
  if (await taken()) throw conflict();
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.$transaction(async (tx) => {
      await lockClinicUsers(tx, actor.clinicId);
      const user = await tx.user.create({
        data: { clinicId: actor.clinicId, email, name: input.name, role: input.role, passwordHash, createdAt: at },
        select: { id: true, email: true, name: true, role: true },
      });
      await appendAudit(tx, actor, [{ action: "user.create", entityType: "user", entityId: user.id, detail: { email, name: input.name, role: input.role } }], at);
      return user;
    });
  } catch (error) {
    // The same email added twice at once: the unique index refused this one.
    if (!(error instanceof AppError) && (await taken())) throw conflict();
    throw error;
  }
}

export async function listUsers(db: Db, actor: Actor) {
  assertCanManageUsers(actor);
  const rows = await db.user.findMany({
    where: { clinicId: actor.clinicId },
    select: { id: true, email: true, name: true, role: true, disabledAt: true, lastLoginAt: true },
    orderBy: { email: "asc" },
  });
  return rows.map((row) => ({ ...row, role: decodeRole(row.role, row.id) }));
}

/**
 * Disables a user and ends every session they hold: their UserSession rows are revoked, so the
 * next request on any instance is refused. (The retired session version still moves on, for
 * instances of the previous version during a rolling upgrade.) The clinic's last active admin,
 * and the acting admin themself, cannot be disabled.
 */
export async function disableUser(db: Db, actor: Actor, who: UserRef, at: Date = new Date()) {
  assertCanManageUsers(actor);
  return db.$transaction(async (tx) => {
    await lockClinicUsers(tx, actor.clinicId);
    const target = await findClinicUser(tx, actor, who);
    if (target.disabledAt) throw new AppError("invalid", `${target.email} is already disabled.`);
    assertNotSelf(actor, target.id, "disable");
    if (target.role === "admin") await assertAnotherActiveAdmin(tx, actor.clinicId, target, "disabled");
    const user = await tx.user.update({
      where: { id: target.id },
      data: { disabledAt: at, sessionVersion: { increment: 1 } },
      select: { id: true, email: true, disabledAt: true },
    });
    const sessionsEnded = await revokeUserSessions(tx, user.id, at);
    await appendAudit(tx, actor, [{ action: "user.disable", entityType: "user", entityId: user.id, detail: { email: user.email, sessionsEnded } }], at);
    return { ...user, sessionsEnded };
  });
}

/** Lets a disabled user sign in again (their old sessions stay ended); audited "user.enable". */
export async function enableUser(db: Db, actor: Actor, who: UserRef, at: Date = new Date()) {
  assertCanManageUsers(actor);
  return db.$transaction(async (tx) => {
    await lockClinicUsers(tx, actor.clinicId);
    const target = await findClinicUser(tx, actor, who);
    if (!target.disabledAt) throw new AppError("invalid", `${target.email} is not disabled.`);
    await tx.user.update({ where: { id: target.id }, data: { disabledAt: null } });
    await appendAudit(tx, actor, [{ action: "user.enable", entityType: "user", entityId: target.id, detail: { email: target.email } }], at);
    return { id: target.id, email: target.email };
  });
}

/**
 * Changes a user's role; it applies from their next request (a session re-reads its user every
 * time). Demoting the clinic's last active admin, or oneself, is refused. Audited
 * "user.role_change" with the role before and after.
 */
export async function changeUserRole(db: Db, actor: Actor, who: UserRef, role: Role, at: Date = new Date()) {
  assertCanManageUsers(actor);
  if (!isRole(role)) throw new AppError("invalid", "Choose a role: admin, clinician or analyst.");
  return db.$transaction(async (tx) => {
    await lockClinicUsers(tx, actor.clinicId);
    const target = await findClinicUser(tx, actor, who);
    if (target.role === role) throw new AppError("invalid", `${target.email} is already ${role === "admin" ? "an" : "a"} ${role}.`);
    if (target.role === "admin") {
      assertNotSelf(actor, target.id, "demote");
      if (!target.disabledAt) await assertAnotherActiveAdmin(tx, actor.clinicId, target, "demoted");
    }
    await tx.user.update({ where: { id: target.id }, data: { role } });
    await appendAudit(tx, actor, [{ action: "user.role_change", entityType: "user", entityId: target.id, detail: { email: target.email, before: target.role, after: role } }], at);
    return { id: target.id, email: target.email, before: target.role, after: role };
  });
}

/**
 * Sets a new generated password for a user and ends their sessions (a reset is often done because
 * the account may be in someone else's hands). The password is returned once, for the admin to
 * pass on: only its argon2id hash is stored, and neither the audit event nor any log holds it.
 */
export async function resetUserPassword(db: Db, actor: Actor, who: UserRef, at: Date = new Date()): Promise<{ id: string; email: string; password: string; sessionsEnded: number }> {
  assertCanManageUsers(actor);
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  return db.$transaction(async (tx) => {
    await lockClinicUsers(tx, actor.clinicId);
    const target = await findClinicUser(tx, actor, who);
    await tx.user.update({ where: { id: target.id }, data: { passwordHash } });
    const sessionsEnded = await revokeUserSessions(tx, target.id, at);
    await appendAudit(tx, actor, [{ action: "user.password_reset", entityType: "user", entityId: target.id, detail: { email: target.email, sessionsEnded } }], at);
    return { id: target.id, email: target.email, password, sessionsEnded };
  });
}

/** Clinicians of the actor's clinic, for the "attributed clinician" filter. */
export async function listClinicians(db: Db, actor: Actor) {
  return db.user.findMany({
    where: { clinicId: actor.clinicId, role: "clinician", disabledAt: null },
    select: { id: true, name: true },
    orderBy: { name: "asc" },
  });
}
