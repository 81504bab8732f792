import { generateKeyPairSync } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "./fixtures";
import { cliIn, ensureClinic, signIn } from "./support";
import { startTestEhr, syntheaLaunchPatients, type TestEhr } from "../ehr/test-ehr";
import { encode } from "../ehr/smart-launcher/src/isomorphic/codec";

/**
 * Bulk Data sync from the EHR page, in Chromium (docs/ehr-integration.md#fhir-bulk-data-sync): an
 * admin sets up the EHR's backend-services client id and the app's private key, presses "Sync
 * now", follows the progress to the end, and finds the EHR's patients on the panel. The test EHR
 * (SMART's launcher as the authorization server; Medplum's FHIR server with `$export`) runs on
 * this spec's own ports.
 */

const EHR_PORT = Number(process.env.E2E_BULK_EHR_PORT ?? 3581);
const CLIENT_ID = "sarcopeniaBulkE2e";
/** The sync brings patients in, so into a clinic of its own (the demo clinic's counts are checked by other specs). */
const CLINIC = "ehr-bulk";

let ehr: TestEhr;
let privateJwk: string;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  ehr = await startTestEhr({ port: EHR_PORT, fhirPort: EHR_PORT + 1, bulk: { pollsBeforeDone: 2, retryAfterSeconds: 1, resourcesPerFile: 40 } });
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = "bulk-e2e-key";
  privateJwk = JSON.stringify({ ...privateKey.export({ format: "jwk" }), kid, alg: "RS384" });
  const sim = encode({ launch_type: "backend-service", client_id: CLIENT_ID, jwks: JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS384" }] }), client_type: "backend-service" } as never);
  ehr.fhir.acceptTokensFrom({ introspectionEndpoint: `${ehr.origin}/v/r4/sim/${sim}/auth/introspect`, tokenEndpoint: `${ehr.origin}/v/r4/sim/${sim}/auth/token` });
  ensureClinic(CLINIC);
  if (!cliIn(CLINIC, undefined, "ehr", "list").includes(ehr.iss)) {
    cliIn(CLINIC, "bulk-e2e-client-secret\n", "ehr", "add", "--name", "Bulk test EHR", "--issuer", ehr.iss, "--client-id", "bulkLaunch", "--mrn-system", "http://hospital.smarthealthit.org", "--client-secret-stdin");
  }
});
test.afterAll(async () => ehr?.stop());

test("an admin sets up Bulk Data sync on the EHR page, syncs, follows the progress, and finds the EHR's patients on the panel", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, `admin@${CLINIC}.clinic`);
  await page.goto("/ehr");
  const section = page.locator(`section[data-ehr="${ehr.iss}"]`);
  const bulk = section.getByRole("region", { name: "Bulk Data sync" });
  await expect(bulk.getByRole("button", { name: "Sync now" })).toHaveCount(0);

  // A public key is refused with the reason, and nothing is saved.
  const form = bulk.getByRole("form", { name: "Bulk Data settings: Bulk test EHR" });
  await form.getByLabel("Backend-services client id").fill(CLIENT_ID);
  await form.getByLabel("Export from (FHIR base URL)").fill(ehr.fhir.baseUrl);
  const { d: _d, ...publicOnly } = JSON.parse(privateJwk) as Record<string, unknown>;
  await form.getByLabel(/^Private key \(JWK\)/).fill(JSON.stringify(publicOnly));
  await form.getByRole("button", { name: "Save Bulk Data settings" }).click();
  await expect(form.getByRole("alert")).toContainText("this is a public key; the sync needs the private one");

  await form.getByLabel(/^Private key \(JWK\)/).fill(privateJwk);
  await form.getByRole("button", { name: "Save Bulk Data settings" }).click();
  await expect(bulk.getByRole("button", { name: "Sync now" })).toBeVisible();
  const results = await new AxeBuilder({ page }).include(`section[data-ehr="${ehr.iss}"]`).analyze();
  expect(results.violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);

  await bulk.getByRole("button", { name: "Sync now" }).click();
  await expect(bulk.getByRole("status").first()).toContainText("Sync from Bulk test EHR started.");
  await expect(bulk.getByText(/Last sync finished .* UTC: (\d+) of \1 files \(everything: first sync\)/)).toBeVisible({ timeout: 60_000 });
  await page.screenshot({ path: test.info().outputPath("ehr-bulk-sync.png"), fullPage: true });

  // The EHR's patients are on the panel.
  for (const patient of syntheaLaunchPatients().slice(0, 3)) {
    const family = patient.name.split(" ").at(-1)!;
    await page.goto(`/patients?q=${encodeURIComponent(family)}`);
    await expect(page.getByRole("link", { name: new RegExp(family) }).first()).toBeVisible();
  }

  // The next sync asks only for what changed: nothing did.
  await page.goto("/ehr");
  await bulk.getByRole("button", { name: "Sync now" }).click();
  await expect(bulk.getByText(/Last sync finished .* UTC: 0 of 0 files|Last sync finished .* UTC \(changes since/)).toBeVisible({ timeout: 60_000 });
});
