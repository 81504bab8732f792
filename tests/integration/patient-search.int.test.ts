import { stringify } from "csv-stringify/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { BACKFILLS } from "@/lib/data/db/backfills";
import { importAssessments } from "@/lib/data/import/assessments";
import { importFhir } from "@/lib/data/import/fhir";
import { migrate } from "@/lib/data/db/migrate";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { SEARCH_ID_LIMIT, searchMatches } from "@/lib/data/patients/search";
import { createDb } from "@/lib/data/db/client";
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
  { mrn: "SRCH-0305", family_name: "Иванов", given_name: "Пётр", birth_date: "1940-05-09" },
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
    ["SRCH", ["SRCH-0001", "SRCH-0002", "SRCH-0103", "SRCH-0204", "SRCH-0305"]],
    ["103", ["SRCH-0103"]],
    ["ller", ["SRCH-0001"]],
    ["Jackson J", ["SRCH-0002", "SRCH-0103"]],
    ["ja n", ["SRCH-0001", "SRCH-0002", "SRCH-0103"]],
    ["Иван", ["SRCH-0305"]],
    ["Пётр Иванов", ["SRCH-0305"]],
    ["иванов, петр", ["SRCH-0305"]],
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
    ["parts of two different patients' names", "ller jackson"],
    ["a longer word than any key holds", "jacksonville"],
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

/**
 * Every suffix of every word of a key (lib/data/patients/search.ts): what the triggers of the
 * migration that adds PatientSearchSuffix must have stored for a patient.
 */
function suffixesOf(key: string): string[] {
  const suffixes = new Set<string>();
  for (const word of key.split(" ").filter(Boolean)) {
    const chars = Array.from(word);
    for (let i = 0; i < chars.length; i += 1) suffixes.add(chars.slice(i).join(""));
  }
  return [...suffixes].sort();
}

/** Patients whose stored suffixes differ from their key's, and rows of patients that no longer exist (empty when the index is right). */
async function suffixIndexErrors(): Promise<string[]> {
  const patients = await t.db.patient.findMany({ select: { id: true, clinicId: true, searchText: true } });
  const rows = await t.db.patientSearchSuffix.findMany();
  const stored = new Map<string, string[]>();
  for (const r of rows) stored.set(`${r.clinicId} ${r.patientId}`, [...(stored.get(`${r.clinicId} ${r.patientId}`) ?? []), r.suffix]);
  const errors: string[] = [];
  for (const p of patients) {
    const key = `${p.clinicId} ${p.id}`;
    const have = (stored.get(key) ?? []).sort();
    if (JSON.stringify(have) !== JSON.stringify(suffixesOf(p.searchText))) errors.push(`${p.searchText}: stored ${JSON.stringify(have)}`);
    stored.delete(key);
  }
  for (const [key, suffixes] of stored) errors.push(`no patient ${key}, yet stored ${JSON.stringify(suffixes)}`);
  return errors;
}

describe("PostgreSQL's trigram index (migration patient_search_trigrams)", () => {
  it.runIf(process.env.TEST_DATABASE === "postgresql")("finds exactly what the suffix index finds, for long, short, partial, accented and MRN words", async () => {
    const patients = await t.db.patient.findMany({ where: { clinicId: seeded.clinicId }, select: { familyName: true, givenName: true, mrn: true }, orderBy: { mrn: "asc" } });
    const queries = [
      "muller", "Müller, Jan", "jan jackson", "JACKSON", "ack", "Jan", "o brien", "brien sio", "иванов", "Пётр", "nunez zoe", "SRCH-01", "srch 0", "0001", "xyzzy", "ja ck",
      ...patients.slice(0, 10).flatMap((p) => [`${p.familyName}, ${p.givenName}`, `${p.givenName.slice(0, 3)} ${p.familyName.slice(1, 5)}`, p.mrn.slice(-4)]),
    ];
    const found = async (db: typeof t.db, clinicId: string, q: string) => ((await searchMatches(db, clinicId, q, 5000)) ?? []).map((m) => m.patientId).sort();
    const withTrigrams = await Promise.all(queries.flatMap((q) => [c.clinicId, seeded.clinicId].map((clinicId) => found(t.db, clinicId, q))));
    expect(withTrigrams.some((ids) => ids.length > 0)).toBe(true);
    // The same queries through a client of a database without the index: the suffix index's answers.
    await t.db.$executeRawUnsafe(`DROP INDEX "Patient_searchText_trgm_idx"`);
    const withoutIndex = createDb(t.url);
    try {
      const withSuffixes = await Promise.all(queries.flatMap((q) => [c.clinicId, seeded.clinicId].map((clinicId) => found(withoutIndex, clinicId, q))));
      expect(withTrigrams).toEqual(withSuffixes);
    } finally {
      await withoutIndex.$disconnect();
      await t.db.$executeRawUnsafe(`CREATE INDEX "Patient_searchText_trgm_idx" ON "Patient" USING gin ("searchText" gin_trgm_ops)`);
    }
  });
});

describe("the search index (PatientSearchSuffix), kept by database triggers", () => {
  it("finds only the clinic's own patients", async () => {
    const other = await t.db.patient.findFirstOrThrow({ where: { clinicId: seeded.clinicId }, orderBy: { mrn: "asc" } });
    const q = `${other.familyName}, ${other.givenName}`;
    expect(await search(q)).toEqual([]);
    const page = await getPatientPanel(t.db, seeded.actors.clinician, parsePanelQuery({ q, sort: "name", size: "100" }), TEST_NOW);
    expect(page.rows.map((r) => r.mrn)).toContain(other.mrn);
  });

  it("follows a rename written by any code (a plain update of the key)", async () => {
    const p = await t.db.patient.findFirstOrThrow({ where: { clinicId: c.clinicId, mrn: "SRCH-0204" } });
    await t.db.patient.update({ where: { id: p.id }, data: { familyName: "Byrne", searchText: patientSearchKey({ ...p, familyName: "Byrne" }) } });
    expect(await search("obrien")).toEqual([]);
    expect(await search("Byrne, Siobhan")).toEqual(["SRCH-0204"]);
    expect(await search("rien")).toEqual([]);
  });

  it("finds a patient written without an evaluation, and no longer once deleted", async () => {
    const bare = await t.db.patient.create({
      data: { clinicId: c.clinicId, mrn: "BARE-9", familyName: "Quixote", givenName: "Alonso", birthDate: new Date("1947-04-23T00:00:00Z"), sex: "male", searchText: "bare 9 quixote alonso" },
    });
    expect(await search("Quixote, Alonso")).toEqual(["BARE-9"]);
    expect(await t.db.patientSearchSuffix.count({ where: { patientId: bare.id } })).toBe(suffixesOf("bare 9 quixote alonso").length);
    await t.db.patient.delete({ where: { id: bare.id } });
    expect(await search("Quixote")).toEqual([]);
    expect(await t.db.patientSearchSuffix.count({ where: { patientId: bare.id } })).toBe(0);
  });

  it("holds exactly the suffixes of every patient's key after imports, updates, the seed, a rename and a delete", async () => {
    expect(await suffixIndexErrors()).toEqual([]);
  });
});

describe("a search's page and counts (read from the matches, not by tier segments)", () => {
  let o: TestClinic;

  beforeAll(async () => {
    o = await createTestClinic(t.db, { slug: "order", patients: 40, seed: 13 });
    // A patient without a stored evaluation: listed last in either direction, counted in the total.
    await t.db.patient.create({
      data: { clinicId: o.clinicId, mrn: "ORDER-BARE", familyName: "Bare", givenName: "Test", birthDate: new Date("1950-01-01T00:00:00Z"), sex: "female", searchText: "order bare bare test" },
    });
  }, 120_000);

  async function allPages(params: Record<string, string>): Promise<{ ids: string[]; total: number; tierCounts: unknown }> {
    const ids: string[] = [];
    for (let page = 1; ; page += 1) {
      const panel = await getPatientPanel(t.db, o.actors.clinician, parsePanelQuery({ ...params, page: String(page), size: "7" }), TEST_NOW);
      ids.push(...panel.rows.map((r) => r.id));
      if (page >= panel.pageCount) return { ids, total: panel.total, tierCounts: panel.tierCounts };
    }
  }

  it("lists in the same order, with the same counts, as the panel without the search when the search matches everyone", async () => {
    const high = await t.db.riskSnapshot.findFirstOrThrow({ where: { clinicId: o.clinicId }, orderBy: { tierRank: "asc" }, select: { tier: true } });
    const flagged = await t.db.flag.findFirstOrThrow({ where: { patient: { clinicId: o.clinicId }, status: "open" }, select: { code: true } });
    for (const dir of ["asc", "desc"]) {
      for (const filter of [{}, { tier: high.tier }, { flag: flagged.code }, { sort: "name" }] as Record<string, string>[]) {
        const reference = await allPages({ sort: "tier", dir, ...filter });
        const searched = await allPages({ sort: "tier", dir, ...filter, q: "order" });
        expect(reference.ids.length, JSON.stringify(filter)).toBeGreaterThan(0);
        expect(searched, `${dir} ${JSON.stringify(filter)}`).toEqual(reference);
      }
    }
  });

  it("counts and orders only the matches", async () => {
    // "ORDER-0003" is the words "order" and "0003": MRNs ORDER-000003 and ORDER-000030 to 39.
    const all = await t.db.patient.findMany({ where: { clinicId: o.clinicId }, select: { id: true, searchText: true } });
    const some = all.filter((p) => p.searchText.includes("0003"));
    expect(some.length).toBe(11);
    const searched = await allPages({ sort: "tier", q: "ORDER-0003" });
    expect([...searched.ids].sort()).toEqual(some.map((p) => p.id).sort());
    const reference = (await allPages({ sort: "tier" })).ids.filter((id) => some.some((p) => p.id === id));
    expect(searched.ids).toEqual(reference);
  });
});

describe("a search matching more patients than are read by id (SEARCH_ID_LIMIT)", () => {
  let w: TestClinic;

  beforeAll(async () => {
    w = await createTestClinic(t.db, { slug: "wide", patients: SEARCH_ID_LIMIT + 20, seed: 17 });
  }, 300_000);

  async function allPages(params: Record<string, string>): Promise<{ ids: string[]; total: number; tierCounts: unknown }> {
    const ids: string[] = [];
    for (let page = 1; ; page += 1) {
      const panel = await getPatientPanel(t.db, w.actors.clinician, parsePanelQuery({ ...params, page: String(page), size: "100" }), TEST_NOW);
      ids.push(...panel.rows.map((r) => r.id));
      if (page >= panel.pageCount) return { ids, total: panel.total, tierCounts: panel.tierCounts };
    }
  }

  it("lists and counts them all, by tier (in memory) and by name (the LIKE filter), as without the search", async () => {
    for (const params of [{ sort: "tier" }, { sort: "tier", dir: "desc" }, { sort: "name" }, { sort: "tier", sex: "female" }] as Record<string, string>[]) {
      const reference = await allPages(params);
      const searched = await allPages({ ...params, q: "wide" });
      expect(searched.total, JSON.stringify(params)).toBeGreaterThan(params["sex"] ? 0 : SEARCH_ID_LIMIT);
      expect(searched, JSON.stringify(params)).toEqual(reference);
    }
  });
});
