import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import type { UserActor } from "@/lib/data/access/actor";
import { verifyAuditChain } from "@/lib/data/audit/log";
import { recordAssessment, type AssessmentObservation } from "@/lib/data/patients/assessment";
import { correctObservation, listPatientObservations, markObservationEnteredInError } from "@/lib/data/patients/observations";
import { addCondition, addMedication, resolveCondition, stopMedication, updateMedication } from "@/lib/data/patients/medications";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { addDaysUtc } from "@/lib/domain/dates";
import { assessmentFormSchema } from "@/lib/validation/assessment-form";

/**
 * Assessment entry, corrections and medicines against a real database (SQLite, or PostgreSQL with
 * TEST_DATABASE=postgresql): optimistic concurrency between two clinicians, "entered in error"
 * leaving the evaluation as if the value had never been there, clinic scoping and the audit trail.
 */
describe("assessment entry, corrections and medicines", () => {
  let t: TestDatabase;
  let a: TestClinic;
  let b: TestClinic;
  let secondClinician: UserActor;
  const at = (minutes: number) => new Date(TEST_NOW.getTime() + minutes * 60_000);
  const visit = new Date("2026-11-20T00:00:00Z");
  const used = new Set<string>();

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createTestClinic(t.db, { slug: "alpha", patients: 40, seed: 21 });
    b = await createTestClinic(t.db, { slug: "beta", patients: 5, seed: 22 });
    const user = await t.db.user.create({ data: { clinicId: a.clinicId, email: "second@alpha.test", name: "Second Clinician", role: "clinician", passwordHash: "not-used" } });
    secondClinician = { kind: "user", userId: user.id, clinicId: a.clinicId, role: "clinician", name: user.name, email: user.email };
  });
  afterAll(async () => t?.drop());

  /** A patient of clinic A not used by an earlier test, optionally with a given EWGSOP2 category. */
  async function freshPatient(where: { ewgsop2?: string; sex?: string } = {}) {
    const rows = await t.db.patient.findMany({
      where: { clinicId: a.clinicId, ...(where.sex ? { sex: where.sex } : {}), ...(where.ewgsop2 ? { snapshot: { ewgsop2: where.ewgsop2 } } : {}) },
      select: { id: true, version: true, sex: true },
      orderBy: { mrn: "asc" },
    });
    const row = rows.find((r) => !used.has(r.id));
    if (!row) throw new Error("the seed produced too few suitable patients");
    used.add(row.id);
    return row;
  }

  /** A visit typed into the form, parsed by the same schema the server action uses. */
  function visitFromForm(patientId: string, version: number, fields: Record<string, string>) {
    const parsed = assessmentFormSchema.parse({ patientId, expectedVersion: String(version), visitDate: "2026-11-20", gripUnit: "kg", gaitMode: "time", weightUnit: "kg", walk400Unit: "s", b12Unit: "pmol/L", ...fields });
    return { observations: parsed.observations };
  }

  const lowGrip = (kg: string): AssessmentObservation => ({
    kind: "grip_strength", value: Number(kg), isUnable: false, reportedValue: kg, reportedUnit: "kg", observedAt: visit, note: "test",
  });

  async function snapshotOf(patientId: string) {
    const s = await t.db.riskSnapshot.findUniqueOrThrow({ where: { patientId } });
    const evaluation = JSON.parse(s.detailJson) as Record<string, unknown>;
    return { tier: s.tier, ewgsop2: s.ewgsop2, awgs2019: s.awgs2019, b12Status: s.b12Status, b12OnTreatment: s.b12OnTreatment, flagCodes: s.flagCodes, evaluation };
  }

  async function openFlagCodes(patientId: string) {
    const flags = await t.db.flag.findMany({ where: { patientId, status: "open" }, select: { code: true }, orderBy: { code: "asc" } });
    return flags.map((f) => f.code);
  }

  it("stores a visit as manual results by the clinician, moves the version on, re-evaluates and audits in one go", async () => {
    const p = await freshPatient({ ewgsop2: "none" });
    const before = await snapshotOf(p.id);
    const input = visitFromForm(p.id, p.version, {
      gripUnit: "lb", gripRight1: "22", gripRight2: "24", gripLeft1: "20",
      gaitValue: "8", chairStand: "10", walk400Unable: "on", asm: "9", asmMethod: "dxa", height: "160",
      sarcF1: "2", sarcF2: "1", sarcF3: "1", sarcF4: "2", sarcF5: "1", b12: "150", b12Unit: "pg/mL",
    });
    const result = await recordAssessment(t.db, a.actors.clinician, p.id, input, p.version, at(60));
    expect(result.version).toBe(p.version + 1);
    expect(result.observationIds).toHaveLength(input.observations.length);

    const stored = await t.db.observation.findMany({ where: { id: { in: result.observationIds } } });
    expect(stored.every((o) => o.source === "manual" && o.enteredById === a.actors.clinician.userId && o.status === "final" && o.clinicId === a.clinicId)).toBe(true);
    const grip = stored.find((o) => o.kind === "grip_strength")!;
    expect(grip).toMatchObject({ reportedValue: "24", reportedUnit: "lb" });
    expect(grip.note).toBe("Grip trials (lb): right 22, 24; left 20; best 24 lb (right)");
    expect(stored.find((o) => o.kind === "b12_total")).toMatchObject({ reportedValue: "150", reportedUnit: "pg/mL" });
    expect(stored.find((o) => o.kind === "walk_400m")).toMatchObject({ isUnable: true, value: null });

    const after = await snapshotOf(p.id);
    expect(before.ewgsop2).toBe("none");
    expect(after.ewgsop2).toBe("severe");
    expect(after.b12Status).toBe("deficient");
    expect(after.tier).toBe("high");
    expect(after.flagCodes).toContain("sarcopenia_follow_up");
    expect(await openFlagCodes(p.id)).toEqual(expect.arrayContaining(["b12_follow_up", "sarcopenia_follow_up"]));
    // The save says what it changed: the tier before and after, the flags it opened and closed.
    expect(result.change.tierBefore).toBe(before.tier);
    expect(result.change.tierAfter).toBe("high");
    expect(result.change.flagsOpened).toEqual(expect.arrayContaining(["b12_follow_up", "sarcopenia_follow_up"]));
    expect(result.change.flagsOpened.filter((code) => before.flagCodes.split(";").includes(code))).toEqual([]);
    const openNow = await openFlagCodes(p.id);
    expect(result.change.flagsClosed.filter((code) => openNow.includes(code))).toEqual([]);
    // The panel's denormalised columns follow.
    const row = await t.db.patient.findUniqueOrThrow({ where: { id: p.id } });
    expect(row.version).toBe(p.version + 1);
    expect(row.latestGripKg).toBeCloseTo(24 * 0.45359237, 8);
    expect(row.latestB12At?.getTime()).toBe(visit.getTime());

    const audits = await t.db.auditEvent.findMany({ where: { action: "observation.create", patientId: p.id }, orderBy: { seq: "asc" } });
    expect(audits.map((e) => e.entityId).sort()).toEqual([...result.observationIds].sort());
    expect(audits.every((e) => e.actorId === a.actors.clinician.userId && e.clinicId === a.clinicId)).toBe(true);
    expect(JSON.parse(audits.find((e) => e.entityId === grip.id)!.detailJson)).toMatchObject({ kind: "grip_strength", reportedValue: "24", reportedUnit: "lb", note: expect.stringContaining("right 22, 24") });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("lets exactly one of two clinicians saving at once win; the other gets a conflict and nothing of theirs is written", async () => {
    const p = await freshPatient();
    const countBefore = await t.db.observation.count({ where: { patientId: p.id } });
    const auditsBefore = await t.db.auditEvent.count({ where: { action: "observation.create", patientId: p.id } });
    const first = { observations: [lowGrip("11"), { ...lowGrip("0"), kind: "sppb" as const, value: 5, reportedValue: "5", reportedUnit: "points" }] };
    const second = { observations: [lowGrip("33")] };
    const outcomes = await Promise.allSettled([
      recordAssessment(t.db, a.actors.clinician, p.id, first, p.version, at(70)),
      recordAssessment(t.db, secondClinician, p.id, second, p.version, at(70)),
    ]);
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toMatchObject({ code: "conflict" });
    expect(String((lost[0]!.reason as Error).message)).toMatch(/Nothing of yours was saved/);

    const winnerIsFirst = outcomes[0]!.status === "fulfilled";
    const winner = winnerIsFirst ? a.actors.clinician : secondClinician;
    const written = await t.db.observation.findMany({ where: { patientId: p.id, source: "manual" } });
    expect(written).toHaveLength((winnerIsFirst ? first : second).observations.length);
    expect(written.every((o) => o.enteredById === winner.userId)).toBe(true);
    expect(await t.db.observation.count({ where: { patientId: p.id } })).toBe(countBefore + written.length);
    expect(await t.db.auditEvent.count({ where: { action: "observation.create", patientId: p.id } })).toBe(auditsBefore + written.length);
    expect((await t.db.patient.findUniqueOrThrow({ where: { id: p.id } })).version).toBe(p.version + 1);

    // The loser, told who saved first, saves again against the new version and succeeds.
    const loserActor = winnerIsFirst ? secondClinician : a.actors.clinician;
    expect(String((lost[0]!.reason as Error).message)).toContain(winner.name);
    const retry = await recordAssessment(t.db, loserActor, p.id, winnerIsFirst ? second : first, p.version + 1, at(71));
    expect(retry.version).toBe(p.version + 2);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("lets exactly one of five simultaneous saves through", async () => {
    const p = await freshPatient();
    const actors = [a.actors.clinician, secondClinician, a.actors.admin, a.actors.clinician, secondClinician];
    const outcomes = await Promise.allSettled(actors.map((actor, i) => recordAssessment(t.db, actor, p.id, { observations: [lowGrip(String(20 + i))] }, p.version, at(75))));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === "rejected").map((o) => (o as PromiseRejectedResult).reason.code)).toEqual(["conflict", "conflict", "conflict", "conflict"]);
    expect(await t.db.observation.count({ where: { patientId: p.id, source: "manual" } })).toBe(1);
    expect((await t.db.patient.findUniqueOrThrow({ where: { id: p.id } })).version).toBe(p.version + 1);
  });

  it("refuses a stale version without writing anything", async () => {
    const p = await freshPatient();
    await recordAssessment(t.db, a.actors.clinician, p.id, { observations: [lowGrip("30")] }, p.version, at(80));
    const snapshot = await snapshotOf(p.id);
    const count = await t.db.observation.count({ where: { patientId: p.id } });
    await expect(recordAssessment(t.db, secondClinician, p.id, { observations: [lowGrip("12")] }, p.version, at(81))).rejects.toMatchObject({ code: "conflict" });
    expect(await t.db.observation.count({ where: { patientId: p.id } })).toBe(count);
    expect(await snapshotOf(p.id)).toEqual(snapshot);
  });

  it("refuses another clinic's patient (as not found), an analyst, results after now and an empty visit", async () => {
    const other = await t.db.patient.findFirstOrThrow({ where: { clinicId: b.clinicId }, select: { id: true, version: true } });
    const count = await t.db.observation.count({ where: { patientId: other.id } });
    await expect(recordAssessment(t.db, a.actors.clinician, other.id, { observations: [lowGrip("12")] }, other.version, at(90))).rejects.toMatchObject({ code: "not_found" });
    await expect(recordAssessment(t.db, a.actors.admin, other.id, { observations: [lowGrip("12")] }, other.version, at(90))).rejects.toMatchObject({ code: "not_found" });
    await expect(recordAssessment(t.db, a.actors.clinician, "", { observations: [lowGrip("12")] }, 1, at(90))).rejects.toMatchObject({ code: "not_found" });
    expect(await t.db.observation.count({ where: { patientId: other.id } })).toBe(count);
    expect(await t.db.auditEvent.count({ where: { patientId: other.id, clinicId: a.clinicId } })).toBe(0);
    expect((await t.db.patient.findUniqueOrThrow({ where: { id: other.id } })).version).toBe(other.version);

    const mine = await freshPatient();
    await expect(recordAssessment(t.db, a.actors.analyst, mine.id, { observations: [lowGrip("12")] }, mine.version, at(90))).rejects.toMatchObject({ code: "forbidden" });
    await expect(recordAssessment(t.db, a.actors.clinician, mine.id, { observations: [{ ...lowGrip("12"), observedAt: addDaysUtc(TEST_NOW, 3) }] }, mine.version, at(90))).rejects.toMatchObject({ code: "invalid" });
    await expect(recordAssessment(t.db, a.actors.clinician, mine.id, { observations: [] }, mine.version, at(90))).rejects.toMatchObject({ code: "invalid" });
    // Corrections and medicines are scoped the same way.
    const foreignObservation = await t.db.observation.findFirstOrThrow({ where: { clinicId: b.clinicId }, select: { id: true, version: true } });
    await expect(markObservationEnteredInError(t.db, a.actors.clinician, foreignObservation.id, "wrong patient", foreignObservation.version, at(90))).rejects.toMatchObject({ code: "not_found" });
    await expect(addMedication(t.db, a.actors.clinician, other.id, { catalogueId: "metformin", name: "metformin", startedOn: null }, other.version, at(90))).rejects.toMatchObject({ code: "not_found" });
  });

  it("'entered in error' leaves the evaluation exactly as if the value had never been entered", async () => {
    const p = await freshPatient({ ewgsop2: "none" });
    const now = at(100);
    // A twin whose history never had the wrong value: same demographics, results, medicines, conditions.
    const source = await t.db.patient.findUniqueOrThrow({ where: { id: p.id }, include: { observations: true, medications: true, conditions: true } });
    const twinId = randomUUID();
    await t.db.patient.create({
      data: {
        id: twinId, clinicId: a.clinicId, mrn: `TWIN-${source.mrn}`, familyName: source.familyName, givenName: source.givenName, birthDate: source.birthDate,
        sex: source.sex, diet: source.diet, searchText: `twin ${source.searchText}`,
        observations: { create: source.observations.map(({ id: _id, patientId: _p, ...o }) => o) },
        medications: { create: source.medications.map(({ id: _id, patientId: _p, ...m }) => m) },
        conditions: { create: source.conditions.map(({ id: _id, patientId: _p, ...c }) => c) },
      },
    });
    await t.db.$transaction((tx) => reevaluatePatients(tx, a.clinicId, [p.id, twinId], now));
    const original = await snapshotOf(p.id);

    const saved = await recordAssessment(t.db, a.actors.clinician, p.id, { observations: [lowGrip("9")] }, p.version, now);
    const withWrongValue = await snapshotOf(p.id);
    expect(withWrongValue.ewgsop2).not.toBe(original.ewgsop2);

    const wrong = await t.db.observation.findUniqueOrThrow({ where: { id: saved.observationIds[0]! } });
    const marked = await markObservationEnteredInError(t.db, secondClinician, wrong.id, "typed 9 for 29", wrong.version, now);
    expect(marked.version).toBe(wrong.version + 1);

    const afterError = await snapshotOf(p.id);
    const twin = await snapshotOf(twinId);
    expect(afterError).toEqual(original);
    expect({ ...afterError }).toEqual({ ...twin });
    expect(await openFlagCodes(p.id)).toEqual(await openFlagCodes(twinId));
    const panel = (id: string) => t.db.patient.findUniqueOrThrow({ where: { id }, select: { latestGripKg: true, latestGripAt: true, lastAssessedAt: true, medicationClasses: true } });
    expect(await panel(p.id)).toEqual(await panel(twinId));

    // Kept, with who, when and why; listed apart; audited with the value it withdrew.
    const kept = await t.db.observation.findUniqueOrThrow({ where: { id: wrong.id } });
    expect(kept).toMatchObject({ status: "entered_in_error", erroredById: secondClinician.userId, erroredReason: "typed 9 for 29", value: 9 });
    expect(kept.erroredAt?.getTime()).toBe(now.getTime());
    const list = await listPatientObservations(t.db, a.actors.clinician, p.id, now);
    expect(list.observations.find((o) => o.id === wrong.id)).toMatchObject({ status: "entered_in_error", erroredByName: "Second Clinician", enteredByName: a.actors.clinician.name });
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "observation.entered_in_error", entityId: wrong.id } });
    expect(JSON.parse(audit.detailJson)).toMatchObject({ reason: "typed 9 for 29", value: { value: 9, reportedValue: "9" } });

    // Cannot be withdrawn twice or edited afterwards.
    await expect(markObservationEnteredInError(t.db, a.actors.clinician, wrong.id, "again", marked.version, now)).rejects.toMatchObject({ code: "invalid" });
  });

  it("corrects a value with optimistic concurrency and keeps the old value in the audit", async () => {
    const p = await freshPatient({ ewgsop2: "none" });
    const saved = await recordAssessment(t.db, a.actors.clinician, p.id, { observations: [lowGrip("9")] }, p.version, at(110));
    const id = saved.observationIds[0]!;
    const corrected = { kind: "grip_strength" as const, value: 29, isUnable: false, reportedValue: "29", reportedUnit: "kg", observedAt: visit };
    const result = await correctObservation(t.db, secondClinician, id, corrected, 1, at(111));
    expect(result.version).toBe(2);
    const row = await t.db.observation.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ value: 29, reportedValue: "29", version: 2, status: "final", enteredById: a.actors.clinician.userId });
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "observation.update", entityId: id } });
    expect(JSON.parse(audit.detailJson)).toMatchObject({ before: { value: 9, reportedValue: "9" }, after: { value: 29, reportedValue: "29" }, fromVersion: 1, toVersion: 2 });
    expect((await snapshotOf(p.id)).evaluation).toMatchObject({ ewgsop2: { category: expect.any(String) } });

    // A second clinician working from version 1 is told, and nothing changes.
    await expect(correctObservation(t.db, a.actors.clinician, id, { ...corrected, value: 19, reportedValue: "19" }, 1, at(112))).rejects.toMatchObject({ code: "conflict" });
    await expect(markObservationEnteredInError(t.db, a.actors.clinician, id, "wrong", 1, at(112))).rejects.toThrow(/now reads 29 kg/);
    expect((await t.db.observation.findUniqueOrThrow({ where: { id } })).value).toBe(29);
    await expect(correctObservation(t.db, a.actors.clinician, id, { ...corrected, kind: "tug" }, 2, at(112))).rejects.toMatchObject({ code: "invalid" });
    const list = await listPatientObservations(t.db, a.actors.clinician, p.id, at(113));
    expect(list.observations.find((o) => o.id === id)).toMatchObject({ correctedByName: "Second Clinician", version: 2 });
  });

  it("adds, edits and stops medicines and records conditions, re-evaluating and auditing each change", async () => {
    const candidates = await t.db.patient.findMany({ where: { clinicId: a.clinicId, conditions: { none: {} } }, select: { id: true, medicationClasses: true }, orderBy: { mrn: "asc" } });
    const target = candidates.find((c) => !used.has(c.id) && !c.medicationClasses.includes("metformin") && !c.medicationClasses.includes("b12_replacement"))!;
    used.add(target.id);
    const start = await t.db.patient.findUniqueOrThrow({ where: { id: target.id } });
    let version = start.version;

    const added = await addMedication(t.db, a.actors.clinician, target.id, { catalogueId: "metformin", name: "Glucophage", startedOn: new Date("2026-01-10T00:00:00Z") }, version, at(120));
    version = added.version;
    let patient = await t.db.patient.findUniqueOrThrow({ where: { id: target.id } });
    expect(patient.medicationClasses).toContain(";metformin;");
    const withMetformin = patient.medicationClasses;
    expect((await snapshotOf(target.id)).evaluation).toMatchObject({ medicines: { b12Lowering: expect.arrayContaining(["metformin"]) } });
    expect(await t.db.patientMedication.findUniqueOrThrow({ where: { id: added.medicationId! } })).toMatchObject({ name: "Glucophage", catalogueId: "metformin", atcCode: "A10BA02", rxnormCode: "6809", source: "manual" });
    // The same medicine cannot be current twice; a stale version is a conflict.
    await expect(addMedication(t.db, a.actors.clinician, target.id, { catalogueId: "metformin", name: "metformin", startedOn: null }, version, at(121))).rejects.toMatchObject({ code: "invalid" });
    await expect(addMedication(t.db, a.actors.clinician, target.id, { catalogueId: "omeprazole", name: "omeprazole", startedOn: null }, version - 1, at(121))).rejects.toMatchObject({ code: "conflict" });

    // Free text is kept but never counts.
    const free = await addMedication(t.db, a.actors.clinician, target.id, { catalogueId: null, name: "Herbal tea", startedOn: null }, version, at(122));
    version = free.version;
    patient = await t.db.patient.findUniqueOrThrow({ where: { id: target.id } });
    expect(patient.medicationClasses).toBe(withMetformin);

    const edited = await updateMedication(t.db, a.actors.clinician, added.medicationId!, { startedOn: new Date("2025-06-01T00:00:00Z"), stoppedOn: null }, version, at(123));
    version = edited.version;
    const stopped = await stopMedication(t.db, a.actors.clinician, added.medicationId!, new Date("2026-11-01T00:00:00Z"), version, at(124));
    version = stopped.version;
    patient = await t.db.patient.findUniqueOrThrow({ where: { id: target.id } });
    expect(patient.medicationClasses).toBe(start.medicationClasses);
    expect((await snapshotOf(target.id)).evaluation).toMatchObject({ medicines: { b12Lowering: expect.not.arrayContaining(["metformin"]) } });
    await expect(stopMedication(t.db, a.actors.clinician, added.medicationId!, new Date("2026-11-02T00:00:00Z"), version, at(125))).rejects.toMatchObject({ code: "invalid" });

    const withCondition = await addCondition(t.db, a.actors.clinician, target.id, "gastrectomy", version, at(126));
    version = withCondition.version;
    expect((await snapshotOf(target.id)).evaluation).toMatchObject({ riskFactors: { codes: expect.arrayContaining(["absorption_condition"]) } });
    await expect(addCondition(t.db, a.actors.clinician, target.id, "gastrectomy", version, at(127))).rejects.toMatchObject({ code: "invalid" });
    const resolved = await resolveCondition(t.db, a.actors.clinician, target.id, "gastrectomy", version, at(127));
    version = resolved.version;
    expect(JSON.stringify((await snapshotOf(target.id)).evaluation.riskFactors).toLowerCase()).not.toContain("gastrectomy");

    const audits = await t.db.auditEvent.findMany({ where: { patientId: target.id, action: { in: ["medication.change", "patient.update"] } }, orderBy: { seq: "asc" } });
    expect(audits.map((e) => `${e.action}:${(JSON.parse(e.detailJson) as { change: string }).change}`)).toEqual([
      "medication.change:add", "medication.change:add", "medication.change:edit", "medication.change:stop", "patient.update:condition.add", "patient.update:condition.resolve",
    ]);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});
