import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

/**
 * Every runnable script under scripts/ and every CLI command answers --help with its usage on
 * stdout and exit code 0, before doing any work (no database, no build, no stack trace).
 */
const run = promisify(execFile);
const ROOT = process.cwd();
const TSX = join(ROOT, "node_modules/.bin/tsx");
/** Nothing here may touch a real database: a path that does not exist. */
const ENV = { ...process.env, DATABASE_URL: "file:/nonexistent/help-test.db" };

/** How each runnable script is started; modules other scripts import are listed apart. */
const SCRIPTS: Record<string, string[]> = {
  "bench.ts": [TSX, "--conditions=react-server", "--tsconfig", "tsconfig.json", "scripts/bench.ts"],
  "load.ts": [TSX, "--conditions=react-server", "--tsconfig", "tsconfig.json", "scripts/load.ts"],
  "make-assessments-csv.ts": [TSX, "--tsconfig", "tsconfig.json", "scripts/make-assessments-csv.ts"],
  "bench/import-only.ts": [TSX, "--conditions=react-server", "--tsconfig", "tsconfig.json", "scripts/bench/import-only.ts"],
  "bench/recompute-only.ts": [TSX, "--conditions=react-server", "--tsconfig", "tsconfig.json", "scripts/bench/recompute-only.ts"],
  "bench/trace-queries.ts": [TSX, "--conditions=react-server", "--tsconfig", "tsconfig.json", "scripts/bench/trace-queries.ts"],
  "bench/profile-summary.ts": [TSX, "scripts/bench/profile-summary.ts"],
  "bench-search.ts": [TSX, "--conditions=react-server", "--tsconfig", "tsconfig.json", "scripts/bench-search.ts"],
  "bench-mixed.ts": [TSX, "--conditions=react-server", "--tsconfig", "tsconfig.json", "scripts/bench-mixed.ts"],
  "disclosure-report.ts": [TSX, "--conditions=react-server", "--tsconfig", "tsconfig.json", "scripts/disclosure-report.ts"],
  "bench/audit-append.ts": [TSX, "--conditions=react-server", "--tsconfig", "tsconfig.json", "scripts/bench/audit-append.ts"],
  "test-summary.mjs": ["node", "scripts/test-summary.mjs"],
  "cli.mjs": ["node", "--conditions=react-server", "scripts/cli.mjs"],
  // Listed by name, not found by globbing: a new script runs here only once it is known to answer --help
  // (before this change, `demo.sh --help` started a server and `test-all.sh --help` the whole suite).
  ...Object.fromEntries(
    ["demo.sh", "e2e-server.sh", "ensure-deps.sh", "help.sh", "make-migration.sh", "multi-instance-server.sh", "pg-server.sh", "prisma.sh", "test-all.sh", "test-shifted.sh"].map((f) => [f, ["bash", `scripts/${f}`]]),
  ),
};
const MODULES = ["usage.ts", "bench/browser.ts", "bench/cli.ts", "bench/databases.ts", "bench/dump.ts", "bench/measures.ts", "bench/mixed-load.ts", "bench/rss.ts", "bench/search.ts", "bench/util.ts"];

async function help(command: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(command[0]!, [...command.slice(1), "--help"], { cwd: ROOT, env: ENV, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** Runs at most `width` at a time (two cores are shared with other work). */
async function inBatches<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) results.push(...(await Promise.all(items.slice(i, i + width).map(work))));
  return results;
}

describe("--help", () => {
  it("every file under scripts/ is either a runnable script checked here or a module", () => {
    const files = [
      ...readdirSync(join(ROOT, "scripts")).filter((f) => /\.(ts|mjs|sh)$/.test(f)),
      ...readdirSync(join(ROOT, "scripts/bench")).filter((f) => f.endsWith(".ts")).map((f) => `bench/${f}`),
    ];
    expect(files.filter((f) => !(f in SCRIPTS) && !MODULES.includes(f))).toEqual([]);
  });

  it("each script prints its usage and exits 0", { timeout: 180_000 }, async () => {
    const names = Object.keys(SCRIPTS);
    const results = await inBatches(names, 3, (name) => help(SCRIPTS[name]!));
    results.forEach((result, i) => {
      const name = names[i]!;
      expect({ name, code: result.code, stderr: result.stderr.slice(0, 300) }).toEqual({ name, code: 0, stderr: "" });
      expect(result.stdout, name).toMatch(new RegExp(`usage|scripts/${name.replace(".", "\\.")}`, "i"));
      expect(result.stdout, name).not.toMatch(/\n\s+at .+:\d+:\d+/);
    });
  });

  it("the CLI and each of its commands print their usage and exit 0", { timeout: 240_000 }, async () => {
    // As `npm run cli` starts it: the compiled bundle (scripts/cli.mjs), rebuilt first if stale.
    const cli = (...args: string[]) => ["node", "--conditions=react-server", "scripts/cli.mjs", ...args];
    /** The command names listed under "Commands:" in a help text (without `help`). */
    const commandsIn = (text: string) =>
      [...(text.split(/^Commands:$/m)[1] ?? "").matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!).filter((name) => name !== "help");
    const top = await help(cli());
    expect(top.code).toBe(0);
    const commands = commandsIn(top.stdout);
    expect(commands).toEqual(expect.arrayContaining(["db", "seed", "users", "import", "export", "recompute", "import-fhir", "export-fhir", "audit", "backup", "restore", "sync"]));
    const first = await inBatches(commands, 3, async (name) => ({ name, result: await help(cli(name)) }));
    const nested = first.flatMap(({ name, result }) => commandsIn(result.stdout).map((sub) => [name, sub]));
    expect(nested.length).toBeGreaterThan(0);
    const second = await inBatches(nested, 3, async (path) => ({ name: path.join(" "), result: await help(cli(...path)) }));
    for (const { name, result } of [...first, ...second]) {
      expect({ name, code: result.code }).toEqual({ name, code: 0 });
      expect(result.stdout, name).toContain(`Usage: npm run cli -- ${name}`);
    }
  });
});
