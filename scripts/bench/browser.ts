/**
 * The panel page in the browser: the gzip size of the client JavaScript the /patients route loads
 * (read from .next's build manifests), and its largest contentful paint in headless Chromium
 * against the production server (server.mjs) on 127.0.0.1 (no other traffic: every request elsewhere is aborted).
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { chromium, type BrowserContext } from "@playwright/test";
import { DEMO_PASSWORD } from "@/lib/data/seed/demo-clinic";
import { fmt, log, median, onInterrupt, withTimeout } from "./util";

const NEXT_DIR = ".next";
const ROUTE = "/patients";

/** Builds the app when there is no build yet (never rebuilds an existing one). */
export function ensureBuild(): void {
  if (existsSync(join(NEXT_DIR, "BUILD_ID"))) return;
  log("no .next/BUILD_ID: running `npx next build` (a few minutes)");
  execFileSync("npx", ["next", "build"], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1" },
    timeout: 20 * 60_000,
  });
}

export interface PageJs {
  files: { path: string; raw: number; gzip: number }[];
  raw: number;
  gzip: number;
  /** Legacy-browser polyfills (loaded with `nomodule`, so not by current browsers); not in the total. */
  polyfillGzip: number;
}

/**
 * The route's JavaScript: the root main files (framework, runtime) from the route's build manifest
 * plus every entry chunk of its layouts and page from its client reference manifest, each gzipped
 * with zlib's default level (what `next start` sends).
 */
export function panelPageJs(): PageJs {
  const routes = JSON.parse(readFileSync(join(NEXT_DIR, "app-path-routes-manifest.json"), "utf8")) as Record<string, string>;
  const entry = Object.entries(routes).find(([, route]) => route === ROUTE)?.[0];
  if (!entry) throw new Error(`page JS: ${ROUTE} is not in .next/app-path-routes-manifest.json`);
  const serverDir = join(NEXT_DIR, "server", "app");
  const buildManifest = JSON.parse(readFileSync(join(serverDir, entry, "build-manifest.json"), "utf8")) as { rootMainFiles: string[]; polyfillFiles: string[] };
  const sandbox: { __RSC_MANIFEST?: Record<string, { entryJSFiles: Record<string, string[]> }> } = {};
  runInNewContext(readFileSync(join(serverDir, `${entry}_client-reference-manifest.js`), "utf8"), sandbox);
  const clientManifest = sandbox.__RSC_MANIFEST?.[entry];
  if (!clientManifest) throw new Error(`page JS: no client reference manifest for ${entry}`);
  const paths = [...new Set([...buildManifest.rootMainFiles, ...Object.values(clientManifest.entryJSFiles).flat()])];
  const files = paths.map((path) => {
    const content = readFileSync(join(NEXT_DIR, path));
    return { path, raw: content.length, gzip: gzipSync(content).length };
  });
  const polyfillGzip = buildManifest.polyfillFiles.reduce((n, path) => n + gzipSync(readFileSync(join(NEXT_DIR, path))).length, 0);
  return { files, raw: files.reduce((n, f) => n + f.raw, 0), gzip: files.reduce((n, f) => n + f.gzip, 0), polyfillGzip };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function freePort(from: number): Promise<number> {
  for (let port = from; port < from + 50; port += 1) if (await portIsFree(port)) return port;
  throw new Error(`no free port in ${from}–${from + 49}`);
}

async function waitForServer(url: string, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server (server.mjs) exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(5_000) });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`the server (server.mjs) did not answer ${url} within ${ms / 1000} s`);
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

export interface PageLoad {
  lcp: number;
  ttfb: number;
  /** JavaScript as transferred (compressed bodies) on a cold-cache load. */
  jsTransferred: number;
  scripts: number;
}

export interface LcpResult {
  lcp: number;
  ttfb: number;
  jsTransferred: number;
  scripts: number;
  rowsShown: string;
}

/**
 * Starts the production server (server.mjs) against `databaseUrl`, signs in as the demo clinician through the form, then
 * loads /patients `runs` times, each in a new browser context with the session cookie and an empty
 * cache, reading LCP with a buffered PerformanceObserver. Medians over the runs.
 */
export async function measureLcp(databaseUrl: string, runs: number): Promise<LcpResult> {
  const port = await freePort(3290);
  const base = `http://127.0.0.1:${port}`;
  log(`  starting the server on ${base} against ${databaseUrl}`);
  const server = spawn(process.execPath, ["server.mjs", "-p", String(port), "-H", "127.0.0.1"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      NEXTAUTH_URL: base,
      NEXTAUTH_SECRET: randomBytes(32).toString("base64"),
      NEXT_TELEMETRY_DISABLED: "1",
      CHECKPOINT_DISABLE: "1",
    },
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const forget = onInterrupt(() => {
    if (server.pid !== undefined && server.exitCode === null) process.kill(-server.pid, "SIGKILL");
  });
  let serverErrors = "";
  server.stderr?.on("data", (chunk: Buffer) => (serverErrors = (serverErrors + chunk.toString()).slice(-4_000)));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  try {
    await waitForServer(`${base}/login`, server, 90_000);
    const onlyLocal = async (context: BrowserContext) => {
      await context.route("**/*", (route) => (new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort()));
    };
    const login = await browser.newContext();
    await onlyLocal(login);
    const page = await login.newPage();
    page.setDefaultTimeout(60_000);
    await page.goto(`${base}/login`);
    await page.getByLabel("Email").fill("clinician@demo.clinic");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Sign out" }).waitFor({ state: "visible" });
    const storageState = await login.storageState();
    await login.close();

    const loads: PageLoad[] = [];
    let rowsShown = "";
    for (let run = 1; run <= runs; run += 1) {
      const context = await browser.newContext({ storageState });
      await onlyLocal(context);
      const p = await context.newPage();
      p.setDefaultTimeout(60_000);
      await p.goto(`${base}${ROUTE}`, { waitUntil: "load" });
      if (!new URL(p.url()).pathname.startsWith(ROUTE)) throw new Error(`expected ${ROUTE}, landed on ${p.url()}`);
      const load = await p.evaluate(
        () =>
          new Promise<{ lcp: number; ttfb: number; jsTransferred: number; scripts: number }>((resolve) => {
            let lcp = 0;
            new PerformanceObserver((list) => {
              for (const entry of list.getEntries()) lcp = Math.max(lcp, entry.startTime);
            }).observe({ type: "largest-contentful-paint", buffered: true });
            setTimeout(() => {
              const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
              const scripts = (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).filter((r) => r.initiatorType === "script" || /\.js(\?|$)/.test(r.name));
              resolve({ lcp, ttfb: nav ? nav.responseStart : 0, jsTransferred: scripts.reduce((n, r) => n + r.encodedBodySize, 0), scripts: scripts.length });
            }, 1_500);
          }),
      );
      rowsShown = (await p.locator("text=/Showing .* patients/").first().textContent().catch(() => "")) ?? "";
      loads.push(load);
      log(`  /patients load ${run}/${runs}: LCP ${fmt.ms(load.lcp)}, TTFB ${fmt.ms(load.ttfb)}, ${load.scripts} scripts ${fmt.kb(load.jsTransferred)} transferred`);
      await context.close();
    }
    return {
      lcp: median(loads.map((l) => l.lcp)),
      ttfb: median(loads.map((l) => l.ttfb)),
      jsTransferred: median(loads.map((l) => l.jsTransferred)),
      scripts: median(loads.map((l) => l.scripts)),
      rowsShown: rowsShown.trim(),
    };
  } catch (error) {
    if (serverErrors) log(`  server stderr (tail):\n${serverErrors}`);
    throw error;
  } finally {
    await withTimeout("closing Chromium", 20_000, browser.close()).catch(() => undefined);
    await stopServer(server);
    forget();
  }
}
