import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { CredentialsConfig } from "next-auth/providers/credentials";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, type TestClinic } from "../support/clinic-factory";
import { createDb, type Db } from "@/lib/data/db/client";
import { attemptSignIn, type SignInOutcome, type SignInRules } from "@/lib/auth/sign-in";
import { hashPassword, verifyPassword } from "@/lib/data/auth/password";
import { accountKey, addressKey } from "@/lib/data/auth/sign-in-throttle";
import { PEER_HEADER_GLOBAL } from "@/lib/auth/client-address";
import { parseEnv } from "@/lib/config/env";

// The app reads its settings once per process (lib/config/env.ts caches them), so the proxy
// setting the last describe needs is in place before anything in this file reads them.
process.env.TRUSTED_PROXIES = "10.0.0.0/8";

/**
 * Sign-in under attack, through the real attempt (throttle → argon2 → session) on the provider
 * under test, with two database clients standing for two app instances. The password check is
 * the real argon2 verify wrapped in a counter (and a gate, to hold the admitted attempts in flight
 * while the rest of the burst arrives); the database is real.
 */
describe("sign-in throttle under a parallel burst", () => {
  let t: TestDatabase;
  let second: Db;
  let clinic: TestClinic;
  const password = "correct horse battery staple 42";
  const defaults = parseEnv({});
  const policy = { maxFailures: defaults.LOGIN_MAX_FAILURES, maxAddressFailures: defaults.LOGIN_ADDRESS_MAX_FAILURES, windowMinutes: defaults.LOGIN_WINDOW_MINUTES };
  const now = new Date("2026-11-21T09:00:00Z");
  const attacker = "203.0.113.66";
  const clinicAddress = "198.51.100.20";

  /** argon2 verify, counted, optionally held until released. */
  function countingVerifier() {
    const seen: string[] = [];
    let release: () => void = () => {};
    let gate: Promise<void> = Promise.resolve();
    return {
      seen,
      hold() {
        gate = new Promise((resolve) => (release = resolve));
      },
      release: () => release(),
      verify: async (hash: string, typed: string) => {
        seen.push(typed);
        await gate;
        return verifyPassword(hash, typed);
      },
    };
  }

  const audits: Promise<void>[] = [];
  function rules(verify: SignInRules["verify"]): SignInRules {
    return { policy, sessionMaxHours: 12, verify, deferAudit: (write) => audits.push(write()) };
  }

  async function attempts(key: string): Promise<number | null> {
    return (await t.db.signInThrottle.findUnique({ where: { key } }))?.attempts ?? null;
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    second = createDb(t.url);
    clinic = await createTestClinic(t.db, { slug: "burst", patients: 0 });
    await t.db.user.updateMany({ where: { clinicId: clinic.clinicId }, data: { passwordHash: await hashPassword(password) } });
  });
  afterAll(async () => {
    await second?.$disconnect();
    await t?.drop();
  });
  beforeEach(async () => {
    await t.db.signInThrottle.deleteMany({});
  });
  afterEach(async () => {
    await Promise.all(audits.splice(0));
  });

  it("100 parallel wrong passwords through two instances: LOGIN_MAX_FAILURES argon2 checks, the correct password in the burst refused, every attempt counted", async () => {
    const email = clinic.actors.clinician.email;
    const counter = countingVerifier();
    counter.hold();
    const wrong = Array.from({ length: 100 }, (_, i) =>
      attemptSignIn(i % 2 === 0 ? t.db : second, { email, password: `wrong guess ${i}`, address: attacker, now }, rules(counter.verify)),
    );
    // The admitted attempts are now inside the password check, held there, while the rest arrive.
    await vi.waitFor(() => expect(counter.seen.length).toBeGreaterThanOrEqual(policy.maxFailures), { timeout: 20_000 });
    const correct = attemptSignIn(second, { email, password, address: attacker, now }, rules(counter.verify));
    await vi.waitFor(async () => expect(await attempts(addressKey(attacker))).toBe(101), { timeout: 20_000 });
    counter.release();
    const outcomes: SignInOutcome[] = await Promise.all(wrong);
    const correctOutcome = await correct;

    expect(counter.seen).toHaveLength(policy.maxFailures);
    expect(counter.seen).not.toContain(password);
    expect(correctOutcome.kind).toBe("throttled");
    expect(outcomes.filter((o) => o.kind === "refused")).toHaveLength(policy.maxFailures);
    expect(outcomes.filter((o) => o.kind === "throttled")).toHaveLength(100 - policy.maxFailures);
    // The stored count is every attempt made from that address (none lost to a race).
    expect(await attempts(addressKey(attacker))).toBe(101);
    expect(await attempts(accountKey(email, attacker))).toBe(policy.maxAddressFailures);
    expect(await t.db.userSession.count({ where: { userId: clinic.actors.clinician.userId } })).toBe(0);

    // While the limit holds, the correct password from that address is still refused, unchecked.
    const later = new Date(now.getTime() + 60_000);
    expect((await attemptSignIn(t.db, { email, password, address: attacker, now: later }, rules(counter.verify))).kind).toBe("throttled");
    expect(counter.seen).toHaveLength(policy.maxFailures);

    // The clinician, from the clinic's own address, is not refused because of the attacker.
    const own = await attemptSignIn(second, { email, password, address: clinicAddress, now: later }, rules(counter.verify));
    expect(own).toMatchObject({ kind: "signed-in", user: { id: clinic.actors.clinician.userId } });
  });

  it("made-up emails from one address never lock out a real user at another address", async () => {
    const counter = countingVerifier();
    const sprayed = await Promise.all(
      Array.from({ length: 40 }, (_, i) => attemptSignIn(i % 2 ? t.db : second, { email: `nobody${i}@burst.test`, password: "x".repeat(12), address: attacker, now }, rules(counter.verify))),
    );
    expect(sprayed.filter((o) => o.kind === "throttled")).toHaveLength(40 - policy.maxAddressFailures);
    const real = await attemptSignIn(t.db, { email: clinic.actors.analyst.email, password, address: clinicAddress, now }, rules(counter.verify));
    expect(real.kind).toBe("signed-in");
  });

  it("an unknown email costs the same argon2 check as a known one (a dummy hash)", async () => {
    const counter = countingVerifier();
    expect((await attemptSignIn(t.db, { email: "nobody@burst.test", password, address: clinicAddress, now }, rules(counter.verify))).kind).toBe("refused");
    expect((await attemptSignIn(t.db, { email: clinic.actors.admin.email, password: "wrong password 123", address: clinicAddress, now }, rules(counter.verify))).kind).toBe("refused");
    expect(counter.seen).toEqual([password, "wrong password 123"]);
  });

  it("a disabled account is refused even with the right password, after the same check", async () => {
    const counter = countingVerifier();
    await t.db.user.update({ where: { id: clinic.actors.admin.userId }, data: { disabledAt: now } });
    try {
      expect((await attemptSignIn(t.db, { email: clinic.actors.admin.email, password, address: clinicAddress, now }, rules(counter.verify))).kind).toBe("refused");
      expect(counter.seen).toEqual([password]);
    } finally {
      await t.db.user.update({ where: { id: clinic.actors.admin.userId }, data: { disabledAt: null } });
    }
  });
});

describe("the client address next-auth's authorize keys on", () => {
  let t: TestDatabase;
  let clinic: TestClinic;
  const password = "correct horse battery staple 42";
  const globals = globalThis as Record<symbol | string, unknown>;
  const peerHeader = "x-test-peer-address";

  async function authorize(email: string, typed: string, headers: Record<string, string>): Promise<unknown> {
    const { authOptions } = await import("@/lib/auth/options");
    const provider = authOptions().providers[0] as unknown as { options: CredentialsConfig };
    return provider.options.authorize!({ email, password: typed }, { headers } as never);
  }

  beforeAll(async () => {
    // As under server.mjs: the peer's address arrives in the stamped header. 10.0.0.0/8 is the
    // proxy (TRUSTED_PROXIES, set at the top of the file).
    globals[PEER_HEADER_GLOBAL] = peerHeader;
    t = await createTestDatabase();
    globals.sarcopeniaDb = t.db;
    clinic = await createTestClinic(t.db, { slug: "spoof", patients: 0 });
    await t.db.user.updateMany({ where: { clinicId: clinic.clinicId }, data: { passwordHash: await hashPassword(password) } });
  });
  afterAll(async () => {
    delete globals[PEER_HEADER_GLOBAL];
    delete globals.sarcopeniaDb;
    delete process.env.TRUSTED_PROXIES;
    await t?.drop();
  });

  it("an untrusted peer's X-Forwarded-For is ignored: rotating it neither escapes the limit nor blames another address", async () => {
    const email = clinic.actors.clinician.email;
    const peer = "192.0.2.50";
    for (let i = 0; i < 5; i++) {
      expect(await authorize(email, `wrong ${i} password`, { [peerHeader]: peer, "x-forwarded-for": `198.51.100.${i}` })).toBeNull();
    }
    await expect(authorize(email, password, { [peerHeader]: peer, "x-forwarded-for": "198.51.100.99" })).rejects.toThrow(/^locked:15$/);
    // Refusals on a real account are audited after the answer; all five arrive.
    await vi.waitFor(async () => expect(await t.db.auditEvent.count({ where: { action: "user.login_failed" } })).toBe(5));
    const keys = (await t.db.signInThrottle.findMany({ select: { key: true } })).map((r) => r.key).sort();
    expect(keys).toEqual([accountKey(email, peer), addressKey(peer)].sort());
    // The address the spoofer named is untouched: its owner signs in.
    expect(await authorize(email, password, { [peerHeader]: "198.51.100.1" })).toMatchObject({ id: clinic.actors.clinician.userId });
  });

  it("behind a trusted proxy the client is the hop the proxy appended, not what the client wrote", async () => {
    const email = clinic.actors.analyst.email;
    expect(await authorize(email, "wrong password here", { [peerHeader]: "10.0.0.5", "x-forwarded-for": "6.6.6.6, 203.0.113.30" })).toBeNull();
    expect(await t.db.signInThrottle.findUnique({ where: { key: addressKey("203.0.113.30") } })).toMatchObject({ attempts: 1 });
    expect(await t.db.signInThrottle.findUnique({ where: { key: addressKey("6.6.6.6") } })).toBeNull();
    expect(await t.db.signInThrottle.findUnique({ where: { key: addressKey("10.0.0.5") } })).toBeNull();
    await vi.waitFor(async () => expect(await t.db.auditEvent.count({ where: { action: "user.login_failed" } })).toBe(6));
  });
});
