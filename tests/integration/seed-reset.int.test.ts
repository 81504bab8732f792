import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { seedDemoClinic } from "@/lib/data/seed/demo-clinic";

const asOf = new Date("2026-11-21T00:00:00Z");

/**
 * `seed --reset` (deleteClinic) on the provider under test: the old clinic leaves no row behind in
 * any table keyed by clinic but the audit trail, and another clinic keeps every row it had.
 */
describe("seed --reset", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  /** Rows per clinic-keyed table for one clinic. */
  async function rowsOf(clinicId: string) {
    const where = { where: { clinicId } };
    const db = t.db;
    return {
      patients: await db.patient.count(where),
      observations: await db.observation.count(where),
      medications: await db.patientMedication.count(where),
      findings: await db.patientFinding.count(where),
      searchSuffixes: await db.patientSearchSuffix.count(where),
      snapshots: await db.riskSnapshot.count(where),
      flags: await db.flag.count(where),
      outreach: await db.flagOutreach.count(where),
      panelMembers: await db.panelMember.count(where),
      panelCounts: await db.panelCount.count(where),
      panelVersions: await db.panelVersion.count(where),
      thresholdSets: await db.thresholdSet.count(where),
      users: await db.user.count(where),
    };
  }

  it("deletes every row of the old clinic and none of another's", async () => {
    const first = await seedDemoClinic(t.db, { patients: 12, seed: 7, asOf, reset: false });
    const other = await seedDemoClinic(t.db, { slug: "other", patients: 9, seed: 8, asOf, reset: false });
    const before = await rowsOf(first.clinicId);
    expect(before.patients).toBe(12);
    expect(before.snapshots).toBe(12);
    // The panel's cached counts and version exist before the reset, so their absence after it means something.
    expect(before.panelCounts).toBeGreaterThan(0);
    expect(before.panelVersions).toBe(1);
    const otherBefore = await rowsOf(other.clinicId);
    const otherCounts = await t.db.panelCount.findMany({ where: { clinicId: other.clinicId }, orderBy: [{ slice: "asc" }, { tierRank: "asc" }, { writer: "asc" }] });

    const second = await seedDemoClinic(t.db, { patients: 3, seed: 7, asOf, reset: true });

    expect(second.clinicId).not.toBe(first.clinicId);
    expect(Object.values(await rowsOf(first.clinicId)).every((n) => n === 0), JSON.stringify(await rowsOf(first.clinicId))).toBe(true);
    expect(await t.db.clinic.count({ where: { id: first.clinicId } })).toBe(0);
    // The audit trail of what was done stays.
    expect(await t.db.auditEvent.count({ where: { clinicId: first.clinicId } })).toBeGreaterThan(0);
    expect((await rowsOf(second.clinicId)).patients).toBe(3);
    expect(await rowsOf(other.clinicId)).toEqual(otherBefore);
    expect(await t.db.panelCount.findMany({ where: { clinicId: other.clinicId }, orderBy: [{ slice: "asc" }, { tierRank: "asc" }, { writer: "asc" }] })).toEqual(otherCounts);
  });
});
