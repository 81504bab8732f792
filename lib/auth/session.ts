import "server-only";
import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { cache } from "react";
import { connection } from "next/server";
import { env } from "@/lib/config/env";
import { getDb } from "@/lib/data/db/client";
import { findLiveSessionUser } from "@/lib/data/auth/users";
import { AppError } from "@/lib/errors";
import type { UserActor } from "@/lib/data/access/actor";
import { authOptions } from "./options";
import { can, type Permission } from "@/lib/data/access/roles";

/**
 * The signed-in user for this request, or null. The session cookie only names the user and the
 * server-side session; one indexed query checks that the session is live (not signed out, not
 * ended by disabling the user, not past SESSION_MAX_HOURS) and reads role, clinic and status, so
 * any of those changes takes effect on the next request, on every instance. Read once per request
 * (React's `cache`): the layout, the page and its guards share the answer.
 */
export const getActor = cache(async (): Promise<UserActor | null> => {
  // Per-request by nature: never prerendered at build time (when no secret need exist).
  await connection();
  const session = await getServerSession(authOptions());
  if (!session?.uid || !session.sid) return null;
  const now = new Date();
  if (now.getTime() - session.loginAt > env().SESSION_MAX_HOURS * 3_600_000) return null;
  const user = await findLiveSessionUser(getDb(), session.sid, session.uid, now);
  if (!user) return null;
  return { kind: "user", userId: user.id, clinicId: user.clinicId, role: user.role, name: user.name, email: user.email };
});

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
