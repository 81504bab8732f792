import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { runCli } from "../support/cli-process";
import { seedDemoClinic } from "@/lib/data/seed/demo-clinic";
import { findEhrByIssuer } from "@/lib/data/ehr/connections";

/**
 * `npm run cli -- ehr …` on the provider under test: the same registration and links as the EHR
 * page (lib/data/ehr/connections.ts); the client secret comes from standard input, never from the
 * command line, and is never printed.
 */
const ISSUER = "https://ehr.example.org/fhir/r4";
const SECRET = "piped-client-secret-42";

describe("ehr commands", () => {
  let t: TestDatabase;

  const cli = (args: string[], input?: string) => runCli(t.url, args, input);

  beforeAll(async () => {
    t = await createTestDatabase();
    await seedDemoClinic(t.db, { patients: 0, seed: 1, asOf: new Date("2026-11-21T00:00:00Z"), reset: false });
  });
  afterAll(async () => t?.drop());

  it("refuses a secret on the command line, and registers nothing", async () => {
    const result = await cli(["ehr", "add", "--name", "EHR", "--issuer", ISSUER, "--client-id", "app", "--mrn-system", "urn:oid:1.2.3", "--client-secret", SECRET]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--client-secret is not accepted: the secret would show in the process list/);
    expect(await t.db.ehrConnection.count()).toBe(0);
  });

  it("adds the EHR with the secret from standard input (stored encrypted, never printed), links a user, and lists both", async () => {
    const added = await cli(["ehr", "add", "--name", "Clinic EHR", "--issuer", ISSUER, "--client-id", "app", "--mrn-system", "urn:oid:1.2.3", "--client-secret-stdin"], `${SECRET}\n`);
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toContain(`Registered Clinic EHR (${ISSUER})`);
    expect((await findEhrByIssuer(t.db, ISSUER))?.clientSecret).toBe(SECRET);
    const linked = await cli(["ehr", "link", "--issuer", ISSUER, "clinician@demo.clinic", "Practitioner/77"]);
    expect(linked.stdout).toContain("clinician@demo.clinic is Practitioner/77 in Clinic EHR.");
    const listed = await cli(["ehr", "list"]);
    expect(listed.stdout).toContain(`Clinic EHR: ${ISSUER} (client app, MRN system urn:oid:1.2.3)`);
    // The link the admin gives users for a standalone launch (the public picker names no EHR on a shared site).
    expect(listed.stdout).toMatch(/; standalone launch: \/smart\/launch\?ehr=[a-z0-9]+\n/);
    expect(listed.stdout).toMatch(/Practitioner\/77\s+clinician@demo\.clinic/);
    for (const output of [added, linked, listed]) expect(output.stdout + output.stderr).not.toContain(SECRET);
  });

  it("a wrong EHR user reference is refused with what to write", async () => {
    const result = await cli(["ehr", "link", "--issuer", ISSUER, "clinician@demo.clinic", "Dr Who"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/not an EHR user reference: write it as the EHR gives it, e\.g\. Practitioner\/123/);
  });

  it("removes the EHR with its user links; removing it again says there is none", async () => {
    const removed = await cli(["ehr", "remove", "--issuer", ISSUER]);
    expect(removed).toMatchObject({ code: 0 });
    expect(removed.stdout).toContain(`Removed Clinic EHR (${ISSUER}) and 1 user link. Its patients stay.`);
    expect(await findEhrByIssuer(t.db, ISSUER)).toBeNull();
    expect(await t.db.ehrUserLink.count()).toBe(0);
    const again = await cli(["ehr", "remove", "--issuer", ISSUER]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`No EHR with the FHIR base URL ${ISSUER} in this clinic`);
  });
});
