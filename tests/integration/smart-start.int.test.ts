import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic } from "../support/clinic-factory";
import { listLaunchableEhrs, saveEhrConnection, standaloneLaunchPath } from "@/lib/data/ehr/connections";

/**
 * The public standalone-launch picker (/smart/start) is seen before anyone signs in, so it names
 * registered EHRs only when the site serves one clinic: with two, a visitor would learn which EHRs
 * the other clinic uses (a review finding). Users of a shared site open their admin's link instead.
 */

const NOW = new Date("2026-12-06T12:00:00Z");
const CLIENT = { clientId: "sarcopeniaScreening", clientSecret: "aClientSecret2026", mrnSystem: "http://hospital.example.org/mrn" };
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe("which EHRs the public standalone-launch picker names", () => {
  it("names the EHRs of a site that serves one clinic, and none once it serves two", async () => {
    const north = await createTestClinic(t.db, { slug: "north", patients: 0 });
    await saveEhrConnection(t.db, north.actors.admin, { name: "North EHR", issuer: "https://ehr.north.example.org/fhir", ...CLIENT }, NOW);
    const listed = await listLaunchableEhrs(t.db);
    expect(listed.map((e) => e.name)).toEqual(["North EHR"]);

    const south = await createTestClinic(t.db, { slug: "south", patients: 0 });
    await saveEhrConnection(t.db, south.actors.admin, { name: "South EHR", issuer: "https://ehr.south.example.org/fhir", ...CLIENT }, NOW);
    expect(await listLaunchableEhrs(t.db)).toEqual([]);
    // Each clinic's link still starts its own EHR's launch.
    expect(standaloneLaunchPath(listed[0]!.id)).toBe(`/smart/launch?ehr=${listed[0]!.id}`);
  });
});
