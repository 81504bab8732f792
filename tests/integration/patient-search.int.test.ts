import { stringify } from "csv-stringify/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { BACKFILLS } from "@/lib/data/db/backfills";
import { importAssessments } from "@/lib/data/import/assessments";
import { importFhir } from "@/lib/data/import/fhir";
import { migrate } from "@/lib/data/db/migrate";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { patientSearchKey } from "@/lib/domain/search-key";
import { parsePanelQuery } from "@/lib/validation/panel-query";

/**
 * The panel's search on this database (run on SQLite and on PostgreSQL): "Family, Given",
 * "Given Family", MRN and part of one, birth date, in any case and with or without accents, for
 * patients written by every path that writes one — CSV import, FHIR import and its update, the
 * seed — and an existing database's keys rebuilt by `db migrate`.
 */
let t: TestDatabase;
let c: TestClinic;
let seeded: TestClinic;

const LINES: Record<string, string>[] = [
  { mrn: "SRCH-0001", family_name: "Müller", given_name: "Jan", birth_date: "1948-03-02" },
  { mrn: "SRCH-0002", family_name: "JACKSON", given_name: "Jan", birth_date: "1951-07-14" },
  { mrn: "SRCH-0103", family_name: "Jackson", given_name: "Janet", birth_date: "1951-07-14" },
  { mrn: "SRCH-0204", family_name: "Ó'Brien", given_name: "Siobhán", birth_date: "1944-11-30" },
];

function csv(rows: Record<string, string>[]): Buffer {
  const withVisit = rows.map((r) => ({ ...r, sex: "female", assessed_on: "2026-09-01", grip_strength_kg: "20.0" }));
  const headers = Object.keys(withVisit[0]!);
  return Buffer.from(stringify([headers, ...withVisit.map((r) => headers.map((h) => r[h as keyof typeof r]))]));
}

function fhirPatient(family: string, given: string) {
  return JSON.stringify({
    resourceType: "Bundle",
    type: "collection",
    entry: [
      {
        resource: {
          resourceType: "Patient",
          id: "f-77",
          identifier: [{ type: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v2-0203", code: "MR" }] }, value: "FHIR-77" }],
          name: [{ family, given: [given] }],
          gender: "female",
          birthDate: "1939-12-31",
        },
      },
    ],
  });
}

async function search(q: string): Promise<string[]> {
  const page = await getPatientPanel(t.db, c.actors.clinician, parsePanelQuery({ q, sort: "name", size: "100" }), TEST_NOW);
  return page.rows.map((r) => r.mrn).sort();
}

beforeAll(async () => {
  t = await createTestDatabase();
  c = await createTestClinic(t.db, { slug: "search", patients: 0 });
  seeded = await createTestClinic(t.db, { slug: "seeded", patients: 30, seed: 9 });
  const imported = await importAssessments(t.db, c.actors.clinician, { name: "search.csv", content: csv(LINES) }, { now: TEST_NOW });
  expect(imported.errors).toEqual([]);
  const fhir = await importFhir(t.db, c.actors.clinician, [{ name: "nunez.json", content: fhirPatient("Núñez", "Zoë") }], { now: TEST_NOW });
  expect(fhir.rejected).toEqual([]);
});

afterAll(async () => {
  await t.drop();
});

describe("patient search", () => {
  it.each([
    ["Jackson, Jan", ["SRCH-0002", "SRCH-0103"]],
    ["Jan Jackson", ["SRCH-0002", "SRCH-0103"]],
    ["jackson janet", ["SRCH-0103"]],
    ["JACKSON, JANET", ["SRCH-0103"]],
    ["Muller", ["SRCH-0001"]],
    ["muller", ["SRCH-0001"]],
    ["MÜLLER", ["SRCH-0001"]],
    ["Müller, Jan", ["SRCH-0001"]],
    ["O'Brien, Siobhan", ["SRCH-0204"]],
    ["obrien", ["SRCH-0204"]],
    ["O Brien", ["SRCH-0204"]],
    ["SRCH-0001", ["SRCH-0001"]],
    ["srch-0103", ["SRCH-0103"]],
    ["0103", ["SRCH-0103"]],
    ["SRCH", ["SRCH-0001", "SRCH-0002", "SRCH-0103", "SRCH-0204"]],
    ["1951-07-14", ["SRCH-0002", "SRCH-0103"]],
    ["Janet 1951-07-14", ["SRCH-0103"]],
    ["Nunez, Zoe", ["FHIR-77"]],
    ["fhir-77", ["FHIR-77"]],
  ])("%s finds %j", async (q, expected) => {
    expect(await search(q)).toEqual(expected);
  });

  it.each([
    ["a word no patient has", "xyzzy"],
    ["names of two different patients", "Jackson Zoe"],
    ["a name with another patient's birth date", "Muller 1951-07-14"],
    ["a birth date nobody has", "1951-07-15"],
    ["an impossible date, searched as words", "1948-02-30"],
    ["punctuation only", "!!!"],
  ])("finds no one for %s", async (_label, q) => {
    expect(await search(q)).toEqual([]);
  });

  it("rewrites the key when a FHIR import changes the name", async () => {
    const result = await importFhir(t.db, c.actors.clinician, [{ name: "ortiz.json", content: fhirPatient("Ortiz", "Zoë") }], { now: TEST_NOW });
    expect(result.rejected).toEqual([]);
    expect(await search("Núñez")).toEqual([]);
    expect(await search("ortiz zoe")).toEqual(["FHIR-77"]);
  });

  it("stores seeded patients' keys normalised", async () => {
    const patients = await t.db.patient.findMany({ where: { clinicId: seeded.clinicId }, select: { mrn: true, familyName: true, givenName: true, searchText: true } });
    expect(patients.length).toBe(30);
    for (const p of patients) expect(p.searchText).toBe(patientSearchKey(p));
  });

  it("rebuilds keys written before normalisation when `db migrate` runs its backfill, once", async () => {
    // The key as it used to be written: lower case only.
    await t.db.patient.updateMany({ where: { clinicId: c.clinicId, mrn: "SRCH-0001" }, data: { searchText: "srch-0001 müller jan" } });
    expect(await search("Muller")).toEqual([]);
    const rerun = { ...BACKFILLS[0]!, name: "test_rerun_search_keys" };
    const first = await migrate(t.url, () => {}, { backfills: [rerun] });
    expect(first.backfilled).toEqual([{ name: "test_rerun_search_keys", rows: 1 }]);
    expect(await search("Muller")).toEqual(["SRCH-0001"]);
    const second = await migrate(t.url, () => {}, { backfills: [rerun] });
    expect(second.backfilled).toEqual([]);
  });
});
