import "server-only";
import type { Db } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { AppError } from "@/lib/errors";
import type { Actor, UserActor } from "@/lib/data/access/actor";
import { actorRole } from "@/lib/data/access/actor";
import { can, type Role } from "@/lib/data/access/roles";
import { decodeRole } from "@/lib/data/stored/values";
import { hashPassword, passwordProblem } from "@/lib/data/auth/password";
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
export async function recordSignIn(db: Db, user: SessionUserRecord, address: string, at: Date, sessionMaxHours: number): Promise<{ id: string; expiresAt: Date }> {
  return db.$transaction(async (tx) => {
    const session = await openSession(tx, user.id, at, sessionMaxHours);
    await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: at } });
    await appendAudit(tx, signInActor(user), [{ action: "user.login", entityType: "user", entityId: user.id, detail: { address } }], at);
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

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  password: string;
}

export async function createUser(db: Db, actor: Actor, input: NewUser) {
  assertCanManageUsers(actor);
  const problem = passwordProblem(input.password);
  if (problem) throw new AppError("invalid", `Password not accepted: ${problem}`);
  const email = input.email.trim().toLowerCase();
  if (await db.user.findUnique({ where: { email }, select: { id: true } })) {
    throw new AppError("conflict", `A user with the email ${email} already exists.`);
  }
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    const user = await tx.user.create({
      data: { clinicId: actor.clinicId, email, name: input.name, role: input.role, passwordHash },
      select: { id: true, email: true, name: true, role: true },
    });
    await appendAudit(tx, actor, [{ action: "user.create", entityType: "user", entityId: user.id, detail: { email, role: input.role } }]);
    return user;
  });
}

export async function listUsers(db: Db, actor: Actor) {
  assertCanManageUsers(actor);
  return db.user.findMany({
    where: { clinicId: actor.clinicId },
    select: { id: true, email: true, name: true, role: true, disabledAt: true, lastLoginAt: true },
    orderBy: { email: "asc" },
  });
}

/**
 * Disables a user and ends every session they hold: their UserSession rows are revoked, so the
 * next request on any instance is refused. (The retired session version still moves on, for
 * instances of the previous version during a rolling upgrade.)
 */
export async function disableUser(db: Db, actor: Actor, email: string, at: Date = new Date()) {
  assertCanManageUsers(actor);
  const target = await db.user.findFirst({ where: { email: email.trim().toLowerCase(), clinicId: actor.clinicId }, select: { id: true } });
  if (!target) throw new AppError("not_found", `No user with the email ${email} in this clinic.`);
  return db.$transaction(async (tx) => {
    const user = await tx.user.update({
      where: { id: target.id },
      data: { disabledAt: at, sessionVersion: { increment: 1 } },
      select: { id: true, email: true, disabledAt: true },
    });
    const sessionsEnded = await revokeUserSessions(tx, user.id, at);
    await appendAudit(tx, actor, [{ action: "user.disable", entityType: "user", entityId: user.id, detail: { email: user.email } }], at);
    return { ...user, sessionsEnded };
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
