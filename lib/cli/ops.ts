/**
 * CLI commands for operators: `audit verify`, `backup <file>` and `restore <file> [--force]`
 * (docs/operations.md). Thin shells over lib/data/audit.ts and lib/data/backup.ts.
 */
import type { Command } from "commander";
import { env } from "@/lib/config/env";
import type { Db } from "@/lib/data/db";
import { verifyAuditChain, type AuditVerification } from "@/lib/data/audit";
import { backupDatabase, restoreDatabase, type DatabaseFingerprint } from "@/lib/data/backup";

export interface OpsContext {
  database(): Db;
}

function seconds(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}

function auditLine(audit: AuditVerification): string {
  return audit.ok
    ? `audit chain ok, ${audit.checked} events checked`
    : `audit chain BROKEN at event seq ${audit.brokenAtSeq}: ${audit.problem} (${audit.checked} events before it verified)`;
}

function printFingerprint(fingerprint: DatabaseFingerprint): void {
  const names = Object.keys(fingerprint.tables);
  const width = Math.max(...names.map((name) => name.length), 5);
  for (const name of names) console.log(`  ${name.padEnd(width)} ${String(fingerprint.tables[name]).padStart(9)}`);
  console.log(`  checksum sha256 ${fingerprint.sha256}`);
}

export function registerOps(program: Command, ctx: OpsContext): void {
  program
    .command("audit")
    .description("audit log maintenance")
    .command("verify")
    .description("recompute the audit log's hash chain; exit code 1 when any event was edited or deleted")
    .action(async () => {
      const result = await verifyAuditChain(ctx.database());
      if (result.ok) {
        console.log(`ok, ${result.checked} events checked`);
        return;
      }
      console.log(`broken at event seq ${result.brokenAtSeq}: ${result.problem} (${result.checked} events before it verified)`);
      process.exitCode = 1;
    });

  program
    .command("backup <file>")
    .description("write a consistent backup while the app runs (SQLite: VACUUM INTO; PostgreSQL: pg_dump --format=custom)")
    .action(async (file: string) => {
      const started = performance.now();
      const summary = await backupDatabase(env().DATABASE_URL, file);
      console.log(`Backed up ${summary.provider} database to ${summary.file} (${(summary.bytes / 1_048_576).toFixed(1)} MB) in ${seconds(started)}.`);
      printFingerprint(summary.fingerprint);
      if (summary.integrity !== undefined) console.log(`  integrity_check ${summary.integrity}`);
      console.log(`  ${auditLine(summary.audit)}`);
      if (!summary.audit.ok) process.exitCode = 1;
    });

  program
    .command("restore <file>")
    .description("replace the database with a backup (stop the app first); refuses a non-empty database without --force")
    .option("--force", "replace a database that already holds data", false)
    .action(async (file: string, opts: { force: boolean }) => {
      const started = performance.now();
      const summary = await restoreDatabase(env().DATABASE_URL, file, { force: opts.force });
      console.log(`Restored ${summary.provider} database from ${summary.file} in ${seconds(started)}.`);
      printFingerprint(summary.fingerprint);
      if (summary.integrity !== undefined) console.log(`  integrity_check ${summary.integrity}`);
      console.log(`  ${auditLine(summary.audit)}`);
      if (!summary.audit.ok || (summary.integrity !== undefined && summary.integrity !== "ok")) process.exitCode = 1;
    });
}
