import { expect, test } from "./fixtures";
import { cliIn, ensureClinic, signIn } from "./support";
import { startTestEhr, syntheaLaunchPatients, type TestEhr } from "../ehr/test-ehr";
import { DEFAULT_EHR_USER, ehrLaunchParameter, TEST_EHR_CLIENT, type LaunchPageApp } from "../ehr/launch-page";

/**
 * SMART App Launch in Chromium (docs/ehr-integration.md), against the test EHR — SMART's reference
 * launcher in front of Medplum's FHIR server holding the Synthea patients — started here on this
 * worktree's own ports, with its launch page (tests/ehr/launch-page.ts):
 *
 * - an EHR launch from the launch page signs the linked clinician in and opens the patient, with
 *   the EHR's record imported and evaluated; from then on that EHR (only) may frame the pages;
 * - a launch by an EHR user the app does not know is refused with what to ask the admin;
 * - a standalone launch: the user opens their EHR's link from the admin (/smart/start names no
 *   EHR on a site serving several clinics) and picks the patient at the EHR, in its patient picker (the launcher's picker screen is not vendored; the test EHR's stand-in
 *   is tests/ehr/smart-launcher/build/index.html), or the launcher's simulated standalone EHR
 *   pre-selects the patient; the app opens that patient.
 */

const EHR_PORT = Number(process.env.E2E_EHR_PORT ?? 3571);
const MRN_SYSTEM = "http://hospital.smarthealthit.org";

let ehr: TestEhr;
let app: LaunchPageApp;
const patients = syntheaLaunchPatients();
const clarine = patients.find((p) => p.name.startsWith("Clarine"))!;
const gerard = patients.find((p) => p.name.startsWith("Gerard"))!;

/**
 * The launches bring patients in from the EHR, so they go to a clinic of their own (the demo
 * clinic's counts are checked by other specs).
 */
const CLINIC = "ehr-launch";

/**
 * Registers an EHR for the spec's clinic (unless a previous run against the same database did),
 * links the clinician, and returns the EHR's standalone launch link as `ehr list` gives it to the admin.
 */
function register(name: string, issuer: string): string {
  if (!cliIn(CLINIC, undefined, "ehr", "list").includes(issuer)) {
    cliIn(CLINIC, `${TEST_EHR_CLIENT.clientSecret}\n`, "ehr", "add", "--name", name, "--issuer", issuer, "--client-id", TEST_EHR_CLIENT.clientId, "--mrn-system", MRN_SYSTEM, "--client-secret-stdin");
  }
  cliIn(CLINIC, undefined, "ehr", "link", "--issuer", issuer, `clinician@${CLINIC}.clinic`, `Practitioner/${DEFAULT_EHR_USER}`);
  const line = cliIn(CLINIC, undefined, "ehr", "list").split("\n").find((l) => l.includes(`: ${issuer} (`));
  const link = line?.match(/standalone launch: (\/smart\/launch\?ehr=\S+)/)?.[1];
  if (!link) throw new Error(`ehr list gave no standalone launch link for ${issuer}: ${line}`);
  return link;
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const base = String(test.info().project.use.baseURL);
  app = { launchUrl: `${base}/smart/launch`, redirectUri: `${base}/smart/callback`, ...TEST_EHR_CLIENT };
  ensureClinic(CLINIC);
  ehr = await startTestEhr({ port: EHR_PORT, fhirPort: EHR_PORT + 1, launchPage: { app, port: EHR_PORT + 2 } });
  register("Test EHR", ehr.iss);
});
test.afterAll(async () => ehr?.stop());

test("an EHR launch from the EHR's launch page opens the app on that patient, with the EHR's record evaluated", async ({ page }) => {
  await page.goto(ehr.launchPageUrl!);
  await page.getByRole("button", { name: `Launch the app on ${clarine.name}` }).click();
  await expect(page).toHaveURL(/\/patients\/[^/]+$/, { timeout: 30_000 });
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("O'Keefe, Clarine");
  // Evaluated from the EHR's results: a tier, not "Not evaluated".
  await expect(page.locator(".badge[class*='tier-']").first()).toBeVisible();
  await expect(page.getByText("Not evaluated")).toHaveCount(0);
  // Signed in as the linked clinician, by the launch.
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  await expect(page.locator(".who-name")).toContainText("clinician");
  // The ticket left the address bar.
  expect(page.url()).not.toContain("ticket");
  // The EHR that launched the app may now show its pages in a frame; no other origin may.
  const framed = await page.request.get("/patients");
  const frameAncestors = (policy: string | undefined) => (policy ?? "").split("; ").find((directive) => directive.startsWith("frame-ancestors "));
  expect(frameAncestors(framed.headers()["content-security-policy"])).toBe(`frame-ancestors 'self' ${ehr.origin}`);
  const elsewhere = await page.context().browser()!.newContext();
  const unframed = await elsewhere.request.get(new URL("/login", page.url()).toString());
  expect(frameAncestors(unframed.headers()["content-security-policy"])).toBe("frame-ancestors 'none'");
  await elsewhere.close();
});

test("a launch by an EHR user who is not linked to a user here is refused with what to ask the admin", async ({ page }) => {
  await page.goto(`${ehr.launchPageUrl!}?user=unknown-practitioner`);
  await page.getByRole("button", { name: `Launch the app on ${clarine.name}` }).click();
  const refusal = page.getByRole("alert");
  await expect(refusal).toContainText("Ask your admin to link Practitioner/unknown-practitioner to your account", { timeout: 30_000 });
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("The EHR user is not known here");
  // Not signed in: the app's pages still ask for a sign-in.
  await page.goto("/patients");
  await expect(page).toHaveURL(/\/login/);
});

test("a launch naming an EHR no clinic registered is refused", async ({ page }) => {
  const response = await page.goto(`/smart/launch?iss=${encodeURIComponent("https://unregistered-ehr.example.org/fhir")}&launch=${ehrLaunchParameter(app, clarine.id, DEFAULT_EHR_USER)}`);
  expect(response?.status()).toBe(400);
  await expect(page.getByRole("alert")).toContainText("No clinic here has registered the EHR at https://unregistered-ehr.example.org/fhir");
});

test("a standalone launch with the EHR's patient picker: the user opens the admin's link for the EHR, picks the patient in the EHR's list, and the app opens that patient", async ({ page }) => {
  const simIss = `${ehr.origin}/v/r4/sim/${ehrLaunchParameter(app, "", DEFAULT_EHR_USER, "provider-standalone")}/fhir`;
  const link = register("Test EHR (standalone, picker)", simIss);
  // This site serves several clinics, so the public picker names none of their EHRs: the user
  // opens the link the admin gave them.
  await page.goto("/smart/start");
  await expect(page.getByText("with the link your clinic's admin gave you")).toBeVisible();
  await expect(page.getByRole("link", { name: /Test EHR/ })).toHaveCount(0);
  await page.goto(link);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Select a patient", { timeout: 30_000 });
  await page.getByRole("button", { name: new RegExp(`^${clarine.name}`) }).click();
  await expect(page).toHaveURL(/\/patients\/[^/]+$/, { timeout: 30_000 });
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("O'Keefe, Clarine");
});

test("a standalone launch: the user opens the admin's link for the EHR and picks the patient at the EHR, and the app opens that patient", async ({ page }) => {
  const simIss = `${ehr.origin}/v/r4/sim/${ehrLaunchParameter(app, gerard.id, DEFAULT_EHR_USER, "provider-standalone")}/fhir`;
  await page.goto(register("Test EHR (standalone)", simIss));
  await expect(page).toHaveURL(/\/patients\/[^/]+$/, { timeout: 30_000 });
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Thiel, Gerard");
});

test("an admin removes an EHR on the EHR page, after confirming: the page says so, and its standalone link is refused from then on", async ({ page }) => {
  const issuer = `${ehr.origin}/v/r4/fhir-to-remove`;
  const link = register("Old EHR", issuer);
  await signIn(page, `admin@${CLINIC}.clinic`);
  await page.goto("/ehr");
  const section = page.getByRole("region", { name: "Old EHR" });
  await section.getByText("Remove Old EHR…").click();
  await expect(section.getByText("Launches and Bulk Data syncs from Old EHR are refused from then on")).toBeVisible();
  await section.getByRole("button", { name: "Yes, remove Old EHR" }).click();
  await expect(page.getByRole("status")).toContainText("Removed Old EHR: launches and syncs from it are refused from now on. Its patients stay.");
  await expect(page.getByRole("region", { name: "Old EHR" })).toHaveCount(0);
  // The other EHRs of the clinic are still there.
  await expect(page.getByRole("region", { name: "Test EHR", exact: true })).toBeVisible();
  const refused = await page.goto(link);
  expect(refused?.status()).toBe(400);
});

