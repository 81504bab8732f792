import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { appendAudit, verifyAuditChain } from "@/lib/data/audit/log";
import { AUDIT_PAGE_SIZE, listPatientAccess, searchAuditEvents, streamAuditCsv, verifyAuditChainAs, type AuditCursor } from "@/lib/data/audit/search";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { openPatientRecord } from "@/lib/data/patients/record";
import { panelQuerySchema } from "@/lib/validation/panel-query";
import type { UserActor } from "@/lib/data/access/actor";
import { FLAG_LABELS } from "@/lib/domain/labels";
import { CLOSE_REASON_LABELS } from "@/lib/domain/flag-lifecycle";

/**
 * The audit read side: a patient's "who has seen or changed this record" trail (admins and the
 * attributed clinician only, searches that listed the patient included, keyset paging without
 * gaps or repeats) and the admins' audit search and CSV (filters, formula safety), all audited.
 */
describe("audit search and patient access trail", () => {
  let t: TestDatabase;
  let a: TestClinic;
  let b: TestClinic;
  let mine: { id: string; mrn: string };
  let notMine: { id: string; mrn: string };

  async function rejection(promise: Promise<unknown>): Promise<string | undefined> {
    return promise.then(() => undefined, (error: { code?: string }) => error.code);
  }

  async function allPages(fetchPage: (after: AuditCursor | undefined) => Promise<{ rows: { seq: number; at: Date }[]; next: AuditCursor | null }>) {
    const seen: { seq: number; at: Date }[] = [];
    let after: AuditCursor | undefined;
    for (let i = 0; i < 100; i += 1) {
      const page = await fetchPage(after);
      seen.push(...page.rows);
      if (!page.next) return seen;
      after = page.next;
    }
    throw new Error("paging did not end");
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createTestClinic(t.db, { slug: "alpha", patients: 30, seed: 3 });
    b = await createTestClinic(t.db, { slug: "beta", patients: 5, seed: 4 });
    const patients = await t.db.patient.findMany({ where: { clinicId: a.clinicId }, select: { id: true, mrn: true, attributedClinicianId: true }, orderBy: { mrn: "asc" } });
    // The records predate the (fixed-clock) events below, as they would in use.
    await t.db.patient.updateMany({ where: { clinicId: a.clinicId }, data: { createdAt: new Date(TEST_NOW.getTime() - 86_400_000) } });
    mine = patients.find((p) => p.attributedClinicianId === a.actors.clinician.userId)!;
    notMine = patients.find((p) => p.attributedClinicianId === null)!;
    expect(mine && notMine).toBeTruthy();
  });
  afterAll(async () => t?.drop());

  it("shows admins and the attributed clinician who viewed, searched for and changed the patient, newest first", async () => {
    const at = (minutes: number) => new Date(TEST_NOW.getTime() + minutes * 60_000);
    await openPatientRecord(t.db, a.actors.admin, mine.id, at(1));
    await getPatientPanel(t.db, a.actors.clinician, panelQuerySchema.parse({ q: mine.mrn }), at(2));
    await getPatientPanel(t.db, a.actors.clinician, panelQuerySchema.parse({ q: notMine.mrn }), at(3));
    await t.db.$transaction((tx) =>
      appendAudit(tx, a.actors.clinician, [{ action: "flag.update", patientId: mine.id, entityType: "flag", detail: { code: "b12_test_due", change: "close", reason: "done" } }], at(4)),
    );

    const trail = await listPatientAccess(t.db, a.actors.clinician, mine.id, undefined, at(5));
    expect(trail.patient.mrn).toBe(mine.mrn);
    expect(trail.rows.map((r) => [r.action, r.relation, r.actorLabel, r.role])).toEqual([
      ["flag.update", "subject", a.actors.clinician.email, "clinician"],
      ["patient.search", "listed", a.actors.clinician.email, "clinician"],
      ["patient.view", "subject", a.actors.admin.email, "admin"],
    ]);
    expect(trail.rows[0]!.description).toBe(`Closed ${FLAG_LABELS.b12_test_due} (${CLOSE_REASON_LABELS.done}).`);
    expect(trail.rows[1]!.description).toMatch(/^The patient was listed in the results of a panel search \(1 match\)/);
    expect(trail.next).toBeNull();

    // Looking is itself audited, and shows on the next look.
    const again = await listPatientAccess(t.db, a.actors.admin, mine.id, undefined, at(6));
    expect(again.rows[0]).toMatchObject({ action: "audit.view", actorLabel: a.actors.clinician.email });
  });

  it("refuses other clinicians, analysts and other clinics", async () => {
    expect(await rejection(listPatientAccess(t.db, a.actors.clinician, notMine.id, undefined, TEST_NOW))).toBe("forbidden");
    expect(await rejection(listPatientAccess(t.db, a.actors.analyst, mine.id, undefined, TEST_NOW))).toBe("forbidden");
    expect(await rejection(listPatientAccess(t.db, b.actors.admin, mine.id, undefined, TEST_NOW))).toBe("not_found");
    expect(await rejection(listPatientAccess(t.db, a.actors.admin, "", undefined, TEST_NOW))).toBe("not_found");
    expect(await rejection(searchAuditEvents(t.db, a.actors.clinician, {}, undefined, TEST_NOW))).toBe("forbidden");
    expect(await rejection(verifyAuditChainAs(t.db, a.actors.analyst, TEST_NOW))).toBe("forbidden");
    // Admins see any patient of their clinic, attributed or not.
    expect((await listPatientAccess(t.db, a.actors.admin, notMine.id, undefined, TEST_NOW)).patient.id).toBe(notMine.id);
  });

  it("pages through many events with equal times without gaps or repeats", async () => {
    const at = new Date(TEST_NOW.getTime() + 3_600_000);
    // 130 views at one instant (ties on `at`) and 40 searches listing the patient.
    await t.db.$transaction((tx) => appendAudit(tx, a.actors.admin, Array.from({ length: 130 }, () => ({ action: "patient.view" as const, patientId: notMine.id })), at));
    for (let i = 0; i < 40; i += 1) {
      await t.db.$transaction((tx) => appendAudit(tx, a.actors.clinician, [{ action: "patient.search", detail: { total: 2, patientIds: [mine.id, notMine.id] } }], new Date(at.getTime() + i * 1000)));
    }
    const expected = await t.db.auditEvent.findMany({
      where: { clinicId: a.clinicId, OR: [{ patientId: notMine.id }, { detailJson: { contains: `"${notMine.id}"` } }] },
      orderBy: [{ at: "desc" }, { seq: "desc" }],
      select: { seq: true },
    });
    // Each page's own "audit.view" event is stamped later than everything listed, as in use.
    const later = new Date(at.getTime() + 86_400_000);
    const seen = await allPages((after) => listPatientAccess(t.db, a.actors.admin, notMine.id, after, later));
    expect(seen.map((r) => r.seq)).toEqual(expected.map((r) => r.seq));
    expect(seen.length).toBeGreaterThan(2 * AUDIT_PAGE_SIZE);
  });

  it("filters the clinic's events by actor, action, MRN and dates", async () => {
    const byClinician = await allPages((after) => searchAuditEvents(t.db, a.actors.admin, { actorId: a.actors.clinician.userId }, after, TEST_NOW));
    expect(byClinician.length).toBeGreaterThan(0);
    const clinicianCount = await t.db.auditEvent.count({ where: { clinicId: a.clinicId, actorId: a.actors.clinician.userId } });
    expect(byClinician.length).toBe(clinicianCount);

    const views = await searchAuditEvents(t.db, a.actors.admin, { action: "patient.view" }, undefined, TEST_NOW);
    expect(views.rows.every((r) => r.action === "patient.view")).toBe(true);

    const byMrn = await searchAuditEvents(t.db, a.actors.admin, { mrn: mine.mrn, action: "patient.search" }, undefined, TEST_NOW);
    expect(byMrn.rows.length).toBeGreaterThan(40);
    expect(byMrn.rows.every((r) => r.relation === "listed" && r.patient?.mrn === mine.mrn)).toBe(true);

    const unknown = await searchAuditEvents(t.db, a.actors.admin, { mrn: "NO-SUCH-MRN" }, undefined, TEST_NOW);
    expect(unknown).toMatchObject({ rows: [], unknownMrn: "NO-SUCH-MRN" });

    const window = await allPages((after) =>
      searchAuditEvents(t.db, a.actors.admin, { from: new Date(TEST_NOW.getTime() + 60_000), to: new Date(TEST_NOW.getTime() + 3 * 60_000) }, after, TEST_NOW),
    );
    expect(window.map((r) => r.at.getTime() - TEST_NOW.getTime())).toEqual([120_000, 60_000]);

    // Other clinics' events never appear: clinic beta's admin searching by an alpha MRN finds no patient.
    expect(await searchAuditEvents(t.db, b.actors.admin, { mrn: mine.mrn }, undefined, TEST_NOW)).toMatchObject({ rows: [], unknownMrn: mine.mrn });
    const betaAll = await allPages((after) => searchAuditEvents(t.db, b.actors.admin, {}, after, TEST_NOW));
    expect(betaAll.every((r) => (r as { actorLabel?: string }).actorLabel?.endsWith("beta.test"))).toBe(true);
  });

  it("downloads the filtered events as formula-safe CSV and audits the download", async () => {
    const hostileUser = await t.db.user.create({
      data: { clinicId: a.clinicId, email: "=HYPERLINK(\"http://x\")@alpha.test", name: "Hostile", role: "clinician", passwordHash: "not-used" },
    });
    const hostile: UserActor = { kind: "user", userId: hostileUser.id, clinicId: a.clinicId, role: "clinician", name: "Hostile", email: hostileUser.email };
    await t.db.$transaction((tx) => appendAudit(tx, hostile, [{ action: "patient.view", patientId: mine.id }], TEST_NOW));

    let csv = "";
    for await (const chunk of streamAuditCsv(t.db, a.actors.admin, { actorId: hostileUser.id }, TEST_NOW, 7)) csv += chunk;
    const [header, ...rows] = parse(csv) as string[][];
    expect(header).toEqual(["seq", "at", "actor", "role", "action", "mrn", "patient", "relation", "description"]);
    expect(rows).toHaveLength(1);
    expect(rows[0]![2]).toBe(`'${hostileUser.email}`);
    expect(rows[0]![5]).toBe(mine.mrn);

    // Small batches page through everything the page view lists.
    let all = "";
    for await (const chunk of streamAuditCsv(t.db, a.actors.admin, { action: "patient.search" }, TEST_NOW, 7)) all += chunk;
    const searches = await t.db.auditEvent.count({ where: { clinicId: a.clinicId, action: "patient.search" } });
    expect((parse(all) as string[][]).length - 1).toBe(searches);

    const exported = await t.db.auditEvent.findFirst({ where: { action: "audit.export", actorId: a.actors.admin.userId }, orderBy: { seq: "desc" } });
    expect(JSON.parse(exported!.detailJson)).toMatchObject({ rows: searches, completed: true, filter: { action: "patient.search" } });
  });

  it("verifies the chain on request and records that it did", async () => {
    const result = await verifyAuditChainAs(t.db, a.actors.admin, TEST_NOW);
    expect(result.ok).toBe(true);
    const recorded = await t.db.auditEvent.findFirst({ where: { action: "audit.verify" }, orderBy: { seq: "desc" } });
    expect(JSON.parse(recorded!.detailJson)).toMatchObject({ ok: true, checked: result.checked });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});
