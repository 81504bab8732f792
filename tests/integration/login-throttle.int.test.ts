import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { clearFailures, lockedUntil, recordFailure, type ThrottlePolicy } from "@/lib/data/login-throttle";
import { parseEnv } from "@/lib/config/env";

/** Sign-in lock-out per account and per address, on the provider under test (TEST_DATABASE). */
describe("login throttle", () => {
  let t: TestDatabase;
  // The policy the app runs with by default (LOGIN_MAX_FAILURES, LOGIN_WINDOW_MINUTES).
  const defaults = parseEnv({});
  const policy: ThrottlePolicy = { maxFailures: defaults.LOGIN_MAX_FAILURES, windowMinutes: defaults.LOGIN_WINDOW_MINUTES };
  const windowMs = policy.windowMinutes * 60_000;
  const start = new Date("2026-11-21T09:00:00Z");
  const at = (ms: number) => new Date(start.getTime() + ms);
  const account = "account:clinician@demo.clinic";
  const address = "address:203.0.113.7";

  async function fail(keys: string[], times: number, from: Date, stepMs = 1_000): Promise<void> {
    for (let i = 0; i < times; i++) await recordFailure(t.db, keys, new Date(from.getTime() + i * stepMs), policy);
  }

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());
  beforeEach(async () => {
    await t.db.loginThrottle.deleteMany({});
  });

  it("uses the documented defaults: 5 failures in 15 minutes", () => {
    expect(policy).toEqual({ maxFailures: 5, windowMinutes: 15 });
  });

  it("allows LOGIN_MAX_FAILURES - 1 failures without a lock", async () => {
    await fail([account], policy.maxFailures - 1, start);
    expect(await lockedUntil(t.db, [account], at(60_000))).toBeNull();
  });

  it("locks the account at LOGIN_MAX_FAILURES failures until the window ends", async () => {
    await fail([account], policy.maxFailures, start);
    const windowEnd = at(windowMs);
    expect(await lockedUntil(t.db, [account], at(10_000))).toEqual(windowEnd);
    expect(await lockedUntil(t.db, [account], at(windowMs - 1))).toEqual(windowEnd);
    expect(await lockedUntil(t.db, [account], windowEnd)).toBeNull();
    expect(await lockedUntil(t.db, [account], at(windowMs + 1))).toBeNull();
  });

  it("a success clears the failures: the count starts again", async () => {
    await fail([account], policy.maxFailures - 1, start);
    await clearFailures(t.db, [account]);
    await fail([account], policy.maxFailures - 1, at(10_000));
    expect(await lockedUntil(t.db, [account], at(20_000))).toBeNull();
    expect(await t.db.loginThrottle.findUnique({ where: { key: account } })).toMatchObject({ failures: policy.maxFailures - 1 });
  });

  it("clearing a locked account unlocks it", async () => {
    await fail([account], policy.maxFailures, start);
    await clearFailures(t.db, [account]);
    expect(await lockedUntil(t.db, [account], at(10_000))).toBeNull();
  });

  it("per-address and per-account keys are independent", async () => {
    // One address tries many accounts: the address locks, each account does not.
    const accounts = Array.from({ length: policy.maxFailures }, (_, i) => `account:user${i}@demo.clinic`);
    for (const [i, key] of accounts.entries()) await recordFailure(t.db, [key, address], at(i * 1_000), policy);
    expect(await lockedUntil(t.db, [address], at(10_000))).toEqual(at(windowMs));
    for (const key of accounts) expect(await lockedUntil(t.db, [key], at(10_000))).toBeNull();
    // A sign-in checks both keys: locked if either is.
    expect(await lockedUntil(t.db, [accounts[0]!, address], at(10_000))).toEqual(at(windowMs));
    // Another address trying the same account is not affected by the first address's lock.
    expect(await lockedUntil(t.db, [accounts[0]!, "address:198.51.100.9"], at(10_000))).toBeNull();
  });

  it("a locked account does not lock the address, and the later lock wins when both are", async () => {
    await fail([account], policy.maxFailures, start);
    expect(await lockedUntil(t.db, [address], at(10_000))).toBeNull();
    await fail([address], policy.maxFailures, at(60_000));
    expect(await lockedUntil(t.db, [account, address], at(70_000))).toEqual(at(60_000 + windowMs));
  });

  it("the window resets: failures spread wider than the window never lock", async () => {
    const spacing = Math.ceil(windowMs / (policy.maxFailures - 1)) + 1_000;
    await fail([account], policy.maxFailures * 2, start, spacing);
    const last = at((policy.maxFailures * 2 - 1) * spacing);
    expect(await lockedUntil(t.db, [account], last)).toBeNull();
  });

  it("after a lock expires, a new window starts from one failure", async () => {
    await fail([account], policy.maxFailures, start);
    const later = at(windowMs + 60_000);
    await recordFailure(t.db, [account], later, policy);
    expect(await lockedUntil(t.db, [account], later)).toBeNull();
    expect(await t.db.loginThrottle.findUnique({ where: { key: account } })).toMatchObject({ failures: 1, windowStart: later, lockedUntil: null });
  });
});
