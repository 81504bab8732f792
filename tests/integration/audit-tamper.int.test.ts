import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW } from "../support/clinic-factory";
import { deleteNewest, keyedSigner, ownKeySigner, rewriteAndRechain, rewriteAndRechainUnkeyed, unkeyedSigner } from "../support/audit-forger";
import { appendAudit, auditRead } from "@/lib/data/audit/log";
import { verifyAuditChain } from "@/lib/data/audit/verify";
import { verifyAuditChainAs } from "@/lib/data/audit/search";
import { anchorAuditLog } from "@/lib/data/audit/anchor";
import { anchorFileIn, readAnchorFile } from "@/lib/data/audit/anchor-file";
import { auditKeyring, makeAuditKeyring, type AuditKeyring } from "@/lib/data/audit/key";
import { GENESIS_HASH, unkeyedAuditHash } from "@/lib/data/audit/hash";
import { migrate } from "@/lib/data/db/migrate";
import type { Db } from "@/lib/data/db/client";
import type { SystemActor } from "@/lib/data/access/actor";

/**
 * What someone with write access to the database can do to the audit log, and what verification
 * reports: deleting the newest events (caught by the anchors), rewriting an event and re-chaining
 * every later one with the old unkeyed algorithm or a wrong key (caught by the key), re-signing
 * with the real key (caught by the anchors), rewriting the log from before the key was introduced
 * (caught by the keyed chains' first events). Each case starts from a fresh database.
 */
describe("audit log tampering", () => {
  const opened: TestDatabase[] = [];
  let dir: string;
  let anchorDirs = 0;
  const clinicA: SystemActor = { kind: "system", clinicId: "clinic-a", label: "tamper test" };
  const clinicB: SystemActor = { kind: "system", clinicId: "clinic-b", label: "tamper test" };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sarc-audit-tamper-"));
  });
  afterAll(async () => {
    for (const t of opened) await t.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function fresh(): Promise<Db> {
    const t = await createTestDatabase();
    opened.push(t);
    return t.db;
  }

  function newAnchorDir(): string {
    anchorDirs += 1;
    return join(dir, `anchors-${anchorDirs}`);
  }

  /** `count` events, one transaction each, as reads and changes append them. */
  async function fill(db: Db, actor: SystemActor, count: number, keyring: AuditKeyring = auditKeyring()): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      await db.$transaction((tx) => appendAudit(tx, actor, [{ action: "patient.view", patientId: `${actor.clinicId}-p${i}`, detail: { i } }], TEST_NOW, keyring));
    }
  }

  const anchorsOf = (anchorDir: string) => readAnchorFile(anchorFileIn(anchorDir));

  it("an untouched log, anchored now and then, verifies against the key and every anchor", async () => {
    const db = await fresh();
    const anchorDir = newAnchorDir();
    await fill(db, clinicA, 20);
    await fill(db, clinicB, 10);
    await anchorAuditLog(db, anchorDir, TEST_NOW);
    await fill(db, clinicA, 5);
    await fill(db, clinicB, 5);
    await anchorAuditLog(db, anchorDir, TEST_NOW);
    await fill(db, clinicA, 3);

    const result = await verifyAuditChain(db, { anchors: anchorsOf(anchorDir) });
    expect(result).toMatchObject({ ok: true, checked: 43, chains: 2, problems: [], anchors: { count: 4 } });
    expect(await verifyAuditChain(db, { clinicId: "clinic-a", anchors: anchorsOf(anchorDir) })).toMatchObject({ ok: true, checked: 28, chains: 1, anchors: { count: 2 } });
  });

  it("deleting the newest events after an anchor is reported from the first missing position", async () => {
    const db = await fresh();
    const anchorDir = newAnchorDir();
    await fill(db, clinicA, 30);
    await fill(db, clinicB, 5);
    await anchorAuditLog(db, anchorDir, TEST_NOW);
    expect(await deleteNewest(db, "clinic-a", 4)).toEqual([27, 28, 29, 30]);

    // The key alone cannot tell: what is left is a valid chain. That is what the anchors are for.
    expect((await verifyAuditChain(db, { anchors: null })).ok).toBe(true);

    const result = await verifyAuditChain(db, { anchors: anchorsOf(anchorDir) });
    expect(result.ok).toBe(false);
    expect(result.brokenAtChainSeq).toBe(27);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ kind: "missing", clinicId: "clinic-a", chainSeq: 27 });
    expect(result.problems[0]!.message).toMatch(/Events no\. 27–30 of the chain of clinic clinic-a are missing: the anchor of .* recorded the chain up to no\. 30 \(seq \d+\), but it now ends at no\. 26\. The newest events were deleted\./);
    expect(result.problems[0]!.action).toMatch(/security incident/);
    // The other clinic's chain is untouched and verified.
    expect(result.checked).toBe(26 + 5);

    // A whole chain deleted: missing from its first event.
    await deleteNewest(db, "clinic-b", 5);
    const again = await verifyAuditChain(db, { anchors: anchorsOf(anchorDir) });
    expect(again.problems.map((p) => [p.clinicId, p.kind, p.chainSeq])).toEqual([
      ["clinic-a", "missing", 27],
      ["clinic-b", "missing", 1],
    ]);
    expect(again.problems[1]!.message).toMatch(/it now has no events/);
  });

  it("deleting an event in the middle is reported at the gap", async () => {
    const db = await fresh();
    await fill(db, clinicA, 12);
    const victim = await db.auditEvent.findFirstOrThrow({ where: { clinicId: "clinic-a", chainSeq: 6 } });
    const next = await db.auditEvent.findFirstOrThrow({ where: { clinicId: "clinic-a", chainSeq: 7 } });
    await db.auditEvent.delete({ where: { seq: victim.seq } });
    const result = await verifyAuditChain(db, { anchors: null });
    expect(result).toMatchObject({ ok: false, checked: 5, brokenAtSeq: next.seq, brokenAtChainSeq: 6 });
    expect(result.problem).toMatch(/Event no\. 6 of the chain of clinic clinic-a is missing \(the next one present is no\. 7/);
  });

  it("rewriting one event and re-chaining every later one with the old unkeyed algorithm is reported at that event", async () => {
    const db = await fresh();
    await fill(db, clinicA, 30);
    await fill(db, clinicB, 3);
    const seq = await rewriteAndRechain(db, "clinic-a", 12, { detailJson: JSON.stringify({ i: "nothing to see" }) }, unkeyedSigner);

    const result = await verifyAuditChain(db, { anchors: null });
    expect(result.ok).toBe(false);
    expect(result.brokenAtSeq).toBe(seq);
    expect(result.brokenAtChainSeq).toBe(12);
    expect(result.problems).toEqual([expect.objectContaining({ kind: "forged", clinicId: "clinic-a", seq, chainSeq: 12 })]);
    expect(result.problem).toMatch(new RegExp(`Event seq ${seq} \\(no\\. 12 of the chain of clinic clinic-a\\) does not match its signature under key [0-9a-f]{16}: it was changed after it was written, or the log from here on was rewritten by someone without the audit key\\.`));
    expect(result.checked).toBe(11 + 3);
  });

  it("re-chaining with a guessed key under the real key's id, or with the forger's own key, is reported at the first rewritten event", async () => {
    const guessed = await fresh();
    await fill(guessed, clinicA, 20);
    const seq = await rewriteAndRechain(guessed, "clinic-a", 8, { actorLabel: "someone else" }, keyedSigner("a guessed key, not the one in the environment"));
    expect(await verifyAuditChain(guessed, { anchors: null })).toMatchObject({ ok: false, brokenAtSeq: seq, brokenAtChainSeq: 8, problems: [{ kind: "forged", chainSeq: 8 }] });

    const own = await fresh();
    await fill(own, clinicA, 20);
    const forger = ownKeySigner("the forger's own key, 32 characters or more");
    const ownSeq = await rewriteAndRechain(own, "clinic-a", 8, { actorLabel: "someone else" }, forger.sign, forger.keyId);
    const result = await verifyAuditChain(own, { anchors: null });
    expect(result).toMatchObject({ ok: false, brokenAtSeq: ownSeq, brokenAtChainSeq: 8, problems: [{ kind: "unknown_key", chainSeq: 8 }] });
    expect(result.problem).toContain(`signed with key id ${forger.keyId}, which is not configured`);
  });

  it("re-signing with the real (stolen) key shows against the anchors, which say since when the chain is intact", async () => {
    const db = await fresh();
    const anchorDir = newAnchorDir();
    await fill(db, clinicA, 10);
    await anchorAuditLog(db, anchorDir, new Date("2026-11-20T08:00:00Z"));
    await fill(db, clinicA, 20);
    await anchorAuditLog(db, anchorDir, new Date("2026-11-21T08:00:00Z"));
    const stolen = auditKeyring().current.secret;
    await rewriteAndRechain(db, "clinic-a", 12, { detailJson: "{}" }, keyedSigner(stolen));

    expect((await verifyAuditChain(db, { anchors: null })).ok).toBe(true);
    const result = await verifyAuditChain(db, { anchors: anchorsOf(anchorDir) });
    const head = await db.auditEvent.findFirstOrThrow({ where: { clinicId: "clinic-a", chainSeq: 30 } });
    expect(result).toMatchObject({ ok: false, brokenAtSeq: head.seq, brokenAtChainSeq: 30, problems: [{ kind: "forged", chainSeq: 30 }] });
    expect(result.problem).toMatch(/is not the event the anchor of 2026-11-21 08:00 UTC recorded at that position; the chain still matches the anchor of 2026-11-20 08:00 UTC up to no\. 10/);
    expect(result.problems[0]!.action).toMatch(/rotate the audit key/);
  });

  it("a damaged anchor file is reported with its line, not ignored", async () => {
    const db = await fresh();
    const anchorDir = newAnchorDir();
    await fill(db, clinicA, 3);
    await anchorAuditLog(db, anchorDir, TEST_NOW);
    const file = anchorFileIn(anchorDir);
    // A second line cut off in the middle (then a newline, as if a later write had closed it).
    writeFileSync(file, `{"v":1,"at":"2026-11-21T00:00:00.000Z","scope":"clinic"\n`, { flag: "a" });
    const result = await verifyAuditChain(db, { anchors: readAnchorFile(file) });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ kind: "anchor_file", clinicId: null })]);
    expect(result.problem).toMatch(/^Line 2 of the anchor file is not valid JSON/);

    // Unreadable (here a directory where the file should be): said, not taken for "no anchors".
    const unreadable = await verifyAuditChain(db, { anchors: readAnchorFile(anchorDir) });
    expect(unreadable).toMatchObject({ ok: false, problems: [{ kind: "anchor_file" }] });
    expect(unreadable.problem).toMatch(/^The anchor file could not be read \(.*EISDIR.*\), so no anchor was checked\./);
  });

  it("rotating the key: events signed with a retired key verify while the key is kept, and are reported by key id when it is not", async () => {
    const db = await fresh();
    const oldSecret = "the first audit key of this clinic, 32+ characters";
    const newSecret = "the second audit key of this clinic, 32+ characters";
    await fill(db, clinicA, 5, makeAuditKeyring(oldSecret));
    const rotated = makeAuditKeyring(newSecret, [oldSecret]);
    await fill(db, clinicA, 5, rotated);
    const keyIds = (await db.auditEvent.findMany({ where: { clinicId: "clinic-a" }, orderBy: { chainSeq: "asc" }, select: { keyId: true } })).map((e) => e.keyId);
    expect(new Set(keyIds.slice(0, 5))).toEqual(new Set([makeAuditKeyring(oldSecret).current.id]));
    expect(new Set(keyIds.slice(5))).toEqual(new Set([rotated.current.id]));

    expect(await verifyAuditChain(db, { keyring: rotated, anchors: null })).toMatchObject({ ok: true, checked: 10 });
    const forgotten = await verifyAuditChain(db, { keyring: makeAuditKeyring(newSecret), anchors: null });
    expect(forgotten).toMatchObject({ ok: false, checked: 0, brokenAtChainSeq: 1, problems: [{ kind: "unknown_key" }] });
    expect(forgotten.problems[0]!.action).toMatch(/add the retired key to AUDIT_HMAC_OLD_KEYS/);
  });

  it("a clinic admin's verify covers their clinic only: its own count, not the other clinic's events or problems", async () => {
    const db = await fresh();
    const a = await createTestClinic(db, { slug: "alpha", patients: 2 });
    const b = await createTestClinic(db, { slug: "beta", patients: 2 });
    for (let i = 0; i < 7; i += 1) await auditRead(db, a.actors.clinician, [{ action: "patient.view", patientId: a.patientIds[0] }], TEST_NOW);
    for (let i = 0; i < 40; i += 1) await auditRead(db, b.actors.clinician, [{ action: "patient.view", patientId: b.patientIds[0] }], TEST_NOW);
    const anchorDir = newAnchorDir();
    await anchorAuditLog(db, anchorDir, TEST_NOW);

    const own = await db.auditEvent.count({ where: { clinicId: a.clinicId } });
    expect(own).toBe(7);
    const result = await verifyAuditChainAs(db, a.actors.admin, TEST_NOW);
    expect(result).toMatchObject({ ok: true, checked: own, chains: 1 });

    // The other clinic's chain is rewritten: alpha's admin is not told (nor given beta's numbers); the whole-log verify is.
    await rewriteAndRechain(db, b.clinicId, 3, { detailJson: "{}" }, unkeyedSigner);
    const stillOk = await verifyAuditChain(db, { clinicId: a.clinicId, anchors: anchorsOf(anchorDir) });
    expect(stillOk).toMatchObject({ ok: true, checked: own + 1, anchors: { count: 1 } });
    expect(JSON.stringify(stillOk)).not.toContain(b.clinicId);
    const whole = await verifyAuditChain(db, { anchors: anchorsOf(anchorDir) });
    expect(whole.problems).toEqual([expect.objectContaining({ kind: "forged", clinicId: b.clinicId, chainSeq: 3 })]);
    expect(whole.problem).toContain(`clinic "beta" (${b.clinicId})`);

    // Their own chain rewritten: they see it, in their chain's words.
    await rewriteAndRechain(db, a.clinicId, 2, { detailJson: "{}" }, unkeyedSigner);
    const broken = await verifyAuditChainAs(db, a.actors.admin, TEST_NOW);
    expect(broken).toMatchObject({ ok: false, checked: 1, brokenAtChainSeq: 2, problems: [{ kind: "forged", clinicId: a.clinicId }] });
    expect(broken.problem).toContain("of this clinic's chain");
  });
});

describe("the log from before the key", () => {
  let t: TestDatabase;
  let legacyHead: string;
  const clinicA: SystemActor = { kind: "system", clinicId: "clinic-a", label: "upgrade test" };
  const clinicB: SystemActor = { kind: "system", clinicId: "clinic-b", label: "upgrade test" };

  beforeAll(async () => {
    // A database as the previous version left it, with events it chained (unkeyed, one chain for all clinics).
    t = await createTestDatabase({ migrate: { stopBefore: "audit_keyed_chains" } });
    let prevHash = GENESIS_HASH;
    for (let i = 0; i < 12; i += 1) {
      const fields = {
        at: new Date(TEST_NOW.getTime() + i * 60_000),
        clinicId: i % 3 === 0 ? "clinic-b" : "clinic-a",
        actorId: null,
        actorLabel: "system:old version",
        action: "patient.view",
        patientId: `p${i}`,
        entityType: null,
        entityId: null,
        detailJson: "{}",
      };
      const hash = unkeyedAuditHash(prevHash, fields);
      await t.db.auditEvent.createMany({ data: [{ ...fields, prevHash, hash }] });
      prevHash = hash;
    }
    legacyHead = prevHash;
    await migrate(t.url);
    await t.db.$transaction((tx) => appendAudit(tx, clinicA, [{ action: "patient.view" }, { action: "patient.search" }], TEST_NOW));
    await t.db.$transaction((tx) => appendAudit(tx, clinicB, [{ action: "patient.view" }], TEST_NOW));
  });
  afterAll(async () => t?.drop());

  it("keeps verifying after the upgrade, and each clinic's keyed chain starts from its last hash", async () => {
    expect(await verifyAuditChain(t.db, { anchors: null })).toMatchObject({ ok: true, checked: 12 + 3, chains: 2 });
    expect(await verifyAuditChain(t.db, { clinicId: "clinic-a", anchors: null })).toMatchObject({ ok: true, checked: 8 + 2 });
    const firsts = await t.db.auditEvent.findMany({ where: { chainSeq: 1 }, orderBy: { clinicId: "asc" }, select: { clinicId: true, prevHash: true } });
    expect(firsts).toEqual([
      { clinicId: "clinic-a", prevHash: legacyHead },
      { clinicId: "clinic-b", prevHash: legacyHead },
    ]);
  });

  it("refuses an unkeyed event from then on (an instance of the previous version still running)", async () => {
    const before = await t.db.auditEvent.count();
    // The columns the previous version's insert named (raw SQL, so the database's message comes through as it is).
    await expect(
      t.db.$executeRaw`INSERT INTO "AuditEvent" ("at", "clinicId", "actorId", "actorLabel", "action", "patientId", "entityType", "entityId", "detailJson", "prevHash", "hash")
        VALUES (${TEST_NOW}, ${"clinic-a"}, NULL, ${"system:old version"}, ${"patient.view"}, NULL, NULL, NULL, ${"{}"}, ${legacyHead}, ${"0".repeat(64)})`,
    ).rejects.toThrow(/unkeyed audit event refused/);
    expect(await t.db.auditEvent.count()).toBe(before);
  });

  it("an edited old event is reported at its seq; one of another clinic is reported to a clinic admin without its number", async () => {
    const victim = await t.db.auditEvent.findFirstOrThrow({ where: { chainSeq: null, clinicId: "clinic-b" }, orderBy: { seq: "asc" }, skip: 1 });
    await t.db.auditEvent.update({ where: { seq: victim.seq }, data: { patientId: "someone else" } });
    try {
      expect(await verifyAuditChain(t.db, { anchors: null })).toMatchObject({ ok: false, brokenAtSeq: victim.seq, problems: [{ kind: "forged", clinicId: null, seq: victim.seq }] });
      const forA = await verifyAuditChain(t.db, { clinicId: "clinic-a", anchors: null });
      expect(forA.ok).toBe(false);
      expect(forA.problems[0]!.seq).toBeUndefined();
      expect(forA.problem).toMatch(/damaged at an event of another clinic/);
    } finally {
      await t.db.auditEvent.update({ where: { seq: victim.seq }, data: { patientId: victim.patientId } });
    }
  });

  it("a keyed event stripped of its key fields (to pass as an old one) is reported", async () => {
    const victim = await t.db.auditEvent.findFirstOrThrow({ where: { clinicId: "clinic-b", chainSeq: 1 } });
    await t.db.auditEvent.update({ where: { seq: victim.seq }, data: { chainSeq: null, keyId: null } });
    try {
      const result = await verifyAuditChain(t.db, { anchors: null });
      expect(result.ok).toBe(false);
      expect(result.problems).toContainEqual(expect.objectContaining({ kind: "forged", seq: victim.seq, message: expect.stringMatching(/carries no key but comes after the log was keyed/) }));
      expect((await verifyAuditChain(t.db, { clinicId: "clinic-a", anchors: null })).problems).not.toContainEqual(expect.objectContaining({ seq: victim.seq }));
    } finally {
      await t.db.auditEvent.update({ where: { seq: victim.seq }, data: { chainSeq: victim.chainSeq, keyId: victim.keyId } });
    }
    expect((await verifyAuditChain(t.db, { anchors: null })).ok).toBe(true);
  });

  it("re-chaining the old events after the upgrade shows at every clinic chain's first event", async () => {
    const victim = await t.db.auditEvent.findFirstOrThrow({ where: { chainSeq: null }, orderBy: { seq: "asc" }, skip: 4 });
    await rewriteAndRechainUnkeyed(t.db, victim.seq, { detailJson: JSON.stringify({ rewritten: true }) });
    const result = await verifyAuditChain(t.db, { anchors: null });
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => [p.clinicId, p.kind, p.chainSeq])).toEqual([
      ["clinic-a", "forged", 1],
      ["clinic-b", "forged", 1],
    ]);
    expect(result.problem).toMatch(/does not continue the log kept before the audit key was introduced/);
  });
});
