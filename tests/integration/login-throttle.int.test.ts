import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import {
  MAX_WINDOW_MS,
  accountKey,
  addressKey,
  purgeExpiredThrottles,
  reserveAttempt,
  settleSuccess,
  type Reservation,
  type ReservationResult,
  type ThrottlePolicy,
} from "@/lib/data/auth/sign-in-throttle";
import { parseEnv } from "@/lib/config/env";

/**
 * The sign-in throttle's counting (lib/data/auth/sign-in-throttle.ts) on the provider under test
 * (TEST_DATABASE), with a clock the test chooses. Parallel bursts through next-auth's path are in
 * sign-in-throttle.int.test.ts.
 */
describe("login throttle", () => {
  let t: TestDatabase;
  // The policy the app runs with by default (LOGIN_MAX_FAILURES, LOGIN_ADDRESS_MAX_FAILURES, LOGIN_WINDOW_MINUTES).
  const defaults = parseEnv({});
  const policy: ThrottlePolicy = {
    maxFailures: defaults.LOGIN_MAX_FAILURES,
    maxAddressFailures: defaults.LOGIN_ADDRESS_MAX_FAILURES,
    windowMinutes: defaults.LOGIN_WINDOW_MINUTES,
  };
  const windowMs = policy.windowMinutes * 60_000;
  const start = new Date("2026-11-21T09:00:00Z");
  const at = (ms: number) => new Date(start.getTime() + ms);
  const email = "clinician@demo.clinic";
  const address = "203.0.113.7";
  const otherAddress = "198.51.100.9";

  async function attempts(n: number, from: Date, who = email, where = address, stepMs = 1_000): Promise<ReservationResult[]> {
    const results: ReservationResult[] = [];
    for (let i = 0; i < n; i++) results.push(await reserveAttempt(t.db, who, where, new Date(from.getTime() + i * stepMs), policy));
    return results;
  }

  async function stored(key: string) {
    const row = await t.db.signInThrottle.findUnique({ where: { key } });
    return row ? { attempts: row.attempts, windowStartMs: Number(row.windowStartMs), windowMs: Number(row.windowMs) } : null;
  }

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());
  beforeEach(async () => {
    await t.db.signInThrottle.deleteMany({});
  });

  it("uses the documented defaults: 5 per account and address, 20 per address, in 15 minutes", () => {
    expect(policy).toEqual({ maxFailures: 5, maxAddressFailures: 20, windowMinutes: 15 });
  });

  it("admits LOGIN_MAX_FAILURES attempts at one account from one address, refuses the next until the window ends", async () => {
    const results = await attempts(policy.maxFailures + 1, start);
    expect(results.slice(0, policy.maxFailures).every((r) => r.admitted)).toBe(true);
    expect(results[policy.maxFailures]).toEqual({ admitted: false, retryAt: at(windowMs) });
    expect(await reserveAttempt(t.db, email, address, at(windowMs - 1), policy)).toMatchObject({ admitted: false });
    // The window has ended: counting starts again from 1.
    expect(await reserveAttempt(t.db, email, address, at(windowMs), policy)).toMatchObject({ admitted: true });
    expect(await stored(accountKey(email, address))).toMatchObject({ attempts: 1, windowStartMs: at(windowMs).getTime() });
  });

  it("never locks an account for everyone: another address still reaches it", async () => {
    await attempts(policy.maxFailures + 3, start);
    expect(await reserveAttempt(t.db, email, otherAddress, at(20_000), policy)).toMatchObject({ admitted: true });
  });

  it("counts every attempt, refused ones too, so the stored count is the attempts made", async () => {
    await attempts(12, start);
    expect(await stored(addressKey(address))).toMatchObject({ attempts: 12 });
    expect(await stored(accountKey(email, address))).toMatchObject({ attempts: 12 });
  });

  it("limits one address over all accounts at LOGIN_ADDRESS_MAX_FAILURES, without touching other addresses", async () => {
    for (let i = 0; i < policy.maxAddressFailures; i++) {
      expect(await reserveAttempt(t.db, `user${i}@demo.clinic`, address, at(i * 1_000), policy)).toMatchObject({ admitted: true });
    }
    const sprayed = await reserveAttempt(t.db, "one-more@demo.clinic", address, at(60_000), policy);
    expect(sprayed).toEqual({ admitted: false, retryAt: at(windowMs) });
    // Refused at the address: no row for the new pair (spraying made-up emails cannot grow the table).
    expect(await stored(accountKey("one-more@demo.clinic", address))).toBeNull();
    expect(await reserveAttempt(t.db, "one-more@demo.clinic", otherAddress, at(60_000), policy)).toMatchObject({ admitted: true });
  });

  it("delays grow: a window that went over the limit is followed by one twice as long, up to a day", async () => {
    await attempts(policy.maxFailures + 1, start);
    // Second window: twice as long, and going over it again doubles it again.
    const second = at(windowMs);
    await attempts(policy.maxFailures, second);
    expect(await reserveAttempt(t.db, email, address, new Date(second.getTime() + 10_000), policy)).toEqual({
      admitted: false,
      retryAt: new Date(second.getTime() + 2 * windowMs),
    });
    expect(await stored(accountKey(email, address))).toMatchObject({ windowMs: 2 * windowMs });
    let windowStart = second.getTime();
    let length = 2 * windowMs;
    for (let i = 0; i < 10; i++) {
      windowStart += length;
      await attempts(policy.maxFailures + 1, new Date(windowStart));
      length = Math.min(length * 2, MAX_WINDOW_MS);
      expect((await stored(accountKey(email, address)))!.windowMs).toBe(length);
    }
    expect(length).toBe(MAX_WINDOW_MS);
  });

  it("a window that stayed within the limit is followed by a normal one", async () => {
    await attempts(policy.maxFailures, start);
    await reserveAttempt(t.db, email, address, at(windowMs + 5), policy);
    expect(await stored(accountKey(email, address))).toMatchObject({ attempts: 1, windowMs });
  });

  it("a success clears the pair's count and gives back its own address slot, and nothing more", async () => {
    // Other people's failures from the same address (a shared clinic address).
    for (let i = 0; i < 3; i++) await reserveAttempt(t.db, `colleague${i}@demo.clinic`, address, at(i), policy);
    const mine = await attempts(3, at(10_000));
    await settleSuccess(t.db, mine[2] as Reservation);
    expect(await stored(accountKey(email, address))).toBeNull();
    expect(await stored(addressKey(address))).toMatchObject({ attempts: 5 });
    expect(await stored(accountKey("colleague0@demo.clinic", address))).toMatchObject({ attempts: 1 });
  });

  it("a success in a later window gives back nothing from the new window", async () => {
    const [old] = await attempts(1, start);
    await reserveAttempt(t.db, "someone@demo.clinic", address, at(windowMs + 1), policy);
    await settleSuccess(t.db, old as Reservation);
    expect(await stored(addressKey(address))).toMatchObject({ attempts: 1 });
  });

  it("rows whose window ended more than a day ago are purged", async () => {
    await attempts(1, start);
    await attempts(1, at(MAX_WINDOW_MS), "later@demo.clinic");
    expect(await purgeExpiredThrottles(t.db, at(windowMs + MAX_WINDOW_MS + 1))).toBe(1);
    expect(await stored(accountKey(email, address))).toBeNull();
    expect(await stored(accountKey("later@demo.clinic", address))).not.toBeNull();
  });
});
