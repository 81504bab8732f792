import "server-only";
import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { env } from "@/lib/config/env";
import { getDb } from "@/lib/data/db";
import { findSessionUser } from "@/lib/data/users";
import { AppError } from "@/lib/errors";
import type { UserActor } from "./actor";
import { authOptions } from "./options";
import { can, type Permission } from "./roles";

/**
 * The signed-in user for this request, or null. The session cookie only names the user; role,
 * clinic and status are read from the database each time, so a disabled user or a revoked
 * session (session version moved on) is refused at once, and sessions older than the absolute
 * cap end however active they are.
 */
export async function getActor(): Promise<UserActor | null> {
  // Per-request by nature: never prerendered at build time (when no secret need exist).
  await connection();
  const session = await getServerSession(authOptions());
  if (!session?.uid) return null;
  if (Date.now() - session.loginAt > env().SESSION_MAX_HOURS * 3_600_000) return null;
  const user = await findSessionUser(getDb(), session.uid);
  if (!user || user.disabledAt !== null || user.sessionVersion !== session.sv) return null;
  return { kind: "user", userId: user.id, clinicId: user.clinicId, role: user.role, name: user.name, email: user.email };
}

/** For pages: sends a visitor without a session to sign in, and one without the permission to /forbidden. */
export async function requirePageActor(permission: Permission): Promise<UserActor> {
  const actor = await getActor();
  if (!actor) redirect("/login");
  if (!can(actor.role, permission)) redirect("/forbidden");
  return actor;
}

/** For route handlers and server actions: throws AppError (mapped to 401/403 by the wrappers). */
export async function requireActor(permission: Permission): Promise<UserActor> {
  const actor = await getActor();
  if (!actor) throw new AppError("unauthenticated", "Sign in to continue.");
  if (!can(actor.role, permission)) throw new AppError("forbidden", "Your role does not allow this.");
  return actor;
}
