import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, type TestClinic } from "../support/clinic-factory";
import { startTestEhr, type TestEhr } from "../ehr/test-ehr";
import { encode } from "../ehr/smart-launcher/src/isomorphic/codec";
import { syntheaPatients } from "../support/cds-hooks";
import { linkEhrUser, saveEhrConnection } from "@/lib/data/ehr/connections";
import { finishLaunch, SmartRefusal, startLaunch } from "@/lib/smart/launch";
import { signInWithTicket } from "@/lib/auth/smart-ticket";
import { verifyAuditChain } from "@/lib/data/audit/verify";
import { authorizeThroughLauncher } from "../ehr/authorize";

/**
 * SMART App Launch inside the app (lib/smart/launch.ts), end to end below HTTP, on the provider
 * under test, against the test EHR (SMART's reference launcher in front of Medplum's FHIR server
 * holding the Synthea patients): the registered EHR launches the app, the EHR user linked to a
 * clinician here is signed in through a one-time ticket, and the patient's record is read from the
 * EHR's FHIR API (every page), imported through the FHIR importer (audited as a SMART launch) and
 * evaluated. Refusals: an issuer no clinic registered, an EHR user not linked (or disabled), a
 * callback replayed or carried to another browser, a used ticket, a patient without an identifier
 * in the clinic's MRN system.
 */

const REDIRECT_URI = "https://screening.example.org/smart/callback";
const CLIENT = { clientId: "sarcopeniaScreening", clientSecret: "aClientSecret2026" };
const MRN_SYSTEM = "http://hospital.smarthealthit.org";
const PRACTITIONER = "smart-practitioner-1";
// The launcher signs tokens with the real clock; the app's own times are the test's.
const NOW = new Date();

let t: TestDatabase;
let c: TestClinic;
let ehr: TestEhr;
const patient = syntheaPatients().find((p) => p.file.startsWith("Clarine"))!;
const mrn = String((patient.resources.find((r) => r.resourceType === "Patient")!.identifier as { system: string; value: string }[]).find((i) => i.system === MRN_SYSTEM)!.value);

/** The launcher's launch options (its own codec), as the test EHR's launch page builds them. */
function launchOptions(overrides: Record<string, unknown> = {}): string {
  return encode({
    launch_type: "provider-ehr", patient: patient.patientId, provider: PRACTITIONER, encounter: "NONE", skip_login: true, skip_auth: true, sim_ehr: false, scope: "",
    redirect_uris: REDIRECT_URI, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, client_type: "confidential-symmetric", pkce: "always",
    ...overrides,
  } as never);
}

/** The browser's trip through the launcher back to the app (tests/ehr/authorize.ts). */
const authorize = (url: string) => authorizeThroughLauncher(url, REDIRECT_URI);

/** An EHR launch through the app up to the callback: the callback URL and this browser's cookie. */
async function launchToCallback(options: Record<string, unknown> = {}): Promise<{ callbackUrl: string; browserNonce: string }> {
  const started = await startLaunch(t.db, { iss: ehr.iss, launch: launchOptions(options) }, REDIRECT_URI, NOW);
  return { callbackUrl: await authorize(started.authorizationUrl), browserNonce: started.browserNonce };
}

async function refusal(promise: Promise<unknown>): Promise<SmartRefusal> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(SmartRefusal);
  return error as SmartRefusal;
}

beforeAll(async () => {
  [t, ehr] = await Promise.all([createTestDatabase(), startTestEhr({ port: 0, fhirPort: 0 })]);
  c = await createTestClinic(t.db, { slug: "smart", patients: 0 });
  await saveEhrConnection(t.db, c.actors.admin, { name: "Test EHR", issuer: ehr.iss, ...CLIENT, mrnSystem: MRN_SYSTEM }, NOW);
  await linkEhrUser(t.db, c.actors.admin, { issuer: ehr.iss }, { id: c.actors.clinician.userId }, `Practitioner/${PRACTITIONER}`, NOW);
}, 120_000);
afterAll(async () => {
  await ehr?.stop();
  await t?.drop();
});

describe("SMART App Launch into the app", () => {
  let patientId: string;

  it("an EHR launch signs the linked clinician in and opens the patient, matched by MRN, with the EHR's record imported and evaluated", async () => {
    const { callbackUrl, browserNonce } = await launchToCallback();
    const finished = await finishLaunch(t.db, callbackUrl, browserNonce, REDIRECT_URI, NOW);
    patientId = finished.patientId;
    const stored = await t.db.patient.findUniqueOrThrow({ where: { id: patientId }, select: { clinicId: true, mrn: true, familyName: true } });
    expect(stored).toEqual({ clinicId: c.clinicId, mrn, familyName: "O'Keefe" });
    expect(await t.db.observation.count({ where: { patientId } })).toBeGreaterThan(0);
    expect(await t.db.riskSnapshot.count({ where: { patientId } })).toBeGreaterThan(0);
    // Every resource of the record was read, across pages (255 Observations, 200 a page).
    const job = await t.db.importJob.findFirstOrThrow({ where: { clinicId: c.clinicId }, orderBy: { startedAt: "desc" } });
    const recordTypes = new Set(["Patient", "Observation", "MedicationRequest", "MedicationStatement", "Condition"]);
    expect(job.rowsTotal).toBe(patient.resources.filter((r) => recordTypes.has(String(r.resourceType))).length);
    expect(job.actorId).toBe(c.actors.clinician.userId);
    expect(JSON.parse(job.summaryJson)).toMatchObject({ via: "SMART launch", ehr: "Test EHR", issuer: ehr.iss });
    const importEvent = await t.db.auditEvent.findFirstOrThrow({ where: { clinicId: c.clinicId, action: "import.run" }, orderBy: { seq: "desc" } });
    expect(JSON.parse(importEvent.detailJson)).toMatchObject({ via: "SMART launch", ehr: "Test EHR" });

    // The ticket signs the clinician in once, audited as a SMART launch; a second use is refused.
    const signedIn = await signInWithTicket(t.db, finished.ticket, "198.51.100.9", NOW, 12);
    expect(signedIn).toMatchObject({ kind: "signed-in", patientId, user: { id: c.actors.clinician.userId } });
    expect(await t.db.userSession.count({ where: { userId: c.actors.clinician.userId, revokedAt: null } })).toBe(1);
    const login = await t.db.auditEvent.findFirstOrThrow({ where: { clinicId: c.clinicId, action: "user.login" }, orderBy: { seq: "desc" } });
    expect(JSON.parse(login.detailJson)).toEqual({ address: "198.51.100.9", via: "SMART launch", ehr: "Test EHR", fhirUser: `Practitioner/${PRACTITIONER}` });
    expect(await signInWithTicket(t.db, finished.ticket, "198.51.100.9", NOW, 12)).toEqual({ kind: "refused" });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  }, 60_000);

  it("a second launch on the same patient opens the same record and imports nothing twice", async () => {
    const before = await t.db.observation.count({ where: { patientId } });
    const { callbackUrl, browserNonce } = await launchToCallback();
    const finished = await finishLaunch(t.db, callbackUrl, browserNonce, REDIRECT_URI, NOW);
    expect(finished.patientId).toBe(patientId);
    expect(await t.db.observation.count({ where: { patientId } })).toBe(before);
    expect(await t.db.patient.count({ where: { clinicId: c.clinicId } })).toBe(1);
  }, 60_000);

  it("a ticket older than 60 seconds is refused", async () => {
    const { callbackUrl, browserNonce } = await launchToCallback();
    const finished = await finishLaunch(t.db, callbackUrl, browserNonce, REDIRECT_URI, NOW);
    expect(await signInWithTicket(t.db, finished.ticket, "198.51.100.9", new Date(NOW.getTime() + 61_000), 12)).toEqual({ kind: "refused" });
  }, 60_000);

  it("refuses an EHR user who is not linked here, saying whom the admin should link", async () => {
    const { callbackUrl, browserNonce } = await launchToCallback({ provider: "unknown-practitioner" });
    const refused = await refusal(finishLaunch(t.db, callbackUrl, browserNonce, REDIRECT_URI, NOW));
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/Ask your admin to link Practitioner\/unknown-practitioner to your account/);
    expect(await t.db.smartSignInTicket.count({ where: { fhirUser: "Practitioner/unknown-practitioner" } })).toBe(0);
  }, 60_000);

  it("refuses a linked user who has been disabled", async () => {
    await t.db.user.update({ where: { id: c.actors.clinician.userId }, data: { disabledAt: NOW } });
    try {
      const { callbackUrl, browserNonce } = await launchToCallback();
      expect((await refusal(finishLaunch(t.db, callbackUrl, browserNonce, REDIRECT_URI, NOW))).message).toMatch(/not linked to an active user/);
    } finally {
      await t.db.user.update({ where: { id: c.actors.clinician.userId }, data: { disabledAt: null } });
    }
  }, 60_000);

  it("refuses a linked user whose role does not open patient records (an analyst)", async () => {
    await linkEhrUser(t.db, c.actors.admin, { issuer: ehr.iss }, { id: c.actors.analyst.userId }, "Practitioner/analyst-1", NOW);
    const { callbackUrl, browserNonce } = await launchToCallback({ provider: "analyst-1" });
    const refused = await refusal(finishLaunch(t.db, callbackUrl, browserNonce, REDIRECT_URI, NOW));
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/analyst@smart.test\) is an analyst, a role that does not open patient records/);
  }, 60_000);

  it("refuses an issuer no clinic registered, a replayed callback and a callback in another browser", async () => {
    const unknown = await refusal(startLaunch(t.db, { iss: "https://other-ehr.example.org/fhir", launch: "x" }, REDIRECT_URI, NOW));
    expect(unknown.message).toMatch(/No clinic here has registered the EHR at https:\/\/other-ehr.example.org\/fhir/);

    const { callbackUrl, browserNonce } = await launchToCallback();
    expect((await refusal(finishLaunch(t.db, callbackUrl, "another browser's cookie", REDIRECT_URI, NOW))).message).toMatch(/started in another browser/);
    // The launch was taken by that attempt: the right browser cannot use it afterwards either.
    expect((await refusal(finishLaunch(t.db, callbackUrl, browserNonce, REDIRECT_URI, NOW))).message).toMatch(/unknown or was already used/);

    const late = await launchToCallback();
    expect((await refusal(finishLaunch(t.db, late.callbackUrl, late.browserNonce, REDIRECT_URI, new Date(NOW.getTime() + 11 * 60_000)))).message).toMatch(/expired/);
  }, 60_000);

  it("refuses a patient with no identifier in the clinic's MRN system, naming the systems the record has", async () => {
    await t.db.ehrConnection.updateMany({ where: { issuer: ehr.iss }, data: { mrnSystem: "urn:oid:1.2.3.4.5" } });
    try {
      const { callbackUrl, browserNonce } = await launchToCallback();
      const refused = await refusal(finishLaunch(t.db, callbackUrl, browserNonce, REDIRECT_URI, NOW));
      expect(refused.status).toBe(502);
      expect(refused.message).toMatch(/no identifier in the clinic's MRN system \(urn:oid:1.2.3.4.5\).*http:\/\/hospital.smarthealthit.org/);
    } finally {
      await t.db.ehrConnection.updateMany({ where: { issuer: ehr.iss }, data: { mrnSystem: MRN_SYSTEM } });
    }
  }, 60_000);

  it("a standalone launch from the EHR picked in the app opens the patient chosen at the EHR", async () => {
    // The launcher's simulated standalone EHR carries its options in the FHIR base URL (its patient pre-selected: no picker screen is vendored).
    const simIss = `${ehr.origin}/v/r4/sim/${launchOptions({ launch_type: "provider-standalone", patient: syntheaPatients().find((p) => p.file.startsWith("Gerard"))!.patientId })}/fhir`;
    const standalone = await saveEhrConnection(t.db, c.actors.admin, { name: "Test EHR (standalone)", issuer: simIss, ...CLIENT, mrnSystem: MRN_SYSTEM }, NOW);
    await linkEhrUser(t.db, c.actors.admin, { id: standalone.id }, { id: c.actors.clinician.userId }, `Practitioner/${PRACTITIONER}`, NOW);
    const started = await startLaunch(t.db, { ehrId: standalone.id }, REDIRECT_URI, NOW);
    expect(new URL(started.authorizationUrl).searchParams.get("scope")).toBe("launch/patient openid fhirUser patient/*.rs");
    const finished = await finishLaunch(t.db, await authorize(started.authorizationUrl), started.browserNonce, REDIRECT_URI, NOW);
    expect((await t.db.patient.findUniqueOrThrow({ where: { id: finished.patientId } })).familyName).toBe("Thiel");
  }, 60_000);
});
