import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProvider, type TestDatabase } from "../support/test-db";
import { createTestClinic, type TestClinic } from "../support/clinic-factory";
import type { Tx } from "@/lib/data/db/client";
import { analyzeAsPatientsGrow } from "@/lib/data/db/growing-tables";

/** Carries what the transaction saw out of it, so that it rolls back. */
class PlansSeen extends Error {
  constructor(readonly before: Plans, readonly after: Plans) {
    super("rolled back on purpose");
  }
}

interface Plans {
  /** The prepared look-up's plan, once PostgreSQL has settled on a generic one. */
  cached: string;
  /** The same look-up for a batch's 134 MRNs, planned afresh with the values in it. */
  afresh: string;
}

/**
 * An import into a new installation fills the Patient table while each batch looks up its MRNs
 * there; on PostgreSQL the look-up is planned again, with fresh statistics, as the table grows
 * (lib/data/db/growing-tables.ts). Without that, both its cached plan and a plan made afresh read
 * every patient of the clinic and filter them on MRN.
 */
describe("an import's MRN look-up while the import fills the Patient table", () => {
  let t: TestDatabase;
  let clinic: TestClinic;
  beforeAll(async () => {
    t = await createTestDatabase();
    clinic = await createTestClinic(t.db, { slug: "growing", patients: 0 });
  });
  afterAll(async () => t?.drop());

  // The look-up of lib/data/import/plan.ts `findStoredPatients`, as Prisma writes it.
  const LOOKUP = `SELECT "id", "mrn" FROM "Patient" WHERE "clinicId" = $1 AND "mrn" IN ($2, $3, $4, $5)`;
  const literal = (value: string) => `'${value}'`;
  const batchMrns = Array.from({ length: 134 }, (_, i) => `G-${5_000 + i}`);

  const plans = async (tx: Tx): Promise<Plans> => {
    const explain = async (sql: string) => (await tx.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN ${sql}`)).map((r) => r["QUERY PLAN"]).join("\n");
    return {
      cached: await explain(`EXECUTE growing_lookup(${[clinic.clinicId, "G-17", "G-4242", "G-9", "G-NONE"].map(literal).join(", ")})`),
      afresh: await explain(`SELECT "id", "mrn" FROM "Patient" WHERE "clinicId" = ${literal(clinic.clinicId)} AND "mrn" IN (${batchMrns.map(literal).join(", ")})`),
    };
  };
  const runLookup = async (tx: Tx, times: number) => {
    for (let i = 0; i < times; i += 1) await tx.$queryRawUnsafe(`EXECUTE growing_lookup(${[clinic.clinicId, "G-1", "G-2", "G-3", "G-4"].map(literal).join(", ")})`);
  };

  it("is planned again on PostgreSQL once the patients written have doubled, and then goes through the (clinicId, mrn) index", async () => {
    if (testProvider() !== "postgresql") return;
    const seen = await t.db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`PREPARE growing_lookup(text, text, text, text, text) AS ${LOOKUP}`);
      const grew = analyzeAsPatientsGrow(tx);
      // While the clinic has no patients, the look-up settles on a generic plan.
      await runLookup(tx, 8);
      await tx.$executeRawUnsafe(
        `INSERT INTO "Patient" ("id", "clinicId", "mrn", "familyName", "givenName", "birthDate", "sex", "searchText", "updatedAt")
         SELECT 'growing-' || i, $1, 'G-' || i, 'Family' || i, 'Given', TIMESTAMP '1940-01-01', 'female', 'g-' || i || ' family' || i, now()
         FROM generate_series(1, 20000) AS i`,
        clinic.clinicId,
      );
      // Below the first check nothing is done, and the look-up reads the clinic's patients.
      await grew(999);
      const before = await plans(tx);
      await grew(20_000);
      await runLookup(tx, 8);
      const after = await plans(tx);
      await tx.$executeRawUnsafe("DEALLOCATE growing_lookup");
      // Rolled back: the test's database stays as it was.
      throw new PlansSeen(before, after);
    }).catch((error: unknown) => {
      if (error instanceof PlansSeen) return error;
      throw error;
    });
    expect(seen.before.cached).not.toMatch(/Patient_clinicId_mrn_key/);
    expect(seen.before.afresh).not.toMatch(/Patient_clinicId_mrn_key/);
    expect(seen.after.cached).toMatch(/Index Scan using "Patient_clinicId_mrn_key"/);
    expect(seen.after.afresh).toMatch(/Patient_clinicId_mrn_key/);
    expect(seen.after.afresh).not.toMatch(/Filter: \(mrn = ANY/);
  });

  it("is left alone on SQLite, which plans each statement when it is prepared (ANALYZE (SKIP_LOCKED) would be a syntax error there)", async () => {
    if (testProvider() !== "sqlite") return;
    await t.db.$transaction(async (tx) => {
      const grew = analyzeAsPatientsGrow(tx);
      await expect(grew(1_000)).resolves.toBeUndefined();
      await expect(grew(1_000_000)).resolves.toBeUndefined();
    });
  });
});
