import { defineConfig } from "@playwright/test";
import baseConfig from "./playwright.config";

/**
 * Two app instances (two `next start` processes) on one PostgreSQL database — the deployment of
 * docs/deployment.md without the load balancer — for tests/e2e-multi. Needs a production build and
 * a PostgreSQL server: MULTI_PG_URL is its admin URL (`bash scripts/pg-server.sh start <port>`
 * prints one); the database `sarc_multi` on it is created afresh. Ports: E2E_PORT and E2E_PORT + 1.
 */
const adminUrl = process.env.MULTI_PG_URL;
if (!adminUrl) throw new Error("playwright.multi.config.ts needs MULTI_PG_URL (bash scripts/pg-server.sh start <port> prints one)");
const portA = Number(process.env.E2E_PORT ?? 3210);
const portB = portA + 1;
const database = "sarc_multi";
export const MULTI_DATABASE_URL = `${adminUrl.replace(/\/[^/]*$/, "")}/${database}`;
export const INSTANCE_A = `http://127.0.0.1:${portA}`;
export const INSTANCE_B = `http://127.0.0.1:${portB}`;

export default defineConfig({
  ...baseConfig,
  testDir: "tests/e2e-multi",
  // Two servers and a seed share the machine: allow slower answers than the single-instance suite.
  expect: { timeout: 20_000 },
  timeout: 120_000,
  use: { ...baseConfig.use, baseURL: INSTANCE_A },
  webServer: [
    {
      command: `bash scripts/multi-instance-server.sh primary ${portA} ${adminUrl} ${database}`,
      url: `${INSTANCE_A}/login`,
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: `bash scripts/multi-instance-server.sh secondary ${portB} ${adminUrl} ${database} ${portA}`,
      url: `${INSTANCE_B}/login`,
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
  ],
});
