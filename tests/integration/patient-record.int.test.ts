import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { getPatientRecord } from "@/lib/data/patients/record";
import { closeFlag, reopenFlag, updateFlagOutreach } from "@/lib/data/flags/lifecycle";
import { suppressedFlagKeys } from "@/lib/data/flags/suppression";
import { DEFAULT_FLAG_LIFECYCLE, startOfUtcDay } from "@/lib/domain/flag-lifecycle";

const FLAG_RETURN_DAYS = DEFAULT_FLAG_LIFECYCLE.closedReturnDays;
import { verifyAuditChain } from "@/lib/data/audit/log";
import { addDaysUtc } from "@/lib/domain/dates";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";

/**
 * The patient record and the flag lifecycle against a real database: scoping by clinic, the
 * audit of every view and change, optimistic concurrency, and the history a closed flag leaves.
 */
describe("patient record and flag lifecycle", () => {
  let t: TestDatabase;
  let a: TestClinic;
  let b: TestClinic;
  const later = (minutes: number) => new Date(TEST_NOW.getTime() + minutes * 60_000);

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createTestClinic(t.db, { slug: "alpha", patients: 30, seed: 11 });
    b = await createTestClinic(t.db, { slug: "beta", patients: 10, seed: 12 });
  });
  afterAll(async () => t?.drop());

  async function patientWithOpenFlag(clinic: TestClinic, skip = 0) {
    const flags = await t.db.flag.findMany({ where: { clinicId: clinic.clinicId, status: "open" }, orderBy: [{ patientId: "asc" }, { code: "asc" }], select: { id: true, patientId: true, code: true, version: true } });
    const flag = flags[skip];
    if (!flag) throw new Error("the seed produced too few open flags");
    return flag;
  }

  it("returns the record of a patient of the actor's clinic, with the stored evaluation and its reasons", async () => {
    const { patientId } = await patientWithOpenFlag(a);
    const record = await getPatientRecord(t.db, a.actors.clinician, patientId, TEST_NOW);
    const row = await t.db.patient.findUniqueOrThrow({ where: { id: patientId } });
    expect(record.patient).toMatchObject({ id: patientId, mrn: row.mrn, familyName: row.familyName, sex: row.sex });
    expect(record.patient.ageYears).toBeGreaterThanOrEqual(60);
    expect(record.snapshot).not.toBeNull();
    expect(record.snapshot!.evaluation.ruleSetVersion).toBe(1);
    expect(record.snapshot!.evaluation.tier).toBe(record.snapshot!.tier);
    expect(record.snapshot!.evaluation.ewgsop2.reasons.length).toBeGreaterThan(0);
    expect(record.flags.open.length).toBeGreaterThan(0);
    expect(record.flags.open.every((f) => f.reasonText.length > 0 && f.version >= 1)).toBe(true);
    expect(record.thresholds.version).toBe(1);
    // Medicines carry their catalogue roles; current and past are split at `now`.
    const meds = await t.db.patientMedication.count({ where: { patientId } });
    expect(record.medications.current.length + record.medications.past.length).toBe(meds);
    for (const med of record.medications.current) expect(med.stoppedOn === null || med.stoppedOn >= TEST_NOW).toBe(true);
    const final = await t.db.observation.count({ where: { patientId, status: "final" } });
    expect(Object.values(record.observations.byKind).reduce((sum, list) => sum + list.length, 0)).toBe(final);
  });

  it("marks B12-lowering, replacement and muscle/falls medicines by role", async () => {
    const metformin = await t.db.patientMedication.findFirstOrThrow({ where: { clinicId: a.clinicId, catalogueId: "metformin" }, select: { patientId: true } });
    const record = await getPatientRecord(t.db, a.actors.clinician, metformin.patientId, TEST_NOW);
    const all = [...record.medications.current, ...record.medications.past];
    const met = all.find((m) => m.catalogueId === "metformin")!;
    expect(met.roles).toEqual({ b12Lowering: true, b12Replacement: false, muscleOrFalls: false });
    expect(met.classLabel).toBe("Metformin");
  });

  it("lists entered-in-error results apart and never among the plotted ones", async () => {
    const { patientId } = await patientWithOpenFlag(a, 1);
    const victim = await t.db.observation.findFirstOrThrow({ where: { patientId }, orderBy: { observedAt: "asc" } });
    await t.db.observation.update({ where: { id: victim.id }, data: { status: "entered_in_error", erroredAt: TEST_NOW, erroredReason: "wrong patient" } });
    const record = await getPatientRecord(t.db, a.actors.clinician, patientId, TEST_NOW);
    expect(record.observations.enteredInError.map((o) => o.id)).toEqual([victim.id]);
    expect(Object.values(record.observations.byKind).flat().some((o) => o.id === victim.id)).toBe(false);
  });

  it("reports another clinic's patient exactly like a missing one, and writes no view of it", async () => {
    const other = await t.db.patient.findFirstOrThrow({ where: { clinicId: b.clinicId }, select: { id: true } });
    await expect(getPatientRecord(t.db, a.actors.clinician, other.id, TEST_NOW)).rejects.toMatchObject({ code: "not_found" });
    await expect(getPatientRecord(t.db, a.actors.clinician, "no-such-id", TEST_NOW)).rejects.toMatchObject({ code: "not_found" });
    await expect(getPatientRecord(t.db, a.actors.clinician, "", TEST_NOW)).rejects.toMatchObject({ code: "not_found" });
    await expect(getPatientRecord(t.db, a.actors.clinician, undefined as unknown as string, TEST_NOW)).rejects.toMatchObject({ code: "not_found" });
    expect(await t.db.auditEvent.count({ where: { action: "patient.view", patientId: other.id } })).toBe(0);
  });

  it("refuses an analyst (no patient:view)", async () => {
    const { patientId } = await patientWithOpenFlag(a);
    await expect(getPatientRecord(t.db, a.actors.analyst, patientId, TEST_NOW)).rejects.toMatchObject({ code: "forbidden" });
  });

  it("audits every view as one patient.view event by the viewer", async () => {
    const { patientId } = await patientWithOpenFlag(a, 2);
    const before = await t.db.auditEvent.count({ where: { action: "patient.view", patientId } });
    await getPatientRecord(t.db, a.actors.clinician, patientId, TEST_NOW);
    await getPatientRecord(t.db, a.actors.admin, patientId, TEST_NOW);
    const events = await t.db.auditEvent.findMany({ where: { action: "patient.view", patientId }, orderBy: { seq: "asc" } });
    expect(events).toHaveLength(before + 2);
    expect(events.at(-2)).toMatchObject({ actorId: a.actors.clinician.userId, clinicId: a.clinicId, entityType: "patient", entityId: patientId });
    expect(events.at(-1)).toMatchObject({ actorId: a.actors.admin.userId });
  });

  it("walks a flag through outreach, close and reopen, keeping the history and auditing each step", async () => {
    const flag = await patientWithOpenFlag(a, 3);
    const contacted = await updateFlagOutreach(t.db, a.actors.clinician, flag.id, "contacted", flag.version, later(1));
    expect(contacted).toMatchObject({ status: "open", outreach: "contacted", version: flag.version + 1, patientId: flag.patientId });

    const closed = await closeFlag(t.db, a.actors.clinician, flag.id, { reason: "done_elsewhere", note: "  B12 ordered  ", doneOn: null, doneValue: null }, contacted.version, later(2));
    expect(closed).toMatchObject({ status: "closed", version: flag.version + 2 });
    let record = await getPatientRecord(t.db, a.actors.clinician, flag.patientId, later(3));
    expect(record.flags.open.some((f) => f.id === flag.id)).toBe(false);
    expect(record.flags.closed.find((f) => f.id === flag.id)).toMatchObject({
      closeReason: "done_elsewhere",
      closeNote: "B12 ordered",
      closedByName: a.actors.clinician.name,
      outreach: "contacted",
      closedAt: later(2),
    });

    // A closed flag takes no outreach and cannot be closed twice.
    await expect(updateFlagOutreach(t.db, a.actors.clinician, flag.id, "scheduled", closed.version, later(4))).rejects.toMatchObject({ code: "invalid" });
    await expect(closeFlag(t.db, a.actors.clinician, flag.id, { reason: "done_elsewhere", note: null, doneOn: null, doneValue: null }, closed.version, later(4))).rejects.toMatchObject({ code: "invalid" });

    const reopened = await reopenFlag(t.db, a.actors.clinician, flag.id, closed.version, later(5));
    expect(reopened).toMatchObject({ status: "open", version: flag.version + 3 });
    record = await getPatientRecord(t.db, a.actors.clinician, flag.patientId, later(6));
    expect(record.flags.open.find((f) => f.id === flag.id)).toMatchObject({ closeReason: null, closedAt: null, closeNote: null });

    const audits = await t.db.auditEvent.findMany({ where: { action: "flag.update", entityId: flag.id }, orderBy: { seq: "asc" } });
    expect(audits.map((e) => (JSON.parse(e.detailJson) as { change: string }).change)).toEqual(["outreach", "close", "reopen"]);
    expect(audits.every((e) => e.patientId === flag.patientId && e.actorId === a.actors.clinician.userId)).toBe(true);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("refuses a stale version as a conflict that names the change and changes nothing", async () => {
    const flag = await patientWithOpenFlag(a, 4);
    await updateFlagOutreach(t.db, a.actors.clinician, flag.id, "scheduled", flag.version, later(10));
    const before = await t.db.flag.findUniqueOrThrow({ where: { id: flag.id } });
    const auditsBefore = await t.db.auditEvent.count({ where: { action: "flag.update", entityId: flag.id } });

    const stale = closeFlag(t.db, a.actors.admin, flag.id, { reason: "not_indicated", note: null, doneOn: null, doneValue: null }, flag.version, later(11));
    await expect(stale).rejects.toMatchObject({ code: "conflict" });
    await expect(closeFlag(t.db, a.actors.admin, flag.id, { reason: "not_indicated", note: null, doneOn: null, doneValue: null }, flag.version, later(11))).rejects.toThrow(/someone else changed/i);
    await expect(updateFlagOutreach(t.db, a.actors.admin, flag.id, "declined", flag.version, later(11))).rejects.toThrow(/outreach “Scheduled”/);

    const after = await t.db.flag.findUniqueOrThrow({ where: { id: flag.id } });
    expect(after).toEqual(before);
    expect(await t.db.auditEvent.count({ where: { action: "flag.update", entityId: flag.id } })).toBe(auditsBefore);
  });

  it("scopes flag changes by clinic and permission", async () => {
    const flag = await patientWithOpenFlag(b);
    await expect(updateFlagOutreach(t.db, a.actors.clinician, flag.id, "contacted", flag.version, later(20))).rejects.toMatchObject({ code: "not_found" });
    await expect(closeFlag(t.db, a.actors.admin, flag.id, { reason: "done_elsewhere", note: null, doneOn: null, doneValue: null }, flag.version, later(20))).rejects.toMatchObject({ code: "not_found" });
    await expect(updateFlagOutreach(t.db, b.actors.analyst, flag.id, "contacted", flag.version, later(20))).rejects.toMatchObject({ code: "forbidden" });
    await expect(updateFlagOutreach(t.db, b.actors.clinician, "", "contacted", flag.version, later(20))).rejects.toMatchObject({ code: "not_found" });
    const untouched = await t.db.flag.findUniqueOrThrow({ where: { id: flag.id } });
    expect(untouched).toMatchObject({ version: flag.version, outreach: "none", status: "open" });
  });

  it("refuses to reopen a flag while the same kind is open again for the patient", async () => {
    const flag = await patientWithOpenFlag(a, 5);
    const closed = await closeFlag(t.db, a.actors.clinician, flag.id, { reason: "not_indicated", note: null, doneOn: null, doneValue: null }, flag.version, later(30));
    // As if a re-evaluation had opened the same kind again.
    const twin = await t.db.flag.create({
      data: { clinicId: a.clinicId, patientId: flag.patientId, code: flag.code, dueAt: later(60), openedAt: later(31), reasonText: "again", detailJson: "[]" },
    });
    await expect(reopenFlag(t.db, a.actors.clinician, flag.id, closed.version, later(32))).rejects.toMatchObject({ code: "conflict" });
    await t.db.flag.delete({ where: { id: twin.id } });
  });

  it("keeps the snapshot's next due date in step with the open flags", async () => {
    const flag = await patientWithOpenFlag(a, 6);
    const open = await t.db.flag.findMany({ where: { patientId: flag.patientId, status: "open" }, orderBy: { dueAt: "asc" } });
    const closed = await closeFlag(t.db, a.actors.clinician, flag.id, { reason: "done_elsewhere", note: null, doneOn: null, doneValue: null }, flag.version, later(40));
    const remaining = open.filter((f) => f.id !== flag.id);
    const snapshot = await t.db.riskSnapshot.findUniqueOrThrow({ where: { patientId: flag.patientId } });
    expect(snapshot.nextDueAt?.getTime() ?? null).toBe(remaining[0]?.dueAt.getTime() ?? null);
    await reopenFlag(t.db, a.actors.clinician, flag.id, closed.version, later(41));
    const reopened = await t.db.riskSnapshot.findUniqueOrThrow({ where: { patientId: flag.patientId } });
    expect(reopened.nextDueAt?.getTime()).toBe(open[0]!.dueAt.getTime());
  });

  it("suppresses re-opening a flag a person closed until its stored return date, and nothing else", async () => {
    // Two patients no earlier test has touched: every flag of theirs is still open.
    const touched = new Set((await t.db.flag.findMany({ where: { clinicId: a.clinicId, status: { not: "open" } }, select: { patientId: true } })).map((f) => f.patientId));
    const fresh = (await t.db.flag.findMany({ where: { clinicId: a.clinicId, status: "open" }, orderBy: [{ patientId: "asc" }, { code: "asc" }] })).filter((f) => !touched.has(f.patientId));
    const flag = fresh[0]!;
    const other = fresh.find((f) => f.patientId !== flag.patientId)!;
    const key = `${flag.patientId}|${flag.code}`;
    const closedAt = later(50);
    await closeFlag(t.db, a.actors.clinician, flag.id, { reason: "patient_declined", note: null, doneOn: null, doneValue: null }, flag.version, closedAt);
    // Closed by the engine (new results): not suppressed.
    await t.db.flag.update({ where: { id: other.id }, data: { status: "closed", closeReason: "resolved_by_data", closedAt } });

    const ids = [flag.patientId, other.patientId];
    expect(await suppressedFlagKeys(t.db, ids, later(60))).toEqual(new Set([key]));
    const returnsAt = addDaysUtc(startOfUtcDay(closedAt), FLAG_RETURN_DAYS);
    expect((await t.db.flag.findUniqueOrThrow({ where: { id: flag.id } })).returnsAt).toEqual(returnsAt);
    expect((await suppressedFlagKeys(t.db, ids, new Date(returnsAt.getTime() - 1))).has(key)).toBe(true);
    expect((await suppressedFlagKeys(t.db, ids, returnsAt)).has(key)).toBe(false);
    // Another patient list does not see it; a later open flag of the same kind lifts it.
    expect((await suppressedFlagKeys(t.db, [other.patientId], later(60))).size).toBe(0);
    await t.db.flag.create({ data: { clinicId: a.clinicId, patientId: flag.patientId, code: flag.code, dueAt: later(200), openedAt: later(100), reasonText: "again", detailJson: "[]" } });
    expect((await suppressedFlagKeys(t.db, ids, later(120))).has(key)).toBe(false);
  });

  it("re-evaluation keeps a flag a person closed closed, and opens it again once the closure is old", async () => {
    const touched = new Set((await t.db.flag.findMany({ where: { clinicId: a.clinicId, status: { not: "open" } }, select: { patientId: true } })).map((f) => f.patientId));
    const flag = (await t.db.flag.findMany({ where: { clinicId: a.clinicId, status: "open" }, orderBy: [{ patientId: "asc" }, { code: "asc" }] })).find((f) => !touched.has(f.patientId))!;
    const closedAt = later(10);
    await closeFlag(t.db, a.actors.clinician, flag.id, { reason: "done_elsewhere", note: "ordered", doneOn: null, doneValue: null }, flag.version, closedAt);

    await t.db.$transaction((tx) => reevaluatePatients(tx, a.clinicId, [flag.patientId], later(20)));
    const afterRecompute = await t.db.flag.findMany({ where: { patientId: flag.patientId, code: flag.code }, orderBy: { openedAt: "asc" } });
    expect(afterRecompute.map((f) => f.status)).toEqual(["closed"]);
    const snapshot = await t.db.riskSnapshot.findUniqueOrThrow({ where: { patientId: flag.patientId } });
    const stillOpen = await t.db.flag.findMany({ where: { patientId: flag.patientId, status: "open" }, orderBy: { dueAt: "asc" } });
    expect(snapshot.nextDueAt?.getTime() ?? null).toBe(stillOpen[0]?.actionDueAt?.getTime() ?? null);

    const muchLater = addDaysUtc(closedAt, FLAG_RETURN_DAYS + 1);
    await t.db.$transaction((tx) => reevaluatePatients(tx, a.clinicId, [flag.patientId], muchLater));
    const statuses = (await t.db.flag.findMany({ where: { patientId: flag.patientId, code: flag.code }, orderBy: { openedAt: "asc" } })).map((f) => f.status);
    // The engine still fires (or has resolved it by then); a closed flag is never reopened in place.
    expect(statuses[0]).toBe("closed");
    expect(statuses.length).toBeLessThanOrEqual(2);
  });
});
