/**
 * The test EHR (started by hand with `npm run test-ehr`, tests/ehr/start.ts): independent software standing for a
 * clinic's EHR, for the SMART App Launch and CDS Hooks tests and for anyone who wants to try the
 * integration by hand (docs/ehr-integration.md).
 *
 *   - a FHIR R4 server: Medplum's router and in-memory repository (tests/support/fhir-server.ts),
 *     loaded with the Synthea patients of tests/fixtures/synthea/;
 *   - in front of it, SMART's reference launcher (tests/ehr/smart-launcher/: the authorization
 *     server, `.well-known/smart-configuration`, EHR and standalone launches, and a proxy that
 *     lets through only FHIR requests carrying a token it issued).
 *
 * The launcher's packages are installed into tests/ehr/smart-launcher/node_modules on first use.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { resourcesOfTransaction, startTestFhirServer, type TestFhirServer } from "../support/fhir-server";
import type { BulkExportOptions } from "../support/bulk-export";
import type { Patient } from "@medplum/fhirtypes";
import { startLaunchPage, type LaunchPageApp, type LaunchPagePatient } from "./launch-page";

export const LAUNCHER_DIR = path.join(__dirname, "smart-launcher");
const SYNTHEA_DIR = path.join(__dirname, "..", "fixtures", "synthea");

export interface TestEhr {
  /** The launcher's origin, e.g. http://127.0.0.1:3495 */
  origin: string;
  /** The FHIR base URL an app is launched with (`iss`): the launcher's guarded R4 endpoint. */
  iss: string;
  fhir: TestFhirServer;
  /** The launch page (tests/ehr/launch-page.ts), when an app was given to launch. */
  launchPageUrl: string | null;
  stop(): Promise<void>;
}

/** Installs the launcher's packages (its own lockfile) when they are missing. */
export function ensureLauncherInstalled(): void {
  if (existsSync(path.join(LAUNCHER_DIR, "node_modules", "express"))) return;
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: LAUNCHER_DIR, stdio: "inherit" });
  if (result.status !== 0) throw new Error("Installing the SMART launcher's packages failed (npm ci in tests/ehr/smart-launcher).");
}

function syntheaResources() {
  return readdirSync(SYNTHEA_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .flatMap((f) => resourcesOfTransaction(JSON.parse(readFileSync(path.join(SYNTHEA_DIR, f), "utf8"))));
}

async function waitForLauncher(child: ChildProcess, output: () => string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /SMART launcher available at (http:\/\/[^\s]+)/.exec(output());
    if (match) return match[1]!;
    if (child.exitCode !== null) throw new Error(`The SMART launcher stopped (exit ${child.exitCode}):\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The SMART launcher did not start within ${timeoutMs / 1000} s:\n${output()}`);
}

/** The Synthea patients as the launch page lists them. */
export function syntheaLaunchPatients(): LaunchPagePatient[] {
  return syntheaResources()
    .filter((r): r is Patient => r.resourceType === "Patient")
    .map((patient) => {
      const name = patient.name?.[0];
      return { id: String(patient.id), name: `${(name?.given ?? []).join(" ")} ${name?.family ?? ""}`.trim(), birthDate: patient.birthDate ?? "" };
    });
}

/**
 * Starts the FHIR server and the launcher in front of it, and with `launchPage` the launch page for
 * that app; port 0 picks free ports.
 */
export async function startTestEhr(options: { port?: number; fhirPort?: number; secret?: string; launchPage?: { app: LaunchPageApp; port?: number }; bulk?: BulkExportOptions } = {}): Promise<TestEhr> {
  ensureLauncherInstalled();
  const fhir = await startTestFhirServer(syntheaResources(), { port: options.fhirPort ?? 0, ...(options.bulk ? { bulk: options.bulk } : {}) });
  const tsx = path.join(__dirname, "..", "..", "node_modules", ".bin", "tsx");
  const child = spawn(tsx, ["backend/index.ts"], {
    cwd: LAUNCHER_DIR,
    // The caller's environment, so a shifted clock (faketime's LD_PRELOAD, FAKETIME) shifts the
    // launcher's too: the tokens it signs must be fresh by the test's clock.
    env: {
      ...process.env,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(options.port ?? 0),
      SECRET: options.secret ?? "test-ehr-secret",
      FHIR_SERVER_R4: fhir.baseUrl,
      FHIR_SERVER_R3: "",
      FHIR_SERVER_R2: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  let origin: string;
  try {
    origin = (await waitForLauncher(child, () => log, 30_000)).replace(/\/$/, "");
  } catch (error) {
    child.kill();
    await fhir.close();
    throw error;
  }
  const iss = `${origin}/v/r4/fhir`;
  const page = options.launchPage ? await startLaunchPage(iss, options.launchPage.app, syntheaLaunchPatients(), options.launchPage.port ?? 0) : null;
  return {
    origin,
    iss,
    fhir,
    launchPageUrl: page?.url ?? null,
    stop: async () => {
      await page?.close();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill();
        await exited;
      }
      await fhir.close();
    },
  };
}
