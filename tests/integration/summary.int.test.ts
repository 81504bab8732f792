import { DEFAULT_FLAG_LIFECYCLE } from "@/lib/domain/flag-lifecycle";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { verifyAuditChain } from "@/lib/data/audit/log";
import { streamDeidentifiedCsv } from "@/lib/data/export/deidentified";
import { panelWhere } from "@/lib/data/patients/panel";
import { getCohortReport } from "@/lib/data/reports/cohort-report";
import { exportSummaryCsv, getClinicAggregates, getClinicSummary } from "@/lib/data/reports/summary";
import { ageInYears } from "@/lib/domain/dates";
import { DEIDENTIFIED_COLUMNS } from "@/lib/domain/deidentified-row";
import { ageBandOf, type ClinicAggregates } from "@/lib/domain/summary-tables";
import { createThresholdVersion, getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { importAssessments } from "@/lib/data/import/assessments";
import { recomputeClinic } from "@/lib/data/jobs/recompute";
import type { AwgsEdition } from "@/lib/domain/types";
import { parsePanelQuery } from "@/lib/validation/panel-query";
import type { Actor } from "@/lib/data/access/actor";

let t: TestDatabase;
let a: TestClinic;
let b: TestClinic;

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createTestClinic(t.db, { slug: "alpha", patients: 80, seed: 11 });
  b = await createTestClinic(t.db, { slug: "beta", patients: 25, seed: 12 });
});

afterAll(async () => {
  await t.drop();
});

/**
 * "Any sarcopenia finding" written out by hand (docs/design.md#categories): EWGSOP2 probable or
 * worse, or the AWGS edition in force possible or worse (AWGS 2025 "at risk" is not a finding).
 */
function handFinding(s: { ewgsop2: string; awgs2019: string; awgs2025: string | null }, edition: AwgsEdition): boolean {
  if (["probable", "confirmed", "severe"].includes(s.ewgsop2)) return true;
  return edition === 2025 ? s.awgs2025 === "possible" || s.awgs2025 === "sarcopenia" : ["possible", "sarcopenia", "severe"].includes(s.awgs2019);
}

/** The same aggregates the slow way: every patient of the clinic loaded and counted in JavaScript. */
async function countByHand(clinicId: string, now: Date, awgsEdition: AwgsEdition = 2019): Promise<ClinicAggregates> {
  const patients = await t.db.patient.findMany({
    where: { clinicId },
    select: {
      birthDate: true, sex: true, medicationClasses: true,
      snapshot: { select: { tier: true, ewgsop2: true, awgs2019: true, awgs2025: true, b12Status: true } },
      flags: { where: { status: "open" }, select: { code: true, dueAt: true } },
    },
  });
  const tally = <T>(map: Map<string, T & { count: number }>, key: string, init: T) => {
    const entry = map.get(key) ?? { ...init, count: 0 };
    entry.count += 1;
    map.set(key, entry);
  };
  const snapshots = new Map<string, ClinicAggregates["snapshots"][number]>();
  const medicines = new Map<string, ClinicAggregates["b12ByMedicines"][number]>();
  const demographics = new Map<string, ClinicAggregates["demographics"][number]>();
  const flags = new Map<string, ClinicAggregates["flags"][number]>();
  for (const p of patients) {
    const s = p.snapshot;
    if (s) tally<Omit<ClinicAggregates["snapshots"][number], "count">>(snapshots, [s.tier, s.ewgsop2, s.awgs2019, s.awgs2025, s.b12Status].join("|"), { tier: s.tier, ewgsop2: s.ewgsop2, awgs2019: s.awgs2019, awgs2025: s.awgs2025, b12Status: s.b12Status });
    tally(medicines, `${p.medicationClasses}|${s?.b12Status ?? null}`, { medicationClasses: p.medicationClasses, b12Status: s?.b12Status ?? null });
    const band = ageBandOf(ageInYears(p.birthDate, now));
    const d = demographics.get(`${band}|${p.sex}`) ?? { band, sex: p.sex, patients: 0, high: 0, sarcopenia: 0 };
    d.patients += 1;
    if (s?.tier === "high") d.high += 1;
    if (s && handFinding(s, awgsEdition)) d.sarcopenia += 1;
    demographics.set(`${band}|${p.sex}`, d);
    for (const f of p.flags) {
      const entry = flags.get(f.code) ?? { code: f.code, due: 0, overdue: 0 };
      if (f.dueAt < now) entry.overdue += 1;
      else entry.due += 1;
      flags.set(f.code, entry);
    }
  }
  return { patients: patients.length, awgsEdition, snapshots: [...snapshots.values()], demographics: [...demographics.values()], flags: [...flags.values()], b12ByMedicines: [...medicines.values()] };
}

function normalise(x: ClinicAggregates) {
  const sorted = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();
  return { ...x, snapshots: sorted(x.snapshots), demographics: sorted(x.demographics), flags: sorted(x.flags), b12ByMedicines: sorted(x.b12ByMedicines) };
}

async function readAll(stream: AsyncGenerator<string, unknown>): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk;
  return text;
}

describe("clinic summary aggregates", () => {
  it("match a patient-by-patient count of the clinic, and nothing of another clinic", async () => {
    const counted = await getClinicAggregates(t.db, a.actors.clinician, TEST_NOW);
    expect(counted.patients).toBe(80);
    expect(normalise(counted)).toEqual(normalise(await countByHand(a.clinicId, TEST_NOW)));
    expect(normalise(await getClinicAggregates(t.db, b.actors.analyst, TEST_NOW))).toEqual(normalise(await countByHand(b.clinicId, TEST_NOW)));
    // The fixture covers what the tables show: several tiers, open flags both due and overdue, a B12-lowering medicine.
    expect(new Set(counted.snapshots.map((s) => s.tier)).size).toBeGreaterThan(1);
    expect(new Set(counted.snapshots.map((s) => s.awgs2025)).size).toBeGreaterThan(1);
    expect(counted.flags.some((f) => f.due > 0) && counted.flags.some((f) => f.overdue > 0)).toBe(true);
    expect(counted.b12ByMedicines.some((m) => m.medicationClasses.includes(";metformin;"))).toBe(true);
  });

  it("count a cohort given as the panel's where", async () => {
    const actor = a.actors.clinician;
    const where = panelWhere(actor, parsePanelQuery({ tier: "high" }), TEST_NOW, DEFAULT_FLAG_LIFECYCLE);
    const cohort = await getClinicAggregates(t.db, actor, TEST_NOW, where);
    const high = await t.db.riskSnapshot.count({ where: { clinicId: a.clinicId, tier: "high" } });
    expect(high).toBeGreaterThan(0);
    expect(cohort.patients).toBe(high);
    expect(cohort.snapshots.every((s) => s.tier === "high")).toBe(true);
    expect(cohort.demographics.reduce((sum, d) => sum + d.high, 0)).toBe(high);
    // Counted in slices of ids, the whole clinic gives the same numbers as one pass.
    const sliced = await getClinicAggregates(t.db, actor, TEST_NOW, panelWhere(actor, parsePanelQuery({}), TEST_NOW, DEFAULT_FLAG_LIFECYCLE), 7);
    expect(normalise(sliced)).toEqual(normalise(await getClinicAggregates(t.db, actor, TEST_NOW)));
  });
});

describe("prevalence under the AWGS edition in force", () => {
  it("counts 'any sarcopenia finding' by AWGS 2019 by default and by the AWGS 2025 categories once the clinic switches, and says which", async () => {
    const c = await createTestClinic(t.db, { slug: "gamma", patients: 60, seed: 13 });
    // A man of 56 with a grip of 30 kg: EWGSOP2 none (< 27 kg), no AWGS 2019 finding, AWGS 2025 possible (50–64: < 34 kg).
    const csv = "mrn,family_name,given_name,birth_date,sex,assessed_on,grip_strength_kg\nG-56,Band,Fifty,1970-06-01,male,2026-10-01,30.0\n";
    expect(await importAssessments(t.db, c.actors.admin, { name: "g.csv", content: Buffer.from(csv) }, { now: TEST_NOW })).toMatchObject({ blocked: false, errors: [] });
    const man = await t.db.riskSnapshot.findFirstOrThrow({ where: { clinicId: c.clinicId, patient: { mrn: "G-56" } } });
    expect([man.ewgsop2, man.awgs2019, man.awgs2025]).toEqual(["none", expect.not.stringMatching(/possible|sarcopenia|severe/), "possible"]);

    const prevalenceCell = async (band: string, sex: string) => {
      const table = (await getClinicSummary(t.db, c.actors.clinician, TEST_NOW)).tables.find((tb) => tb.id === "prevalence")!;
      return { caption: table.caption, cell: table.rows.find((row) => row.key === band && row.subkey === sex)!.cells.sarcopenia! };
    };
    const before = await getClinicAggregates(t.db, c.actors.clinician, TEST_NOW);
    expect(before.awgsEdition).toBe(2019);
    expect(normalise(before)).toEqual(normalise(await countByHand(c.clinicId, TEST_NOW, 2019)));
    const under60Before = await prevalenceCell("under-60", "male");
    expect(under60Before.caption).toContain("AWGS 2019 possible or worse: the edition in force");

    const current = await getActiveThresholds(t.db, c.clinicId, TEST_NOW);
    const values = structuredClone(current.values);
    values.awgs2025.drivesTiersAndFlags = true;
    await createThresholdVersion(t.db, c.actors.admin, { values, effectiveFrom: new Date("2026-11-01T00:00:00Z"), note: "AWGS 2025 supersedes 2019" }, TEST_NOW);
    await recomputeClinic(t.db, c.actors.admin, { now: TEST_NOW });

    const after = await getClinicAggregates(t.db, c.actors.clinician, TEST_NOW);
    expect(after.awgsEdition).toBe(2025);
    expect(normalise(after)).toEqual(normalise(await countByHand(c.clinicId, TEST_NOW, 2025)));
    // Counted by the 2019 rule the same snapshots would give another number: the 2025 categories are what is counted.
    const by2019 = await countByHand(c.clinicId, TEST_NOW, 2019);
    const total = (x: ClinicAggregates) => x.demographics.reduce((sum, d) => sum + d.sarcopenia, 0);
    expect(total(after)).not.toBe(total(by2019));
    const under60After = await prevalenceCell("under-60", "male");
    expect(under60After.caption).toContain("AWGS 2025 possible sarcopenia or sarcopenia: the edition in force");
    expect(under60After.cell.count).toBe(under60Before.cell.count! + 1);
    // Analysts still see small cells suppressed under the new edition.
    const analyst = (await getClinicSummary(t.db, c.actors.analyst, TEST_NOW)).tables.flatMap((tb) => tb.rows.flatMap((row) => Object.values(row.cells)));
    for (const cell of analyst) if (cell.count !== null) expect(cell.count === 0 || cell.count >= 5).toBe(true);
  });
});

describe("suppression by role", () => {
  function counts(summary: Awaited<ReturnType<typeof getClinicSummary>>) {
    return summary.tables.flatMap((table) => table.rows.flatMap((row) => Object.values(row.cells)));
  }

  it("shows clinicians exact counts and analysts no count from 1 to 4", async () => {
    const exact = counts(await getClinicSummary(t.db, a.actors.clinician, TEST_NOW));
    expect(exact.every((c) => c.suppression === null && c.count !== null)).toBe(true);
    expect(exact.some((c) => c.count! >= 1 && c.count! <= 4)).toBe(true);
    const analyst = counts(await getClinicSummary(t.db, a.actors.analyst, TEST_NOW));
    expect(analyst.some((c) => c.text === "<5")).toBe(true);
    for (const cell of analyst) {
      if (cell.count !== null) expect(cell.count === 0 || cell.count >= 5).toBe(true);
      else expect(cell.percent).toBeNull();
    }
  });

  it("exports the summary CSV suppressed for analysts, and audits it", async () => {
    const text = await exportSummaryCsv(t.db, a.actors.analyst, TEST_NOW);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.some((r) => r.count === "<5" && r.percent === "")).toBe(true);
    expect(rows.every((r) => !/^[1-4]$/.test(r.count!))).toBe(true);
    const clinician = parse(await exportSummaryCsv(t.db, a.actors.clinician, TEST_NOW), { columns: true }) as Record<string, string>[];
    expect(clinician.some((r) => /^[1-4]$/.test(r.count!))).toBe(true);
    const audits = await t.db.auditEvent.findMany({ where: { action: "export.run", entityType: "summary", clinicId: a.clinicId } });
    expect(audits.map((e) => JSON.parse(e.detailJson).suppressed).sort()).toEqual([false, true]);
  });
});

describe("de-identified export", () => {
  it("has no names, MRNs or dates, new pseudonyms each time, only the own clinic, and is audited", async () => {
    const actor: Actor = a.actors.analyst;
    const first = await readAll(streamDeidentifiedCsv(t.db, actor, { now: TEST_NOW, batchSize: 30 }));
    const second = await readAll(streamDeidentifiedCsv(t.db, actor, { now: TEST_NOW }));
    expect(first.split("\n")[0]).toBe(DEIDENTIFIED_COLUMNS.join(","));
    const rows = parse(first, { columns: true }) as Record<string, string>[];
    const identified = await t.db.patient.findMany({ where: { clinicId: { in: [a.clinicId, b.clinicId] } }, select: { id: true, mrn: true, familyName: true, givenName: true } });
    for (const p of identified) {
      expect(first).not.toContain(p.mrn);
      expect(first).not.toContain(p.id);
      expect(first).not.toMatch(new RegExp(`\\b${p.familyName}\\b`));
    }
    expect(first).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    // k-anonymity: every written combination of columns (all but the pseudonym) is shared by at
    // least 5 patients, so a count made from the file is 0 or ≥ 5; the rest are withheld, counted.
    const sharing = new Map<string, number>();
    for (const r of rows) {
      const key = DEIDENTIFIED_COLUMNS.slice(1).map((c) => r[c]).join("|");
      sharing.set(key, (sharing.get(key) ?? 0) + 1);
    }
    for (const n of sharing.values()) expect(n).toBeGreaterThanOrEqual(5);
    const aggregates = await getClinicAggregates(t.db, a.actors.clinician, TEST_NOW);
    for (const d of aggregates.demographics) {
      const inFile = rows.filter((r) => r.age_band === d.band && r.sex === d.sex).length;
      expect(inFile === 0 || inFile >= 5).toBe(true);
      expect(inFile).toBeLessThanOrEqual(d.patients);
    }
    const pseudonyms = new Set(rows.map((r) => r.pseudonym));
    expect(pseudonyms.size).toBe(rows.length);
    const again = (parse(second, { columns: true }) as Record<string, string>[]).map((r) => r.pseudonym);
    expect(again).toHaveLength(rows.length);
    expect(again.some((p) => pseudonyms.has(p!))).toBe(false);
    const audits = await t.db.auditEvent.findMany({ where: { action: "export.run", entityType: "deidentified" } });
    expect(audits).toHaveLength(2);
    const detail = JSON.parse(audits[0]!.detailJson);
    expect(detail).toMatchObject({ rows: rows.length, completed: true, k: 5 });
    expect(detail.rows + detail.withheld).toBe(80);
  });

  it("writes a combination shared by 5 patients and withholds one shared by fewer", async () => {
    const k = await createTestClinic(t.db, { slug: "kanon", patients: 0 });
    const born = (year: number) => new Date(`${year}-06-01T00:00:00Z`);
    const people = [...Array.from({ length: 5 }, () => born(1950)), born(1930)];
    for (const [i, birthDate] of people.entries()) {
      await t.db.patient.create({ data: { clinicId: k.clinicId, mrn: `K-${i}`, familyName: "Kay", givenName: `P${i}`, birthDate, sex: "female", searchText: `k-${i}` } });
    }
    const out = streamDeidentifiedCsv(t.db, k.actors.analyst, { now: TEST_NOW });
    let text = "";
    let next;
    while (!(next = await out.next()).done) text += next.value;
    expect(next.value).toEqual({ rows: 5, withheld: 1, suppressedCells: 0 });
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(5);
    expect(new Set(rows.map((r) => r.age_band)).size).toBe(1);
    expect(rows[0]!.age_band).toBe(ageBandOf(ageInYears(born(1950), TEST_NOW)));
  });
});

describe("de-identified export: bands and local suppression", () => {
  it("keeps patients whose rare flag lists make them unique, with the lists withheld, and writes the measure bands", async () => {
    const k = await createTestClinic(t.db, { slug: "bands", patients: 0 });
    const recent = new Date(TEST_NOW.getTime() - 30 * 86_400_000);
    // Five women of 75 alike in everything but their open flags, each list different.
    const lists = [";b12_test_due;", ";muscle_mass_due;", ";performance_due;", ";b12_test_due;reassessment_due;", ";medication_review;"];
    for (const [i, flagCodes] of lists.entries()) {
      await t.db.patient.create({
        data: {
          clinicId: k.clinicId, mrn: `B-${i}`, familyName: "Band", givenName: `P${i}`, birthDate: new Date("1951-06-01T00:00:00Z"), sex: "female", searchText: `b-${i}`,
          latestGripKg: 14, latestGripAt: recent, latestGaitMs: 0.7, latestGaitAt: recent, latestB12Pmol: 300, latestB12At: recent,
          snapshot: {
            create: {
              clinicId: k.clinicId, tier: "high", tierRank: 0, ewgsop2: "probable", awgs2019: "possible", b12Status: "adequate", b12OnTreatment: false,
              flagCodes, ruleSetVersion: 1, evaluatedAt: TEST_NOW, detailJson: "{}",
            },
          },
        },
      });
    }
    const out = streamDeidentifiedCsv(t.db, k.actors.analyst, { now: TEST_NOW });
    let text = "";
    let next;
    while (!(next = await out.next()).done) text += next.value;
    // Withholding whole rows would have written none of them.
    expect(next.value).toEqual({ rows: 5, withheld: 0, suppressedCells: 5 });
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      expect(row).toMatchObject({ age_band: "70-79", sex: "female", tier: "high", flags: "*", b12_lowering_medications: "", grip_strength_band: "low", gait_speed_band: "<=0.8", serum_b12_band: ">258" });
    }
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "export.run", entityType: "deidentified", actorId: k.actors.analyst.userId } });
    expect(JSON.parse(audit.detailJson)).toMatchObject({ rows: 5, withheld: 0, suppressedCells: 5, k: 5 });
  });
});

describe("printable report", () => {
  it("lists the cohort's identified patients for a clinician and audits their ids", async () => {
    const report = await getCohortReport(t.db, a.actors.clinician, parsePanelQuery({ tier: "high" }), TEST_NOW);
    expect(report.isCohort).toBe(true);
    expect(report.patients!.length).toBe(report.summary.total.count);
    expect(report.patients!.every((p) => p.tier === "high")).toBe(true);
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "export.run", entityType: "report" }, orderBy: { seq: "desc" } });
    expect(JSON.parse(audit.detailJson)).toMatchObject({ format: "print", cohort: { tier: "high" }, patientIds: report.patients!.map((p) => p.id) });
  });

  it("gives an analyst the whole clinic, suppressed, with no patient list, whatever the query", async () => {
    const report = await getCohortReport(t.db, a.actors.analyst, parsePanelQuery({ q: "smith", tier: "high" }), TEST_NOW);
    expect(report.isCohort).toBe(false);
    expect(report.patients).toBeNull();
    expect(report.summary.isSuppressed).toBe(true);
    expect(report.summary.total.count).toBe(80);
  });

  it("keeps the audit chain intact", async () => {
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});
