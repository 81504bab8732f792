/**
 * CDS Hooks test helpers: a CDS client (an EHR) with a key pair generated here, signing the JWTs
 * the service checks; the prefetch an EHR would send for a Synthea patient; and a validator of
 * CDS Hooks 2.0 cards (the response's required fields).
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from "jose";
import { expect } from "vitest";
import { parseCdsClients, type CdsClients } from "@/lib/config/cds-clients.mjs";
import { OBSERVATION_CODES } from "@/lib/domain/fhir-codes";
import { fixturePath } from "./fixtures";

export interface TestCdsClient {
  issuer: string;
  kid: string;
  privateKey: KeyLike;
  publicJwk: JWK;
}

export async function newCdsClient(issuer: string, alg: "ES384" | "RS384" = "ES384"): Promise<TestCdsClient> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const kid = `${alg}-${randomUUID()}`;
  return { issuer, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

export interface TokenOptions {
  audience: string;
  now: Date;
  /** Seconds from `now` to `exp` (default 300, the most the specification allows). */
  expiresIn?: number;
  /** Seconds before `now` the token was issued (default 0). */
  issuedAgo?: number;
  issuer?: string;
  jti?: string;
  /** The header's key id (default the client's own): another client's, to forge a signature. */
  kid?: string;
  /** Leave a claim out. */
  without?: "jti" | "iat" | "exp";
}

/** A CDS Hooks 2.0 client JWT: header alg/kid/typ, claims iss, aud, exp, iat, jti. */
export async function signCdsJwt(client: TestCdsClient, options: TokenOptions): Promise<string> {
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  const iat = nowSeconds - (options.issuedAgo ?? 0);
  const alg = client.publicJwk.alg!;
  const jwt = new SignJWT({}).setProtectedHeader({ alg, kid: options.kid ?? client.kid, typ: "JWT" }).setIssuer(options.issuer ?? client.issuer).setAudience(options.audience);
  if (options.without !== "iat") jwt.setIssuedAt(iat);
  if (options.without !== "exp") jwt.setExpirationTime(nowSeconds + (options.expiresIn ?? 300));
  if (options.without !== "jti") jwt.setJti(options.jti ?? randomUUID());
  return jwt.sign(client.privateKey);
}

/** CDS_CLIENTS as the app reads it: the JSON text through the setting's own parser. */
export function cdsClients(config: Record<string, unknown>): CdsClients {
  const parsed = parseCdsClients(JSON.stringify(config));
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return parsed.value;
}

type Json = Record<string, unknown>;

export interface SyntheaPatient {
  file: string;
  patientId: string;
  resources: Json[];
}

export function syntheaPatients(): SyntheaPatient[] {
  const dir = fixturePath("synthea");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => {
      const bundle = JSON.parse(readFileSync(`${dir}/${file}`, "utf8")) as { entry: { resource: Json }[] };
      const resources = bundle.entry.map((e) => e.resource);
      const patient = resources.find((r) => r.resourceType === "Patient")!;
      return { file, patientId: String(patient.id), resources };
    });
}

const searchset = (resources: Json[]): Json => ({ resourceType: "Bundle", type: "searchset", total: resources.length, entry: resources.map((resource) => ({ resource })) });

function hasCode(resource: Json, keep: (system: string, code: string) => boolean): boolean {
  const code = resource.code as { coding?: { system?: string; code?: string }[] } | undefined;
  return (code?.coding ?? []).some((c) => typeof c.system === "string" && typeof c.code === "string" && keep(c.system, c.code));
}

const ENGINE_CODES = new Set(OBSERVATION_CODES.map((m) => `${m.system}|${m.code}`));
const B12_CODES = new Set(OBSERVATION_CODES.filter((m) => m.kind === "b12_total" || m.kind === "holotc").map((m) => `${m.system}|${m.code}`));

/**
 * What an EHR answers to the discovery's prefetch templates for this patient: the Patient, the
 * Observations with the templates' codes, medication requests and statements, conditions (or
 * null where it has none, as the specification asks). References stay as Synthea wrote them
 * (`urn:uuid:<patient id>`).
 */
export function patientViewPrefetch(patient: SyntheaPatient): Json {
  const of = (type: string) => patient.resources.filter((r) => r.resourceType === type);
  const orNull = (resources: Json[]) => (resources.length === 0 ? null : searchset(resources));
  return {
    patient: of("Patient")[0],
    observations: orNull(of("Observation").filter((o) => hasCode(o, (s, c) => ENGINE_CODES.has(`${s}|${c}`)))),
    medicationRequests: orNull(of("MedicationRequest")),
    medicationStatements: orNull(of("MedicationStatement")),
    conditions: orNull(of("Condition")),
  };
}

export function orderSelectPrefetch(patient: SyntheaPatient, extraB12: Json[] = []): Json {
  const all = patientViewPrefetch(patient);
  const b12 = [...patient.resources.filter((r) => r.resourceType === "Observation" && hasCode(r, (s, c) => B12_CODES.has(`${s}|${c}`))), ...extraB12];
  return { patient: all.patient, b12Results: b12.length === 0 ? null : searchset(b12), medicationRequests: all.medicationRequests, medicationStatements: all.medicationStatements };
}

/** A serum B12 Observation (LOINC 2132-9, pg/mL) for the patient, taken on `at`. */
export function serumB12(patientId: string, at: Date, value = 400): Json {
  return {
    resourceType: "Observation",
    id: `b12-${at.getTime()}`,
    status: "final",
    code: { coding: [{ system: "http://loinc.org", code: "2132-9", display: "Cobalamin [Mass/volume] in Serum or Plasma" }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: at.toISOString(),
    valueQuantity: { value, unit: "pg/mL", system: "http://unitsofmeasure.org", code: "pg/mL" },
  };
}

/** A draft MedicationRequest as an EHR sends it in order-select's `draftOrders`. */
export function draftOrder(id: string, patientId: string, rxnorm: { code: string; display: string }): Json {
  return {
    resourceType: "MedicationRequest",
    id,
    status: "draft",
    intent: "order",
    medicationCodeableConcept: { coding: [{ system: "http://www.nlm.nih.gov/research/umls/rxnorm", ...rxnorm }], text: rxnorm.display },
    subject: { reference: `Patient/${patientId}` },
  };
}

/** The fields CDS Hooks 2.0 requires of a response and each card (and of suggestions and links when present). */
export function expectValidCdsResponse(body: unknown): { cards: Json[] } {
  expect(body).toEqual(expect.objectContaining({ cards: expect.any(Array) }));
  const { cards } = body as { cards: Json[] };
  for (const card of cards) {
    expect(typeof card.summary, "summary").toBe("string");
    expect((card.summary as string).length, `summary "${String(card.summary)}"`).toBeLessThan(140);
    expect((card.summary as string).length).toBeGreaterThan(0);
    expect(["info", "warning", "critical"], "indicator").toContain(card.indicator);
    const source = card.source as Json;
    expect(typeof source?.label === "string" && source.label.length > 0, "source.label").toBe(true);
    if (card.detail !== undefined) expect(typeof card.detail).toBe("string");
    if (card.suggestions !== undefined) {
      expect(["at-most-one", "any"], "selectionBehavior with suggestions").toContain(card.selectionBehavior);
      for (const suggestion of card.suggestions as Json[]) {
        expect(typeof suggestion.label).toBe("string");
        for (const action of (suggestion.actions as Json[] | undefined) ?? []) {
          expect(["create", "update", "delete"]).toContain(action.type);
          expect(typeof action.description).toBe("string");
          if (action.type === "create") expect(action.resource).toEqual(expect.objectContaining({ resourceType: expect.any(String) }));
        }
      }
    }
    for (const link of (card.links as Json[] | undefined) ?? []) {
      expect(typeof link.label).toBe("string");
      expect(() => new URL(String(link.url))).not.toThrow();
      expect(["absolute", "smart"]).toContain(link.type);
      if (link.appContext !== undefined) expect(link.type).toBe("smart");
    }
  }
  return { cards };
}
