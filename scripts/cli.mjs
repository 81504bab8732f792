/**
 * `npm run cli -- …`: starts the operator CLI (lib/cli/main.ts) from a JavaScript bundle compiled
 * by esbuild, so no TypeScript is compiled at start-up (docs/benchmarks.md "CLI start-up": `--help`
 * went from 1.3 s under tsx to 0.1 s, npm not included).
 *
 * The bundle is rebuilt, before it runs, whenever it may be stale: when any file it was built from
 * (every source file esbuild read, plus the configuration below) differs in size or modification
 * time from what was recorded at the build. A rebuild takes a fraction of a second, so nobody runs
 * old code and nobody has to remember a build step. Builds go to node_modules/.cache/sarcopenia-cli/
 * (a new directory each time; `current.json` names the current one and is replaced atomically, so
 * two CLIs started at once never see a half-written build).
 *
 * Packages stay outside the bundle (node_modules resolves them as usual; `--conditions=react-server`
 * in package.json for both the bundle and those packages). Each command's modules are a chunk of their
 * own, loaded when the command runs (lib/cli/main.ts), so `--help` reads only commander and the
 * option definitions. Stack traces name the TypeScript sources with NODE_OPTIONS=--enable-source-maps.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const ENTRY = "lib/cli/main.ts";
const CACHE = join(ROOT, "node_modules", ".cache", "sarcopenia-cli");
const CURRENT = join(CACHE, "current.json");
/** Besides the sources: what decides how they compile (paths, conditions, the compiler itself). */
const CONFIG_FILES = ["scripts/cli.mjs", "tsconfig.json", "package.json", "node_modules/esbuild/package.json"];
/** Builds other than the current one are deleted once this old (a running CLI may still load their chunks). */
const OLD_BUILD_MS = 24 * 60 * 60 * 1000;

/** A file's size and modification time, or "missing". */
function fingerprint(file) {
  try {
    const stats = statSync(join(ROOT, file));
    return `${stats.size}:${stats.mtimeMs}`;
  } catch {
    return "missing";
  }
}

/** The current build's entry file, or null when there is none or any of its inputs changed. */
function upToDateBuild() {
  let current;
  try {
    current = JSON.parse(readFileSync(CURRENT, "utf8"));
  } catch {
    return null;
  }
  if (typeof current?.dir !== "string" || typeof current.files !== "object" || current.files === null) return null;
  for (const [file, recorded] of Object.entries(current.files)) if (fingerprint(file) !== recorded) return null;
  return join(CACHE, current.dir, "main.js");
}

async function build() {
  const { build: esbuild } = await import("esbuild");
  const started = Date.now();
  const dir = `build-${started}-${process.pid}`;
  const result = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    outdir: join(CACHE, dir),
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    conditions: ["react-server"],
    tsconfig: "tsconfig.json",
    sourcemap: true,
    metafile: true,
    logLevel: "warning",
  });
  const files = Object.fromEntries([...Object.keys(result.metafile.inputs), ...CONFIG_FILES].map((file) => [file, fingerprint(file)]));
  // A source saved while esbuild read it: this build may hold the old text, so run it but do not
  // record it as current; the next start builds again.
  const finished = Date.now();
  const changedDuringBuild = Object.values(files).some((print) => {
    const mtime = Number(print.split(":")[1]);
    return mtime >= started && mtime <= finished;
  });
  if (!changedDuringBuild) {
    const temporary = `${CURRENT}.${process.pid}`;
    writeFileSync(temporary, `${JSON.stringify({ dir, builtAt: new Date(started).toISOString(), files }, null, 1)}\n`);
    renameSync(temporary, CURRENT);
    removeOldBuilds(dir);
  }
  return join(CACHE, dir, "main.js");
}

function removeOldBuilds(keep) {
  for (const name of readdirSync(CACHE)) {
    if (!name.startsWith("build-") || name === keep) continue;
    const path = join(CACHE, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > OLD_BUILD_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another CLI removed it first.
    }
  }
}

let main = upToDateBuild();
if (main === null) {
  try {
    mkdirSync(CACHE, { recursive: true });
    main = await build();
  } catch (error) {
    // esbuild has printed the compile errors themselves.
    console.error(`Error: the CLI could not be compiled (${error instanceof Error ? error.message.split("\n")[0] : String(error)}).`);
    process.exit(1);
  }
}
await import(pathToFileURL(main).href);
