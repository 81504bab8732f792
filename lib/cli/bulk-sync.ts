/**
 * CLI command `sync`: a Bulk Data sync of one clinic from its EHR (lib/data/bulk/sync.ts,
 * docs/ehr-integration.md#fhir-bulk-data-sync). Run it again after an interruption and it resumes;
 * `--restart` abandons an unfinished sync (for example one whose export expired on the EHR).
 *
 * The data layer is imported by the action when it runs, so `--help` does not load it.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { asOfDate } from "./options";
import type { BulkSource } from "@/lib/data/bulk/sync";
import { fhirReportLines, type FhirCliContext } from "./fhir";

export function registerBulkSync(program: Command, ctx: FhirCliContext): void {
  const clinic = () => program.opts<{ clinic?: string }>().clinic;
  program
    .command("sync")
    .description("read the clinic's patients from its EHR with FHIR Bulk Data (SMART Backend Services) and import them; resumes an interrupted sync")
    .option("--ehr <url>", "the registered EHR to sync from, by its FHIR base URL (default: the clinic's one EHR with Bulk Data set up on the EHR page)")
    .option("--fhir-base <url>", "without a registered EHR: the EHR's FHIR base URL (https; plain http only on this machine)")
    .option("--client-id <id>", "without a registered EHR: the client id the EHR gave this app's backend-services registration")
    .option("--key <file>", "without a registered EHR: the private key (JWK, RS384 or ES384, with its kid); or set BULK_PRIVATE_JWK")
    .option("--group <id>", "without a registered EHR: export this Group's patients (default: every patient, Patient/$export)")
    .option("--staging <dir>", "where downloaded files wait until imported", "data/bulk-staging")
    .option("--restart", "abandon an unfinished sync and start a new one", false)
    .addOption(new Option("--as-of <date>", "evaluate as of this date (YYYY-MM-DD; default now)").argParser(asOfDate))
    .action(async (opts: { ehr?: string; fhirBase?: string; clientId?: string; key?: string; group?: string; staging: string; restart: boolean; asOf?: Date }) => {
      const [{ syncFromEhr }, { privateJwkSchema }, { bulkSourceForEhr, onlyBulkSource }] = await Promise.all([
        import("@/lib/data/bulk/sync"),
        import("@/lib/smart/backend-services"),
        import("@/lib/data/ehr/bulk-settings"),
      ]);
      const actor = await ctx.clinicActor(clinic(), "cli sync");
      const adHoc = opts.fhirBase !== undefined || opts.clientId !== undefined || opts.key !== undefined;
      if (adHoc && opts.ehr) throw new Error("Give either --ehr (a registered EHR) or --fhir-base, --client-id and --key, not both.");
      let source: BulkSource;
      if (adHoc) {
        if (!opts.fhirBase || !opts.clientId) throw new Error("Without a registered EHR, give --fhir-base, --client-id and --key (or BULK_PRIVATE_JWK).");
        const keyText = opts.key ? await readFile(opts.key, "utf8") : process.env.BULK_PRIVATE_JWK;
        if (!keyText) throw new Error("Give the private key: --key <file.jwk> or BULK_PRIVATE_JWK.");
        let json: unknown;
        try {
          json = JSON.parse(keyText);
        } catch {
          throw new Error("The private key is not JSON; give it as a JWK (one JSON object).");
        }
        const key = privateJwkSchema.safeParse(json);
        if (!key.success) throw new Error(`The private key is not usable: ${key.error.issues.map((i) => `${i.path.join(".") || "key"}: ${i.message}`).join("; ")}.`);
        source = { fhirBaseUrl: opts.fhirBase.replace(/\/+$/, ""), groupId: opts.group ?? null, client: { clientId: opts.clientId, privateJwk: key.data } };
      } else {
        source = opts.ehr ? await bulkSourceForEhr(ctx.database(), actor, { issuer: opts.ehr }) : await onlyBulkSource(ctx.database(), actor);
      }
      const started = performance.now();
      let lastStep = "";
      const result = await syncFromEhr(
        ctx.database(),
        actor,
        source,
        {
          now: opts.asOf ?? new Date(),
          stagingDir: resolve(opts.staging),
          restart: opts.restart,
          onProgress: (step, done, total, detail) => {
            const line = step === "downloading" ? `downloading files: ${done}/${total}` : detail ? `${step}: ${detail}` : step;
            if (line !== lastStep) process.stderr.write(`${line}\n`);
            lastStep = line;
          },
        },
      );
      console.log(
        `${result.resumed ? "Resumed and finished" : "Finished"} sync ${result.syncId}: ${result.files} files ${result.since ? `changed since ${result.since.toISOString()}` : "(everything: first sync)"}; the next sync asks for changes since ${result.transactionTime.toISOString()}.`,
      );
      for (const line of fhirReportLines(result.import, (performance.now() - started) / 1000)) console.log(line);
    });
}
