/**
 * `npm run load` — the load run (issue 6): 50 concurrent signed-in clients drive the patient panel
 * (with filters), patient pages and the cohort CSV export of the production build for 60 s, on
 * loopback only, and the script prints latency percentiles, requests per second and errors per
 * route. It exits non-zero on any error, timeout or non-2xx answer. See docs/operations.md "Load".
 *
 *   npm run load -- [--duration 60] [--connections 50] [--patients 10000] [--port 3317]
 *                   [--mix panel:25,patient:20,export:5] [--instances 1] [--profile DIR]
 *
 * DATABASE_URL (default file:./data/load/app.db) is migrated and seeded once with --patients demo
 * patients, then reused. A clinician account per connection (load-NN@demo.clinic) is created once
 * and signed in through next-auth's real credentials flow (CSRF token, callback, session cookie),
 * so no account or address reaches the login throttle. the production build is made first if needed, served by server.mjs and
 * stopped at the end; its output goes to <database dir>/load-server.log. --instances N starts N
 * servers on consecutive ports from --port on the same database (PostgreSQL; a SQLite file is
 * one machine's) and spreads each route's connections over them round-robin. With --profile DIR the
 * server runs under `node --cpu-prof` and writes its CPU profile to DIR when it stops; summarise
 * it with `npx tsx scripts/bench/profile-summary.ts DIR/<file>.cpuprofile`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { createDb } from "@/lib/data/db/client";
import { migrate } from "@/lib/data/db/migrate";
import { DEMO_CLINIC_SLUG, seedDemoClinic } from "@/lib/data/seed/demo-clinic";
import { createUser } from "@/lib/data/auth/users";
import { databaseProvider, sqliteFilePath } from "@/lib/config/env";
import type { SystemActor } from "@/lib/data/access/actor";
import { ensureBuild } from "./bench/browser";
import { exitWithUsageError, exitWithUsageIfAsked } from "./usage";

const ROUTES = ["panel", "patient", "export"] as const;
type Route = (typeof ROUTES)[number];
const LOAD_PASSWORD = "load-run-password-2026";
const SECRET = "load-run-only-secret-load-run-only-secret-0123";
// The audit key of this run: the seeding (in this process) and the server must sign with the same one.
const AUDIT_KEY = "load-run-only-audit-key-load-run-only-audit-key-01";
const PANEL_FILTERS = [
  "",
  "?tier=high",
  "?tier=elevated&sort=name",
  "?flag=b12_test_due",
  "?flag=sarcopenia_follow_up&overdue=1",
  "?sex=female&ageMin=75",
  "?med=metformin",
  "?b12=deficient&sort=age&dir=desc",
  "?ewgsop2=probable&page=2",
  "?q=son",
];

function log(line: string): void {
  process.stderr.write(`[load] ${line}\n`);
}

const USAGE = "usage: npm run load -- [--duration 60] [--connections 50] [--patients 10000] [--port 3317] [--mix panel:25,patient:20,export:5] [--instances 1] [--profile DIR]";

function usage(message: string): never {
  exitWithUsageError(`load: ${message}`, USAGE);
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a positive whole number, not "${value}"`);
  return n;
}

function parseOptions() {
  exitWithUsageIfAsked(USAGE);
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        duration: { type: "string", default: "60" },
        connections: { type: "string", default: "50" },
        patients: { type: "string", default: "10000" },
        port: { type: "string", default: "3317" },
        mix: { type: "string" },
        profile: { type: "string" },
        instances: { type: "string", default: "1" },
      },
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  const connections = positiveInt("connections", values.connections);
  const mix = values.mix ? parseMix(values.mix) : defaultMix(connections);
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  if (total !== connections) usage(`--mix adds up to ${total} connections, --connections is ${connections}`);
  return {
    duration: positiveInt("duration", values.duration),
    connections,
    patients: positiveInt("patients", values.patients),
    port: positiveInt("port", values.port),
    instances: positiveInt("instances", values.instances),
    mix,
    profileDir: values.profile === undefined ? undefined : resolve(values.profile),
    databaseUrl: process.env.DATABASE_URL ?? "file:./data/load/app.db",
  };
}

/** Half on the panel, two fifths on patient pages, a tenth exporting (at least one each). */
function defaultMix(connections: number): Record<Route, number> {
  const exporting = Math.max(1, Math.round(connections / 10));
  const patient = Math.max(1, Math.round((connections * 2) / 5));
  return { panel: Math.max(1, connections - exporting - patient), patient, export: exporting };
}

function parseMix(text: string): Record<Route, number> {
  const mix: Record<Route, number> = { panel: 0, patient: 0, export: 0 };
  for (const part of text.split(",")) {
    const [route, count] = part.split(":");
    if (!ROUTES.includes(route as Route) || count === undefined) usage(`--mix entries are route:count with route one of ${ROUTES.join(", ")}`);
    const n = Number(count);
    if (!Number.isInteger(n) || n < 0) usage(`--mix counts are whole numbers, not "${count}"`);
    mix[route as Route] = n;
  }
  return mix;
}

/** Migrates and seeds the load database once, and makes sure one clinician per connection exists. */
async function prepareDatabase(url: string, patients: number, users: number): Promise<{ emails: string[]; patientIds: string[] }> {
  await migrate(url);
  const db = createDb(url);
  try {
    let clinic = await db.clinic.findUnique({ where: { slug: DEMO_CLINIC_SLUG }, select: { id: true } });
    if (!clinic) {
      log(`seeding ${patients.toLocaleString("en")} demo patients (once; reused by later runs)`);
      await seedDemoClinic(db, { patients, seed: 20261121, asOf: new Date(), reset: false, onProgress: (done, total) => done % 5000 === 0 && log(`  ${done}/${total}`) });
      clinic = await db.clinic.findUniqueOrThrow({ where: { slug: DEMO_CLINIC_SLUG }, select: { id: true } });
    }
    const count = await db.patient.count({ where: { clinicId: clinic.id } });
    if (count !== patients) log(`note: the load database holds ${count.toLocaleString("en")} patients (seeded earlier); delete it to reseed with ${patients}`);
    const system: SystemActor = { kind: "system", clinicId: clinic.id, label: "load" };
    const emails = Array.from({ length: users }, (_, i) => `load-${String(i + 1).padStart(2, "0")}@${DEMO_CLINIC_SLUG}.clinic`);
    const existing = new Set((await db.user.findMany({ where: { email: { in: emails } }, select: { email: true } })).map((u) => u.email));
    const missing = emails.filter((e) => !existing.has(e));
    if (missing.length > 0) log(`creating ${missing.length} clinician accounts for the load clients`);
    for (const email of missing) await createUser(db, system, { email, name: `Load client ${email.slice(5, 7)}`, role: "clinician", password: LOAD_PASSWORD });
    const ids = await db.patient.findMany({ where: { clinicId: clinic.id }, select: { id: true }, orderBy: { id: "asc" }, take: 2_000 });
    return { emails, patientIds: ids.map((p) => p.id) };
  } finally {
    await db.$disconnect();
  }
}

async function startServer(port: number, databaseUrl: string, logFile: string, profileDir: string | undefined): Promise<ChildProcess> {
  const out = createWriteStream(logFile);
  await once(out, "open");
  const profiling = profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`];
  const server = spawn(process.execPath, [...profiling, join(process.cwd(), "server.mjs"), "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...process.env, NODE_ENV: "production", DATABASE_URL: databaseUrl, NEXTAUTH_URL: `http://127.0.0.1:${port}`, NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? SECRET, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", out, out],
    detached: true,
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the server (server.mjs) exited with ${server.exitCode}; see ${logFile}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/login`)).ok) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server (server.mjs) did not answer on port ${port} within 90 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Asks the server to stop (it finishes the requests in flight) and waits up to 20 s for it to exit. */
async function stopServer(server: ChildProcess | undefined): Promise<void> {
  if (server?.pid && server.exitCode === null) {
    const exited = once(server, "exit");
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      return; // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000).unref())]);
  }
}

/** Cookies from a response, as "name=value" pairs. */
function cookiesOf(response: Response): string[] {
  return response.headers.getSetCookie().map((c) => c.split(";")[0]!);
}

/** Signs in through next-auth's credentials flow and returns the session cookie header. */
async function signIn(base: string, email: string): Promise<string> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = cookiesOf(csrf);
  const callback = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: jar.join("; "), Origin: base },
    body: new URLSearchParams({ csrfToken, email, password: LOAD_PASSWORD, json: "true" }),
  });
  const session = cookiesOf(callback).find((c) => c.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`signing in ${email} failed (HTTP ${callback.status}): ${(await callback.text()).slice(0, 200)}`);
  const check = await fetch(`${base}/api/patients?size=25`, { headers: { Cookie: session } });
  if (check.status !== 200) throw new Error(`${email} signed in but the panel API answered ${check.status}`);
  await check.body?.cancel();
  return session;
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

/** What one route's clients saw: every response time (ms), and the failures. */
interface RouteResult {
  samples: number[];
  errors: number;
  timeouts: number;
  non2xx: number;
}

/**
 * One autocannon instance per route and app instance; each connection carries its own user's
 * session cookie. Every response time is kept, so percentiles (p95 included, which autocannon's
 * summary lacks) are exact and can be pooled across instances.
 */
async function drive(route: Route, bases: string[], connections: number, duration: number, cookies: string[], patientIds: string[]): Promise<RouteResult> {
  const path = (): string => {
    if (route === "panel") return `/patients${pick(PANEL_FILTERS)}`;
    if (route === "patient") return `/patients/${pick(patientIds)}`;
    return "/api/export/cohort";
  };
  const pooled: RouteResult = { samples: [], errors: 0, timeouts: 0, non2xx: 0 };
  // Connection i goes to instance i mod N, as a round-robin balancer would send it.
  const shares = bases.map((_, i) => cookies.filter((__, c) => c % bases.length === i)).filter((share) => share.length > 0);
  const results = await Promise.all(
    shares.map((share, i) => {
      let next = 0;
      return autocannon({
        url: bases[i]!,
        connections: share.length,
        duration,
        timeout: 30,
        setupClient: (client) => {
          const cookie = share[next++ % share.length]!;
          client.setRequests([{ method: "GET", path: path(), headers: { cookie }, setupRequest: (request) => ({ ...request, path: path() }) }]);
          client.on("response", (_status: number, _bytes: number, responseTime: number) => pooled.samples.push(responseTime));
        },
      });
    }),
  );
  for (const r of results) {
    pooled.errors += r.errors;
    pooled.timeouts += r.timeouts;
    pooled.non2xx += r.non2xx;
  }
  return pooled;
}

/** The q-th percentile (0–100) of the samples, nearest rank. */
function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1))]!;
}

function row(label: string, r: RouteResult, seconds: number): string[] {
  const sorted = [...r.samples].sort((a, b) => a - b);
  const ms = (q: number) => `${Math.round(percentile(sorted, q))}`;
  return [label, String(sorted.length), (sorted.length / seconds).toFixed(1), ms(50), ms(95), ms(99), `${Math.round(sorted.at(-1) ?? Number.NaN)}`, String(r.errors), String(r.timeouts), String(r.non2xx)];
}

function table(rows: string[][]): string {
  const header = ["route", "answered", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "of which timeouts", "non-2xx"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

async function main(): Promise<void> {
  process.env.AUDIT_HMAC_KEY ??= AUDIT_KEY;
  const options = parseOptions();
  const provider = databaseProvider(options.databaseUrl);
  const logDir = provider === "sqlite" ? dirname(resolve(sqliteFilePath(options.databaseUrl))) : resolve("data/load");
  const ports = Array.from({ length: options.instances }, (_, i) => options.port + i);
  const bases = ports.map((port) => `http://127.0.0.1:${port}`);
  log(`database ${provider}; ${options.connections} connections (${ROUTES.map((r) => `${r} ${options.mix[r]}`).join(", ")}) for ${options.duration} s against ${bases.join(" and ")}`);
  ensureBuild();
  const { emails, patientIds } = await prepareDatabase(options.databaseUrl, options.patients, options.connections);
  mkdirSync(logDir, { recursive: true });
  const servers: ChildProcess[] = [];
  const stop = () => Promise.all(servers.map(stopServer));
  process.once("SIGINT", () => {
    void stop().finally(() => process.exit(130));
  });
  try {
    for (const [i, port] of ports.entries()) {
      const logFile = join(logDir, options.instances === 1 ? "load-server.log" : `load-server-${i + 1}.log`);
      servers.push(await startServer(port, options.databaseUrl, logFile, options.profileDir));
      log(`instance ${i + 1} is up on port ${port} (log: ${logFile})`);
    }
    log(`signing in ${emails.length} users`);
    const cookies: string[] = [];
    for (const [i, email] of emails.entries()) cookies.push(await signIn(bases[i % bases.length]!, email));
    // Warm the routes once on each instance so the first measured requests do not pay for compilation caches.
    for (const base of bases) for (const path of ["/patients", `/patients/${patientIds[0]}`]) await (await fetch(base + path, { headers: { cookie: cookies[0]! } })).text();
    log("driving load");
    const started = performance.now();
    // Each route's connections get their own users' sessions.
    let offset = 0;
    const active = ROUTES.filter((route) => options.mix[route] > 0);
    const results = await Promise.all(
      active.map((route) => {
        const own = cookies.slice(offset, (offset += options.mix[route]));
        return drive(route, bases, options.mix[route], options.duration, own, patientIds);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const labels: Record<Route, string> = { panel: "panel /patients?…", patient: "patient /patients/[id]", export: "export /api/export/cohort" };
    const rows = active.map((r, i) => row(labels[r], results[i]!, seconds));
    const total = results.reduce((a, r) => a + r.samples.length, 0);
    // autocannon counts a timeout among the errors too.
    const failures = results.reduce((a, r) => a + r.errors + r.non2xx, 0);
    const where = `${provider}${options.instances > 1 ? `, ${options.instances} app instances` : ""}`;
    process.stdout.write(`\n## Load: ${options.connections} signed-in clients, ${seconds.toFixed(0)} s, ${where}, ${(await countPatients(options.databaseUrl)).toLocaleString("en")} patients\n\n`);
    process.stdout.write(`${table(rows)}\n\nAll routes: ${total} answered, ${(total / seconds).toFixed(1)} per s, ${failures} failed (errors, of which timeouts, or non-2xx).\n`);
    if (failures > 0) {
      log(`FAILED: ${failures} requests failed (see the server logs in ${logDir})`);
      process.exitCode = 1;
    }
  } finally {
    await stop();
    if (options.profileDir) log(`CPU profile of each instance in ${options.profileDir} (npx tsx scripts/bench/profile-summary.ts <file>)`);
  }
}

async function countPatients(url: string): Promise<number> {
  const db = createDb(url);
  try {
    return await db.patient.count({ where: { clinic: { slug: DEMO_CLINIC_SLUG } } });
  } finally {
    await db.$disconnect();
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
