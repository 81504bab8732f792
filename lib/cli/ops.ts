/**
 * CLI commands for operators: `audit verify`, `audit anchor`, `backup <file>` and
 * `restore <file> [--force]` (docs/operations.md). Thin shells over lib/data/audit/verify.ts,
 * audit/anchor.ts and jobs/backup.ts, each imported by the action that needs it (lib/cli/main.ts).
 */
import type { Command } from "commander";
import type { Db } from "@/lib/data/db/client";
import type { SystemActor } from "@/lib/data/access/actor";
import type { AuditVerification } from "@/lib/data/audit/verify";
import type { AuditAnchor } from "@/lib/data/audit/anchor-file";
import type { DatabaseFingerprint } from "@/lib/data/jobs/backup";

export interface OpsContext {
  database(): Db;
  clinicActor(slug: string | undefined, label: string): Promise<SystemActor>;
}

function seconds(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}

async function auditLines(audit: AuditVerification): Promise<string[]> {
  const { verificationReport } = await import("@/lib/data/audit/verify");
  const report = verificationReport(audit, "log");
  return [report.headline, ...report.lines];
}

function printFingerprint(fingerprint: DatabaseFingerprint): void {
  const names = Object.keys(fingerprint.tables);
  const width = Math.max(...names.map((name) => name.length), 5);
  for (const name of names) console.log(`  ${name.padEnd(width)} ${String(fingerprint.tables[name]).padStart(9)}`);
  console.log(`  checksum sha256 ${fingerprint.sha256}`);
}

async function printAnchors(db: Db, anchors: readonly AuditAnchor[]): Promise<void> {
  const clinics = await db.clinic.findMany({ where: { id: { in: anchors.map((a) => a.clinicId) } }, select: { id: true, slug: true } });
  const slugOf = new Map(clinics.map((c) => [c.id, c.slug]));
  for (const a of anchors) {
    console.log(`  clinic ${slugOf.get(a.clinicId) ?? a.clinicId}: up to no. ${a.chainSeq} (seq ${a.seq}), hash ${a.hash.slice(0, 16)}…, key ${a.keyId}`);
  }
}

export function registerOps(program: Command, ctx: OpsContext): void {
  const audit = program.command("audit").description("audit log: verify it, anchor it outside the database");
  audit
    .command("verify")
    .description(
      "check every event against the audit key and every clinic chain against the anchors (AUDIT_ANCHOR_DIR); with --clinic, that clinic's chain only; exit code 1 when an event is missing or forged",
    )
    .option("--anchors <file>", "check against this anchor file instead of AUDIT_ANCHOR_DIR's (e.g. the one beside a backup, or the copy kept off the database host)")
    .action(async (opts: { anchors?: string }) => {
      const [{ verifyAuditChain, verificationReport }, { readAnchorFile }, { auditKeyring }] = await Promise.all([
        import("@/lib/data/audit/verify"),
        import("@/lib/data/audit/anchor-file"),
        import("@/lib/data/audit/key"),
      ]);
      const slug = program.opts<{ clinic?: string }>().clinic;
      const clinicId = slug ? (await ctx.clinicActor(slug, "cli")).clinicId : undefined;
      const result = await verifyAuditChain(ctx.database(), { clinicId, ...(opts.anchors ? { anchors: readAnchorFile(opts.anchors) } : {}) });
      const report = verificationReport(result, clinicId ? "clinic" : "log");
      console.log(report.headline);
      for (const line of report.lines) console.log(`  ${line}`);
      const keyring = auditKeyring();
      const retired = [...keyring.byId.keys()].filter((id) => id !== keyring.current.id);
      console.log(`  Audit key: ${keyring.current.id}${keyring.development ? " (the DEVELOPMENT key)" : ""}${retired.length > 0 ? `; retired keys: ${retired.join(", ")}` : ""}.`);
      if (!result.ok) process.exitCode = 1;
    });
  audit
    .command("anchor")
    .description("append the head of every clinic's audit chain to the anchor file in AUDIT_ANCHOR_DIR (run it from cron or a systemd timer)")
    .option("--dir <dir>", "the anchor directory (default AUDIT_ANCHOR_DIR)")
    .action(async (opts: { dir?: string }) => {
      const [{ env }, { anchorAuditLog }] = await Promise.all([import("@/lib/config/env"), import("@/lib/data/audit/anchor")]);
      const dir = opts.dir ?? env().AUDIT_ANCHOR_DIR;
      if (!dir) throw new Error('No anchor directory: set AUDIT_ANCHOR_DIR or pass --dir <dir> (docs/operations.md "Audit anchors").');
      const { file, anchors } = await anchorAuditLog(ctx.database(), dir, new Date(), "cli");
      if (anchors.length === 0) {
        console.log("The audit log has no keyed events yet: nothing to anchor.");
        return;
      }
      console.log(`Anchored ${anchors.length} clinic chain${anchors.length === 1 ? "" : "s"} in ${file}:`);
      await printAnchors(ctx.database(), anchors);
    });

  program
    .command("backup <file>")
    .description("write a consistent backup while the app runs (SQLite: VACUUM INTO; PostgreSQL: pg_dump --format=custom)")
    .action(async (file: string) => {
      const [{ env }, { backupDatabase }] = await Promise.all([import("@/lib/config/env"), import("@/lib/data/jobs/backup")]);
      const started = performance.now();
      const summary = await backupDatabase(env().DATABASE_URL, file);
      console.log(`Backed up ${summary.provider} database to ${summary.file} (${(summary.bytes / 1_048_576).toFixed(1)} MB) in ${seconds(started)}.`);
      printFingerprint(summary.fingerprint);
      if (summary.integrity !== undefined) console.log(`  integrity_check ${summary.integrity}`);
      for (const line of await auditLines(summary.audit)) console.log(`  ${line}`);
      console.log(`  audit anchor written beside the backup: ${summary.anchors.beside}`);
      console.log(summary.anchors.dir ? `  and appended to ${summary.anchors.dir}` : '  AUDIT_ANCHOR_DIR is not set: copy that anchor file off this host yourself (docs/operations.md "Audit anchors")');
      if (!summary.audit.ok) process.exitCode = 1;
    });

  program
    .command("restore <file>")
    .description("replace the database with a backup (stop the app first); refuses a non-empty database without --force")
    .option("--force", "replace a database that already holds data", false)
    .action(async (file: string, opts: { force: boolean }) => {
      const [{ env }, { restoreDatabase }] = await Promise.all([import("@/lib/config/env"), import("@/lib/data/jobs/backup")]);
      const started = performance.now();
      const summary = await restoreDatabase(env().DATABASE_URL, file, { force: opts.force });
      console.log(`Restored ${summary.provider} database from ${summary.file} in ${seconds(started)}.`);
      printFingerprint(summary.fingerprint);
      if (summary.integrity !== undefined) console.log(`  integrity_check ${summary.integrity}`);
      for (const line of await auditLines(summary.audit)) console.log(`  ${line}`);
      if (!summary.audit.ok || (summary.integrity !== undefined && summary.integrity !== "ok")) process.exitCode = 1;
    });
}
