/**
 * CLI commands for SMART App Launch (docs/ehr-integration.md): `ehr add`, `ehr edit`, `ehr list`, `ehr remove`,
 * `ehr link` — the same data-layer functions as the EHR page (lib/data/ehr/connections.ts). The
 * client secret is read from standard input, never from the command line (where it would show in
 * the process list and shell history).
 */
import type { Command } from "commander";
import type { Db } from "@/lib/data/db/client";
import type { SystemActor } from "@/lib/data/access/actor";

export interface EhrCliContext {
  database(): Db;
  clinicActor(slug: string | undefined, label: string): Promise<SystemActor>;
}

interface EhrOptions {
  name?: string;
  issuer?: string;
  clientId?: string;
  mrnSystem?: string;
  clientSecretStdin?: boolean;
  clientSecret?: string;
}

const REFUSED_SECRET = "--client-secret is not accepted: the secret would show in the process list and shell history. Pipe it in with --client-secret-stdin.";

export function registerEhr(program: Command, context: EhrCliContext): void {
  const clinic = () => program.opts<{ clinic?: string }>().clinic;
  const ehr = program.command("ehr").description("the clinic's EHR for SMART App Launch (docs/ehr-integration.md)");

  ehr
    .command("add")
    .description("register the clinic's EHR; the client secret is piped in (--client-secret-stdin)")
    .requiredOption("--name <name>", "the EHR's name, as colleagues call it")
    .requiredOption("--issuer <url>", "the EHR's FHIR base URL, the `iss` of its launches")
    .requiredOption("--client-id <id>", "the client id the EHR gave the app")
    .requiredOption("--mrn-system <system>", "the identifier system of the clinic's MRNs in the EHR")
    .option("--client-secret-stdin", "read the client secret from the first line of standard input")
    .option("--client-secret <secret>", "refused (use --client-secret-stdin)")
    .action(async (opts: EhrOptions) => {
      if (opts.clientSecret !== undefined) throw new Error(REFUSED_SECRET);
      if (!opts.clientSecretStdin) throw new Error("The client secret is needed: pipe it in with --client-secret-stdin, e.g. `… --client-secret-stdin < secret.txt`.");
      const [{ saveEhrConnection }, { readPasswordLine }] = await Promise.all([import("@/lib/data/ehr/connections"), import("./password-input")]);
      const actor = await context.clinicActor(clinic(), "cli");
      const clientSecret = await readPasswordLine();
      const saved = await saveEhrConnection(context.database(), actor, { name: opts.name!, issuer: opts.issuer!, clientId: opts.clientId!, mrnSystem: opts.mrnSystem!, clientSecret });
      console.log(`Registered ${saved.name} (${saved.issuer}). Link its users: npm run cli -- ehr link --issuer ${saved.issuer} <email> <fhirUser>`);
    });

  ehr
    .command("edit <issuer>")
    .description("change a registered EHR (named by its FHIR base URL); options not given are kept")
    .option("--name <name>")
    .option("--issuer <url>", "a new FHIR base URL")
    .option("--client-id <id>")
    .option("--mrn-system <system>")
    .option("--client-secret-stdin", "read a new client secret from the first line of standard input")
    .option("--client-secret <secret>", "refused (use --client-secret-stdin)")
    .action(async (current: string, opts: EhrOptions) => {
      if (opts.clientSecret !== undefined) throw new Error(REFUSED_SECRET);
      const [{ listEhrConnections, saveEhrConnection }, { readPasswordLine }] = await Promise.all([import("@/lib/data/ehr/connections"), import("./password-input")]);
      const actor = await context.clinicActor(clinic(), "cli");
      const existing = (await listEhrConnections(context.database(), actor)).find((e) => e.issuer === current.trim().replace(/\/+$/, ""));
      if (!existing) throw new Error(`No EHR with the FHIR base URL ${current} in this clinic (npm run cli -- ehr list).`);
      const clientSecret = opts.clientSecretStdin ? await readPasswordLine() : "";
      const saved = await saveEhrConnection(context.database(), actor, {
        id: existing.id,
        name: opts.name ?? existing.name,
        issuer: opts.issuer ?? existing.issuer,
        clientId: opts.clientId ?? existing.clientId,
        mrnSystem: opts.mrnSystem ?? existing.mrnSystem,
        clientSecret,
      });
      console.log(`Saved ${saved.name} (${saved.issuer})${clientSecret ? " with its new client secret" : ""}.`);
    });

  ehr
    .command("list")
    .description("the clinic's EHRs and their linked users (never the secret)")
    .action(async () => {
      const { listEhrConnections, standaloneLaunchPath } = await import("@/lib/data/ehr/connections");
      const actor = await context.clinicActor(clinic(), "cli");
      const ehrs = await listEhrConnections(context.database(), actor);
      if (ehrs.length === 0) console.log("No EHR registered (npm run cli -- ehr add --help).");
      for (const e of ehrs) {
        console.log(`${e.name}: ${e.issuer} (client ${e.clientId}, MRN system ${e.mrnSystem}); standalone launch: ${standaloneLaunchPath(e.id)}`);
        for (const u of e.users) console.log(`  ${u.fhirUser.padEnd(32)} ${u.email}`);
      }
    });

  ehr
    .command("remove")
    .description("remove one of the clinic's EHRs: its launches and syncs are refused from then on, its users' links deleted; its patients stay")
    .requiredOption("--issuer <url>", "the EHR, by its FHIR base URL")
    .action(async (opts: { issuer: string }) => {
      const { removeEhrConnection } = await import("@/lib/data/ehr/connections");
      const actor = await context.clinicActor(clinic(), "cli");
      const removed = await removeEhrConnection(context.database(), actor, { issuer: opts.issuer });
      console.log(`Removed ${removed.name} (${removed.issuer}) and ${removed.linkedUsers === 1 ? "1 user link" : `${removed.linkedUsers} user links`}. Its patients stay.`);
    });

  ehr
    .command("link <email> [fhirUser]")
    .description("link a user to their EHR identity (e.g. Practitioner/123); without fhirUser, unlink them")
    .requiredOption("--issuer <url>", "the EHR, by its FHIR base URL")
    .action(async (email: string, fhirUser: string | undefined, opts: { issuer: string }) => {
      const { linkEhrUser } = await import("@/lib/data/ehr/connections");
      const actor = await context.clinicActor(clinic(), "cli");
      const result = await linkEhrUser(context.database(), actor, { issuer: opts.issuer }, { email }, fhirUser ?? "");
      console.log(result.after ? `${result.email} is ${result.after} in ${result.ehr}.` : `${result.email} is no longer linked in ${result.ehr}.`);
    });
}
