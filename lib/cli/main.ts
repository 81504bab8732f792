/**
 * Operator CLI: `npm run cli -- <command>` (see `--help`). Acts as the system actor on one clinic
 * and writes audit records like the web app does.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import type { Db } from "@/lib/data/db/client";
import { DEMO_CLINIC_SLUG, DEMO_PASSWORD, DEMO_USERS } from "@/lib/data/seed/demo-logins";
import type { SystemActor } from "@/lib/data/access/actor";
import { ROLES, type Role } from "@/lib/data/access/roles";
import { isAppError } from "@/lib/errors";
import { parseIsoDate } from "@/lib/domain/dates";
import { progressReporter } from "./progress";
import { registerImportExport } from "./import-export";
import { registerFhir } from "./fhir";
import { registerOps } from "./ops";
import { registerBulkSync } from "./bulk-sync";
import { registerEhr } from "./ehr";

/*
 * Start-up cost: this file and the register* files import only commander and small pure modules
 * at the top. The data layer (Prisma client, the engine, zod schemas) is imported by each
 * command's action when it runs, and the database client module by the `preAction` hook below,
 * so `--help` and a mistyped option load none of it (docs/benchmarks.md "CLI start-up").
 */
function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number ≥ 0");
  return n;
}

function isoDate(value: string): Date {
  const date = parseIsoDate(value);
  if (!date) throw new InvalidArgumentError("expected a date as YYYY-MM-DD");
  return date;
}

function todayUtc(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** lib/data/db/client.ts and the environment, loaded before any command's action runs. */
let dbModules: { createDb: (url: string) => Db; env: () => { DATABASE_URL: string } } | undefined;
let db: Db | undefined;
function database(): Db {
  if (!dbModules) throw new Error("The database module is loaded by the preAction hook, before any action.");
  db ??= dbModules.createDb(dbModules.env().DATABASE_URL);
  return db;
}

/** The clinic to act on: --clinic, or the only clinic there is. */
async function clinicActor(slug: string | undefined, label: string): Promise<SystemActor> {
  const clinics = await database().clinic.findMany({ where: slug ? { slug } : {}, select: { id: true, slug: true }, take: 2 });
  if (clinics.length === 0) throw new Error(slug ? `No clinic "${slug}".` : 'No clinic yet: run "npm run cli -- seed" first.');
  if (clinics.length > 1) throw new Error(`Several clinics exist: choose one with --clinic <slug>.`);
  return { kind: "system", clinicId: clinics[0]!.id, label };
}

const program = new Command()
  .name("npm run cli --")
  .description("Sarcopenia screening: operator commands")
  .showHelpAfterError()
  .addOption(new Option("--clinic <slug>", "the clinic to act on (default: the only one)"))
  .hook("preAction", async () => {
    const [{ createDb }, { env }] = await Promise.all([import("@/lib/data/db/client"), import("@/lib/config/env")]);
    dbModules = { createDb, env };
  });

program
  .command("db")
  .description("database maintenance")
  .command("migrate")
  .description("apply pending migrations (SQLite or PostgreSQL, by DATABASE_URL)")
  .action(async () => {
    const [{ migrate }, { env }] = await Promise.all([import("@/lib/data/db/migrate"), import("@/lib/config/env")]);
    const result = await migrate(env().DATABASE_URL, (line) => console.log(line));
    console.log(`${result.provider}: ${result.applied.length} applied, ${result.alreadyApplied} already up to date`);
  });

program
  .command("seed")
  .description("create the demo clinic with deterministic patients and one user per role")
  .option("--patients <n>", "number of patients", positiveInt, 1000)
  .option("--seed <n>", "random seed (same seed and --as-of give the same data)", positiveInt, 20261121)
  .option("--as-of <date>", "the date the histories lead up to (default today)", isoDate)
  .option("--slug <slug>", "the clinic to create (its users are <role>@<slug>.clinic)", DEMO_CLINIC_SLUG)
  .option("--reset", "replace an existing clinic of that slug", false)
  .option("--if-empty", "do nothing when a clinic already exists", false)
  .action(async (opts: { slug: string; patients: number; seed: number; asOf?: Date; reset: boolean; ifEmpty: boolean }) => {
    const { seedDemoClinic } = await import("@/lib/data/seed/demo-clinic");
    const db = database();
    if (opts.ifEmpty && (await db.clinic.count()) > 0) {
      console.log("A clinic already exists; seed skipped.");
      return;
    }
    const started = performance.now();
    const report = progressReporter("patients");
    const result = await seedDemoClinic(db, { slug: opts.slug, patients: opts.patients, seed: opts.seed, asOf: opts.asOf ?? todayUtc(), reset: opts.reset, onProgress: report });
    console.log(`Seeded clinic "${result.slug}" with ${result.patients} patients in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
    printLogins(result.users);
  });

function printLogins(users: readonly { role: string; email: string }[] = DEMO_USERS): void {
  console.log("Demo logins:");
  for (const user of users) console.log(`  ${user.role.padEnd(9)} ${user.email}   password: ${DEMO_PASSWORD}`);
}

program
  .command("demo-logins")
  .description("print the demo clinic's sign-in details")
  .action(async () => {
    const demo = await database().clinic.findUnique({ where: { slug: DEMO_CLINIC_SLUG }, select: { id: true } });
    if (!demo) throw new Error('There is no demo clinic: run "npm run cli -- seed" first.');
    printLogins();
  });

const users = program.command("users").description("manage users of a clinic");
users
  .command("add")
  .description("add a user; the password is typed (--password-prompt), piped (--password-stdin), or generated and printed once")
  .requiredOption("--email <email>")
  .requiredOption("--name <name>")
  .addOption(new Option("--role <role>").choices(ROLES).makeOptionMandatory())
  .addOption(new Option("--password-prompt", "type the password on the terminal (not shown; asked twice)").conflicts("passwordStdin"))
  .option("--password-stdin", "read the password from the first line of standard input")
  // Refused with a reason: a password on the command line shows in `ps` and shell history.
  .addOption(new Option("--password <password>").hideHelp())
  .action(async (opts: { email: string; name: string; role: Role; passwordPrompt?: boolean; passwordStdin?: boolean; password?: string }) => {
    if (opts.password !== undefined) {
      throw new Error("--password is not accepted: the password would show in the process list and shell history. Use --password-prompt or --password-stdin, or leave both out to get a generated one.");
    }
    const [{ generatePassword }, { createUser }, { promptNewPassword, readPasswordLine }] = await Promise.all([
      import("@/lib/data/auth/password"),
      import("@/lib/data/auth/users"),
      import("./password-input"),
    ]);
    const actor = await clinicActor(program.opts<{ clinic?: string }>().clinic, "cli");
    const given = opts.passwordStdin ? await readPasswordLine() : opts.passwordPrompt ? await promptNewPassword() : undefined;
    const password = given ?? generatePassword();
    const user = await createUser(database(), actor, { email: opts.email, name: opts.name, role: opts.role, password });
    console.log(`Added ${user.role} ${user.email}${given === undefined ? ` with password ${password} (shown once)` : ""}`);
  });
users
  .command("list")
  .description("list the clinic's users")
  .action(async () => {
    const { listUsers } = await import("@/lib/data/auth/users");
    const actor = await clinicActor(program.opts<{ clinic?: string }>().clinic, "cli");
    for (const u of await listUsers(database(), actor)) {
      console.log(`${u.email.padEnd(32)} ${u.role.padEnd(9)} ${u.disabledAt ? `disabled ${u.disabledAt.toISOString()}` : "active"}`);
    }
  });
users
  .command("disable <email>")
  .description("disable a user and end their sessions")
  .action(async (email: string) => {
    const { disableUser } = await import("@/lib/data/auth/users");
    const actor = await clinicActor(program.opts<{ clinic?: string }>().clinic, "cli");
    const user = await disableUser(database(), actor, email);
    console.log(`Disabled ${user.email}; ${user.sessionsEnded} open session${user.sessionsEnded === 1 ? "" : "s"} ended.`);
  });

users
  .command("enable <email>")
  .description("let a disabled user sign in again")
  .action(async (email: string) => {
    const { enableUser } = await import("@/lib/data/auth/users");
    const actor = await clinicActor(program.opts<{ clinic?: string }>().clinic, "cli");
    const user = await enableUser(database(), actor, email);
    console.log(`${user.email} can sign in again.`);
  });
users
  .command("role <email> <role>")
  .description("change a user's role (admin, clinician or analyst); the clinic's last active admin cannot be demoted")
  .action(async (email: string, role: string) => {
    const [{ changeUserRole }, { isRole }] = await Promise.all([import("@/lib/data/auth/users"), import("@/lib/data/access/roles")]);
    if (!isRole(role)) throw new Error(`Unknown role "${role}": use admin, clinician or analyst.`);
    const actor = await clinicActor(program.opts<{ clinic?: string }>().clinic, "cli");
    const result = await changeUserRole(database(), actor, email, role);
    console.log(`${result.email}: ${result.before} → ${result.after}.`);
  });
users
  .command("reset-password <email>")
  .description("give a user a new generated password, printed once, and end their sessions")
  .action(async (email: string) => {
    const { resetUserPassword } = await import("@/lib/data/auth/users");
    const actor = await clinicActor(program.opts<{ clinic?: string }>().clinic, "cli");
    const result = await resetUserPassword(database(), actor, email);
    console.log(`New password for ${result.email}: ${result.password} (shown once); ${result.sessionsEnded} open session${result.sessionsEnded === 1 ? "" : "s"} ended.`);
  });

registerImportExport(program, { database, clinicActor });
registerFhir(program, { database, clinicActor });
registerOps(program, { database, clinicActor });
registerBulkSync(program, { database, clinicActor });
registerEhr(program, { database, clinicActor });

program
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(isAppError(error) || error instanceof Error ? `Error: ${error.message}` : error);
    process.exitCode = 1;
  })
  .finally(() => db?.$disconnect());
