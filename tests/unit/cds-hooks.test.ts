import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { authenticateCdsClient } from "@/lib/auth/cds-client-jwt";
import { parseCdsClients, type CdsClients } from "@/lib/config/cds-clients.mjs";
import { parseEnv } from "@/lib/config/env";
import { fitSummary, flagCard, flagSummary, patientViewCards, SUMMARY_MAX, TIER_INDICATOR } from "@/lib/cds-hooks/cards";
import { b12OrderCard, promptingDrafts, SERUM_B12_CODE, type OrderSelectInput } from "@/lib/cds-hooks/order-select";
import { addMonthsUtc } from "@/lib/domain/dates";
import { findMedicineById } from "@/lib/domain/medicine-catalogue";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/thresholds";
import { FLAG_CODES, TIERS, type FlagResult } from "@/lib/domain/types";
import { fixturePath } from "../support/fixtures";
import { expectValidCdsResponse } from "../support/cds-hooks";
import { day, evaluate, history, med, NOW, obs } from "./helpers";

const LAUNCH = "https://screening.example.org/smart/launch";
let counter = 0;
const newId = () => `id-${++counter}`;

describe("card building", () => {
  it("maps tiers to indicators: high → critical, elevated → warning, low and unassessed → info", () => {
    expect(TIER_INDICATOR).toEqual({ high: "critical", elevated: "warning", low: "info", unassessed: "info" });
    expect(Object.keys(TIER_INDICATOR).sort()).toEqual([...TIERS].sort());
  });

  it("fits a summary under 140 characters at a word, and leaves a short one alone", () => {
    expect(fitSummary("Short.")).toBe("Short.");
    const exact = "x".repeat(SUMMARY_MAX);
    expect(fitSummary(exact)).toBe(exact);
    const long = `${"word ".repeat(40)}end`;
    const fitted = fitSummary(long);
    expect(fitted.length).toBeLessThan(140);
    expect(fitted).toMatch(/word…$/);
    expect(fitSummary("y".repeat(300))).toHaveLength(SUMMARY_MAX);
  });

  it("says what to do and by when: the whole instruction when it fits, else up to its first colon", () => {
    const flag = (text: string): FlagResult => ({ code: "b12_test_due", dueAt: "2026-11-21T00:00:00.000Z", reasons: [], text, basis: "b", source: "s" });
    expect(flagSummary(flag("Confirm the indeterminate B12 result with methylmalonic acid (MMA) or active B12."))).toBe(
      "Confirm the indeterminate B12 result with methylmalonic acid (MMA) or active B12 (due 2026-11-21)",
    );
    const long = `Order a B12 test: ${"no result, ".repeat(12)}and risk factors are present.`;
    expect(flagSummary(flag(long))).toBe("Order a B12 test (due 2026-11-21)");
  });

  it("gives each flag of an evaluation a valid card with its citation, reasons and a SMART link", () => {
    // Low grip (probable sarcopenia → muscle mass due), aged 78 with no B12 (B12 test due), on a fall-risk medicine.
    const evaluation = evaluate(history({ observations: [obs("grip_strength", 10)], medications: [med("metformin"), med("diazepam")] }));
    expect(evaluation.flags.length).toBeGreaterThanOrEqual(2);
    const { cards } = patientViewCards(evaluation, { patientId: "p-1", launchUrl: LAUNCH, newId });
    expectValidCdsResponse({ cards });
    expect(cards.map((c) => c.source.topic?.code)).toEqual(evaluation.flags.map((f) => f.code));
    cards.forEach((card, i) => {
      const flag = evaluation.flags[i]!;
      expect(card.source.label).toBe(flag.source);
      expect(card.indicator).toBe(TIER_INDICATOR[evaluation.tier]);
      for (const reason of flag.reasons) expect(card.detail).toContain(reason.text);
      expect(card.links).toEqual([{ label: expect.any(String), url: LAUNCH, type: "smart", appContext: JSON.stringify({ patientId: "p-1", flag: flag.code }) }]);
    });
    expect(new Set(cards.map((c) => c.uuid)).size).toBe(cards.length);
  });

  it("keeps every flag's summary under 140 characters, whatever its text, and leaves the link out without a launch URL", () => {
    for (const code of FLAG_CODES) {
      const flag: FlagResult = { code, dueAt: NOW.toISOString(), reasons: [], text: "A very long instruction ".repeat(20), basis: "b", source: "S" };
      for (const tier of TIERS) {
        const card = flagCard(flag, tier, { patientId: "p", launchUrl: undefined, newId });
        expect(card.summary.length, code).toBeLessThan(140);
        expect(card.indicator).toBe(TIER_INDICATOR[tier]);
        expect(card.links).toBeUndefined();
      }
    }
  });

  it("the validator the integration tests use accepts the specification's example response and refuses a broken card", () => {
    const example = JSON.parse(readFileSync(fixturePath("cds-hooks", "spec-response.json"), "utf8")) as unknown;
    expect(() => expectValidCdsResponse(example)).not.toThrow();
    expect(() => expectValidCdsResponse({ cards: [{ summary: "x".repeat(140), indicator: "info", source: { label: "s" } }] })).toThrow();
    expect(() => expectValidCdsResponse({ cards: [{ summary: "ok", indicator: "urgent", source: { label: "s" } }] })).toThrow();
    expect(() => expectValidCdsResponse({ cards: [{ summary: "ok", indicator: "info", source: {} }] })).toThrow();
  });
});

const draft = (id: string, coding: Record<string, string>, text?: string) => ({
  resourceType: "MedicationRequest",
  id,
  status: "draft",
  intent: "order",
  medicationCodeableConcept: { coding: [coding], ...(text ? { text } : {}) },
  subject: { reference: "Patient/p-1" },
});
const RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";

describe("order-select: which draft orders prompt the card", () => {
  it("finds metformin, a PPI and an H2RA however they are coded, and nothing else", () => {
    const drafts = [
      draft("a", { system: RXNORM, code: "860975", display: "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet" }),
      draft("b", { system: "http://www.whocc.no/atc", code: "A02BC01" }),
      draft("c", { system: "urn:local", code: "x" }, "famotidine"),
      draft("d", { system: RXNORM, code: "314076", display: "lisinopril 10 MG Oral Tablet" }),
      draft("e", { system: RXNORM, code: "36567", display: "simvastatin" }),
    ];
    expect(promptingDrafts(drafts, undefined, "p-1").map((e) => e.medicineClass)).toEqual(["metformin", "ppi", "h2ra"]);
    expect(promptingDrafts(drafts, ["MedicationRequest/d", "MedicationRequest/e"], "p-1")).toEqual([]);
    expect(promptingDrafts(drafts, ["MedicationRequest/b"], "p-1").map((e) => e.id)).toEqual(["omeprazole"]);
  });
});

describe("order-select: the re-test interval boundary", () => {
  const interval = DEFAULT_THRESHOLDS.b12Testing.retestIntervalMonths;
  const edge = addMonthsUtc(NOW, -interval);
  const input = (observations: OrderSelectInput["history"]["observations"], medications = history().medications): OrderSelectInput => ({
    patientId: "p-1",
    prompting: [findMedicineById("metformin")!],
    history: history({ observations, medications }),
    now: NOW,
    retestIntervalMonths: interval,
    launchUrl: LAUNCH,
    newId,
  });

  it(`is silent with a B12 result exactly ${interval} months old (just inside), and fires a millisecond before (just outside)`, () => {
    expect(b12OrderCard(input([obs("b12_total", 400, edge)]))).toBeNull();
    expect(b12OrderCard(input([obs("holotc", 90, edge)]))).toBeNull();
    const card = b12OrderCard(input([obs("b12_total", 400, new Date(edge.getTime() - 1))]));
    expect(card).not.toBeNull();
    expect(card!.detail).toContain(`more than ${interval} months ago`);
  });

  it("fires with no B12 result, or only one dated after now, or only an MMA; is silent on B12 replacement or with no prompting draft", () => {
    expect(b12OrderCard(input([]))).not.toBeNull();
    expect(b12OrderCard(input([obs("b12_total", 400, day("2026-11-22"))]))).not.toBeNull();
    expect(b12OrderCard(input([obs("mma", 0.2)]))).not.toBeNull();
    expect(b12OrderCard(input([], [med("cyanocobalamin")]))).toBeNull();
    expect(b12OrderCard({ ...input([]), prompting: [] })).toBeNull();
  });

  it("suggests exactly one action: create a draft serum B12 ServiceRequest coded as the engine reads B12", () => {
    const card = b12OrderCard(input([]))!;
    expectValidCdsResponse({ cards: [card] });
    expect(SERUM_B12_CODE).toEqual({ system: "http://loinc.org", code: "2132-9", display: "Cobalamin [Mass/volume] in Serum or Plasma" });
    expect(card.suggestions).toHaveLength(1);
    expect(card.suggestions![0]!.actions).toEqual([
      expect.objectContaining({ type: "create", resource: expect.objectContaining({ resourceType: "ServiceRequest", status: "draft", intent: "order", code: expect.objectContaining({ coding: [SERUM_B12_CODE] }), subject: { reference: "Patient/p-1" } }) }),
    ]);
  });
});

describe("CDS_CLIENTS", () => {
  const jwk = { kty: "EC", crv: "P-384", x: "x", y: "y" };
  const problems = (text: string) => {
    const parsed = parseCdsClients(text);
    return parsed.ok ? [] : parsed.problems;
  };

  it("reads issuers with inline keys or a key URL, and nothing when unset", () => {
    expect(parseCdsClients("")).toEqual({ ok: true, value: {} });
    const parsed = parseCdsClients(JSON.stringify({ "https://a.example": { jwks: { keys: [jwk] }, clinic: "demo" }, "https://b.example": { jwksUrl: "https://b.example/jwks", clinic: "demo" } }));
    expect(parsed.ok).toBe(true);
  });

  it("refuses what would trust the wrong party, naming the problem", () => {
    expect(problems("{")[0]).toMatch(/not JSON/);
    expect(problems(JSON.stringify({ i: { clinic: "demo" } }))[0]).toMatch(/exactly one of jwksUrl and jwks/);
    expect(problems(JSON.stringify({ i: { jwks: { keys: [jwk] }, jwksUrl: "https://x/j", clinic: "demo" } }))[0]).toMatch(/exactly one/);
    expect(problems(JSON.stringify({ i: { jwks: { keys: [{ ...jwk, d: "secret" }] }, clinic: "demo" } }))[0]).toMatch(/private key/);
    expect(problems(JSON.stringify({ i: { jwksUrl: "http://ehr.example/jwks", clinic: "demo" } }))[0]).toMatch(/https/);
    expect(problems(JSON.stringify({ i: { jwks: { keys: [jwk] } } }))[0]).toMatch(/clinic/);
    expect(problems(JSON.stringify({ i: { jwks: { keys: [jwk] }, clinic: "demo", extra: 1 } })).length).toBeGreaterThan(0);
    expect(problems(JSON.stringify({ i: { jwks: { keys: [jwk] }, clinic: "demo", fhirServers: ["http://ehr.internal/fhir"] } }))[0]).toMatch(/fhirServers.*https/);
    expect(problems(JSON.stringify({ i: { jwks: { keys: [jwk] }, clinic: "demo", fhirServers: "https://ehr.example/fhir" } })).length).toBeGreaterThan(0);
  });

  it("reads the FHIR servers a client may be fetched from: https, or plain http on this machine", () => {
    const parsed = parseCdsClients(JSON.stringify({ i: { jwks: { keys: [jwk] }, clinic: "demo", fhirServers: ["https://ehr.example/fhir", "http://127.0.0.1:8080/fhir"] } }));
    expect(parsed.ok && parsed.value.i?.fhirServers).toEqual(["https://ehr.example/fhir", "http://127.0.0.1:8080/fhir"]);
  });

  it("is part of the one environment schema: a bad value stops the app naming CDS_CLIENTS", () => {
    expect(() => parseEnv({ CDS_CLIENTS: "{" })).toThrow(/CDS_CLIENTS/);
    expect(() => parseEnv({ SMART_LAUNCH_URL: "not a url" })).toThrow(/SMART_LAUNCH_URL/);
    expect(parseEnv({}).CDS_CLIENTS).toEqual({});
  });
});

describe("the client's JWT: the specification's own example", () => {
  // tests/fixtures/cds-hooks/spec-jwt.json: an ES384 token and its JWKS from the CDS Hooks 2.0 specification.
  const example = JSON.parse(readFileSync(fixturePath("cds-hooks", "spec-jwt.json"), "utf8")) as { issuer: string; audience: string; token: string; jwks: { keys: { kty: string }[] } };
  const clients: CdsClients = { [example.issuer]: { jwks: example.jwks, clinic: "demo" } };
  const issuedAt = new Date(1311280970 * 1000);
  const at = (secondsAfterIssue: number) => new Date(issuedAt.getTime() + secondsAfterIssue * 1000);

  it("is accepted a minute after it was issued, by the service it names", async () => {
    await expect(authenticateCdsClient(`Bearer ${example.token}`, { clients, audience: [example.audience], now: at(60) })).resolves.toEqual({
      issuer: example.issuer,
      clinicSlug: "demo",
      jti: "ee22b021-e1b7-4611-ba5b-8eec6a33ac1e",
      // The example's `exp` (1422568860): the service remembers the `jti` until then.
      expiresAt: new Date(1422568860 * 1000),
    });
  });

  it("is refused by another service, ten minutes after issue, after it expired, or with another key set", async () => {
    const refuse = (audience: string, now: Date, c: CdsClients = clients) => expect(authenticateCdsClient(`Bearer ${example.token}`, { clients: c, audience: [audience], now })).rejects.toThrow();
    await refuse("https://cds.example.org/cds-services/other", at(61));
    await refuse(example.audience, at(600));
    await refuse(example.audience, new Date("2015-02-01T00:00:00Z"));
    await refuse(example.audience, at(62), { [example.issuer]: { jwks: { keys: [{ kty: "EC", crv: "P-384", x: "46SDH7Znh821wblCBglA61sNE9ZrHYKKt3qRtRTmSXyOI_FIGBLWrWa0GPUkDCEk", y: "AAAA" }] }, clinic: "demo" } });
  });
});
