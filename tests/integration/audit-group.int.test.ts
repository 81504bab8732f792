import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, type TestClinic } from "../support/clinic-factory";
import { auditReadGrouped } from "@/lib/data/audit/group";
import { verifyAuditChain } from "@/lib/data/audit/log";

/** Group commit of read audits (lib/data/audit/group.ts): one caller's failure is its own. */
describe("grouped read audits", () => {
  let t: TestDatabase;
  let a: TestClinic;
  let b: TestClinic;

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createTestClinic(t.db, { slug: "group", patients: 0 });
    b = await createTestClinic(t.db, { slug: "group-b", patients: 0 });
  });
  afterAll(async () => t?.drop());

  it("commits the good events of a group whose other event cannot be written, and rejects only that one", async () => {
    const before = await t.db.auditEvent.count();
    // A BigInt cannot be serialised into the event's JSON detail, so this caller's append throws.
    const bad = auditReadGrouped(t.db, a.actors.clinician, [{ action: "patient.search", detail: { total: 1n } as never }]);
    const good = Array.from({ length: 5 }, (_, i) => auditReadGrouped(t.db, a.actors.clinician, [{ action: "patient.search", detail: { total: i } }]));
    const results = await Promise.allSettled([bad, ...good]);
    expect(results[0]!.status).toBe("rejected");
    expect(results.slice(1).every((r) => r.status === "fulfilled")).toBe(true);
    expect(await t.db.auditEvent.count()).toBe(before + 5);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("chains one group's events of two clinics in arrival order, each clinic on its own chain", async () => {
    // A clinic's first event commits to the unkeyed log; give both chains a head first.
    await Promise.all([a, b].map((c) => auditReadGrouped(t.db, c.actors.clinician, [{ action: "patient.search", detail: { warm: true } }])));
    const heads = await Promise.all([a, b].map((c) => t.db.auditEvent.findFirstOrThrow({ where: { clinicId: c.clinicId }, orderBy: { chainSeq: "desc" }, select: { chainSeq: true } })));
    // Issued in one tick: they share one transaction (lib/data/audit/group.ts).
    const calls = Array.from({ length: 8 }, (_, i) =>
      auditReadGrouped(t.db, (i % 2 === 0 ? a : b).actors.clinician, [
        { action: "patient.search", detail: { n: i } },
        { action: "patient.view", detail: { n: i, second: true } },
      ]),
    );
    await Promise.all(calls);
    for (const [index, c] of [a, b].entries()) {
      const events = await t.db.auditEvent.findMany({ where: { clinicId: c.clinicId, chainSeq: { gt: heads[index]!.chainSeq! } }, orderBy: { chainSeq: "asc" }, select: { chainSeq: true, action: true, detailJson: true } });
      const expected = [0, 2, 4, 6].map((n) => n + index).flatMap((n) => [JSON.stringify({ n }), JSON.stringify({ n, second: true })]);
      expect(events.map((e) => e.detailJson)).toEqual(expected);
      expect(events.map((e) => e.chainSeq)).toEqual(expected.map((_, i) => heads[index]!.chainSeq! + 1 + i));
    }
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});
