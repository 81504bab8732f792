import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { appendAudit, verifyAuditChain } from "@/lib/data/audit";
import type { SystemActor } from "@/lib/auth/actor";

/** The chain stays intact when many writers append at once, and any edit or deletion shows. */
describe("audit chain", () => {
  let t: TestDatabase;
  const actor: SystemActor = { kind: "system", clinicId: "clinic-x", label: "test" };
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it("links every event to its predecessor under 20 concurrent writers", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.db.$transaction((tx) => appendAudit(tx, actor, [{ action: "patient.view", patientId: `p${i}` }, { action: "patient.view", patientId: `q${i}` }])),
      ),
    );
    const verified = await verifyAuditChain(t.db);
    expect(verified).toMatchObject({ ok: true, checked: 40 });
  });

  it("reports a deleted event at the event after it", async () => {
    const rows = await t.db.auditEvent.findMany({ orderBy: { seq: "asc" }, select: { seq: true } });
    const victim = rows[10]!.seq;
    await t.db.auditEvent.delete({ where: { seq: victim } });
    const verified = await verifyAuditChain(t.db);
    expect(verified.ok).toBe(false);
    expect(verified.brokenAtSeq).toBe(rows[11]!.seq);
  });
});
