import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Observation } from "@medplum/fhirtypes";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createSystemClinic } from "../support/import-data";
import { fixturePath } from "../support/fixtures";
import { startTestEhr, type TestEhr } from "../ehr/test-ehr";
import { encode } from "../ehr/smart-launcher/src/isomorphic/codec";
import { importFhir } from "@/lib/data/import/fhir";
import { syncFromEhr, type BulkSource } from "@/lib/data/bulk/sync";
import type { SystemActor } from "@/lib/data/access/actor";
import type { Db } from "@/lib/data/db/client";
import type { PrivateJwk } from "@/lib/smart/backend-services";
import { SmartLaunchError } from "@/lib/smart/oauth";
import { saveEhrConnection } from "@/lib/data/ehr/connections";
import { ehrSecretKey } from "@/lib/data/ehr/secret";
import { bulkSourceForEhr, onlyBulkSource, saveBulkSettings } from "@/lib/data/ehr/bulk-settings";
import { createTestClinic } from "../support/clinic-factory";

/**
 * Bulk Data sync (lib/data/bulk/sync.ts) against the test EHR: SMART's reference launcher is the
 * authorization server (SMART Backend Services: client credentials, the app signing its assertion
 * with its private key, the launcher checking it against the JWKS it was registered with); the
 * FHIR server holding the Synthea patients answers `$export` (tests/support/bulk-export.ts) and
 * accepts only tokens the launcher's introspection endpoint calls active.
 *
 * What a sync imports is compared with a direct import of the same Synthea bundles into another
 * clinic: the same patients, observations, medicines and conditions.
 */

const NOW = new Date("2026-11-21T12:00:00.000Z");
const CLIENT_ID = "sarcopeniaBulkSync";
const ROOT = process.cwd();
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

let t: TestDatabase;
let ehr: TestEhr;
let work: string;
let privateJwk: PrivateJwk;
let source: BulkSource;

function newKey(kid: string): { privateJwk: PrivateJwk; publicJwk: JsonWebKey & { kid: string } } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const priv = privateKey.export({ format: "jwk" });
  const pub = publicKey.export({ format: "jwk" });
  return { privateJwk: { ...priv, kty: "RSA", kid, d: priv.d!, alg: "RS384" }, publicJwk: { ...pub, kid, alg: "RS384", key_ops: ["verify"] } };
}

/** The counts a clinic's records have, for comparing two clinics. */
async function records(db: Db, clinicId: string) {
  const [patients, observations, medications, conditions, findings, snapshots] = await Promise.all([
    db.patient.count({ where: { clinicId } }),
    db.observation.count({ where: { patient: { clinicId } } }),
    db.patientMedication.count({ where: { patient: { clinicId } } }),
    db.patientCondition.count({ where: { patient: { clinicId } } }),
    db.patientFinding.count({ where: { patient: { clinicId } } }),
    db.riskSnapshot.count({ where: { clinicId } }),
  ]);
  return { patients, observations, medications, conditions, findings, snapshots };
}

const fileRequests = () => ehr.fhir.requests.filter((r) => r.url.startsWith("$export-file/"));

beforeAll(async () => {
  t = await createTestDatabase();
  work = mkdtempSync(path.join(tmpdir(), "bulk-sync-"));
  ehr = await startTestEhr({ bulk: { pollsBeforeDone: 2, retryAfterSeconds: 1, resourcesPerFile: 40 } });
  const key = newKey("bulk-key-1");
  privateJwk = key.privateJwk;
  // The app's backend-services registration with the launcher: its client id and its public key.
  const sim = encode({ launch_type: "backend-service", client_id: CLIENT_ID, jwks: JSON.stringify({ keys: [key.publicJwk] }), client_type: "backend-service" } as never);
  ehr.fhir.acceptTokensFrom({ introspectionEndpoint: `${ehr.origin}/v/r4/sim/${sim}/auth/introspect`, tokenEndpoint: `${ehr.origin}/v/r4/sim/${sim}/auth/token` });
  source = { fhirBaseUrl: ehr.fhir.baseUrl, client: { clientId: CLIENT_ID, privateJwk } };
}, 120_000);

afterAll(async () => {
  await ehr?.stop();
  await t?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const fast = (stagingDir: string) => ({ now: NOW, stagingDir, poll: { maxWaitMs: 20 } });

describe("Bulk Data sync from the test EHR", () => {
  let clinic: SystemActor;
  let firstTransactionTime: Date;

  it("a first sync exports everything and imports what a direct import of the same records imports", async () => {
    clinic = await createSystemClinic(t.db, "bulk-a");
    const direct = await createSystemClinic(t.db, "bulk-direct");
    const bundles = readdirSync(fixturePath("synthea")).filter((f) => f.endsWith(".json"));
    await importFhir(t.db, direct, bundles.map((name) => ({ name, content: readFileSync(path.join(fixturePath("synthea"), name)) })), { now: NOW });

    const steps: string[] = [];
    const result = await syncFromEhr(t.db, clinic, source, { ...fast(path.join(work, "a")), onProgress: (step) => steps.push(step) });
    expect(result.resumed).toBe(false);
    expect(result.since).toBeNull();
    expect(result.import.patients.created).toBe(bundles.length);
    expect(await records(t.db, clinic.clinicId)).toEqual(await records(t.db, direct.clinicId));
    expect(steps).toEqual(expect.arrayContaining(["exporting", "downloading", "importing", "completed"]));

    const kickOff = ehr.fhir.bulk!.kickOffs.at(-1)!;
    expect(kickOff).toMatch(/^Patient\/\$export\?_type=Patient%2CObservation%2CCondition%2CMedicationRequest%2CMedicationStatement$/);
    // Every request carried the launcher's token, and the files were fetched once each.
    expect(ehr.fhir.requests.filter((r) => !r.url.startsWith(".well-known")).every((r) => r.authorization?.startsWith("Bearer "))).toBe(true);
    expect(fileRequests()).toHaveLength(result.files);

    const row = await t.db.bulkSync.findUniqueOrThrow({ where: { id: result.syncId } });
    expect(row).toMatchObject({ status: "completed", activeKey: null, filesDone: result.files, filesTotal: result.files });
    firstTransactionTime = row.transactionTime!;
    expect(readdirSync(path.join(work, "a"))).toEqual([]);
  });

  it("the next sync asks only for what changed since the last one's transactionTime, and imports it", async () => {
    const patientId = (await ehr.fhir.repo.searchResources({ resourceType: "Patient" }))[0]!.id!;
    const b12: Observation = {
      resourceType: "Observation",
      status: "final",
      code: { coding: [{ system: "http://loinc.org", code: "14685-2", display: "Cobalamin [Moles/volume] in Serum or Plasma" }] },
      subject: { reference: `Patient/${patientId}` },
      effectiveDateTime: "2026-11-20",
      valueQuantity: { value: 120, unit: "pmol/L", system: "http://unitsofmeasure.org", code: "pmol/L" },
    };
    await ehr.fhir.repo.createResource(b12);
    const before = await records(t.db, clinic.clinicId);
    const filesBefore = fileRequests().length;

    const result = await syncFromEhr(t.db, clinic, source, fast(path.join(work, "a")));
    expect(result.since).toEqual(firstTransactionTime);
    expect(ehr.fhir.bulk!.kickOffs.at(-1)).toContain(`_since=${encodeURIComponent(firstTransactionTime.toISOString())}`);
    expect(result.files).toBe(1);
    expect(fileRequests().length - filesBefore).toBe(1);
    expect(result.import.observations).toEqual({ created: 1, existing: 0 });
    expect(await records(t.db, clinic.clinicId)).toEqual({ ...before, observations: before.observations + 1 });

    const nothing = await syncFromEhr(t.db, clinic, source, fast(path.join(work, "a")));
    expect(nothing.files).toBe(0);
    expect(await records(t.db, clinic.clinicId)).toEqual({ ...before, observations: before.observations + 1 });
  });

  it("a sync killed half-way writes nothing, and the next run resumes it: only the missing files are fetched", async () => {
    const killedClinic = await createSystemClinic(t.db, "bulk-killed");
    const keyFile = path.join(work, "key.jwk");
    writeFileSync(keyFile, JSON.stringify(privateJwk));
    const staging = path.join(work, "killed");
    ehr.fhir.delayMs = 300; // a slow EHR, so the kill lands between two files
    const child: ChildProcess = spawn(TSX, ["--conditions=react-server", "--tsconfig", "tsconfig.json", "lib/cli/main.ts", "--clinic", "bulk-killed", "sync", "--fhir-base", ehr.fhir.baseUrl, "--client-id", CLIENT_ID, "--key", keyFile, "--staging", staging, "--as-of", "2026-11-21"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.url },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.resume();
    const deadline = Date.now() + 60_000;
    while (!/downloading files: [2-9]\//.test(stderr)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the sync ended before it could be killed:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    process.kill(-child.pid!, "SIGKILL");
    expect(await exited).toBe("SIGKILL");
    ehr.fhir.delayMs = 0;

    // Nothing reached the clinic's records; the sync is recorded as unfinished, part-downloaded.
    expect(await records(t.db, killedClinic.clinicId)).toEqual({ patients: 0, observations: 0, medications: 0, conditions: 0, findings: 0, snapshots: 0 });
    const open = await t.db.bulkSync.findFirstOrThrow({ where: { clinicId: killedClinic.clinicId } });
    expect(open.status).toBe("downloading");
    expect(open.activeKey).not.toBeNull();
    const downloaded = readdirSync(path.join(staging, open.id)).filter((f) => f.endsWith(".ndjson")).length;
    expect(downloaded).toBeGreaterThanOrEqual(2);
    expect(downloaded).toBeLessThan(open.filesTotal);

    // A second runner while the first one's heartbeat is fresh is refused; this one is dead, so the
    // heartbeat is treated as stale at once.
    const filesBefore = fileRequests().length;
    const kickOffsBefore = ehr.fhir.bulk!.kickOffs.length;
    const resumed = await syncFromEhr(t.db, killedClinic, source, { ...fast(staging), staleAfterMs: 0 });
    expect(resumed.resumed).toBe(true);
    expect(resumed.syncId).toBe(open.id);
    expect(ehr.fhir.bulk!.kickOffs.length).toBe(kickOffsBefore);
    expect(fileRequests().length - filesBefore).toBe(open.filesTotal - downloaded);
    expect((await records(t.db, killedClinic.clinicId)).patients).toBe(resumed.import.patients.created);
    expect(resumed.import.patients.created).toBeGreaterThan(0);
  });

  it("refuses a second sync of the same clinic while one is running", async () => {
    const busy = await createSystemClinic(t.db, "bulk-busy");
    ehr.fhir.delayMs = 200;
    const first = syncFromEhr(t.db, busy, source, fast(path.join(work, "busy")));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(syncFromEhr(t.db, busy, source, fast(path.join(work, "busy")))).rejects.toThrow(/already running/);
    ehr.fhir.delayMs = 0;
    expect((await first).import.patients.created).toBeGreaterThan(0);
  });

  it("a key the EHR does not know is refused with a message naming the key", async () => {
    const stranger = newKey("unknown-key");
    const other = await createSystemClinic(t.db, "bulk-stranger");
    const attempt = syncFromEhr(t.db, other, { ...source, client: { clientId: CLIENT_ID, privateJwk: stranger.privateJwk } }, fast(path.join(work, "stranger")));
    await expect(attempt).rejects.toThrow(SmartLaunchError);
    await expect(attempt).rejects.toThrow(/unknown-key/);
    expect((await records(t.db, other.clinicId)).patients).toBe(0);
  });

  it("an admin sets Bulk Data up on the registered EHR: the key is stored only encrypted and never audited; a sync through those settings imports and is audited; another clinic cannot use them", async () => {
    const key = ehrSecretKey("a test EHR secret key, 32 characters or more");
    const c = await createTestClinic(t.db, { slug: "bulk-registered", patients: 0 });
    const other = await createTestClinic(t.db, { slug: "bulk-registered-other", patients: 0 });
    const registered = await saveEhrConnection(t.db, c.actors.admin, { name: "Test EHR", issuer: ehr.iss, clientId: "launch", clientSecret: "launch-secret", mrnSystem: "http://hospital.smarthealthit.org" }, NOW, key);
    await expect(onlyBulkSource(t.db, c.actors.admin, key)).rejects.toThrow(/No EHR of this clinic has Bulk Data sync set up/);
    await expect(saveBulkSettings(t.db, c.actors.clinician, { ehrId: registered.id, clientId: CLIENT_ID, privateJwk: JSON.stringify(privateJwk) }, NOW, key)).rejects.toThrow(/Only an admin/);
    await expect(saveBulkSettings(t.db, c.actors.admin, { ehrId: registered.id, clientId: CLIENT_ID, privateJwk: JSON.stringify({ ...privateJwk, d: undefined }) }, NOW, key)).rejects.toThrow(/public key/);
    await expect(saveBulkSettings(t.db, c.actors.admin, { ehrId: registered.id, clientId: CLIENT_ID }, NOW, key)).rejects.toThrow(/Paste the app's private key/);
    await saveBulkSettings(t.db, c.actors.admin, { ehrId: registered.id, clientId: CLIENT_ID, privateJwk: JSON.stringify(privateJwk), fhirBaseUrl: ehr.fhir.baseUrl }, NOW, key);

    const row = await t.db.ehrConnection.findUniqueOrThrow({ where: { id: registered.id } });
    expect(row.bulkPrivateJwkEnc).toMatch(/^v1\./);
    expect(row.bulkPrivateJwkEnc).not.toContain(privateJwk.d);
    const settingsEvent = await t.db.auditEvent.findFirstOrThrow({ where: { clinicId: c.clinicId, action: "ehr.bulk_settings" } });
    expect(settingsEvent.detailJson).not.toContain(privateJwk.d);
    expect(JSON.parse(settingsEvent.detailJson)).toMatchObject({ clientId: CLIENT_ID, fhirBaseUrl: ehr.fhir.baseUrl, keyChanged: true });

    await expect(bulkSourceForEhr(t.db, other.actors.admin, { id: registered.id }, key)).rejects.toThrow(/No such EHR in this clinic/);
    await expect(saveBulkSettings(t.db, other.actors.admin, { ehrId: registered.id, clientId: "x", privateJwk: JSON.stringify(privateJwk) }, NOW, key)).rejects.toThrow(/No such EHR in this clinic/);

    const source = await onlyBulkSource(t.db, c.actors.admin, key);
    expect(source.fhirBaseUrl).toBe(ehr.fhir.baseUrl);
    const result = await syncFromEhr(t.db, c.actors.admin, source, fast(path.join(work, "registered")));
    expect(result.import.patients.created).toBeGreaterThan(0);
    const syncEvent = await t.db.auditEvent.findFirstOrThrow({ where: { clinicId: c.clinicId, action: "bulk.sync" } });
    expect(JSON.parse(syncEvent.detailJson)).toMatchObject({ fhirBaseUrl: ehr.fhir.baseUrl, since: null, files: result.files, resumed: false });

    // Turning it off forgets the key.
    await saveBulkSettings(t.db, c.actors.admin, { ehrId: registered.id, clientId: "" }, NOW, key);
    expect((await t.db.ehrConnection.findUniqueOrThrow({ where: { id: registered.id } })).bulkPrivateJwkEnc).toBeNull();
    await expect(bulkSourceForEhr(t.db, c.actors.admin, { id: registered.id }, key)).rejects.toThrow(/not set up/);
  });
});
