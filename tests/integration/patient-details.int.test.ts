import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { createPatient, updatePatientDetails, type NewPatientInput } from "@/lib/data/patients/details";
import { getPatientRecord } from "@/lib/data/patients/record";
import { searchMatches } from "@/lib/data/patients/search";
import { verifyAuditChain } from "@/lib/data/audit/log";
import { describeAuditEvent } from "@/lib/domain/audit-describe";
import { addDaysUtc } from "@/lib/domain/dates";

/**
 * Patients created and edited in the app (docs/design.md#patients-and-users-in-the-app), on the
 * provider under test: the MRN unique per clinic (also when two people register it at once), the
 * evaluation written in the save's transaction (diet is a B12 risk factor: vegan → b12_test_due,
 * omnivore → the flag goes), every change audited old → new, analysts and other clinics refused.
 */
describe("patients in the app", () => {
  let t: TestDatabase;
  let c: TestClinic;
  let other: TestClinic;
  let n = 0;

  /** A 50-year-old (under the screening age) with no results: the diet is their only possible B12 risk factor. */
  function input(overrides: Partial<NewPatientInput> = {}): NewPatientInput {
    n += 1;
    return { mrn: `NEW-${n}`, familyName: "Okafor", givenName: `Ada ${n}`, birthDate: new Date("1976-05-04T00:00:00Z"), sex: "female", diet: "omnivore", conditions: [], ...overrides };
  }

  async function openFlagCodes(patientId: string): Promise<string[]> {
    return (await t.db.flag.findMany({ where: { patientId, status: "open" }, select: { code: true } })).map((f) => f.code).sort();
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    c = await createTestClinic(t.db, { slug: "details", patients: 0 });
    other = await createTestClinic(t.db, { slug: "elsewhere", patients: 1 });
  });
  afterAll(async () => t?.drop());

  it("creates a patient, evaluates them in the same transaction and audits the creation", async () => {
    const created = await createPatient(t.db, c.actors.clinician, input({ mrn: "VEG-1", diet: "vegan", conditions: ["coeliac"] }), TEST_NOW);
    expect(created.change).toMatchObject({ tierBefore: null, flagsOpened: ["b12_test_due"], flagsClosed: [] });
    expect(created.change.tierAfter).not.toBeNull();
    const row = await t.db.patient.findUniqueOrThrow({ where: { id: created.patientId }, select: { diet: true, version: true, attributedClinicianId: true, snapshot: { select: { tier: true } } } });
    expect(row).toMatchObject({ diet: "vegan", version: 1, attributedClinicianId: c.actors.clinician.userId });
    expect(row.snapshot?.tier).toBe(created.change.tierAfter);
    expect(await t.db.patientCondition.count({ where: { patientId: created.patientId, code: "coeliac", source: "manual" } })).toBe(1);
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { patientId: created.patientId, action: "patient.create" }, select: { detailJson: true, actorId: true } });
    expect(audit.actorId).toBe(c.actors.clinician.userId);
    expect(JSON.parse(audit.detailJson)).toMatchObject({ mrn: "VEG-1", diet: "vegan", birthDate: "1976-05-04", conditions: ["coeliac"] });
    // The search box finds the new patient by name.
    expect((await searchMatches(t.db, c.clinicId, "VEG-1 okafor"))?.map((m) => m.patientId)).toEqual([created.patientId]);
  });

  it("refuses a taken MRN with an error naming the patient who has it; another clinic may use the same MRN", async () => {
    const first = input({ mrn: "DUP-1", familyName: "Brennan", givenName: "Ciara" });
    await createPatient(t.db, c.actors.clinician, first, TEST_NOW);
    const error = await createPatient(t.db, c.actors.admin, input({ mrn: "DUP-1" }), TEST_NOW).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "conflict" });
    expect((error as Error).message).toBe("MRN DUP-1 is already used by Brennan, Ciara (born 1976-05-04) in this clinic. If that is this patient, open their record; otherwise check the MRN.");
    expect(await t.db.patient.count({ where: { clinicId: c.clinicId, mrn: "DUP-1" } })).toBe(1);
    await expect(createPatient(t.db, other.actors.clinician, input({ mrn: "DUP-1" }), TEST_NOW)).resolves.toMatchObject({ version: 1 });
  });

  it("two people registering one MRN at once: exactly one is created, the other is told who has it", async () => {
    const results = await Promise.allSettled([
      createPatient(t.db, c.actors.clinician, input({ mrn: "RACE-1", familyName: "First" }), TEST_NOW),
      createPatient(t.db, c.actors.admin, input({ mrn: "RACE-1", familyName: "Second" }), TEST_NOW),
    ]);
    const fulfilled = results.filter((r) => r.status === "fulfilled");
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toMatchObject({ code: "conflict" });
    expect((rejected[0]!.reason as Error).message).toMatch(/^MRN RACE-1 is already used by (First|Second), Ada/);
    expect(await t.db.patient.count({ where: { clinicId: c.clinicId, mrn: "RACE-1" } })).toBe(1);
    expect(await t.db.auditEvent.count({ where: { clinicId: c.clinicId, action: "patient.create", detailJson: { contains: "RACE-1" } } })).toBe(1);
  });

  it("editing the diet re-evaluates at once: omnivore → vegan raises b12_test_due, vegan → omnivore takes it away; each change audited old → new", async () => {
    const created = await createPatient(t.db, c.actors.clinician, input({ mrn: "DIET-1", givenName: "Ada" }), TEST_NOW);
    expect(await openFlagCodes(created.patientId)).not.toContain("b12_test_due");
    const details = { familyName: "Okafor", givenName: "Ada", birthDate: new Date("1976-05-04T00:00:00Z"), sex: "female" as const };

    const toVegan = await updatePatientDetails(t.db, c.actors.clinician, created.patientId, { ...details, diet: "vegan" }, 1, TEST_NOW);
    expect(toVegan.version).toBe(2);
    expect(toVegan.change.flagsOpened).toContain("b12_test_due");
    expect(await openFlagCodes(created.patientId)).toContain("b12_test_due");
    const record = await getPatientRecord(t.db, c.actors.clinician, created.patientId, TEST_NOW);
    expect(record.patient.diet).toBe("vegan");
    expect(toVegan.changed).toEqual([{ field: "diet", before: "omnivore", after: "vegan" }]);

    const later = addDaysUtc(TEST_NOW, 1);
    const toOmnivore = await updatePatientDetails(t.db, c.actors.clinician, created.patientId, { ...details, diet: "omnivore" }, 2, later);
    expect(toOmnivore.change.flagsClosed).toContain("b12_test_due");
    expect(await openFlagCodes(created.patientId)).not.toContain("b12_test_due");

    const events = await t.db.auditEvent.findMany({ where: { patientId: created.patientId, action: "patient.update" }, orderBy: { seq: "asc" }, select: { action: true, detailJson: true } });
    expect(events).toHaveLength(2);
    expect(JSON.parse(events[1]!.detailJson)).toEqual({ change: "details", fields: [{ field: "diet", before: "vegan", after: "omnivore" }], patientVersion: 3 });
    expect(describeAuditEvent(events[1]!.action, JSON.parse(events[1]!.detailJson))).toBe("Changed diet vegan → omnivore.");
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("a stale form is a conflict, a save that changes nothing is refused as such, a future birth date is refused; nothing is written", async () => {
    const created = await createPatient(t.db, c.actors.clinician, input({ mrn: "STALE-1", givenName: "Same" }), TEST_NOW);
    const same = { familyName: "Okafor", givenName: "Same", birthDate: new Date("1976-05-04T00:00:00Z"), sex: "female" as const, diet: "omnivore" as const };
    await expect(updatePatientDetails(t.db, c.actors.clinician, created.patientId, same, 1, TEST_NOW)).rejects.toMatchObject({ code: "invalid", message: expect.stringContaining("Nothing to save") });
    await updatePatientDetails(t.db, c.actors.clinician, created.patientId, { ...same, sex: "male", familyName: "Okonkwo" }, 1, TEST_NOW);
    // The search key (and the search index the database keeps from it) follows the new name.
    expect((await searchMatches(t.db, c.clinicId, "STALE-1 okonkwo"))?.map((m) => m.patientId)).toEqual([created.patientId]);
    expect((await searchMatches(t.db, c.clinicId, "STALE-1 okafor"))?.map((m) => m.patientId)).toEqual([]);
    await expect(updatePatientDetails(t.db, c.actors.admin, created.patientId, { ...same, diet: "vegan" }, 1, TEST_NOW)).rejects.toMatchObject({ code: "conflict" });
    await expect(updatePatientDetails(t.db, c.actors.admin, created.patientId, { ...same, familyName: "Okonkwo", sex: "male", birthDate: addDaysUtc(TEST_NOW, 1) }, 2, TEST_NOW)).rejects.toMatchObject({ code: "invalid" });
    await expect(createPatient(t.db, c.actors.admin, input({ mrn: "FUTURE-1", birthDate: addDaysUtc(TEST_NOW, 1) }), TEST_NOW)).rejects.toMatchObject({ code: "invalid" });
    const row = await t.db.patient.findUniqueOrThrow({ where: { id: created.patientId }, select: { version: true, sex: true, diet: true } });
    expect(row).toEqual({ version: 2, sex: "male", diet: "omnivore" });
    expect(await t.db.auditEvent.count({ where: { patientId: created.patientId, action: "patient.update" } })).toBe(1);
    expect(await t.db.patient.count({ where: { mrn: "FUTURE-1" } })).toBe(0);
  });

  it("an analyst may neither create nor edit a patient; another clinic's patient cannot be edited", async () => {
    await expect(createPatient(t.db, c.actors.analyst, input({ mrn: "ANALYST-1" }), TEST_NOW)).rejects.toMatchObject({ code: "forbidden" });
    expect(await t.db.patient.count({ where: { mrn: "ANALYST-1" } })).toBe(0);
    const created = await createPatient(t.db, c.actors.clinician, input({ mrn: "MINE-1" }), TEST_NOW);
    const details = { familyName: "X", givenName: "Y", birthDate: new Date("1950-01-01T00:00:00Z"), sex: "male" as const, diet: "vegan" as const };
    await expect(updatePatientDetails(t.db, c.actors.analyst, created.patientId, details, 1, TEST_NOW)).rejects.toMatchObject({ code: "forbidden" });
    const theirs = other.patientIds[0]!;
    const before = await t.db.patient.findUniqueOrThrow({ where: { id: theirs }, select: { familyName: true, version: true, diet: true } });
    await expect(updatePatientDetails(t.db, c.actors.admin, theirs, details, before.version, TEST_NOW)).rejects.toMatchObject({ code: "not_found" });
    expect(await t.db.patient.findUniqueOrThrow({ where: { id: theirs }, select: { familyName: true, version: true, diet: true } })).toEqual(before);
    expect(await t.db.patient.findUniqueOrThrow({ where: { id: created.patientId }, select: { version: true } })).toEqual({ version: 1 });
  });
});
