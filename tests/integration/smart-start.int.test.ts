import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic } from "../support/clinic-factory";
import { findEhrByIssuer, linkEhrUser, listLaunchableEhrs, removeEhrConnection, saveEhrConnection, standaloneLaunchPath } from "@/lib/data/ehr/connections";
import { startLaunch, SmartRefusal } from "@/lib/smart/launch";
import { AppError } from "@/lib/errors";

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

describe("removing an EHR", () => {
  it("refuses launches from it from then on, deletes its user links, keeps the other clinic's EHR untouchable, and is audited", async () => {
    const east = await createTestClinic(t.db, { slug: "east", patients: 0 });
    const west = await createTestClinic(t.db, { slug: "west", patients: 0 });
    const issuer = "https://ehr.east.example.org/fhir";
    const saved = await saveEhrConnection(t.db, east.actors.admin, { name: "East EHR", issuer, ...CLIENT }, NOW);
    await linkEhrUser(t.db, east.actors.admin, { issuer }, { id: east.actors.clinician.userId }, "Practitioner/9", NOW);

    // Another clinic's admin cannot remove it, by id or by issuer; a clinician cannot either.
    await expect(removeEhrConnection(t.db, west.actors.admin, { id: saved.id }, NOW)).rejects.toThrow(/No such EHR in this clinic/);
    await expect(removeEhrConnection(t.db, west.actors.admin, { issuer }, NOW)).rejects.toThrow(/No EHR with the FHIR base URL/);
    await expect(removeEhrConnection(t.db, east.actors.clinician, { id: saved.id }, NOW)).rejects.toBeInstanceOf(AppError);
    expect(await findEhrByIssuer(t.db, issuer)).not.toBeNull();

    const removed = await removeEhrConnection(t.db, east.actors.admin, { id: saved.id }, NOW);
    expect(removed).toEqual({ name: "East EHR", issuer, linkedUsers: 1 });
    expect(await findEhrByIssuer(t.db, issuer)).toBeNull();
    expect(await t.db.ehrUserLink.count({ where: { userId: east.actors.clinician.userId } })).toBe(0);
    const launch = await startLaunch(t.db, { iss: issuer, launch: "abc" }, "https://screening.example.org/smart/callback", NOW).then(() => null, (e: unknown) => e);
    expect(launch).toBeInstanceOf(SmartRefusal);
    const event = await t.db.auditEvent.findFirst({ where: { clinicId: east.clinicId, action: "ehr.remove" }, select: { entityId: true, detailJson: true } });
    expect(event?.entityId).toBe(saved.id);
    expect(JSON.parse(event!.detailJson)).toEqual({ name: "East EHR", issuer, linkedUsers: 1 });
  });
});

