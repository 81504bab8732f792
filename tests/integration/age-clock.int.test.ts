import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, type TestClinic } from "../support/clinic-factory";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { getClinicAggregates } from "@/lib/data/reports/summary";
import { ageInYears, parseIsoDate } from "@/lib/domain/dates";
import { panelQuerySchema } from "@/lib/validation/panel-query";

/**
 * The panel's ages, its age sort, its age filters, the cohort builder's age criterion and the
 * summary's age bands all read one clock (the `now` they are given) on one calendar (UTC), so
 * patients whose birthdays straddle that day land on the same side everywhere. `now` is late in
 * the UTC day, when the server's local date (in a western time zone) is still the day before.
 */
describe("ages on either side of a birthday, from one clock", () => {
  const now = new Date("2026-12-06T23:30:00Z");
  let t: TestDatabase;
  let c: TestClinic;
  const born = { yesterday: "1946-12-05", today: "1946-12-06", tomorrow: "1946-12-07", twenty: "2006-12-07" } as const;
  const ids: Record<keyof typeof born, string> = { yesterday: "", today: "", tomorrow: "", twenty: "" };

  beforeAll(async () => {
    t = await createTestDatabase();
    c = await createTestClinic(t.db, { slug: "birthdays", patients: 0 });
    for (const [key, iso] of Object.entries(born) as [keyof typeof born, string][]) {
      const patient = await t.db.patient.create({
        data: { clinicId: c.clinicId, mrn: `BD-${key}`, familyName: "Birthday", givenName: key, birthDate: parseIsoDate(iso)!, sex: "female", searchText: `bd-${key} birthday ${key}` },
      });
      ids[key] = patient.id;
    }
  }, 120_000);
  afterAll(async () => t?.drop());

  const panel = (params: Record<string, unknown>) => getPatientPanel(t.db, c.actors.clinician, panelQuerySchema.parse(params), now);

  it("shows 80, 80 and 79 for births 80 years ago yesterday, today and tomorrow", async () => {
    const rows = (await panel({ sort: "age", dir: "desc" })).rows;
    expect(rows.map((r) => ageInYears(r.birthDate, now))).toEqual([80, 80, 79, 19]);
  });

  it("sorts oldest first by age descending and youngest first by age ascending", async () => {
    expect((await panel({ sort: "age", dir: "desc" })).rows.map((r) => r.id)).toEqual([ids.yesterday, ids.today, ids.tomorrow, ids.twenty]);
    expect((await panel({ sort: "age", dir: "asc" })).rows.map((r) => r.id)).toEqual([ids.twenty, ids.tomorrow, ids.today, ids.yesterday]);
  });

  it("filters by age on the same side of the birthday as the age shown", async () => {
    const idsOf = async (params: Record<string, unknown>) => (await panel({ sort: "age", dir: "desc", ...params })).rows.map((r) => r.id);
    expect(await idsOf({ ageMin: 80 })).toEqual([ids.yesterday, ids.today]);
    expect(await idsOf({ ageMax: 79 })).toEqual([ids.tomorrow, ids.twenty]);
    expect(await idsOf({ ageMin: 79, ageMax: 79 })).toEqual([ids.tomorrow]);
    expect(await idsOf({ ageMax: 19 })).toEqual([ids.twenty]);
    expect(await idsOf({ ageMin: 20, ageMax: 79 })).toEqual([ids.tomorrow]);
  });

  it("applies the cohort builder's age criterion with each comparison the same way", async () => {
    const cohort = async (op: string, value: number) =>
      (await panel({ sort: "age", dir: "desc", criteria: [{ field: "age", op, value: String(value) }] })).rows.map((r) => r.id);
    expect(await cohort("gte", 80)).toEqual([ids.yesterday, ids.today]);
    expect(await cohort("gt", 79)).toEqual([ids.yesterday, ids.today]);
    expect(await cohort("lte", 79)).toEqual([ids.tomorrow, ids.twenty]);
    expect(await cohort("lt", 80)).toEqual([ids.tomorrow, ids.twenty]);
  });

  it("counts the patients in the summary's age bands by the age shown", async () => {
    const aggregates = await getClinicAggregates(t.db, c.actors.clinician, now);
    const band = (key: string) => aggregates.demographics.filter((d) => d.band === key).reduce((sum, d) => sum + d.patients, 0);
    expect(band("80-89")).toBe(2);
    expect(band("70-79")).toBe(1);
    expect(band("under-60")).toBe(1);
  });
});

/**
 * The server's time zone must not move the line: in Tokyo, 20:00 UTC on 28 February 2028 is
 * already 29 February, and local-calendar year arithmetic put a first birthday on the wrong side.
 */
describe.each(["Asia/Tokyo", "America/Los_Angeles", "UTC"])("ages around 29 February with the server in %s", (zone) => {
  const now = new Date("2028-02-28T20:00:00Z");
  let t: TestDatabase;
  let c: TestClinic;
  const savedZone = process.env.TZ;

  beforeAll(async () => {
    process.env.TZ = zone;
    t = await createTestDatabase();
    c = await createTestClinic(t.db, { slug: "leap", patients: 0 });
    for (const iso of ["2027-02-28", "2027-03-01"]) {
      await t.db.patient.create({ data: { clinicId: c.clinicId, mrn: `LEAP-${iso}`, familyName: "Leap", givenName: iso, birthDate: parseIsoDate(iso)!, sex: "male", searchText: `leap-${iso}` } });
    }
  }, 120_000);
  afterAll(async () => {
    process.env.TZ = savedZone;
    await t?.drop();
  });

  it("lists as one year old exactly those shown as one", async () => {
    const query = panelQuerySchema.parse({ sort: "age", dir: "desc", ageMin: 1 });
    const rows = (await getPatientPanel(t.db, c.actors.clinician, query, now)).rows;
    expect(rows.map((r) => r.mrn)).toEqual(["LEAP-2027-02-28"]);
    expect(rows.map((r) => ageInYears(r.birthDate, now))).toEqual([1]);
  });
});
