import "server-only";
import { randomBytes } from "node:crypto";
import type { Db } from "@/lib/data/db/client";
import { purgeExpiredThrottles, reserveAttempt, settleSuccess, type ThrottlePolicy } from "@/lib/data/auth/sign-in-throttle";
import { findUserForLogin, recordRefusedSignIn, recordSignIn, type SessionUserRecord } from "@/lib/data/auth/users";
import { throttleAddressKey } from "./client-address";
import { hashPassword } from "@/lib/data/auth/password";

/**
 * One sign-in attempt, from the throttle to the session (next-auth's `authorize` calls this):
 *
 * 1. the attempt takes its throttle slots (lib/data/auth/sign-in-throttle.ts) — over the limit it is
 *    refused here, and no password is checked;
 * 2. the password is checked against the account's hash, or against a dummy hash when there is
 *    no such account, so an unknown email costs the same argon2 work as a known one;
 * 3. a wrong password, a disabled account or an unknown email are refused alike (the caller
 *    shows one message); a refusal on a real account is audited against it, after the answer
 *    (`deferAudit`), so that it takes no longer than an unknown email's;
 * 4. a success clears the pair's count, gives back its address slot, and opens a server-side
 *    session (lib/data/auth/sessions.ts) in the same transaction as the "user.login" event.
 */
export interface SignInAttempt {
  email: string;
  password: string;
  /** The client's address (lib/auth/client-address.ts), as audited. */
  address: string;
  now: Date;
}

export interface SignInRules {
  policy: ThrottlePolicy;
  sessionMaxHours: number;
  /** The password check: argon2 in the app; tests pass a counting wrapper. */
  verify: (passwordHash: string, password: string) => Promise<boolean>;
  /**
   * Runs the audit write of a refused sign-in. The app runs it after the answer has been sent
   * (lib/auth/options.ts): otherwise the answer is slower for an email that has an account,
   * which tells accounts apart. Tests collect and await it.
   */
  deferAudit: (write: () => Promise<void>) => void;
}

export type SignInOutcome =
  | { kind: "signed-in"; user: SessionUserRecord; sessionId: string }
  | { kind: "refused" }
  | { kind: "throttled"; retryAt: Date };

let dummyHash: Promise<string> | undefined;

/** An argon2 hash of a random password, made once per process with the same parameters as real ones. */
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(24).toString("base64url"));
  return dummyHash;
}

export async function attemptSignIn(db: Db, attempt: SignInAttempt, rules: SignInRules): Promise<SignInOutcome> {
  const email = attempt.email.trim().toLowerCase();
  const reservation = await reserveAttempt(db, email, throttleAddressKey(attempt.address), attempt.now, rules.policy);
  if (!reservation.admitted) return { kind: "throttled", retryAt: reservation.retryAt };

  const user = await findUserForLogin(db, email);
  const passwordMatches = await rules.verify(user?.passwordHash ?? (await dummyPasswordHash()), attempt.password);
  if (!user || !passwordMatches || user.disabledAt !== null) {
    if (user) rules.deferAudit(() => recordRefusedSignIn(db, user, user.disabledAt === null ? "wrong_password" : "disabled", attempt.address, attempt.now));
    return { kind: "refused" };
  }

  await settleSuccess(db, reservation);
  const session = await recordSignIn(db, user, attempt.address, attempt.now, rules.sessionMaxHours);
  await purgeExpiredThrottles(db, attempt.now);
  return { kind: "signed-in", user, sessionId: session.id };
}
