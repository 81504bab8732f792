import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, type TestClinic } from "../support/clinic-factory";
import { auditReadGrouped } from "@/lib/data/audit/group";
import { verifyAuditChain } from "@/lib/data/audit/log";

/** Group commit of read audits (lib/data/audit/group.ts): one caller's failure is its own. */
describe("grouped read audits", () => {
  let t: TestDatabase;
  let a: TestClinic;

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createTestClinic(t.db, { slug: "group", patients: 0 });
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
});
