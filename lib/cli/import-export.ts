/**
 * CLI commands for the bulk data paths: `import`, `export` and `recompute`. Each is a thin shell
 * over the data layer (lib/data/import/assessments.ts, export/cohort-csv.ts, jobs/recompute.ts), acting as
 * the system actor on one clinic. The data layer is imported by each action when it runs, so the
 * CLI's `--help` does not load it (lib/cli/main.ts).
 */
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { finished } from "node:stream/promises";
import { Command, Option } from "commander";
import type { Db } from "@/lib/data/db/client";
import type { ImportProblem } from "@/lib/data/import/assessments";
import type { SystemActor } from "@/lib/data/access/actor";
import { FLAG_CODES, type FlagCode, type Tier } from "@/lib/domain/types";
import { asOfDate, listOf, TIERS } from "./options";
import { progressReporter } from "./progress";

export interface ImportExportContext {
  database(): Db;
  clinicActor(slug: string | undefined, label: string): Promise<SystemActor>;
}

/** The evaluation time: --as-of (midnight UTC of that day), else now. */
function evaluationTime(asOf: Date | undefined): Date {
  return asOf ?? new Date();
}

function problemLine(problem: ImportProblem): string {
  const where = problem.row > 0 ? `row ${problem.row}` : "file";
  return problem.column ? `${where}, column ${problem.column}: ${problem.message}` : `${where}: ${problem.message}`;
}

const asOfOption = () => new Option("--as-of <date>", "evaluate as of this date (YYYY-MM-DD; default now)").argParser(asOfDate);

export function registerImportExport(program: Command, ctx: ImportExportContext): void {
  const clinic = () => program.opts<{ clinic?: string }>().clinic;

  program
    .command("import <file>")
    .description("import an assessment spreadsheet (CSV, the format of docs/design.md); all or nothing unless --skip-invalid")
    .option("--dry-run", "check the file and show what would change; write nothing", false)
    .option("--skip-invalid", "write the valid rows and list the invalid ones", false)
    .addOption(asOfOption())
    .action(async (file: string, opts: { dryRun: boolean; skipInvalid: boolean; asOf?: Date }) => {
      const { importAssessments } = await import("@/lib/data/import/assessments");
      const actor = await ctx.clinicActor(clinic(), "cli import");
      const content = await readFile(file);
      const started = performance.now();
      // Checking the whole file comes first and reports no progress; say what is happening.
      process.stderr.write(`Checking ${basename(file)} (${(content.length / 1024 / 1024).toFixed(1)} MB)…\n`);
      const result = await importAssessments(
        ctx.database(),
        actor,
        { name: basename(file), content },
        { now: evaluationTime(opts.asOf), dryRun: opts.dryRun, skipInvalid: opts.skipInvalid, onProgress: progressReporter("rows and patients") },
      );
      const seconds = (performance.now() - started) / 1000;
      for (const error of result.errors) console.log(`error: ${problemLine(error)}`);
      for (const warning of result.warnings) console.log(`warning: ${problemLine(warning)}`);
      const verb = result.blocked ? "Nothing imported" : result.dryRun ? "Dry run, nothing written; would create" : "Imported";
      const c = result.created;
      console.log(
        `${verb}${result.blocked ? "" : `: ${c.patients} new patients, ${result.updatedPatients} updated patients, ${c.observations} observations, ${c.medications} medications; ${result.unchanged} rows unchanged`}.`,
      );
      console.log(
        `${result.rowsTotal} rows, ${result.rowsValid} valid, ${result.rowsTotal - result.rowsValid} invalid; ${result.errors.length} errors, ${result.warnings.length} warnings; ${seconds.toFixed(1)} s, ${Math.round(result.rowsTotal / Math.max(seconds, 0.001)).toLocaleString("en")} rows/s (import job ${result.importJobId}).`,
      );
      if (result.blocked) {
        console.log(result.errors.length > 0 && !opts.skipInvalid ? "Fix the errors, or rerun with --skip-invalid to import the valid rows only." : "Fix the errors and rerun.");
        process.exitCode = 1;
      }
    });

  program
    .command("export")
    .description("export the clinic's cohort as CSV (formula-safe, streamed)")
    .addOption(new Option("--format <format>", "output format").choices(["csv"]).default("csv"))
    .option("--tier <tiers>", `only these tiers, comma-separated (${TIERS.join(", ")})`, listOf(TIERS, "tier"))
    .option("--flag <flags>", "only patients with any of these flags, comma-separated", listOf(FLAG_CODES, "flag code"))
    .option("--out <file>", "write to this file instead of standard output")
    .addOption(asOfOption())
    .action(async (opts: { format: "csv"; tier?: Tier[]; flag?: FlagCode[]; out?: string; asOf?: Date }) => {
      const { exportCohortCsv } = await import("@/lib/data/export/cohort-csv");
      const actor = await ctx.clinicActor(clinic(), "cli export");
      const started = performance.now();
      const out = opts.out ? createWriteStream(opts.out) : process.stdout;
      const summary = await exportCohortCsv(ctx.database(), actor, out, { now: evaluationTime(opts.asOf), tiers: opts.tier, flags: opts.flag });
      if (opts.out) {
        out.end();
        await finished(out);
      }
      const filter = [opts.tier ? `tier ${opts.tier.join(",")}` : null, opts.flag ? `flag ${opts.flag.join(",")}` : null].filter(Boolean).join("; ");
      process.stderr.write(
        `Exported ${summary.rows} patients${filter ? ` (${filter})` : ""}${opts.out ? ` to ${opts.out}` : ""} in ${((performance.now() - started) / 1000).toFixed(1)} s.\n`,
      );
    });

  program
    .command("recompute")
    .description("re-evaluate every patient of the clinic with the thresholds in force (batched, with progress)")
    .addOption(asOfOption())
    .action(async (opts: { asOf?: Date }) => {
      const { recomputeClinic } = await import("@/lib/data/jobs/recompute");
      const actor = await ctx.clinicActor(clinic(), "cli recompute");
      const started = performance.now();
      const result = await recomputeClinic(ctx.database(), actor, { now: evaluationTime(opts.asOf), onProgress: progressReporter("patients") });
      console.log(
        `Re-evaluated ${result.evaluated} patients with threshold set v${result.ruleSetVersion} in ${((performance.now() - started) / 1000).toFixed(1)} s (job ${result.jobRunId}).`,
      );
    });
}
