import "server-only";
import type { Db } from "@/lib/data/db/client";

/**
 * Sign-in throttling, kept in the database so that every app instance sees the same counts.
 *
 * Two keys per attempt: the client address ("address:<a>", all accounts together) and the pair of
 * account and address ("account:<email>|<a>"). A key counts the attempts made in its current
 * window. An attempt **takes its slot before the password is checked**, with one statement that
 * increments the count and returns it (INSERT … ON CONFLICT DO UPDATE … RETURNING, atomic on
 * SQLite and PostgreSQL alike), so a parallel burst cannot slip past the limit: attempt n+1 sees
 * n, whichever instance or connection it came through. Over the limit, the attempt is refused
 * without checking the password, until the window ends.
 *
 * Nothing is global: an account is never locked for everyone, only for the address that has been
 * failing at it, so neither a stranger nor a colleague can lock a clinician out. Delays grow: a
 * window that went over the limit is followed by one twice as long (up to MAX_WINDOW_MS), so a
 * persistent guesser gets fewer tries per hour, while anyone who stays under the limit keeps the
 * configured window.
 *
 * Times are epoch milliseconds, passed in (`now`), so the window arithmetic runs inside the one
 * statement on both databases and tests choose the clock.
 */
export interface ThrottlePolicy {
  /** Attempts per account and address per window (LOGIN_MAX_FAILURES). */
  maxFailures: number;
  /** Attempts per address, over all accounts, per window (LOGIN_ADDRESS_MAX_FAILURES). */
  maxAddressFailures: number;
  windowMinutes: number;
}

/** The longest a window grows to after repeated excess. */
export const MAX_WINDOW_MS = 24 * 3_600_000;

export function addressKey(address: string): string {
  return `address:${address}`;
}

export function accountKey(email: string, address: string): string {
  return `account:${email}|${address}`;
}

interface Count {
  attempts: number;
  windowStartMs: number;
  windowMs: number;
}

function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  throw new Error(`login-throttle: expected a number from the database, got ${typeof value}`);
}

/**
 * Counts one attempt under `key` and returns the key's count after it, atomically. A window that
 * has ended starts afresh at 1; if it had gone over `limit`, the new window is twice as long.
 */
async function count(db: Db, key: string, limit: number, nowMs: number, baseWindowMs: number): Promise<Count> {
  const now = BigInt(nowMs);
  const base = BigInt(baseWindowMs);
  const cap = BigInt(Math.max(MAX_WINDOW_MS, baseWindowMs));
  const rows = await db.$queryRaw<{ attempts: unknown; windowStartMs: unknown; windowMs: unknown }[]>`
    INSERT INTO "SignInThrottle" ("key", "attempts", "windowStartMs", "windowMs")
    VALUES (${key}, 1, ${now}, ${base})
    ON CONFLICT ("key") DO UPDATE SET
      "attempts" = CASE
        WHEN ${now} < "SignInThrottle"."windowStartMs" + "SignInThrottle"."windowMs" THEN "SignInThrottle"."attempts" + 1
        ELSE 1 END,
      "windowMs" = CASE
        WHEN ${now} < "SignInThrottle"."windowStartMs" + "SignInThrottle"."windowMs" THEN "SignInThrottle"."windowMs"
        WHEN "SignInThrottle"."attempts" > ${limit} THEN
          CASE WHEN "SignInThrottle"."windowMs" * 2 > ${cap} THEN ${cap} ELSE "SignInThrottle"."windowMs" * 2 END
        ELSE ${base} END,
      "windowStartMs" = CASE
        WHEN ${now} < "SignInThrottle"."windowStartMs" + "SignInThrottle"."windowMs" THEN "SignInThrottle"."windowStartMs"
        ELSE ${now} END
    RETURNING "attempts", "windowStartMs", "windowMs"`;
  const row = rows[0];
  if (!row) throw new Error(`login-throttle: counting "${key}" returned no row`);
  return { attempts: toNumber(row.attempts), windowStartMs: toNumber(row.windowStartMs), windowMs: toNumber(row.windowMs) };
}

/** An attempt that has taken its slots and may check the password. */
export interface Reservation {
  admitted: true;
  keys: { address: string; account: string };
  /** The address window the slot was taken in, so a success gives back exactly that slot. */
  addressWindowStartMs: number;
}

export type ReservationResult = Reservation | { admitted: false; retryAt: Date };

/**
 * Takes the attempt's slots before any password is checked. The address is counted first, and
 * always; the account-and-address pair only when the address is under its limit (so one address
 * spraying made-up emails creates at most `maxAddressFailures` rows per window). Refused when
 * either count is over its limit, with the time the later window ends.
 */
export async function reserveAttempt(db: Db, email: string, address: string, now: Date, policy: ThrottlePolicy): Promise<ReservationResult> {
  const windowMs = policy.windowMinutes * 60_000;
  const nowMs = now.getTime();
  const keys = { address: addressKey(address), account: accountKey(email, address) };
  const byAddress = await count(db, keys.address, policy.maxAddressFailures, nowMs, windowMs);
  if (byAddress.attempts > policy.maxAddressFailures) {
    return { admitted: false, retryAt: new Date(byAddress.windowStartMs + byAddress.windowMs) };
  }
  const byAccount = await count(db, keys.account, policy.maxFailures, nowMs, windowMs);
  if (byAccount.attempts > policy.maxFailures) {
    return { admitted: false, retryAt: new Date(byAccount.windowStartMs + byAccount.windowMs) };
  }
  return { admitted: true, keys, addressWindowStartMs: byAddress.windowStartMs };
}

/**
 * After a correct password: the pair's count and its grown window are cleared (the person has
 * proved who they are from this address), and the address gets back the one slot this attempt
 * took. The address's other failures stay: one good sign-in must not wipe out what other
 * attempts from that address have done.
 */
export async function settleSuccess(db: Db, reservation: Reservation): Promise<void> {
  await db.signInThrottle.deleteMany({ where: { key: reservation.keys.account } });
  await db.signInThrottle.updateMany({
    where: { key: reservation.keys.address, windowStartMs: BigInt(reservation.addressWindowStartMs), attempts: { gt: 0 } },
    data: { attempts: { decrement: 1 } },
  });
}

/** Rows whose window ended more than a day ago: nothing left to enforce. */
export async function purgeExpiredThrottles(db: Db, now: Date): Promise<number> {
  const before = BigInt(now.getTime() - MAX_WINDOW_MS);
  const result = await db.$executeRaw`DELETE FROM "SignInThrottle" WHERE "windowStartMs" + "windowMs" < ${before}`;
  return result;
}
