import "server-only";
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "@/lib/data/db/client";

/**
 * The server-side halves of a SMART launch (docs/ehr-integration.md "How a launch works"):
 *
 * - the launch in progress, between /smart/launch and /smart/callback: the PKCE verifier, found by
 *   the hash of the OAuth `state`, bound to the browser that started it (the hash of a random
 *   httpOnly cookie), taken once and only before it expires — a callback URL replayed, or
 *   carried to another browser (login CSRF: someone's code used to sign a colleague in as them),
 *   is refused;
 * - the one-time sign-in ticket a completed launch hands to next-auth's "smart-ticket" provider:
 *   only its hash is stored, it lives 60 seconds and is redeemed once.
 *
 * Only hashes of the bearer values are stored, so a copy of the database completes no launch.
 */

export const LAUNCH_TTL_MS = 10 * 60_000;
export const TICKET_TTL_MS = 60_000;

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

/** 256 random bits, URL-safe. */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

export async function saveLaunchState(db: Db, input: { state: string; browserNonce: string; ehrConnectionId: string; codeVerifier: string }, now: Date): Promise<void> {
  await db.smartLaunchState.deleteMany({ where: { expiresAt: { lt: now } } });
  await db.smartLaunchState.create({
    data: { stateHash: sha256(input.state), browserHash: sha256(input.browserNonce), ehrConnectionId: input.ehrConnectionId, codeVerifier: input.codeVerifier, createdAt: now, expiresAt: new Date(now.getTime() + LAUNCH_TTL_MS) },
  });
}

export type TakenLaunch = { ok: true; ehrConnectionId: string; codeVerifier: string } | { ok: false; reason: "unknown" | "expired" | "other-browser" };

/**
 * Takes the launch a callback's `state` names (deleting it, so it is used once) and checks that
 * this browser started it and that it has not expired.
 */
export async function takeLaunchState(db: Db, state: string, browserNonce: string | undefined, now: Date): Promise<TakenLaunch> {
  const stateHash = sha256(state);
  const row = await db.smartLaunchState.findUnique({ where: { stateHash } });
  if (!row) return { ok: false, reason: "unknown" };
  // Deleted whoever wins: of two callbacks with one state, exactly one deletes the row.
  const { count } = await db.smartLaunchState.deleteMany({ where: { stateHash } });
  if (count !== 1) return { ok: false, reason: "unknown" };
  if (row.expiresAt <= now) return { ok: false, reason: "expired" };
  if (browserNonce === undefined || sha256(browserNonce) !== row.browserHash) return { ok: false, reason: "other-browser" };
  return { ok: true, ehrConnectionId: row.ehrConnectionId, codeVerifier: row.codeVerifier };
}

/** A ticket for `userId` to sign in and open `patientId`; the ticket itself is returned once. */
export async function issueSignInTicket(db: Db, input: { userId: string; ehrConnectionId: string; fhirUser: string; patientId: string }, now: Date): Promise<string> {
  const ticket = randomToken();
  await db.smartSignInTicket.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - TICKET_TTL_MS) } } });
  await db.smartSignInTicket.create({ data: { ticketHash: sha256(ticket), ...input, createdAt: now, expiresAt: new Date(now.getTime() + TICKET_TTL_MS) } });
  return ticket;
}

export interface RedeemedTicket {
  userId: string;
  ehrConnectionId: string;
  ehrName: string;
  fhirUser: string;
  patientId: string;
}

/** Marks the ticket used (one statement: of two redemptions exactly one succeeds); null when unknown, used or expired. */
export async function redeemSignInTicket(db: Db, ticket: string, now: Date): Promise<RedeemedTicket | null> {
  const ticketHash = sha256(ticket);
  const { count } = await db.smartSignInTicket.updateMany({ where: { ticketHash, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  if (count !== 1) return null;
  const row = await db.smartSignInTicket.findUnique({ where: { ticketHash }, select: { userId: true, ehrConnectionId: true, fhirUser: true, patientId: true, ehr: { select: { name: true } } } });
  if (!row) return null;
  const { ehr, ...rest } = row;
  return { ...rest, ehrName: ehr.name };
}
