/**
 * CLI commands `import-fhir <file-or-dir...> [--dry-run]`: FHIR R4 Bundles (JSON) and bulk NDJSON
 * through lib/data/import/fhir.ts, as the system actor on one clinic. Directories are read one
 * level deep for *.json and *.ndjson files, in name order; all files are one import (one
 * transaction), so a Patient and its Observations may come in different NDJSON files.
 *
 * `export-fhir --out <dir>`: the cohort as <Type>.ndjson files plus a Bulk Data manifest.json
 * (lib/data/export/fhir.ts, written by ./fhir-export-files.ts), progress on standard error.
 * The data layer is imported by each action when it runs, so `--help` does not load it.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { Command, Option } from "commander";
import type { Db } from "@/lib/data/db/client";
import type { FhirImportFile, FhirImportResult } from "@/lib/data/import/fhir";
import type { SystemActor } from "@/lib/data/access/actor";
import { FLAG_CODES, type FlagCode, type Tier } from "@/lib/domain/types";
import { asOfDate, listOf, TIERS } from "./options";
import { progressReporter } from "./progress";

export interface FhirCliContext {
  database(): Db;
  clinicActor(slug: string | undefined, label: string): Promise<SystemActor>;
}

async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    const info = await stat(path);
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => /\.(nd)?json$/i.test(n)).sort();
      out.push(...names.map((n) => join(path, n)));
    } else {
      out.push(path);
    }
  }
  return out;
}

/** Human-readable report lines of an import result. */
export function fhirReportLines(result: FhirImportResult, seconds: number, detailLimit = 50): string[] {
  const lines: string[] = [];
  for (const e of result.errors) lines.push(`error: ${e.file}${e.line !== null ? `:${e.line}` : ""}: ${e.message}`);
  for (const r of result.rejected.slice(0, detailLimit)) {
    lines.push(`rejected: ${r.file}: ${r.resourceType}/${r.id ?? "?"}${r.code ? ` code ${r.system ? `${r.system}|` : ""}${r.code}` : ""}: ${r.reason}`);
  }
  if (result.rejected.length > detailLimit) lines.push(`… and ${result.rejected.length - detailLimit} more rejected (see the import job's summary).`);
  if (result.ignored.length > 0) {
    const total = result.ignored.reduce((n, i) => n + i.count, 0);
    const codes = result.ignored.slice(0, 10).map((i) => `${i.system ?? ""}|${i.code ?? ""} ×${i.count}`).join(", ");
    lines.push(`ignored, not used by screening: ${total} observations with ${result.ignored.length} codes (${codes}${result.ignored.length > 10 ? ", …" : ""})`);
  }
  const skipped = Object.entries(result.skippedByType).map(([t, n]) => `${t} ${n}`).join(", ");
  if (skipped) lines.push(`skipped resource types: ${skipped}`);
  const byStatus = Object.entries(result.skippedByStatus).map(([t, n]) => `${t} ${n}`).join(", ");
  if (byStatus) lines.push(`skipped by status: ${byStatus}`);
  const verb = result.blocked ? "Nothing imported" : result.dryRun ? "Dry run, nothing written; would create" : "Imported";
  const { patients: p, observations: o, medications: m, conditions: c, findings: f } = result;
  lines.push(
    result.blocked
      ? `${verb}: fix the unreadable files and rerun.`
      : `${verb}: ${p.created} new patients, ${p.updated} updated, ${p.unchanged} unchanged; ${o.created} observations (${o.existing} already imported); ${m.created} medications (${m.freeText} free text; ${m.existing} already imported); ${c.created} conditions (${c.existing} already recorded, ${c.ignored} not absorption conditions); ${f.created} symptoms and Yubi-wakka results (${f.existing} already imported).`,
  );
  lines.push(`${result.files} files, ${result.resources} resources, ${result.rejected.length} rejected, ${result.ignored.reduce((n, i) => n + i.count, 0)} ignored; ${seconds.toFixed(1)} s (import job ${result.importJobId}).`);
  return lines;
}

export function registerFhir(program: Command, ctx: FhirCliContext): void {
  const clinic = () => program.opts<{ clinic?: string }>().clinic;
  program
    .command("import-fhir <paths...>")
    .description("import FHIR R4 Bundles (JSON) and bulk NDJSON files or directories: Patient, Observation, MedicationRequest/Statement, Condition")
    .option("--dry-run", "check the files and show what would change; write nothing", false)
    .addOption(new Option("--as-of <date>", "evaluate as of this date (YYYY-MM-DD; default now)").argParser(asOfDate))
    .action(async (paths: string[], opts: { dryRun: boolean; asOf?: Date }) => {
      const { importFhir } = await import("@/lib/data/import/fhir");
      const actor = await ctx.clinicActor(clinic(), "cli import-fhir");
      const files: FhirImportFile[] = [];
      for (const path of await expandPaths(paths)) files.push({ name: basename(path), content: await readFile(path) });
      if (files.length === 0) throw new Error("No .json or .ndjson files found.");
      const started = performance.now();
      const result = await importFhir(ctx.database(), actor, files, { now: opts.asOf ?? new Date(), dryRun: opts.dryRun });
      for (const line of fhirReportLines(result, (performance.now() - started) / 1000)) console.log(line);
      if (result.blocked) process.exitCode = 1;
    });

  program
    .command("export-fhir")
    .description("export the clinic's cohort as FHIR R4 NDJSON (Patient, Observation, MedicationStatement, Flag, RiskAssessment) plus a Bulk Data manifest.json")
    .requiredOption("--out <dir>", "directory for <Type>.ndjson and manifest.json (created if missing; files overwritten)")
    .option("--tier <tiers>", `only these tiers, comma-separated (${TIERS.join(", ")})`, listOf(TIERS, "tier"))
    .option("--flag <flags>", "only patients with any of these flags, comma-separated", listOf(FLAG_CODES, "flag code"))
    .addOption(new Option("--as-of <date>", "medicines stopped after this date (YYYY-MM-DD) count as active; default now").argParser(asOfDate))
    .action(async (opts: { out: string; tier?: Tier[]; flag?: FlagCode[]; asOf?: Date }) => {
      const [{ fhirCohortWhere }, { FHIR_EXPORT_TYPES }, { exportFhirToDirectory }] = await Promise.all([
        import("@/lib/data/export/fhir"),
        import("@/lib/domain/fhir-export"),
        import("./fhir-export-files"),
      ]);
      const actor = await ctx.clinicActor(clinic(), "cli export-fhir");
      const started = performance.now();
      const filter = { ...(opts.tier ? { tier: opts.tier.join(",") } : {}), ...(opts.flag ? { flag: opts.flag.join(",") } : {}) };
      const dir = resolve(opts.out);
      const result = await exportFhirToDirectory(
        ctx.database(),
        actor,
        dir,
        { now: opts.asOf ?? new Date(), where: fhirCohortWhere({ tiers: opts.tier, flags: opts.flag }), filter },
        progressReporter("patients"),
      );
      const counts = FHIR_EXPORT_TYPES.map((type) => `${result.counts[type]} ${type}`).join(", ");
      process.stderr.write(`Exported ${result.patients} patients (${counts}) to ${dir} in ${((performance.now() - started) / 1000).toFixed(1)} s.\n`);
    });
}
