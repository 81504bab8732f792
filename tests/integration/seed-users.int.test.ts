import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { DEMO_PASSWORD, seedDemoClinic } from "@/lib/data/seed/demo-clinic";
import { verifyPassword } from "@/lib/data/auth/password";

/** The demo seed's users on the provider under test: one argon2 hash each, with its own salt. */
describe("demo seed users", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it("every seeded user has a distinct hash of the demo password", async () => {
    await seedDemoClinic(t.db, { patients: 0, seed: 1, asOf: new Date("2026-11-21T00:00:00Z"), reset: false });
    await seedDemoClinic(t.db, { slug: "other", patients: 0, seed: 1, asOf: new Date("2026-11-21T00:00:00Z"), reset: false });
    const users = await t.db.user.findMany({ select: { email: true, passwordHash: true } });
    expect(users).toHaveLength(6);
    expect(new Set(users.map((u) => u.passwordHash)).size).toBe(users.length);
    for (const user of users) {
      expect(user.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await verifyPassword(user.passwordHash, DEMO_PASSWORD)).toBe(true);
    }
  });
});
