import "server-only";
import { randomBytes } from "node:crypto";
import type { Db, Tx } from "@/lib/data/db/client";

/**
 * Server-side sessions. The session cookie is a next-auth JWT, which on its own stays valid until
 * it expires, whatever happens on the server; so it carries a session id, and a session is live
 * only while its UserSession row is: not revoked (sign-out, user disabled) and not past
 * `expiresAt` (SESSION_MAX_HOURS after sign-in). Rows are in the database, so a sign-out through
 * one instance ends the session on all of them.
 */

/** 256 random bits: the id is the row's key and is never guessable. */
function newSessionId(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Opens a session for a user who has just signed in, inside the sign-in's transaction, and drops
 * that user's sessions that have expired (so the table holds live sessions and recent revocations).
 */
export async function openSession(tx: Tx, userId: string, at: Date, maxHours: number): Promise<{ id: string; expiresAt: Date }> {
  await tx.userSession.deleteMany({ where: { userId, expiresAt: { lt: at } } });
  const session = await tx.userSession.create({
    data: { id: newSessionId(), userId, createdAt: at, expiresAt: new Date(at.getTime() + maxHours * 3_600_000) },
    select: { id: true, expiresAt: true },
  });
  return session;
}

/** Ends one session (sign-out). Revoking an unknown or already revoked session does nothing. */
export async function revokeSession(db: Db, sessionId: string, at: Date): Promise<boolean> {
  const result = await db.userSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: at } });
  return result.count > 0;
}

/** Ends every session of a user (disabling them), in the caller's transaction. */
export async function revokeUserSessions(tx: Tx, userId: string, at: Date): Promise<number> {
  const result = await tx.userSession.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: at } });
  return result.count;
}

/** True while the session may be renewed (next-auth's session endpoint re-issues the cookie). */
export async function isSessionLive(db: Db, sessionId: string, now: Date): Promise<boolean> {
  const row = await db.userSession.findFirst({
    where: { id: sessionId, revokedAt: null, expiresAt: { gt: now }, user: { disabledAt: null } },
    select: { id: true },
  });
  return row !== null;
}
