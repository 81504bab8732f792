import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beginLaunch, completeLaunch, discoverSmartServer, launchScopes, SmartLaunchError, type SmartClient } from "@/lib/smart/oauth";
import { startTestEhr, type TestEhr } from "../ehr/test-ehr";
import { encode } from "../ehr/smart-launcher/src/isomorphic/codec";
import { syntheaPatients } from "../support/cds-hooks";
import { authorizeThroughLauncher } from "../ehr/authorize";

/**
 * SMART App Launch's OAuth dance (lib/smart/oauth.ts) against the test EHR: SMART's reference
 * launcher (tests/ehr/smart-launcher/) in front of Medplum's FHIR server holding the Synthea
 * patients. The launcher's login and approval screens are part of its web UI, which is not
 * vendored; the launches here ask it to skip them (its `skip_login`/`skip_auth` launch options) and
 * name the patient and the user, as an EHR does when a clinician opens the app from a chart. No
 * database is involved; the file runs once per database like every integration file.
 */

const REDIRECT_URI = "https://screening.example.org/smart/callback";
// Letters and digits only: openid-client form-encodes the client id and secret in the Basic header
// as RFC 6749 §2.3.1 says ("-" becomes "%2D"), and the launcher compares them without decoding.
const CLIENT: SmartClient = { clientId: "sarcopeniaScreening", clientSecret: "aClientSecret2026", redirectUri: REDIRECT_URI };
const PRACTITIONER = "Practitioner/smart-practitioner-1";
const NOW = new Date();

let ehr: TestEhr;
const patient = syntheaPatients().find((p) => p.file.startsWith("Clarine"))!;

/** The launcher's launch options, encoded as it expects them (its own codec). */
function launchOptions(overrides: Record<string, unknown> = {}): string {
  return encode({
    launch_type: "provider-ehr",
    patient: patient.patientId,
    provider: PRACTITIONER.split("/")[1]!,
    encounter: "NONE",
    skip_login: true,
    skip_auth: true,
    sim_ehr: false,
    scope: "",
    redirect_uris: REDIRECT_URI,
    client_id: CLIENT.clientId,
    client_secret: CLIENT.clientSecret,
    client_type: "confidential-symmetric",
    pkce: "always",
    ...overrides,
  } as never);
}

/** The browser's trip through the launcher back to the app (tests/ehr/authorize.ts). */
const authorize = (url: string) => authorizeThroughLauncher(url, REDIRECT_URI);

beforeAll(async () => {
  ehr = await startTestEhr({ port: 0, fhirPort: 0 });
}, 90_000);
afterAll(async () => ehr?.stop());

describe("SMART App Launch against SMART's reference launcher", () => {
  it("reads the SMART configuration: PKCE S256, the endpoints, v2 scopes", async () => {
    const server = await discoverSmartServer(ehr.iss);
    expect(server.configuration.code_challenge_methods_supported).toContain("S256");
    expect(server.configuration.authorization_endpoint).toMatch(/\/auth\/authorize$/);
    expect(launchScopes(server, "ehr")).toBe("launch openid fhirUser patient/*.rs");
    expect(launchScopes(server, "standalone")).toBe("launch/patient openid fhirUser patient/*.rs");
  });

  it("an EHR launch: a confidential client with PKCE gets the patient in context, the user, and a token the EHR's FHIR API accepts", async () => {
    const server = await discoverSmartServer(ehr.iss);
    const pending = await beginLaunch(server, CLIENT, { launch: launchOptions() });
    const authorizationUrl = new URL(pending.authorizationUrl);
    expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizationUrl.searchParams.get("aud")).toBe(ehr.iss);
    const context = await completeLaunch(server, CLIENT, await authorize(pending.authorizationUrl), pending, NOW);
    expect(context.patientId).toBe(patient.patientId);
    expect(context.fhirUser).toMatch(/Practitioner\/smart-practitioner-1$/);
    expect(context.scope).toContain("patient/");
    // The token reads the patient's record through the launcher's FHIR proxy.
    const read = await fetch(`${ehr.iss}/Patient/${context.patientId}`, { headers: { Authorization: `Bearer ${context.accessToken}` } });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { id: string }).id).toBe(patient.patientId);
  });

  it("a standalone launch (no `launch` from the EHR) asks for launch/patient and gets the patient chosen at the EHR", async () => {
    // A standalone launch starts from the launcher's simulated-EHR base URL, which carries the options.
    const iss = `${ehr.origin}/v/r4/sim/${launchOptions({ launch_type: "provider-standalone" })}/fhir`;
    const server = await discoverSmartServer(iss);
    const pending = await beginLaunch(server, CLIENT);
    expect(pending.scope).toBe("launch/patient openid fhirUser patient/*.rs");
    const context = await completeLaunch(server, CLIENT, await authorize(pending.authorizationUrl), pending, NOW);
    expect(context.patientId).toBe(patient.patientId);
  });

  it("refuses a callback whose state is not the launch's, a wrong PKCE verifier, and a wrong client secret", async () => {
    const server = await discoverSmartServer(ehr.iss);
    const forged = await beginLaunch(server, CLIENT, { launch: launchOptions() });
    const callback = await authorize(forged.authorizationUrl);
    await expect(completeLaunch(server, CLIENT, callback, { ...forged, state: "another-state" }, NOW)).rejects.toBeInstanceOf(SmartLaunchError);

    const verifier = await beginLaunch(server, CLIENT, { launch: launchOptions() });
    const other = await beginLaunch(server, CLIENT, { launch: launchOptions() });
    await expect(completeLaunch(server, CLIENT, await authorize(verifier.authorizationUrl), { state: verifier.state, codeVerifier: other.codeVerifier }, NOW)).rejects.toThrow(/did not complete the launch/);

    const secret = await beginLaunch(server, CLIENT, { launch: launchOptions() });
    await expect(completeLaunch(server, { ...CLIENT, clientSecret: "not-the-secret" }, await authorize(secret.authorizationUrl), secret, NOW)).rejects.toThrow(/did not complete the launch/);
  });

  it("reports an error the EHR sends back, and refuses an iss that is not a SMART server or not https", async () => {
    const server = await discoverSmartServer(ehr.iss);
    const pending = await beginLaunch(server, CLIENT, { launch: launchOptions() });
    await expect(completeLaunch(server, CLIENT, `${REDIRECT_URI}?error=access_denied&error_description=The+user+declined&state=${pending.state}`, pending, NOW)).rejects.toThrow(/refused the launch: access_denied \(The user declined\)/);
    await expect(discoverSmartServer(ehr.fhir.baseUrl)).rejects.toThrow(/SMART configuration/);
    await expect(discoverSmartServer("http://ehr.example.org/fhir")).rejects.toThrow(/must be https/);
  });
});
