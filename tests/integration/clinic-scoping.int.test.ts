import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { listSavedViews, saveView } from "@/lib/data/patients/saved-views";
import { createUser, disableUser, listClinicians, listUsers } from "@/lib/data/auth/users";
import { getClinicSummary } from "@/lib/data/reports/summary";
import { verifyAuditChain } from "@/lib/data/audit/log";
import { panelQuerySchema } from "@/lib/validation/panel-query";
import { AppError } from "@/lib/errors";

/**
 * Every data-layer function is scoped to the actor's clinic: a clinician of clinic A never sees,
 * finds or changes anything of clinic B, whatever ids or filters they pass.
 */
describe("clinic scoping of the data layer", () => {
  let t: TestDatabase;
  let a: TestClinic;
  let b: TestClinic;
  const query = (input: Record<string, unknown> = {}) => panelQuerySchema.parse({ size: 100, ...input });

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createTestClinic(t.db, { slug: "alpha", patients: 40, seed: 1 });
    b = await createTestClinic(t.db, { slug: "beta", patients: 30, seed: 2 });
  });
  afterAll(async () => t?.drop());

  it("lists only the actor's clinic's patients on the panel", async () => {
    const panel = await getPatientPanel(t.db, a.actors.clinician, query(), TEST_NOW);
    expect(panel.total).toBe(40);
    expect(panel.rows.every((row) => row.mrn.startsWith("ALPHA-"))).toBe(true);
  });

  it("finds nothing of another clinic by MRN, name search or clinician filter", async () => {
    const other = await t.db.patient.findFirstOrThrow({ where: { clinicId: b.clinicId }, select: { mrn: true } });
    expect((await getPatientPanel(t.db, a.actors.clinician, query({ q: other.mrn }), TEST_NOW)).total).toBe(0);
    expect((await getPatientPanel(t.db, a.actors.clinician, query({ q: "BETA-" }), TEST_NOW)).total).toBe(0);
    expect((await getPatientPanel(t.db, a.actors.clinician, query({ clinician: b.actors.clinician.userId }), TEST_NOW)).total).toBe(0);
  });

  it("filters the panel by sex, age, diet, medicine class and 'my patients' within the clinic", async () => {
    const all = await t.db.patient.findMany({ where: { clinicId: a.clinicId }, select: { sex: true, diet: true, medicationClasses: true, attributedClinicianId: true } });
    const females = await getPatientPanel(t.db, a.actors.clinician, query({ sex: "female" }), TEST_NOW);
    expect(females.total).toBe(all.filter((p) => p.sex === "female").length);
    expect((await getPatientPanel(t.db, a.actors.clinician, query({ med: "statin" }), TEST_NOW)).total).toBe(all.filter((p) => p.medicationClasses.includes(";statin;")).length);
    expect((await getPatientPanel(t.db, a.actors.clinician, query({ diet: "not_recorded" }), TEST_NOW)).total).toBe(all.filter((p) => p.diet === null).length);
    expect((await getPatientPanel(t.db, a.actors.clinician, query({ mine: "1" }), TEST_NOW)).total).toBe(all.filter((p) => p.attributedClinicianId === a.actors.clinician.userId).length);
    const aged = await getPatientPanel(t.db, a.actors.clinician, query({ ageMin: 70, ageMax: 79 }), TEST_NOW);
    for (const row of aged.rows) {
      const age = Math.floor((TEST_NOW.getTime() - row.birthDate.getTime()) / (365.2425 * 86_400_000));
      expect(age).toBeGreaterThanOrEqual(70);
      expect(age).toBeLessThanOrEqual(79);
    }
  });

  it("pages and sorts deterministically", async () => {
    const page1 = await getPatientPanel(t.db, a.actors.clinician, panelQuerySchema.parse({ size: 25, sort: "age" }), TEST_NOW);
    const page2 = await getPatientPanel(t.db, a.actors.clinician, panelQuerySchema.parse({ size: 25, sort: "age", page: 2 }), TEST_NOW);
    expect(page1.pageCount).toBe(2);
    expect(page2.rows).toHaveLength(15);
    const births = [...page1.rows, ...page2.rows].map((r) => r.birthDate.getTime());
    expect(births).toEqual([...births].sort((x, y) => y - x));
    expect(new Set([...page1.rows, ...page2.rows].map((r) => r.id)).size).toBe(40);
  });

  it("sorts by tier then most overdue, filters by tier, category and open flag, and counts tiers", async () => {
    const panel = await getPatientPanel(t.db, a.actors.clinician, query(), TEST_NOW);
    const snapshots = await t.db.riskSnapshot.findMany({ where: { clinicId: a.clinicId }, select: { patientId: true, tierRank: true, tier: true } });
    const rankOf = new Map(snapshots.map((s) => [s.patientId, s.tierRank]));
    const ranks = panel.rows.map((row) => rankOf.get(row.id)!);
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
    const expectedCounts: Record<string, number> = {};
    for (const s of snapshots) expectedCounts[s.tier] = (expectedCounts[s.tier] ?? 0) + 1;
    expect(panel.tierCounts).toEqual(expectedCounts);

    const high = await getPatientPanel(t.db, a.actors.clinician, query({ tier: "high" }), TEST_NOW);
    expect(high.total).toBe(expectedCounts.high ?? 0);
    expect(high.tierCounts).toEqual(expectedCounts);
    expect(high.rows.every((row) => row.tier === "high")).toBe(true);

    const due = await t.db.flag.findMany({ where: { clinicId: a.clinicId, code: "b12_test_due", status: "open" }, select: { patientId: true } });
    const flagged = await getPatientPanel(t.db, a.actors.clinician, query({ flag: "b12_test_due" }), TEST_NOW);
    expect(flagged.total).toBe(new Set(due.map((f) => f.patientId)).size);
    expect(flagged.rows.every((row) => row.openFlags.some((f) => f.code === "b12_test_due"))).toBe(true);

    const probable = await getPatientPanel(t.db, a.actors.clinician, query({ ewgsop2: "probable" }), TEST_NOW);
    expect(probable.rows.every((row) => row.ewgsop2 === "probable")).toBe(true);
  });

  it("filters by outreach status and overdue open flags", async () => {
    const flag = await t.db.flag.findFirstOrThrow({ where: { clinicId: a.clinicId, status: "open" }, select: { id: true, patientId: true, code: true } });
    await t.db.flag.update({ where: { id: flag.id }, data: { outreach: "contacted" } });
    const contacted = await getPatientPanel(t.db, a.actors.clinician, query({ outreach: "contacted" }), TEST_NOW);
    expect(contacted.rows.map((r) => r.id)).toEqual([flag.patientId]);
    // With a flag code, outreach applies to that flag: the contacted flag's own code finds the patient.
    const sameFlag = await getPatientPanel(t.db, a.actors.clinician, query({ outreach: "contacted", flag: flag.code }), TEST_NOW);
    expect(sameFlag.rows.map((r) => r.id)).toEqual([flag.patientId]);
    const overdueFlags = await t.db.flag.findMany({ where: { clinicId: a.clinicId, status: "open", dueAt: { lt: TEST_NOW } }, select: { patientId: true } });
    const overdue = await getPatientPanel(t.db, a.actors.clinician, query({ overdue: "1" }), TEST_NOW);
    expect(overdue.total).toBe(new Set(overdueFlags.map((f) => f.patientId)).size);
    expect(overdue.rows.every((row) => row.openFlags.some((f) => f.dueAt < TEST_NOW))).toBe(true);
  });

  it("shows saved views of the own clinic only, shared or own", async () => {
    await saveView(t.db, b.actors.clinician, { name: "beta shared", query: "?sex=male", isShared: true });
    await saveView(t.db, a.actors.admin, { name: "alpha private of admin", query: "?sex=female", isShared: false });
    await saveView(t.db, a.actors.admin, { name: "alpha shared", query: "?diet=vegan", isShared: true });
    const views = await listSavedViews(t.db, a.actors.clinician);
    expect(views.map((v) => v.name)).toEqual(["alpha shared"]);
  });

  it("lists and changes users of the own clinic only", async () => {
    expect((await listUsers(t.db, a.actors.admin)).every((u) => u.email.endsWith("@alpha.test"))).toBe(true);
    expect((await listClinicians(t.db, a.actors.clinician)).map((c) => c.id)).toEqual([a.actors.clinician.userId]);
    await expect(disableUser(t.db, a.actors.admin, "clinician@beta.test")).rejects.toMatchObject({ code: "not_found" });
    const untouched = await t.db.user.findUniqueOrThrow({ where: { email: "clinician@beta.test" } });
    expect(untouched.disabledAt).toBeNull();
  });

  it("refuses user management to clinicians and analysts", async () => {
    await expect(listUsers(t.db, a.actors.clinician)).rejects.toBeInstanceOf(AppError);
    await expect(createUser(t.db, a.actors.analyst, { email: "x@alpha.test", name: "X", role: "admin", password: "a-long-enough-password" })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("summarises only the own clinic", async () => {
    const summary = await getClinicSummary(t.db, a.actors.clinician, TEST_NOW);
    expect(summary.total.count).toBe(40);
    const tiers = summary.tables.find((table) => table.id === "tier")!.rows.filter((row) => !row.isTotal);
    expect(tiers.reduce((sum, row) => sum + row.cells.patients!.count!, 0)).toBe(40);
    expect((await getClinicSummary(t.db, a.actors.analyst, TEST_NOW)).total.count).toBe(40);
  });

  it("keeps an intact audit chain of what was listed, and detects an edited event", async () => {
    const verified = await verifyAuditChain(t.db);
    expect(verified.ok).toBe(true);
    expect(verified.checked).toBeGreaterThan(0);
    const searches = await t.db.auditEvent.findMany({ where: { action: "patient.search", clinicId: b.clinicId } });
    expect(searches).toHaveLength(0);
    const victim = await t.db.auditEvent.findFirstOrThrow({ where: { action: "patient.search" }, orderBy: { seq: "asc" } });
    await t.db.auditEvent.update({ where: { seq: victim.seq }, data: { detailJson: "{}" } });
    const broken = await verifyAuditChain(t.db);
    expect(broken).toMatchObject({ ok: false, brokenAtSeq: victim.seq });
  });
});
