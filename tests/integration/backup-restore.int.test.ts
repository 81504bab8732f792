import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic } from "../support/clinic-factory";
import { appendAudit } from "@/lib/data/audit/log";
import { backupAnchorFile, backupDatabase, databaseFingerprint, restoreDatabase, type DatabaseFingerprint } from "@/lib/data/jobs/backup";
import { verifyAuditChain } from "@/lib/data/audit/verify";
import { anchorFileIn, readAnchorFile } from "@/lib/data/audit/anchor-file";
import { deleteNewest } from "../support/audit-forger";
import { createDb } from "@/lib/data/db/client";
import { sqliteFilePath } from "@/lib/config/env";
import type { SystemActor } from "@/lib/data/access/actor";

/**
 * Backup and restore round-trip on the provider under test (TEST_DATABASE): the restored
 * database has the same row counts and checksum as the one backed up, and a backup taken while
 * another connection writes is a consistent snapshot.
 */
describe("backup and restore", () => {
  let t: TestDatabase;
  let dir: string;
  let before: DatabaseFingerprint;
  const actor: SystemActor = { kind: "system", clinicId: "clinic-x", label: "backup test" };
  const fresh: TestDatabase[] = [];

  async function fingerprintOf(url: string): Promise<DatabaseFingerprint> {
    const db = createDb(url);
    try {
      return await databaseFingerprint(db);
    } finally {
      await db.$disconnect();
    }
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), "sarc-backup-"));
    await createTestClinic(t.db, { slug: "bk", patients: 60 });
    await t.db.$transaction((tx) => appendAudit(tx, actor, Array.from({ length: 25 }, (_, i) => ({ action: "patient.view" as const, patientId: `p${i}` }))));
    before = await databaseFingerprint(t.db);
  });
  afterAll(async () => {
    for (const other of fresh) await other.drop();
    await t?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("summarises the backup with the same counts and checksum as the live database", async () => {
    expect(before.tables.Patient).toBe(60);
    expect(before.tables.AuditEvent).toBe(25);
    expect(before.sha256).toMatch(/^[0-9a-f]{64}$/);
    const summary = await backupDatabase(t.url, join(dir, "one.backup"));
    expect(summary.fingerprint).toEqual(before);
    expect(summary.audit).toMatchObject({ ok: true, checked: 25 });
    if (t.provider === "sqlite") expect(summary.integrity).toBe("ok");
    expect(summary.bytes).toBeGreaterThan(0);
  });

  it("the checksum notices a change", async () => {
    await t.db.patient.deleteMany({ where: { mrn: { startsWith: "BK-" } } });
    const changed = await databaseFingerprint(t.db);
    expect(changed.tables.Patient).toBe(0);
    expect(changed.sha256).not.toBe(before.sha256);
  });

  it("refuses to overwrite a database holding data without --force", async () => {
    await expect(restoreDatabase(t.url, join(dir, "one.backup"))).rejects.toThrow(/not empty.*--force/);
  });

  it("restores over the same database with force: counts and checksum as before", async () => {
    const summary = await restoreDatabase(t.url, join(dir, "one.backup"), { force: true });
    expect(summary.fingerprint).toEqual(before);
    expect(summary.audit).toMatchObject({ ok: true, checked: 25 });
    if (t.provider === "sqlite") expect(summary.integrity).toBe("ok");
    expect(await fingerprintOf(t.url)).toEqual(before);
  });

  it("restores into a fresh, empty database without force", async () => {
    const target = await createTestDatabase();
    fresh.push(target);
    await target.db.$disconnect();
    const summary = await restoreDatabase(target.url, join(dir, "one.backup"));
    expect(summary.fingerprint).toEqual(before);
    expect(await fingerprintOf(target.url)).toEqual(before);
  });

  it("refuses a missing or corrupt backup file and leaves the database alone", async () => {
    await expect(restoreDatabase(t.url, join(dir, "missing.backup"), { force: true })).rejects.toThrow(/No backup file/);
    const garbage = join(dir, "garbage.backup");
    writeFileSync(garbage, "this is not a database backup ".repeat(200));
    await expect(restoreDatabase(t.url, garbage, { force: true })).rejects.toThrow();
    expect(await fingerprintOf(t.url)).toEqual(before);
  });

  it("a backup taken while another process writes is a consistent snapshot", async () => {
    // A separate process, so that it truly writes during the backup (better-sqlite3 is synchronous
    // within one process). Each of its transactions inserts a pair of rows.
    const writer = spawn(process.execPath, ["-e", WRITER, t.provider, t.provider === "sqlite" ? sqliteFilePath(t.url) : t.url], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
    let written = 0;
    let stderr = "";
    writer.stdout.on("data", (chunk: Buffer) => {
      const last = chunk.toString().trim().split("\n").pop();
      if (last) written = Number(last);
    });
    writer.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const waitForWrites = async (count: number) => {
      const deadline = Date.now() + 30_000;
      while (written < count) {
        if (writer.exitCode !== null) throw new Error(`the writer stopped: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`the writer managed only ${written} of ${count} writes: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    let summary;
    try {
      await waitForWrites(20);
      summary = await backupDatabase(t.url, join(dir, "busy.backup"));
      await waitForWrites(written + 20);
    } finally {
      writer.kill("SIGTERM");
      await new Promise((resolve) => writer.once("exit", resolve));
    }
    expect(summary.audit).toMatchObject({ ok: true, checked: 25 });
    if (t.provider === "sqlite") expect(summary.integrity).toBe("ok");
    // Writes happened on both sides of the backup, and the backup holds whole transactions only.
    const pairsInBackup = summary.fingerprint.tables.SignInThrottle!;
    expect(pairsInBackup).toBeGreaterThan(0);
    expect(pairsInBackup % 2).toBe(0);
    expect(await t.db.signInThrottle.count()).toBeGreaterThan(pairsInBackup);

    // What the summary describes is exactly what the file holds.
    const target = await createTestDatabase();
    fresh.push(target);
    await target.db.$disconnect();
    const restored = await restoreDatabase(target.url, join(dir, "busy.backup"));
    expect(restored.fingerprint).toEqual(summary.fingerprint);
    expect(restored.audit).toMatchObject({ ok: true, checked: 25 });
    if (t.provider === "sqlite") {
      const file = new Database(sqliteFilePath(target.url), { readonly: true });
      try {
        expect(file.pragma("integrity_check", { simple: true })).toBe("ok");
      } finally {
        file.close();
      }
    }
  });

  it("anchors the audit chains it holds beside the backup and in the anchor directory, so deleting the newest events later shows", async () => {
    const anchorDir = join(dir, "anchors");
    const head = await t.db.auditEvent.findFirstOrThrow({ where: { clinicId: "clinic-x" }, orderBy: { chainSeq: "desc" } });
    const at = new Date("2026-11-21T03:00:00Z");
    const summary = await backupDatabase(t.url, join(dir, "anchored.backup"), { anchorDir, now: at });
    const expected = { at, clinicId: "clinic-x", chainSeq: 25, seq: head.seq, hash: head.hash, keyId: head.keyId, source: "backup" };
    expect(summary.anchors.written).toEqual([expected]);
    expect(summary.anchors.beside).toBe(backupAnchorFile(join(dir, "anchored.backup")));
    expect(readAnchorFile(summary.anchors.beside)).toMatchObject({ exists: true, anchors: [expected], problems: [] });
    expect(summary.anchors.dir).toBe(anchorFileIn(anchorDir));
    expect(readAnchorFile(anchorFileIn(anchorDir))).toMatchObject({ anchors: [expected], problems: [] });
    expect(summary.audit).toMatchObject({ ok: true, anchors: { count: 0 } });

    // A second backup appends to the directory's file.
    await backupDatabase(t.url, join(dir, "anchored-2.backup"), { anchorDir, now: at });
    expect(readAnchorFile(anchorFileIn(anchorDir)).anchors).toHaveLength(2);

    await deleteNewest(t.db, "clinic-x", 3);
    const afterDeletion = await verifyAuditChain(t.db, { anchors: readAnchorFile(anchorFileIn(anchorDir)) });
    expect(afterDeletion).toMatchObject({ ok: false, brokenAtChainSeq: 23, problems: [{ kind: "missing", chainSeq: 23 }] });

    // Restoring the backup brings the events back, and the restore checks them against the backup's own anchors.
    const restored = await restoreDatabase(t.url, join(dir, "anchored.backup"), { force: true });
    expect(restored.audit).toMatchObject({ ok: true, checked: 25, anchors: { file: summary.anchors.beside, count: 1 } });
  });
});

/** node -e script: <provider> <path or url>; inserts row pairs in transactions, printing the count, until killed. */
const WRITER = `
const [provider, target] = process.argv.slice(1);
let n = 0;
if (provider === "sqlite") {
  const db = new (require("better-sqlite3"))(target, { timeout: 10000 });
  const insert = db.prepare('INSERT INTO "SignInThrottle" ("key", "attempts", "windowStartMs", "windowMs") VALUES (?, 0, ?, 60000)');
  const pair = db.transaction((i) => { insert.run("a-" + i, Date.now()); insert.run("b-" + i, Date.now()); });
  const step = () => { pair(n); n += 1; process.stdout.write(n + "\\n"); setImmediate(step); };
  step();
} else {
  const client = new (require("pg").Client)({ connectionString: target });
  (async () => {
    await client.connect();
    for (;;) {
      await client.query("BEGIN");
      await client.query('INSERT INTO "SignInThrottle" ("key", "attempts", "windowStartMs", "windowMs") VALUES ($1, 0, 0, 60000), ($2, 0, 0, 60000)', ["a-" + n, "b-" + n]);
      await client.query("COMMIT");
      n += 1;
      process.stdout.write(n + "\\n");
    }
  })().catch((e) => { console.error(e); process.exit(1); });
}
`;
