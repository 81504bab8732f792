import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { appendAudit, auditRead, verifyAuditChain } from "@/lib/data/audit/log";
import type { SystemActor } from "@/lib/data/access/actor";

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
    expect(verified.brokenAtChainSeq).toBe(11);
  });
});

/**
 * Two app instances (or the app and the CLI) append with their own database clients, in their own
 * processes, while this process appends too: every clinic's chain still has each position once,
 * in the order the events were written, and verifies. On SQLite this also shows that an append
 * waits for another process's write instead of failing (the write lock is taken before the head
 * is read, lib/data/audit/log.ts).
 */
describe("audit chain appended from several processes", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  function appender(clinicId: string, appends: number, label: string): Promise<void> {
    const child = spawn(
      join(process.cwd(), "node_modules/.bin/tsx"),
      ["--conditions=react-server", "--tsconfig", "tsconfig.json", "tests/support/audit-appender.ts", t.url, clinicId, String(appends), label],
      { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    return new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`appender ${label} exited with ${code}: ${stderr}`))));
    });
  }

  it("forms one valid chain per clinic", async () => {
    const here: SystemActor = { kind: "system", clinicId: "clinic-x", label: "parent" };
    const other: SystemActor = { kind: "system", clinicId: "clinic-y", label: "parent" };
    let running = true;
    const children = Promise.all([appender("clinic-x", 60, "one"), appender("clinic-x", 60, "two"), appender("clinic-y", 30, "three")]).finally(() => {
      running = false;
    });
    // Appends from this process until the children are done. The pause after each lets this
    // event loop see them finish: with SQLite every await here can resolve without it.
    let mine = 0;
    while (running) {
      await auditRead(t.db, mine % 2 === 0 ? here : other, [{ action: "patient.view", patientId: `parent-${mine}` }]);
      mine += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await children;
    expect(mine).toBeGreaterThan(0);

    const verified = await verifyAuditChain(t.db, { anchors: null });
    expect(verified).toMatchObject({ ok: true, chains: 2, checked: 150 + mine });
    for (const clinicId of ["clinic-x", "clinic-y"]) {
      const chain = await t.db.auditEvent.findMany({ where: { clinicId }, orderBy: { seq: "asc" }, select: { chainSeq: true, actorLabel: true } });
      expect(chain.map((e) => e.chainSeq)).toEqual(chain.map((_, i) => i + 1));
    }
    const x = await t.db.auditEvent.findMany({ where: { clinicId: "clinic-x" }, select: { actorLabel: true } });
    expect(new Set(x.map((e) => e.actorLabel))).toEqual(new Set(["system:one", "system:two", "system:parent"]));
  });
});
