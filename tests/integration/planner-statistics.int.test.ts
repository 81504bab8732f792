import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProvider, type TestDatabase } from "../support/test-db";
import { seedDemoClinic } from "@/lib/data/seed/demo-clinic";

/**
 * SQLite plans queries from the statistics ANALYZE leaves in sqlite_stat1; without them it guesses,
 * and for the panel's "female, 75 or older" page, ranked by tier, it guessed a walk over every
 * patient born before the cut-off instead of the tier index (lib/data/db/sqlite-connection.ts
 * refreshPlannerStatistics). The seed and the import refresh them. PostgreSQL analyzes by itself.
 */
describe("SQLite planner statistics", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it("are written by the seed, and the panel's age filter then walks the tier index", async () => {
    if (testProvider() !== "sqlite") return;
    await seedDemoClinic(t.db, { patients: 600, seed: 3, asOf: new Date("2026-11-21T00:00:00Z"), reset: false });
    const stats = await t.db.$queryRawUnsafe<{ tbl: string }[]>(`SELECT DISTINCT "tbl" FROM "sqlite_stat1"`);
    expect(stats.map((s) => s.tbl)).toEqual(expect.arrayContaining(["Patient", "RiskSnapshot", "Observation", "Flag"]));
    // The page query of lib/data/patients/panel.ts for ?sex=female&ageMin=75, as Prisma writes it.
    const plan = await t.db.$queryRawUnsafe<{ detail: string }[]>(
      `EXPLAIN QUERY PLAN SELECT s."id", s."patientId" FROM "RiskSnapshot" s LEFT JOIN "Patient" p ON p."id" = s."patientId"
       WHERE s."clinicId" = 'c' AND s."tierRank" = 3 AND s."nextDueAt" IS NOT NULL AND p."clinicId" = 'c' AND p."birthDate" < '1951-12-08' AND p."sex" = 'female'
       ORDER BY s."nextDueAt" ASC, s."patientId" ASC LIMIT 25`,
    );
    expect(plan[0]!.detail).toMatch(/SEARCH s USING INDEX RiskSnapshot_clinicId_tierRank_nextDueAt_patientId_idx/);
  });
});
