import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JWT } from "next-auth/jwt";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, type TestClinic } from "../support/clinic-factory";
import { createDb, type Db } from "@/lib/data/db/client";
import { attemptSignIn, type SignInRules } from "@/lib/auth/sign-in";
import { hashPassword, verifyPassword } from "@/lib/data/auth/password";
import { authOptions } from "@/lib/auth/options";
import { disableUser, findLiveSessionUser } from "@/lib/data/auth/users";
import { isSessionLive } from "@/lib/data/auth/sessions";
import { parseEnv } from "@/lib/config/env";

/**
 * Server-side sessions on the provider under test, with two database clients standing for two app
 * instances: signing out (next-auth's signOut event, as POST /api/auth/signout runs it) ends the
 * session everywhere, so a copy of the cookie taken before is refused on the next request;
 * disabling a user ends all of their sessions; a session ends at SESSION_MAX_HOURS.
 */
describe("server-side sessions", () => {
  let t: TestDatabase;
  let other: Db;
  let clinic: TestClinic;
  const password = "correct horse battery staple 42";
  const defaults = parseEnv({});
  const rules: SignInRules = {
    policy: { maxFailures: defaults.LOGIN_MAX_FAILURES, maxAddressFailures: defaults.LOGIN_ADDRESS_MAX_FAILURES, windowMinutes: defaults.LOGIN_WINDOW_MINUTES },
    sessionMaxHours: defaults.SESSION_MAX_HOURS,
    verify: verifyPassword,
    deferAudit: () => {
      throw new Error("no sign-in in these tests is refused");
    },
  };
  const globals = globalThis as Record<string, unknown>;

  async function signIn(email: string, now: Date, db: Db = t.db): Promise<{ uid: string; sid: string }> {
    const outcome = await attemptSignIn(db, { email, password, address: "198.51.100.20", now }, rules);
    if (outcome.kind !== "signed-in") throw new Error(`sign-in of ${email} was ${outcome.kind}`);
    return { uid: outcome.user.id, sid: outcome.sessionId };
  }

  /** What next-auth runs for POST /api/auth/signout with this session's cookie. */
  async function signOut(sid: string): Promise<void> {
    const signOutEvent = authOptions().events!.signOut! as (message: { token: JWT }) => Promise<void>;
    await signOutEvent({ token: { sid } });
  }

  /** What next-auth runs for GET /api/auth/session (renewing the cookie): throws when the session has ended. */
  async function renew(sid: string): Promise<JWT> {
    const jwt = authOptions({ checkSessionOnRenewal: true }).callbacks!.jwt! as (params: { token: JWT }) => Promise<JWT>;
    return jwt({ token: { sid, uid: "u" } });
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    other = createDb(t.url);
    // authOptions() (signOut event, renewal) uses the process-wide client: the first "instance".
    globals.sarcopeniaDb = t.db;
    clinic = await createTestClinic(t.db, { slug: "sessions", patients: 0 });
    await t.db.user.updateMany({ where: { clinicId: clinic.clinicId }, data: { passwordHash: await hashPassword(password) } });
  });
  afterAll(async () => {
    delete globals.sarcopeniaDb;
    await other?.$disconnect();
    await t?.drop();
  });

  it("a session revoked at sign-out is refused on the next request, on any instance, and is not renewed", async () => {
    const now = new Date();
    const first = await signIn(clinic.actors.clinician.email, now);
    const second = await signIn(clinic.actors.clinician.email, now, other);
    expect(await findLiveSessionUser(other, first.sid, first.uid, now)).toMatchObject({ id: clinic.actors.clinician.userId, role: "clinician" });
    expect(await renew(first.sid)).toMatchObject({ sid: first.sid });

    await signOut(first.sid);

    // The replayed cookie (same uid and sid) is refused through either instance.
    expect(await findLiveSessionUser(t.db, first.sid, first.uid, new Date())).toBeNull();
    expect(await findLiveSessionUser(other, first.sid, first.uid, new Date())).toBeNull();
    await expect(renew(first.sid)).rejects.toThrow(/session has ended/);
    // The user's other session (another browser) goes on.
    expect(await findLiveSessionUser(other, second.sid, second.uid, new Date())).not.toBeNull();
    // Signing out twice is harmless.
    await signOut(first.sid);
  });

  it("a token without a session id, or naming another user's session, is refused", async () => {
    const now = new Date();
    const analyst = await signIn(clinic.actors.analyst.email, now);
    expect(await findLiveSessionUser(t.db, analyst.sid, clinic.actors.admin.userId, now)).toBeNull();
    expect(await findLiveSessionUser(t.db, "no-such-session", analyst.uid, now)).toBeNull();
    const jwt = authOptions({ checkSessionOnRenewal: true }).callbacks!.jwt! as (params: { token: JWT }) => Promise<JWT>;
    await expect(jwt({ token: { uid: analyst.uid } })).rejects.toThrow(/session has ended/);
  });

  it("a session ends at SESSION_MAX_HOURS however active, and expired rows are dropped at the next sign-in", async () => {
    const signedInAt = new Date("2026-11-21T08:00:00Z");
    const session = await signIn(clinic.actors.admin.email, signedInAt);
    const cap = new Date(signedInAt.getTime() + defaults.SESSION_MAX_HOURS * 3_600_000);
    expect(await findLiveSessionUser(t.db, session.sid, session.uid, new Date(cap.getTime() - 1))).not.toBeNull();
    expect(await findLiveSessionUser(t.db, session.sid, session.uid, cap)).toBeNull();
    await signIn(clinic.actors.admin.email, new Date(cap.getTime() + 1));
    expect(await t.db.userSession.findUnique({ where: { id: session.sid } })).toBeNull();
  });

  it("disabling a user ends every one of their sessions at once, on every instance, and no one else's", async () => {
    const now = new Date();
    const email = clinic.actors.clinician.email;
    const sessions = [await signIn(email, now), await signIn(email, now, other)];
    const analyst = await signIn(clinic.actors.analyst.email, now);
    const result = await disableUser(other, clinic.actors.admin, email, now);
    expect(result.sessionsEnded).toBeGreaterThanOrEqual(2);
    for (const s of sessions) {
      expect(await findLiveSessionUser(t.db, s.sid, s.uid, now)).toBeNull();
      expect(await isSessionLive(t.db, s.sid, now)).toBe(false);
    }
    expect(await findLiveSessionUser(t.db, analyst.sid, analyst.uid, now)).not.toBeNull();
    // A disabled user's session row that somehow escaped revocation is still refused.
    await t.db.userSession.updateMany({ where: { id: sessions[0]!.sid }, data: { revokedAt: null } });
    expect(await findLiveSessionUser(t.db, sessions[0]!.sid, sessions[0]!.uid, now)).toBeNull();
    expect(await isSessionLive(t.db, sessions[0]!.sid, now)).toBe(false);
  });
});
