import "server-only";
import type { Db } from "@/lib/data/db/client";
import { redeemSignInTicket } from "@/lib/data/ehr/launch-state";
import { findActiveUserById, recordSignIn, type SessionUserRecord } from "@/lib/data/auth/users";

/**
 * The sign-in that ends a SMART launch (lib/smart/launch.ts): next-auth's second credentials
 * provider, "smart-ticket" (lib/auth/options.ts), redeems the launch's one-time ticket — unknown,
 * used or older than 60 s is refused — and opens the same server-side session as a password
 * sign-in, audited "user.login" as a SMART launch from the EHR, as the EHR user.
 *
 * No throttle: a ticket is 256 random bits, which no one guesses, and a refusal tells nothing
 * about any account.
 */
export type TicketSignIn = { kind: "signed-in"; user: SessionUserRecord; sessionId: string; patientId: string } | { kind: "refused" };

export async function signInWithTicket(db: Db, ticket: string, address: string, now: Date, sessionMaxHours: number): Promise<TicketSignIn> {
  const redeemed = await redeemSignInTicket(db, ticket, now);
  if (!redeemed) return { kind: "refused" };
  // Disabled in the seconds since the launch: refused like any sign-in of a disabled user.
  const user = await findActiveUserById(db, redeemed.userId);
  if (!user) return { kind: "refused" };
  const session = await recordSignIn(db, user, address, now, sessionMaxHours, { via: "SMART launch", ehr: redeemed.ehrName, fhirUser: redeemed.fhirUser });
  return { kind: "signed-in", user, sessionId: session.id, patientId: redeemed.patientId };
}
