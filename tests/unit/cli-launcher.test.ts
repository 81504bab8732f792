import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

/**
 * `npm run cli` runs scripts/cli.mjs: the CLI compiled once into a bundle, rebuilt when any of its
 * sources changed, and `--help` loading nothing heavy (docs/benchmarks.md "CLI start-up").
 */
const run = promisify(execFile);
const ROOT = process.cwd();
const CURRENT = join(ROOT, "node_modules/.cache/sarcopenia-cli/current.json");
/** Nothing here may touch a real database. */
const ENV = { ...process.env, DATABASE_URL: "file:/nonexistent/cli-launcher-test.db" };
const work = mkdtempSync(join(tmpdir(), "cli-launcher-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function cli(args: string[], nodeOptions: string[] = []): Promise<{ stdout: string; stderr: string }> {
  return run("node", [...nodeOptions, "--conditions=react-server", "scripts/cli.mjs", ...args], { cwd: ROOT, env: ENV, timeout: 60_000 });
}

function currentBuild(): { dir: string; files: Record<string, string> } {
  return JSON.parse(readFileSync(CURRENT, "utf8")) as { dir: string; files: Record<string, string> };
}

/** Packages --help must not load. */
const HEAVY = /\/node_modules\/(@prisma|better-sqlite3|pg|zod|csv-parse|csv-stringify|@node-rs)\//;

/**
 * Runs the CLI with a module-resolution hook (node:module `register`) that appends every resolved
 * URL to a file; returns them with the exit code and standard output.
 */
async function traced(name: string, args: string[]): Promise<{ code: number; stdout: string; resolved: string[] }> {
  const trace = join(work, `${name}.txt`);
  writeFileSync(trace, "");
  const hooks = join(work, `${name}-hooks.mjs`);
  writeFileSync(
    hooks,
    `import { appendFileSync } from "node:fs";\nexport async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  appendFileSync(${JSON.stringify(trace)}, result.url + "\\n");\n  return result;\n}\n`,
  );
  const register = join(work, `${name}-register.mjs`);
  writeFileSync(register, `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  let code = 0;
  let stdout = "";
  try {
    ({ stdout } = await cli(args, ["--import", pathToFileURL(register).href]));
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    code = typeof failed.code === "number" ? failed.code : -1;
    stdout = failed.stdout ?? "";
  }
  return { code, stdout, resolved: readFileSync(trace, "utf8").split("\n").filter(Boolean) };
}

describe("scripts/cli.mjs", () => {
  it("rebuilds the bundle when a source changed since the build, and only then", { timeout: 120_000 }, async () => {
    await cli(["--help"]);
    const first = currentBuild();
    expect(Object.keys(first.files)).toEqual(expect.arrayContaining(["lib/cli/main.ts", "lib/cli/progress.ts", "tsconfig.json"]));

    // Unchanged sources: the same build runs again.
    await cli(["--help"]);
    expect(currentBuild().dir).toBe(first.dir);

    // A source whose time changed (same text; an older time, as a file restored from a backup has):
    // rebuilt before it runs, and recorded. The build compares, it does not ask "newer than".
    const source = join(ROOT, "lib/cli/progress.ts");
    const before = statSync(source);
    try {
      const earlier = new Date(before.mtimeMs - 60_000);
      utimesSync(source, earlier, earlier);
      const { stdout } = await cli(["--help"]);
      expect(stdout).toContain("Usage: npm run cli --");
      const second = currentBuild();
      expect(second.dir).not.toBe(first.dir);
      expect(second.files["lib/cli/progress.ts"]).toBe(`${statSync(source).size}:${statSync(source).mtimeMs}`);
    } finally {
      utimesSync(source, before.atime, before.mtime);
    }
  });

  it("--help loads commander but no database driver, Prisma, zod or CSV library", { timeout: 60_000 }, async () => {
    const { stdout, resolved } = await traced("help", ["--help"]);
    expect(stdout).toContain("Commands:");
    expect(resolved.some((url) => url.includes("/node_modules/commander/"))).toBe(true);
    expect(resolved.filter((url) => HEAVY.test(url))).toEqual([]);
  });

  it("a command's action does load them (the trace can see it)", { timeout: 60_000 }, async () => {
    // The database path cannot be created: the command fails, after loading the data layer.
    const { code, resolved } = await traced("action", ["users", "list"]);
    expect(code).toBe(1);
    expect(resolved.filter((url) => HEAVY.test(url))).not.toEqual([]);
  });
});
