import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { fixturePath } from "../support/fixtures";
import { resourcesOfTransaction, startTestFhirServer, type TestFhirServer } from "../support/fhir-server";
import {
  cdsClients, draftOrder, expectValidCdsResponse, newCdsClient, orderSelectPrefetch, patientViewPrefetch, serumB12, signCdsJwt, syntheaPatients,
  type SyntheaPatient, type TestCdsClient, type TokenOptions,
} from "../support/cds-hooks";
import { discoveryResponse, feedbackResponse, preflightResponse, serviceResponse, type CdsCall } from "@/lib/cds-hooks/handle";
import { createDb } from "@/lib/data/db/client";
import { TIER_INDICATOR } from "@/lib/cds-hooks/cards";
import { importFhir } from "@/lib/data/import/fhir";
import { verifyAuditChain } from "@/lib/data/audit/log";
import { addMonthsUtc } from "@/lib/domain/dates";
import { mapPatient } from "@/lib/domain/fhir-map";
import type { Tier } from "@/lib/domain/types";

/**
 * The CDS Hooks 2.0 service end to end below HTTP: real Requests into the handlers the route files
 * call, a fresh database (SQLite or PostgreSQL), JWTs signed with keys generated here and served
 * as an inline JWKS, the Synthea patients as the EHR's prefetch, and the specification's own
 * examples (tests/fixtures/cds-hooks/). Cards are checked against the specification's required
 * fields, and against the flags the FHIR importer stores for the same bundles.
 */

const BASE = "https://screening.example.org";
const LAUNCH_URL = `${BASE}/smart/launch`;
const METFORMIN = { code: "860975", display: "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet" };
const OMEPRAZOLE = { code: "7646", display: "omeprazole" };
const FAMOTIDINE = { code: "4278", display: "famotidine" };
const LISINOPRIL = { code: "314076", display: "lisinopril 10 MG Oral Tablet" };

let t: TestDatabase;
let clinic: TestClinic;
let stored: TestClinic;
let ehr: TestCdsClient;
let stranger: TestCdsClient;
let call: CdsCall;
const patients = syntheaPatients();
const byName = (prefix: string): SyntheaPatient => patients.find((p) => p.file.startsWith(prefix))!;

const spec = (name: string) => JSON.parse(readFileSync(fixturePath("cds-hooks", name), "utf8")) as Record<string, unknown>;

async function post(path: string, body: unknown, token: string | null, options: { rawBody?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const request = new Request(`${BASE}${path}`, { method: "POST", headers, body: options.rawBody ?? JSON.stringify(body) });
  const parts = path.split("/").filter((p) => p !== "");
  return parts[2] === "feedback" ? feedbackResponse(request, parts[1]!, call) : serviceResponse(request, parts[1]!, call);
}

const token = (path: string, options: Partial<TokenOptions> = {}, client: TestCdsClient = ehr) => signCdsJwt(client, { audience: `${BASE}${path}`, now: TEST_NOW, ...options });

function hookRequest(hook: "patient-view" | "order-select", patient: SyntheaPatient, prefetch: unknown, context: Record<string, unknown> = {}) {
  return { hook, hookInstance: crypto.randomUUID(), fhirServer: "https://ehr.example.org/fhir", context: { userId: "Practitioner/example", patientId: patient.patientId, ...context }, prefetch };
}

async function rowCounts() {
  const db = t.db;
  const [patientRows, observations, medications, snapshots, flags, audit] = await Promise.all([
    db.patient.count(), db.observation.count(), db.patientMedication.count(), db.riskSnapshot.count(), db.flag.count(), db.auditEvent.count(),
  ]);
  return { patientRows, observations, medications, snapshots, flags, audit };
}

beforeAll(async () => {
  t = await createTestDatabase();
  clinic = await createTestClinic(t.db, { slug: "cds", patients: 0 });
  // The same bundles imported the ordinary way, to compare the cards with the flags stored.
  stored = await createTestClinic(t.db, { slug: "stored", patients: 0 });
  await importFhir(t.db, { kind: "system", clinicId: stored.clinicId, label: "test cds-hooks" }, patients.map((p) => ({ name: p.file, content: readFileSync(fixturePath("synthea", p.file), "utf8") })), { now: TEST_NOW });
  ehr = await newCdsClient("https://ehr.example.org");
  stranger = await newCdsClient("https://stranger.example.org");
  call = {
    db: t.db,
    now: TEST_NOW,
    settings: { clients: cdsClients({ [ehr.issuer]: { jwks: { keys: [ehr.publicJwk] }, clinic: "cds" } }), launchUrl: LAUNCH_URL, publicOrigin: BASE },
  };
}, 120_000);

afterAll(async () => {
  await t?.drop();
});

describe(`CDS Hooks discovery (${process.env.TEST_DATABASE ?? "sqlite"})`, () => {
  it("lists patient-view and order-select with prefetch templates for the engine's codes", async () => {
    const response = await discoveryResponse(new Request(`${BASE}/cds-services`, { headers: { authorization: `Bearer ${await token("/cds-services")}` } }), call);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const { services } = (await response.json()) as { services: { id: string; hook: string; description: string; prefetch: Record<string, string> }[] };
    expect(services.map((s) => [s.id, s.hook])).toEqual([["patient-view", "patient-view"], ["order-select", "order-select"]]);
    const [view, order] = services;
    expect(Object.keys(view!.prefetch).sort()).toEqual(["conditions", "medicationRequests", "medicationStatements", "observations", "patient"]);
    expect(view!.prefetch.patient).toBe("Patient/{{context.patientId}}");
    for (const code of ["2132-9", "14685-2", "8302-2", "29463-7"]) expect(view!.prefetch.observations).toContain(`http://loinc.org|${code}`);
    expect(order!.prefetch.b12Results).toContain("http://loinc.org|2132-9");
    expect(order!.prefetch.b12Results).not.toContain("29463-7");
    for (const service of services) expect(service.description.length).toBeGreaterThan(0);
  });

  it("refuses discovery without the client's JWT", async () => {
    const response = await discoveryResponse(new Request(`${BASE}/cds-services`), call);
    expect(response.status).toBe(401);
  });
});

describe(`CDS Hooks patient-view (${process.env.TEST_DATABASE ?? "sqlite"})`, () => {
  it("answers every Synthea patient with one valid card per flag the importer stores for them, and stores nothing", async () => {
    const before = await rowCounts();
    const snapshots = await t.db.riskSnapshot.findMany({ where: { clinicId: stored.clinicId }, select: { flagCodes: true, tier: true, patient: { select: { mrn: true } } } });
    const storedByMrn = new Map(snapshots.map((s) => [s.patient.mrn, s]));
    let cardsSeen = 0;
    for (const patient of patients) {
      const response = await post("/cds-services/patient-view", hookRequest("patient-view", patient, patientViewPrefetch(patient)), await token("/cds-services/patient-view"));
      expect(response.status, patient.file).toBe(200);
      const { cards } = expectValidCdsResponse(await response.json());
      const mapped = mapPatient(patient.resources.find((r) => r.resourceType === "Patient")!);
      if (mapped.status !== "ok") throw new Error(`${patient.file}: patient not mapped`);
      const storedSnapshot = storedByMrn.get(mapped.value.mrn)!;
      const storedFlags = storedSnapshot.flagCodes.split(";").filter((c) => c !== "");
      expect(cards.map((c) => (c.source as { topic: { code: string } }).topic.code), patient.file).toEqual(storedFlags);
      for (const card of cards) {
        expect(card.indicator).toBe(TIER_INDICATOR[storedSnapshot.tier as Tier]);
        expect(card.links).toEqual([{ label: expect.any(String), url: LAUNCH_URL, type: "smart", appContext: expect.stringContaining(patient.patientId) }]);
        expect(typeof card.uuid).toBe("string");
      }
      cardsSeen += cards.length;
    }
    // README of the fixtures: O'Keefe (metformin) and Thiel (age) are due a B12 test; the others are not.
    expect(cardsSeen).toBeGreaterThanOrEqual(2);
    expect(await rowCounts()).toEqual(before);
  });

  it("gives O'Keefe (on metformin, no B12 result) a 'B12 test due' card citing its source", async () => {
    const patient = byName("Clarine");
    const response = await post("/cds-services/patient-view", hookRequest("patient-view", patient, patientViewPrefetch(patient)), await token("/cds-services/patient-view"));
    const { cards } = expectValidCdsResponse(await response.json());
    const card = cards.find((c) => (c.source as { topic: { code: string } }).topic.code === "b12_test_due")!;
    expect(card.summary).toBe("Order a B12 test (due 2026-11-21)");
    expect((card.source as { label: string }).label).toMatch(/NICE NG239|case-finding/);
    expect(card.detail).toContain("metformin");
  });

  it("gives the young patient and the patients who have died no card", async () => {
    for (const name of ["Jules", "Loma", "Vanda"]) {
      const patient = byName(name);
      const response = await post("/cds-services/patient-view", hookRequest("patient-view", patient, patientViewPrefetch(patient)), await token("/cds-services/patient-view"));
      expect(await response.json(), name).toEqual({ cards: [] });
    }
  });

  it("answers 412 naming the prefetch keys a request lacks (the specification's example request)", async () => {
    const response = await post("/cds-services/patient-view", spec("spec-patient-view-request.json"), await token("/cds-services/patient-view"));
    expect(response.status).toBe(412);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe("prefetch_required");
    for (const key of ["patient", "observations", "medicationRequests", "medicationStatements", "conditions"]) expect(body.message).toContain(`"${key}"`);
  });

  it("refuses a prefetched Patient that is not the patient in context, and a body that is not a hook request", async () => {
    const [a, b] = [byName("Clarine"), byName("Gerard")];
    const swapped = { ...patientViewPrefetch(a), patient: patientViewPrefetch(b).patient };
    const wrong = await post("/cds-services/patient-view", hookRequest("patient-view", a, swapped), await token("/cds-services/patient-view"));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { message: string }).message).toContain("not the patient in context");
    const notJson = await post("/cds-services/patient-view", null, await token("/cds-services/patient-view"), { rawBody: "{not json" });
    expect(notJson.status).toBe(400);
    const otherHook = await post("/cds-services/patient-view", hookRequest("order-select", a, patientViewPrefetch(a)), await token("/cds-services/patient-view"));
    expect(otherHook.status).toBe(400);
    const unknown = await post("/cds-services/no-such-service", hookRequest("patient-view", a, {}), await token("/cds-services/no-such-service"));
    expect(unknown.status).toBe(404);
  });
});

describe(`CDS Hooks order-select (${process.env.TEST_DATABASE ?? "sqlite"})`, () => {
  const path = "/cds-services/order-select";
  const order = async (patient: SyntheaPatient, drafts: Record<string, unknown>[], prefetch = orderSelectPrefetch(patient)) =>
    post(
      path,
      hookRequest("order-select", patient, prefetch, { selections: drafts.map((d) => `MedicationRequest/${String(d.id)}`), draftOrders: { resourceType: "Bundle", type: "collection", entry: drafts.map((resource) => ({ resource })) } }),
      await token(path),
    );

  it("suggests a serum B12 ServiceRequest when metformin, a PPI or an H2RA is ordered with no B12 result", async () => {
    const patient = byName("Gerard");
    for (const drug of [METFORMIN, OMEPRAZOLE, FAMOTIDINE]) {
      const response = await order(patient, [draftOrder("draft-1", patient.patientId, drug)]);
      expect(response.status, drug.display).toBe(200);
      const { cards } = expectValidCdsResponse(await response.json());
      expect(cards, drug.display).toHaveLength(1);
      const card = cards[0] as { summary: string; suggestions: { actions: { type: string; resource: Record<string, unknown> }[] }[]; links: unknown[] };
      expect(card.summary).toMatch(/^Consider a B12 test/);
      const action = card.suggestions[0]!.actions[0]!;
      expect(action.type).toBe("create");
      expect(action.resource).toEqual(
        expect.objectContaining({
          resourceType: "ServiceRequest",
          status: "draft",
          intent: "order",
          code: expect.objectContaining({ coding: [{ system: "http://loinc.org", code: "2132-9", display: expect.any(String) }] }),
          subject: { reference: `Patient/${patient.patientId}` },
        }),
      );
      expect(card.links).toEqual([expect.objectContaining({ type: "smart", url: LAUNCH_URL })]);
    }
  });

  it("gives no card for another medicine, for a B12 result within the re-test interval, or for a patient on B12 replacement", async () => {
    const gerard = byName("Gerard");
    expect(await (await order(gerard, [draftOrder("draft-2", gerard.patientId, LISINOPRIL)])).json()).toEqual({ cards: [] });
    const recent = serumB12(gerard.patientId, addMonthsUtc(TEST_NOW, -11));
    expect(await (await order(gerard, [draftOrder("draft-3", gerard.patientId, METFORMIN)], orderSelectPrefetch(gerard, [recent]))).json()).toEqual({ cards: [] });
    const old = serumB12(gerard.patientId, addMonthsUtc(TEST_NOW, -13));
    const { cards } = expectValidCdsResponse(await (await order(gerard, [draftOrder("draft-4", gerard.patientId, METFORMIN)], orderSelectPrefetch(gerard, [old]))).json());
    expect(cards).toHaveLength(1);
    expect(cards[0]!.detail).toContain(addMonthsUtc(TEST_NOW, -13).toISOString().slice(0, 10));
    // Schaden is on B12 injections: NICE does not re-test people established on replacement.
    const andy = byName("Andy");
    expect(await (await order(andy, [draftOrder("draft-5", andy.patientId, METFORMIN)])).json()).toEqual({ cards: [] });
  });

  it("refuses a request without its draft orders", async () => {
    const patient = byName("Gerard");
    const response = await post(path, hookRequest("order-select", patient, orderSelectPrefetch(patient), { selections: [] }), await token(path));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain("draftOrders");
  });

  it("answers 412 when the B12 results were not prefetched", async () => {
    const patient = byName("Gerard");
    const { b12Results: _left, ...prefetch } = orderSelectPrefetch(patient);
    const response = await order(patient, [draftOrder("draft-6", patient.patientId, METFORMIN)], prefetch);
    expect(response.status).toBe(412);
    expect(((await response.json()) as { message: string }).message).toContain('"b12Results"');
  });
});

describe(`CDS Hooks authentication (${process.env.TEST_DATABASE ?? "sqlite"})`, () => {
  const path = "/cds-services/patient-view";
  const body = () => hookRequest("patient-view", byName("Gerard"), patientViewPrefetch(byName("Gerard")));

  async function expectRefused(authorization: string | null, why: RegExp) {
    const response = await post(path, body(), authorization);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    const json = (await response.json()) as { error: string; message: string };
    expect(json.error).toBe("unauthorized");
    expect(json.message).toMatch(why);
  }

  it("accepts a fresh token, once", async () => {
    const once = await token(path);
    expect((await post(path, body(), once)).status).toBe(200);
    await expectRefused(once, /used before/);
  });

  it("a token accepted by one app instance is refused by another; sent to two at once, exactly one accepts it", async () => {
    // Two database clients on one database stand for two app instances.
    const other: CdsCall = { ...call, db: createDb(t.url) };
    try {
      const used = await token(path);
      expect((await post(path, body(), used)).status).toBe(200);
      const replayed = await serviceResponse(new Request(`${BASE}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${used}` }, body: JSON.stringify(body()) }), "patient-view", other);
      expect(replayed.status).toBe(401);
      expect(((await replayed.json()) as { message: string }).message).toMatch(/used before/);

      const raced = await token(path);
      const request = () => new Request(`${BASE}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${raced}` }, body: JSON.stringify(body()) });
      const statuses = (await Promise.all([serviceResponse(request(), "patient-view", call), serviceResponse(request(), "patient-view", other)])).map((r) => r.status);
      expect(statuses.sort()).toEqual([200, 401]);
    } finally {
      await other.db.$disconnect();
    }
  });

  it("forgets a token once it has expired, so the table holds only the last few minutes", async () => {
    const before = await t.db.cdsTokenUse.count();
    expect((await post(path, body(), await token(path))).status).toBe(200);
    expect(await t.db.cdsTokenUse.count()).toBe(before + 1);
    // Six minutes later every token of this test file has expired (a token lives at most five).
    const later: CdsCall = { ...call, now: new Date(TEST_NOW.getTime() + 6 * 60_000) };
    const fresh = await signCdsJwt(ehr, { audience: `${BASE}${path}`, now: later.now });
    const response = await serviceResponse(new Request(`${BASE}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${fresh}` }, body: JSON.stringify(body()) }), "patient-view", later);
    expect(response.status).toBe(200);
    expect(await t.db.cdsTokenUse.count()).toBe(1);
  });

  it("answers with CORS headers, errors included, and a preflight without a token", async () => {
    const ok = await post(path, body(), await token(path));
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    const refused = await post(path, body(), null);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe("*");
    expect(refused.headers.get("access-control-expose-headers")).toContain("WWW-Authenticate");
    const preflight = preflightResponse();
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
    expect(preflight.headers.get("access-control-allow-methods")).toMatch(/POST/);
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("refuses a missing, malformed, expired, too old, mis-addressed or incomplete token", async () => {
    await expectRefused(null, /No Authorization header/);
    await expectRefused("not-a-jwt", /not "Bearer <JWT>"|Bearer/);
    await expectRefused(await token(path, { expiresIn: -60 }), /expired/);
    await expectRefused(await token(path, { issuedAgo: 10 * 60, expiresIn: 60 }), /issued more than 5 minutes ago/);
    await expectRefused(await token("/cds-services/order-select"), /aud/);
    await expectRefused(await token(path, { without: "jti" }), /jti/);
    await expectRefused(await token(path, { without: "exp" }), /exp/);
  });

  it("refuses a token signed by another key, and an issuer that is not configured", async () => {
    // The stranger's key, claiming to be the trusted EHR (with the EHR's key id, or its own).
    await expectRefused(await token(path, { issuer: ehr.issuer, kid: ehr.kid }, stranger), /signature verification failed/);
    await expectRefused(await token(path, { issuer: ehr.issuer }, stranger), /no applicable key/);
    await expectRefused(await token(path, {}, stranger), /not a trusted CDS client/);
  });

  it("refuses the specification's example token: its key is not configured, and it names another service", async () => {
    const example = spec("spec-jwt.json") as { token: string; issuer: string; jwks: { keys: Record<string, unknown>[] } };
    await expectRefused(example.token, /not a trusted CDS client/);
    const trusting: CdsCall = { ...call, settings: { ...call.settings, clients: cdsClients({ [example.issuer]: { jwks: example.jwks, clinic: "cds" } }) } };
    const response = await serviceResponse(new Request(`${BASE}${path}`, { method: "POST", headers: { authorization: `Bearer ${example.token}` }, body: JSON.stringify(body()) }), "patient-view", trusting);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { message: string }).message).toMatch(/"aud"/);
  });

  it("answers 503 naming the setting when the client's clinic does not exist", async () => {
    const misconfigured: CdsCall = { ...call, settings: { ...call.settings, clients: cdsClients({ [ehr.issuer]: { jwks: { keys: [ehr.publicJwk] }, clinic: "no-such-clinic" } }) } };
    const response = await serviceResponse(new Request(`${BASE}${path}`, { method: "POST", headers: { authorization: `Bearer ${await token(path)}` }, body: JSON.stringify(body()) }), "patient-view", misconfigured);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { message: string }).message).toContain("CDS_CLIENTS");
  });
});

describe(`CDS Hooks feedback (${process.env.TEST_DATABASE ?? "sqlite"})`, () => {
  const path = "/cds-services/order-select/feedback";

  it("records the specification's example feedback in the clinic's audit log, as the client", async () => {
    const response = await post(path, spec("spec-feedback-accepted.json"), await token("/cds-services/order-select"));
    expect(response.status).toBe(200);
    const events = await t.db.auditEvent.findMany({ where: { clinicId: clinic.clinicId, action: "cds.feedback" } });
    expect(events).toHaveLength(1);
    expect(events[0]!.actorLabel).toBe(`system:cds-client ${ehr.issuer}`);
    expect(events[0]!.entityId).toBe("order-select");
    expect(JSON.parse(events[0]!.detailJson)).toEqual({
      issuer: ehr.issuer,
      service: "order-select",
      feedback: [{ card: "4e0a3a1e-3283-4575-ab82-028d55fe2719", outcome: "accepted", acceptedSuggestions: [{ id: "e56e1945-20b3-4393-8503-a1a20fd73152" }], outcomeTimestamp: "2020-12-11T00:00:00Z" }],
    });
    const verification = await verifyAuditChain(t.db, { clinicId: clinic.clinicId });
    expect(verification.ok).toBe(true);
  });

  it("accepts a token addressed to the feedback URL itself, and records nothing for a refused or malformed call", async () => {
    const before = await t.db.auditEvent.count({ where: { action: "cds.feedback" } });
    expect((await post(path, spec("spec-feedback-accepted.json"), await token(path))).status).toBe(200);
    expect((await post(path, spec("spec-feedback-accepted.json"), null)).status).toBe(401);
    expect((await post(path, spec("spec-feedback-accepted.json"), await token(path, {}, stranger))).status).toBe(401);
    expect((await post(path, { feedback: [{ card: "x", outcome: "liked", outcomeTimestamp: "2020-12-11T00:00:00Z" }] }, await token(path))).status).toBe(400);
    const hidden = { feedback: [{ card: "x", outcome: "overridden", outcomeTimestamp: "2020-12-11T00:00:00Z", overrideReason: { userComment: "fine\u202eeno" } }] };
    const refused = await post(path, hidden, await token(path));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(/userComment/);
    expect(await t.db.auditEvent.count({ where: { action: "cds.feedback" } })).toBe(before + 1);
  });
});

describe(`CDS Hooks without prefetch: fetched from the EHR's FHIR server (${process.env.TEST_DATABASE ?? "sqlite"})`, () => {
  const ACCESS_TOKEN = "ehr-access-token-for-this-call";
  let fhir: TestFhirServer;
  let fetching: CdsCall;

  beforeAll(async () => {
    // The EHR's FHIR API: Medplum's in-memory server holding the six Synthea records, answering
    // searches in pages of 10 so that a record takes several pages.
    const resources = patients.flatMap((p) => resourcesOfTransaction(JSON.parse(readFileSync(fixturePath("synthea", p.file), "utf8"))));
    fhir = await startTestFhirServer(resources, { token: ACCESS_TOKEN, pageSize: 10 });
    fetching = { ...call, settings: { ...call.settings, clients: cdsClients({ [ehr.issuer]: { jwks: { keys: [ehr.publicJwk] }, clinic: "cds", fhirServers: [fhir.baseUrl] } }) } };
  }, 60_000);
  afterAll(async () => fhir?.close());

  const send = async (hook: "patient-view" | "order-select", body: Record<string, unknown>, on: CdsCall = fetching) => {
    const path = `/cds-services/${hook}`;
    const request = new Request(`${BASE}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${await token(path)}` }, body: JSON.stringify(body) });
    return serviceResponse(request, hook, on);
  };
  const withServer = (body: Record<string, unknown>, server = fhir.baseUrl, accessToken = ACCESS_TOKEN) => ({
    ...body,
    fhirServer: server,
    fhirAuthorization: { access_token: accessToken, token_type: "Bearer", expires_in: 300, scope: "patient/*.read", subject: "cds-service" },
  });
  const withoutPrefetch = (body: Record<string, unknown>) => {
    const { prefetch: _none, ...rest } = body;
    return rest;
  };
  const topics = (cards: Record<string, unknown>[]) => cards.map((c) => [(c.source as { topic: { code: string } }).topic.code, c.summary, c.detail]);

  it("gives every Synthea patient the same cards as with prefetch, reading the record page by page with the call's token", async () => {
    let pagesFollowed = 0;
    for (const patient of patients) {
      const prefetched = expectValidCdsResponse(await (await send("patient-view", hookRequest("patient-view", patient, patientViewPrefetch(patient)))).json());
      const asked = fhir.requests.length;
      const response = await send("patient-view", withServer(withoutPrefetch(hookRequest("patient-view", patient, null))));
      expect(response.status, `${patient.file}: ${response.status === 200 ? "" : JSON.stringify(await response.clone().json())}`).toBe(200);
      const fetched = expectValidCdsResponse(await response.json());
      expect(topics(fetched.cards), patient.file).toEqual(topics(prefetched.cards));
      const made = fhir.requests.slice(asked);
      expect(made.every((r) => r.authorization === `Bearer ${ACCESS_TOKEN}`)).toBe(true);
      expect(made.some((r) => r.url === `Patient/${patient.patientId}`)).toBe(true);
      pagesFollowed += made.filter((r) => r.url.includes("_offset=")).length;
    }
    expect(pagesFollowed).toBeGreaterThan(0);
  });

  it("fetches only the keys the client did not send", async () => {
    const patient = byName("Clarine");
    const { patient: sent } = patientViewPrefetch(patient);
    const asked = fhir.requests.length;
    const response = await send("patient-view", withServer({ ...hookRequest("patient-view", patient, { patient: sent }) }));
    expect(response.status).toBe(200);
    const made = fhir.requests.slice(asked).map((r) => r.url.split("?")[0]);
    expect(made).not.toContain(`Patient/${patient.patientId}`);
    expect(new Set(made)).toEqual(new Set(["Observation", "MedicationRequest", "MedicationStatement", "Condition"]));
    const card = expectValidCdsResponse(await response.json()).cards.find((c) => (c.source as { topic: { code: string } }).topic.code === "b12_test_due");
    expect(card?.summary).toBe("Order a B12 test (due 2026-11-21)");
  });

  it("suggests the B12 test on order-select from the fetched record, and fetches nothing for an order that prompts nothing", async () => {
    const patient = byName("Gerard");
    const drafts = (drug: { code: string; display: string }, id: string) => ({ selections: [`MedicationRequest/${id}`], draftOrders: { resourceType: "Bundle", type: "collection", entry: [{ resource: draftOrder(id, patient.patientId, drug) }] } });
    const response = await send("order-select", withServer(withoutPrefetch(hookRequest("order-select", patient, null, drafts(METFORMIN, "draft-f1")))));
    expect(response.status).toBe(200);
    expect(expectValidCdsResponse(await response.json()).cards.map((c) => c.summary)).toEqual([expect.stringMatching(/^Consider a B12 test/)]);
    const asked = fhir.requests.length;
    const none = await send("order-select", withServer(withoutPrefetch(hookRequest("order-select", patient, null, drafts(LISINOPRIL, "draft-f2")))));
    expect(await none.json()).toEqual({ cards: [] });
    expect(fhir.requests.length).toBe(asked);
  });

  it("never sends the token to a FHIR server that is not configured for the client: 412, and the server is not called", async () => {
    const patient = byName("Gerard");
    const asked = fhir.requests.length;
    // The same server, but the client is not configured to be fetched from.
    const refused = await send("patient-view", withServer(withoutPrefetch(hookRequest("patient-view", patient, null))), call);
    expect(refused.status).toBe(412);
    expect(((await refused.json()) as { message: string }).message).toMatch(/fhirServers/);
    // A configured client naming another server (any URL inside the network would do).
    const elsewhere = await send("patient-view", withServer(withoutPrefetch(hookRequest("patient-view", patient, null)), "http://127.0.0.1:9/fhir"));
    expect(elsewhere.status).toBe(412);
    expect(fhir.requests.length).toBe(asked);
  });

  it("answers 502 saying why when the FHIR server refuses the token, and 400 for a fhirAuthorization without a bearer token", async () => {
    const patient = byName("Gerard");
    const refused = await send("patient-view", withServer(withoutPrefetch(hookRequest("patient-view", patient, null)), fhir.baseUrl, "a-wrong-token"));
    expect(refused.status).toBe(502);
    const body = (await refused.json()) as { error: string; message: string };
    expect(body.error).toBe("fhir_server_error");
    expect(body.message).toMatch(/401.*access token was refused/);
    const malformed = await send("patient-view", { ...withoutPrefetch(hookRequest("patient-view", patient, null)), fhirServer: fhir.baseUrl, fhirAuthorization: { token_type: "Bearer" } });
    expect(malformed.status).toBe(400);
  });

  it("stores nothing about the fetched patients", async () => {
    const before = await rowCounts();
    const audit = await t.db.auditEvent.count();
    for (const patient of patients) await send("patient-view", withServer(withoutPrefetch(hookRequest("patient-view", patient, null))));
    expect(await rowCounts()).toEqual(before);
    expect(await t.db.auditEvent.count()).toBe(audit);
  });
});
