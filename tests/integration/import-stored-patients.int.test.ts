import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, type TestClinic } from "../support/clinic-factory";
import { findStoredPatients } from "@/lib/data/import/plan";

/**
 * The look-up an import makes for every batch (and the reading for the whole file): the clinic's
 * patients with the given MRNs (plan.ts `findStoredPatients`), whole, in chunks of 900 MRNs, and
 * never another clinic's patient with the same MRN.
 */
describe("the stored patients an import compares against", () => {
  let t: TestDatabase;
  let clinic: TestClinic;
  let other: TestClinic;
  beforeAll(async () => {
    t = await createTestDatabase();
    // The same MRNs in two clinics: only the asking clinic's patients are found.
    clinic = await createTestClinic(t.db, { slug: "stored-a", patients: 3, mrnPrefix: "S-" });
    other = await createTestClinic(t.db, { slug: "stored-b", patients: 5, mrnPrefix: "S-" });
  });
  afterAll(async () => t?.drop());

  it("are the clinic's own patients with those MRNs, whole, and nothing for an unknown MRN", async () => {
    const stored = await t.db.patient.findMany({
      where: { clinicId: clinic.clinicId },
      select: { id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true, diet: true, deceasedAt: true, lastAssessedAt: true },
      orderBy: { mrn: "asc" },
    });
    expect(stored).toHaveLength(3);
    const otherOnly = await t.db.patient.findFirstOrThrow({ where: { clinicId: other.clinicId, mrn: { notIn: stored.map((p) => p.mrn) } } });

    const asked = [stored[2]!.mrn, "S-NOT-STORED", otherOnly.mrn, stored[0]!.mrn, stored[1]!.mrn];
    const found = await findStoredPatients(t.db, clinic.clinicId, asked);

    expect([...found.keys()].sort()).toEqual(stored.map((p) => p.mrn));
    for (const patient of stored) {
      const got = found.get(patient.mrn);
      expect(got).toEqual(patient);
      expect(got?.birthDate).toBeInstanceOf(Date);
      expect(got?.lastAssessedAt).toBeInstanceOf(Date);
    }
    expect(await findStoredPatients(t.db, clinic.clinicId, [])).toEqual(new Map());
  });

  it("are found however many MRNs are asked at once (several look-ups of 900)", async () => {
    const mrns = Array.from({ length: 2_000 }, (_, i) => `S-NONE-${i}`);
    const stored = await t.db.patient.findMany({ where: { clinicId: clinic.clinicId }, select: { mrn: true } });
    mrns.splice(1_500, 0, ...stored.map((p) => p.mrn));
    const found = await findStoredPatients(t.db, clinic.clinicId, mrns);
    expect([...found.keys()].sort()).toEqual(stored.map((p) => p.mrn).sort());
  });
});
