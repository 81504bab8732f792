import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { createDb, type Db } from "@/lib/data/db/client";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { closeFlag } from "@/lib/data/flags/lifecycle";
import { verifyAuditChain } from "@/lib/data/audit/log";
import { panelQuerySchema } from "@/lib/validation/panel-query";

/**
 * The tier sort is read in index-ordered segments (lib/data/patients/panel.ts) and the per-tier
 * counts are cached under PanelVersion: every page must still be exactly the reference order, and
 * a change made through any client — another app instance included — must show in the next counts.
 */
describe("panel tier order and cached counts", () => {
  let t: TestDatabase;
  let a: TestClinic;

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createTestClinic(t.db, { slug: "order", patients: 90, seed: 11 });
  }, 120_000);
  afterAll(async () => t?.drop());

  /** Reference: tierRank (asc or desc), then earliest open due date first with none last, then id. */
  async function referenceOrder(db: Db, dir: "asc" | "desc", flag?: string): Promise<string[]> {
    const snapshots = await db.riskSnapshot.findMany({
      where: { clinicId: a.clinicId, ...(flag ? { patient: { flags: { some: { status: "open", code: flag } } } } : {}) },
      select: { patientId: true, tierRank: true, nextDueAt: true },
    });
    const due = (d: Date | null) => d?.getTime() ?? Number.POSITIVE_INFINITY;
    return snapshots
      .sort((x, y) => (dir === "asc" ? x.tierRank - y.tierRank : y.tierRank - x.tierRank) || due(x.nextDueAt) - due(y.nextDueAt) || (x.patientId < y.patientId ? -1 : x.patientId > y.patientId ? 1 : 0))
      .map((s) => s.patientId);
  }

  async function allPages(params: Record<string, string | number>): Promise<{ ids: string[]; total: number }> {
    const ids: string[] = [];
    let total = 0;
    for (let page = 1; ; page += 1) {
      const panel = await getPatientPanel(t.db, a.actors.clinician, panelQuerySchema.parse({ ...params, page, size: 25 }), TEST_NOW);
      total = panel.total;
      ids.push(...panel.rows.map((r) => r.id));
      if (page >= panel.pageCount) return { ids, total };
    }
  }

  it("lists a patient without a stored evaluation last, in either direction, and counts it", async () => {
    const c = await createTestClinic(t.db, { slug: "unevaluated", patients: 30, seed: 5 });
    const bare = await t.db.patient.create({
      data: { clinicId: c.clinicId, mrn: "BARE-1", familyName: "Bare", givenName: "Test", birthDate: new Date("1950-01-01T00:00:00Z"), sex: "female", searchText: "bare-1 bare test" },
    });
    for (const dir of ["asc", "desc"] as const) {
      const ids: string[] = [];
      for (let page = 1; ; page += 1) {
        const panel = await getPatientPanel(t.db, c.actors.clinician, panelQuerySchema.parse({ sort: "tier", dir, page, size: 25 }), TEST_NOW);
        expect(panel.total).toBe(31);
        ids.push(...panel.rows.map((r) => r.id));
        if (page >= panel.pageCount) break;
      }
      expect(ids).toHaveLength(31);
      expect(ids.at(-1)).toBe(bare.id);
    }
  });

  it("returns every page in the reference order, both directions, with and without a flag filter", async () => {
    for (const dir of ["asc", "desc"] as const) {
      const all = await allPages({ sort: "tier", dir });
      expect(all.ids).toEqual(await referenceOrder(t.db, dir));
      expect(all.total).toBe(90);
      const flagged = await allPages({ sort: "tier", dir, flag: "b12_test_due" });
      const expected = await referenceOrder(t.db, dir, "b12_test_due");
      expect(expected.length).toBeGreaterThan(0);
      expect(flagged.ids).toEqual(expected);
      expect(flagged.total).toBe(expected.length);
    }
  });

  it("sorts by next due date: earliest first (or last), patients with nothing due after all others either way", async () => {
    const snapshots = await t.db.riskSnapshot.findMany({ where: { clinicId: a.clinicId }, select: { patientId: true, nextDueAt: true } });
    const dueOf = new Map(snapshots.map((s) => [s.patientId, s.nextDueAt?.getTime() ?? null]));
    const withDue = snapshots.filter((s) => s.nextDueAt !== null).length;
    expect(withDue).toBeGreaterThan(0);
    expect(withDue).toBeLessThan(90);
    for (const dir of ["asc", "desc"] as const) {
      const all = await allPages({ sort: "next_due", dir });
      expect(all.total).toBe(90);
      expect(new Set(all.ids).size).toBe(90);
      const dues = all.ids.map((id) => dueOf.get(id) ?? null);
      const dated = dues.slice(0, withDue);
      expect(dated.every((d) => d !== null)).toBe(true);
      expect(dues.slice(withDue).every((d) => d === null)).toBe(true);
      const sorted = [...(dated as number[])].sort((x, y) => (dir === "asc" ? x - y : y - x));
      expect(dated).toEqual(sorted);
    }
  });

  it("filters the tier sort by tier and still counts every tier", async () => {
    const panel = await getPatientPanel(t.db, a.actors.clinician, panelQuerySchema.parse({ sort: "tier", tier: "high" }), TEST_NOW);
    const high = (await referenceOrder(t.db, "asc")).filter((id) => panel.rows.some((r) => r.id === id));
    expect(panel.rows.every((r) => r.tier === "high")).toBe(true);
    expect(panel.rows.map((r) => r.id)).toEqual(high);
    expect(panel.total).toBe(panel.tierCounts.high);
    expect(Object.values(panel.tierCounts).reduce((n, c) => n + c, 0)).toBe(90);
  });

  it("audits every one of 20 concurrent panel calls (group commits) on an intact chain", async () => {
    const before = await t.db.auditEvent.count({ where: { action: "patient.search", clinicId: a.clinicId } });
    const pages = await Promise.all(
      Array.from({ length: 20 }, (_, i) => getPatientPanel(t.db, a.actors.clinician, panelQuerySchema.parse({ sort: "name", page: (i % 3) + 1, size: 25 }), TEST_NOW)),
    );
    const events = await t.db.auditEvent.findMany({ where: { action: "patient.search", clinicId: a.clinicId }, orderBy: { seq: "asc" }, skip: before });
    expect(events).toHaveLength(20);
    const listed = events.map((e) => (JSON.parse(e.detailJson) as { patientIds: string[] }).patientIds.join(",")).sort();
    expect(listed).toEqual(pages.map((p) => p.rows.map((r) => r.id).join(",")).sort());
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("recounts after a change made through this client or another one (a second app instance)", async () => {
    const query = panelQuerySchema.parse({ sort: "tier", flag: "b12_test_due" });
    const before = await getPatientPanel(t.db, a.actors.clinician, query, TEST_NOW);
    const first = before.rows[0]!;
    const flag = await t.db.flag.findFirstOrThrow({ where: { patientId: first.id, code: "b12_test_due", status: "open" }, select: { id: true, version: true } });
    await closeFlag(t.db, a.actors.clinician, flag.id, { reason: "done_elsewhere", note: null, doneOn: null, doneValue: null }, flag.version, TEST_NOW);
    const afterClose = await getPatientPanel(t.db, a.actors.clinician, query, TEST_NOW);
    expect(afterClose.total).toBe(before.total - 1);
    expect(afterClose.rows.map((r) => r.id)).not.toContain(first.id);

    // Another client on the same database writes behind this process's back (raw SQL, even).
    const other = createDb(t.url);
    try {
      await other.$executeRawUnsafe(`UPDATE "Flag" SET "status" = 'open', "closedAt" = NULL, "closeReason" = NULL WHERE "id" = '${flag.id}'`);
    } finally {
      await other.$disconnect();
    }
    const afterReopen = await getPatientPanel(t.db, a.actors.clinician, query, TEST_NOW);
    expect(afterReopen.total).toBe(before.total);
    expect(afterReopen.tierCounts).toEqual(before.tierCounts);
  });
});
