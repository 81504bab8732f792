import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { findEhrById, findEhrByIssuer, findLinkedUser, linkEhrUser, listEhrConnections, saveEhrConnection } from "@/lib/data/ehr/connections";
import { ehrSecretKey, EhrSecretUnreadable } from "@/lib/data/ehr/secret";
import { verifyAuditChain } from "@/lib/data/audit/verify";

/**
 * Registering a clinic's EHR for SMART App Launch and linking its users (lib/data/ehr/connections.ts),
 * on the provider under test: the client secret is stored encrypted (never in clear, not in the
 * audit log), another clinic can neither see nor use nor take over the EHR, only admins manage
 * it, and the EHR identity of a user is unique per EHR.
 */
describe("EHR registration for SMART launch", () => {
  let t: TestDatabase;
  let c: TestClinic;
  let other: TestClinic;
  const key = ehrSecretKey("a test EHR secret key, 32 characters or more");
  const SECRET = "the-client-secret-of-the-ehr-7f3a";
  const ISSUER = "https://ehr.example.org/fhir/r4";
  let ehrId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    c = await createTestClinic(t.db, { slug: "ehr", patients: 0 });
    other = await createTestClinic(t.db, { slug: "ehr-other", patients: 0 });
    const saved = await saveEhrConnection(t.db, c.actors.admin, { name: "Clinic EHR", issuer: `${ISSUER}/`, clientId: "screening", clientSecret: SECRET, mrnSystem: "urn:oid:1.2.3.4" }, TEST_NOW, key);
    ehrId = saved.id;
  });
  afterAll(async () => t?.drop());

  it("stores the issuer without its trailing slash and the secret only encrypted, and decrypts it for a launch", async () => {
    const row = await t.db.ehrConnection.findUniqueOrThrow({ where: { id: ehrId } });
    expect(row.issuer).toBe(ISSUER);
    expect(row.clientSecretEnc).not.toContain(SECRET);
    expect(row.clientSecretEnc).not.toContain(Buffer.from(SECRET).toString("base64url"));
    expect(row.clientSecretEnc).toMatch(/^v1\.[0-9a-f]{16}\./);
    const forLaunch = await findEhrByIssuer(t.db, ISSUER, key);
    expect(forLaunch?.clientSecret).toBe(SECRET);
    // Two encryptions of one secret differ (a fresh IV each time).
    await saveEhrConnection(t.db, c.actors.admin, { id: ehrId, name: "Clinic EHR", issuer: ISSUER, clientId: "screening", clientSecret: SECRET, mrnSystem: "urn:oid:1.2.3.4" }, TEST_NOW, key);
    expect((await t.db.ehrConnection.findUniqueOrThrow({ where: { id: ehrId } })).clientSecretEnc).not.toBe(row.clientSecretEnc);
  });

  it("never writes the secret to the audit log, and the chain verifies", async () => {
    const events = await t.db.auditEvent.findMany({ where: { clinicId: c.clinicId, action: "ehr.save" } });
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(JSON.stringify(event)).not.toContain(SECRET);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("keeps the stored secret when an edit leaves it empty", async () => {
    await saveEhrConnection(t.db, c.actors.admin, { id: ehrId, name: "Clinic EHR (renamed)", issuer: ISSUER, clientId: "screening", clientSecret: "", mrnSystem: "urn:oid:1.2.3.4" }, TEST_NOW, key);
    const forLaunch = await findEhrById(t.db, ehrId, key);
    expect(forLaunch?.name).toBe("Clinic EHR (renamed)");
    expect(forLaunch?.clientSecret).toBe(SECRET);
  });

  it("refuses to decrypt under another key, or a tampered value, saying what to do", async () => {
    await expect(findEhrById(t.db, ehrId, ehrSecretKey("another key of at least thirty-two characters"))).rejects.toThrow(/encrypted under another EHR_SECRET_KEY.*enter the secret again/);
    const row = await t.db.ehrConnection.findUniqueOrThrow({ where: { id: ehrId } });
    const parts = row.clientSecretEnc.split(".");
    const flipped = Buffer.from(parts[4]!, "base64url");
    flipped[0] = flipped[0]! ^ 1;
    parts[4] = flipped.toString("base64url");
    await t.db.ehrConnection.update({ where: { id: ehrId }, data: { clientSecretEnc: parts.join(".") } });
    await expect(findEhrById(t.db, ehrId, key)).rejects.toBeInstanceOf(EhrSecretUnreadable);
    await t.db.ehrConnection.update({ where: { id: ehrId }, data: { clientSecretEnc: row.clientSecretEnc } });
    expect((await findEhrById(t.db, ehrId, key))?.clientSecret).toBe(SECRET);
  });

  it("refuses bad input with what to do: a plain-http URL, a missing secret, an issuer already registered", async () => {
    const base = { name: "X", clientId: "x", clientSecret: "s", mrnSystem: "urn:oid:9" };
    await expect(saveEhrConnection(t.db, c.actors.admin, { ...base, issuer: "http://ehr.example.org/fhir" }, TEST_NOW, key)).rejects.toThrow(/must be https/);
    await expect(saveEhrConnection(t.db, c.actors.admin, { ...base, issuer: "not a url" }, TEST_NOW, key)).rejects.toThrow(/is not a URL/);
    await expect(saveEhrConnection(t.db, c.actors.admin, { ...base, issuer: "https://new.example.org/fhir", clientSecret: "" }, TEST_NOW, key)).rejects.toThrow(/Enter the client secret/);
    // Another clinic cannot take over the issuer (a launch must name one clinic).
    await expect(saveEhrConnection(t.db, other.actors.admin, { ...base, issuer: ISSUER }, TEST_NOW, key)).rejects.toThrow(/already registered/);
  });

  it("only admins manage it; another clinic neither sees nor edits it nor links users to it", async () => {
    await expect(saveEhrConnection(t.db, c.actors.clinician, { name: "X", issuer: "https://x.example.org/fhir", clientId: "x", clientSecret: "s", mrnSystem: "urn:oid:9" }, TEST_NOW, key)).rejects.toThrow(/Only an admin/);
    await expect(listEhrConnections(t.db, c.actors.clinician)).rejects.toThrow(/Only an admin/);
    expect(await listEhrConnections(t.db, other.actors.admin)).toEqual([]);
    await expect(saveEhrConnection(t.db, other.actors.admin, { id: ehrId, name: "Stolen", issuer: "https://stolen.example.org/fhir", clientId: "x", clientSecret: "s", mrnSystem: "urn:oid:9" }, TEST_NOW, key)).rejects.toThrow(/No such EHR in this clinic/);
    await expect(linkEhrUser(t.db, other.actors.admin, { id: ehrId }, { id: other.actors.clinician.userId }, "Practitioner/1", TEST_NOW)).rejects.toThrow(/No such EHR in this clinic/);
    // Nor can this clinic's admin link another clinic's user.
    await expect(linkEhrUser(t.db, c.actors.admin, { id: ehrId }, { id: other.actors.clinician.userId }, "Practitioner/1", TEST_NOW)).rejects.toThrow(/No such user in this clinic/);
    expect((await t.db.ehrConnection.findUniqueOrThrow({ where: { id: ehrId } })).name).toBe("Clinic EHR (renamed)");
  });

  it("links a user to one EHR identity, unique per EHR; replaces and removes the link; a disabled user is not found", async () => {
    const ehr = (await findEhrById(t.db, ehrId, key))!;
    await linkEhrUser(t.db, c.actors.admin, { id: ehrId }, { id: c.actors.clinician.userId }, " Practitioner/123 ", TEST_NOW);
    expect((await findLinkedUser(t.db, ehr, "Practitioner/123"))?.id).toBe(c.actors.clinician.userId);
    await expect(linkEhrUser(t.db, c.actors.admin, { id: ehrId }, { id: c.actors.admin.userId }, "Practitioner/123", TEST_NOW)).rejects.toThrow(/already linked to clinician@ehr.test/);
    await expect(linkEhrUser(t.db, c.actors.admin, { id: ehrId }, { id: c.actors.admin.userId }, "Dr Smith", TEST_NOW)).rejects.toThrow(/not an EHR user reference.*Practitioner\/123/);
    // By issuer and email, as the CLI names them: the link moves to a new identity.
    await linkEhrUser(t.db, c.actors.admin, { issuer: ISSUER }, { email: "clinician@ehr.test" }, "Practitioner/456", TEST_NOW);
    expect(await findLinkedUser(t.db, ehr, "Practitioner/123")).toBeNull();
    expect((await listEhrConnections(t.db, c.actors.admin))[0]!.users).toEqual([{ userId: c.actors.clinician.userId, email: "clinician@ehr.test", fhirUser: "Practitioner/456" }]);
    await t.db.user.update({ where: { id: c.actors.clinician.userId }, data: { disabledAt: TEST_NOW } });
    expect(await findLinkedUser(t.db, ehr, "Practitioner/456")).toBeNull();
    await t.db.user.update({ where: { id: c.actors.clinician.userId }, data: { disabledAt: null } });
    await linkEhrUser(t.db, c.actors.admin, { id: ehrId }, { id: c.actors.clinician.userId }, "", TEST_NOW);
    expect(await findLinkedUser(t.db, ehr, "Practitioner/456")).toBeNull();
    const links = await t.db.auditEvent.findMany({ where: { clinicId: c.clinicId, action: "ehr.user_link" }, orderBy: { seq: "asc" } });
    expect(links.map((e) => (JSON.parse(e.detailJson) as { after: string | null }).after)).toEqual(["Practitioner/123", "Practitioner/456", null]);
  });
});
