import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../support/fixtures";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import type { SystemActor } from "@/lib/data/access/actor";
import { verifyAuditChain } from "@/lib/data/audit/log";
import { importFhir, type FhirImportFile, type FhirImportResult } from "@/lib/data/import/fhir";
import type { Evaluation } from "@/lib/domain/types";
import { OBSERVATION_CODES } from "@/lib/domain/fhir-codes";

const SYNTHEA = fixturePath("synthea");
const PITFALLS = fixturePath("fhir-pitfalls");

function load(dir: string): FhirImportFile[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith(".json"))
    .sort()
    .map((name) => ({ name, content: readFileSync(path.join(dir, name)) }));
}

type Json = Record<string, unknown>;
interface Expected {
  file: string;
  mrn: string;
  family: string;
  given: string;
  birthDate: string;
  sex: string;
  deceased: string | null;
  weights: number;
  heights: number;
  metformin: boolean;
  b12Injection: boolean;
}

/** What each bundle says, read straight from the JSON (independent of the importer's mapping code). */
function expectedOf(file: FhirImportFile): Expected {
  const bundle = JSON.parse(file.content.toString()) as { entry: { resource: Json }[] };
  const resources = bundle.entry.map((e) => e.resource);
  const patient = resources.find((r) => r.resourceType === "Patient") as {
    identifier: { type?: { coding: { code: string }[] }; value: string }[];
    name: { use?: string; family: string; given: string[] }[];
    birthDate: string;
    gender: string;
    deceasedDateTime?: string;
  };
  const name = patient.name.find((n) => n.use === "official") ?? patient.name[0]!;
  const obsCount = (code: string) =>
    resources.filter((r) => r.resourceType === "Observation" && JSON.stringify(r.code).includes(`"code":"${code}"`)).length;
  const activeMeds = resources
    .filter((r) => r.resourceType === "MedicationRequest" && r.status === "active")
    .map((r) => JSON.stringify(r.medicationCodeableConcept).toLowerCase());
  return {
    file: file.name,
    mrn: patient.identifier.find((i) => i.type?.coding.some((c) => c.code === "MR"))!.value,
    family: name.family,
    given: name.given.join(" "),
    birthDate: patient.birthDate,
    sex: patient.gender,
    deceased: patient.deceasedDateTime ?? null,
    weights: obsCount("29463-7"),
    heights: obsCount("8302-2"),
    metformin: activeMeds.some((m) => m.includes("metformin")),
    b12Injection: activeMeds.some((m) => m.includes("vitamin b 12")),
  };
}

let t: TestDatabase;
let clinic: TestClinic;
let actor: SystemActor;
let first: FhirImportResult;
let firstSeconds: number;
const bundles = load(SYNTHEA);
const expected = bundles.map(expectedOf);

async function dataCounts() {
  const db = t.db;
  const [patients, observations, medications, conditions, snapshots, flags] = await Promise.all([
    db.patient.count(), db.observation.count(), db.patientMedication.count(), db.patientCondition.count(), db.riskSnapshot.count(), db.flag.count(),
  ]);
  return { patients, observations, medications, conditions, snapshots, flags };
}

beforeAll(async () => {
  t = await createTestDatabase();
  clinic = await createTestClinic(t.db, { slug: "fhir", patients: 0 });
  actor = { kind: "system", clinicId: clinic.clinicId, label: "test import-fhir" };
  const started = performance.now();
  first = await importFhir(t.db, actor, bundles, { now: TEST_NOW });
  firstSeconds = (performance.now() - started) / 1000;
  console.log(`[${t.provider}] imported ${bundles.length} Synthea bundles (${first.resources} resources) in ${firstSeconds.toFixed(2)} s`);
}, 120_000);

afterAll(async () => {
  await t?.drop();
});

describe(`FHIR import of the Synthea bundles (${process.env.TEST_DATABASE ?? "sqlite"})`, () => {
  it("creates exactly one patient per bundle with the bundle's demographics", async () => {
    expect(bundles).toHaveLength(6);
    // The fixture keeps what the rules below need: a deceased patient, and a file name with an apostrophe.
    expect(expected.filter((e) => e.deceased !== null).length).toBeGreaterThan(0);
    expect(bundles.some((b) => b.name.includes("'"))).toBe(true);
    expect(first.errors).toEqual([]);
    expect(first.blocked).toBe(false);
    expect(first.patients).toEqual({ created: 6, updated: 0, unchanged: 0 });
    const patients = await t.db.patient.findMany({ where: { clinicId: clinic.clinicId } });
    expect(patients).toHaveLength(6);
    for (const e of expected) {
      const p = patients.find((x) => x.mrn === e.mrn);
      expect(p, e.file).toBeDefined();
      expect(p!.familyName, e.file).toBe(e.family);
      expect(p!.givenName, e.file).toBe(e.given);
      expect(p!.birthDate.toISOString().slice(0, 10), e.file).toBe(e.birthDate);
      expect(p!.sex, e.file).toBe(e.sex);
      expect(p!.deceasedAt?.getTime() ?? null, e.file).toBe(e.deceased === null ? null : new Date(e.deceased).getTime());
    }
  });

  it("imports every weight and height with its FHIR sourceRef", async () => {
    const patients = await t.db.patient.findMany({ where: { clinicId: clinic.clinicId }, select: { id: true, mrn: true } });
    const idByMrn = new Map(patients.map((p) => [p.mrn, p.id]));
    for (const e of expected) {
      const id = idByMrn.get(e.mrn)!;
      const weights = await t.db.observation.findMany({ where: { patientId: id, kind: "weight" } });
      const heights = await t.db.observation.count({ where: { patientId: id, kind: "height" } });
      expect(weights.length, e.file).toBe(e.weights);
      expect(heights, e.file).toBe(e.heights);
      for (const w of weights) {
        expect(w.sourceRef).toMatch(/^fhir:Observation\/[0-9a-f-]+$/);
        expect(w.source).toBe("fhir");
      }
    }
    const totalWeights = expected.reduce((n, e) => n + e.weights, 0);
    expect(totalWeights).toBe(59);
  });

  it("flags metformin users as on a B12-lowering medicine and B12 injection users as on treatment", async () => {
    const snapshots = await t.db.riskSnapshot.findMany({ where: { clinicId: clinic.clinicId }, include: { patient: { select: { mrn: true, birthDate: true } } } });
    expect(snapshots).toHaveLength(6);
    const byMrn = new Map(snapshots.map((s) => [s.patient.mrn, s]));
    const metforminUsers = expected.filter((e) => e.metformin);
    const b12Users = expected.filter((e) => e.b12Injection);
    expect(metforminUsers.map((e) => e.family)).toEqual(["O'Keefe", "Franecki"]);
    expect(b12Users.map((e) => e.family)).toEqual(["Schaden", "Johns", "Franecki"]);
    for (const e of expected) {
      const snapshot = byMrn.get(e.mrn)!;
      const evaluation = JSON.parse(snapshot.detailJson) as Evaluation;
      expect(evaluation.medicines.b12Lowering.includes("metformin"), e.file).toBe(e.metformin);
      expect(evaluation.b12.onTreatment, e.file).toBe(e.b12Injection);
      expect(snapshot.b12OnTreatment, e.file).toBe(e.b12Injection);
      // b12_test_due: risk factor (age ≥ 65, or a B12-lowering medicine), no B12 result, not on
      // replacement — and alive: no screening flag is raised for a patient who has died.
      const age = (TEST_NOW.getTime() - new Date(e.birthDate).getTime()) / (365.2425 * 86_400_000);
      const flags = snapshot.flagCodes.split(";");
      if (e.deceased !== null) expect(flags, e.file).toEqual([""]);
      else if (e.b12Injection) expect(flags, e.file).not.toContain("b12_test_due");
      else if (age >= 65 || e.metformin) expect(flags, e.file).toContain("b12_test_due");
      else expect(flags.includes("b12_test_due"), e.file).toBe(evaluation.riskFactors.codes.length > 0);
    }
    expect(snapshots.filter((s) => s.flagCodes.split(";").includes("b12_test_due")).length).toBe(2);
  });

  it("keeps ordinary observations (blood pressure, HbA1c…) apart as ignored, counted by code, and rejects only real problems, each with its reason", () => {
    // Straight from the JSON: every Observation none of whose codes is in the app's code table.
    const mapped = new Set(OBSERVATION_CODES.map((m) => m.code));
    const all = bundles.flatMap((f) => (JSON.parse(f.content.toString()) as { entry: { resource: Json }[] }).entry.map((e) => e.resource));
    const unusedByCode = new Map<string, number>();
    for (const r of all) {
      if (r.resourceType !== "Observation") continue;
      const codes = ((r.code as { coding?: { code: string }[] }).coding ?? []).map((c) => c.code);
      if (codes.some((c) => mapped.has(c))) continue;
      unusedByCode.set(codes[0]!, (unusedByCode.get(codes[0]!) ?? 0) + 1);
    }
    const ignoredTotal = first.ignored.reduce((n, i) => n + i.count, 0);
    // Before, each of these was listed as REJECTED ("not one the app maps"), burying the real problems.
    expect(ignoredTotal).toBe(864);
    for (const [code, n] of [["8480-6", "systolic blood pressure"], ["4548-4", "HbA1c"]] as const) {
      expect(first.ignored.find((i) => i.code === code)?.count, n).toBe(unusedByCode.get(code));
    }
    expect(Object.fromEntries(first.ignored.map((i) => [i.code, i.count]))).toEqual(Object.fromEntries(unusedByCode));
    expect(first.rejected.filter((r) => /not one the app maps/.test(r.reason))).toEqual([]);
    // What is rejected is a problem with a mapped measure: Synthea records some eGFR as mL/min (not per 1.73 m2), the unit named.
    expect(first.rejected.length).toBeGreaterThan(0);
    for (const r of first.rejected) expect(r.code, r.reason).toBe("33914-3");
    for (const r of first.rejected) expect(r.reason).toContain('"mL/min"');
    expect(first.skippedByType.Claim).toBeGreaterThan(0);
    expect(first.observations.created).toBeGreaterThan(100);
    expect(first.medications.created).toBe(23);
    console.log(`[${t.provider}] synthea: ${first.rejected.length} rejected, ${ignoredTotal} ignored of ${first.ignored.length} codes`);
  });

  it("one Synthea bundle, as the upload page previews it: none rejected, its 154 ordinary observations ignored by code (they were all listed as rejected)", async () => {
    const one = bundles.filter((f) => f.name.startsWith("Andy_Schaden"));
    const preview = await importFhir(t.db, actor, one, { now: TEST_NOW, dryRun: true });
    const ignored = preview.ignored.reduce((n, i) => n + i.count, 0);
    console.log(`[${t.provider}] Andy Schaden: ${preview.rejected.length} rejected, ${ignored} ignored (${preview.ignored.length} codes)`);
    expect(preview.rejected).toHaveLength(0);
    expect(ignored).toBe(154);
    const job = await t.db.importJob.findUniqueOrThrow({ where: { id: preview.importJobId } });
    expect(job.rowsInvalid).toBe(0);
    expect(JSON.parse(job.summaryJson)).toMatchObject({ rejectedCount: 0, ignoredCount: 154 });
  });

  it("records one ImportJob (format fhir) and an audit event, with an intact chain", async () => {
    const jobs = await t.db.importJob.findMany({ where: { clinicId: clinic.clinicId, format: "fhir", dryRun: false } });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.status).toBe("completed");
    const audits = await t.db.auditEvent.findMany({ where: { clinicId: clinic.clinicId, action: "import.run", entityId: jobs[0]!.id } });
    expect(audits).toHaveLength(1);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("changes nothing on re-import (and a dry run writes nothing)", async () => {
    const before = await dataCounts();
    const dry = await importFhir(t.db, actor, bundles, { now: TEST_NOW, dryRun: true });
    expect(dry.patients.created).toBe(0);
    expect(dry.observations.created).toBe(0);
    const again = await importFhir(t.db, actor, bundles, { now: TEST_NOW });
    expect(again.patients).toEqual({ created: 0, updated: 0, unchanged: 6 });
    expect(again.observations).toEqual({ created: 0, existing: first.observations.created });
    expect(again.medications.created).toBe(0);
    expect(again.medications.existing).toBe(first.medications.created);
    expect(await dataCounts()).toEqual(before);
  });

  it("reports the mislabelled LOINC codes of the pitfall bundles", async () => {
    const result = await importFhir(t.db, actor, load(PITFALLS), { now: TEST_NOW });
    expect(result.patients.created).toBe(2);
    const mislabelled = result.rejected.filter((r) => r.system === "http://loinc.org" && r.code !== null && !/^\d{1,7}-\d$/.test(r.code));
    // Every Observation the trimmed bundles keep (59 each) claims LOINC with a non-LOINC code.
    expect(mislabelled.length).toBe(118);
    for (const r of mislabelled) {
      expect(r.reason).toContain(r.code!);
      expect(r.reason).toContain("http://loinc.org");
      expect(r.reason).toContain("mislabelled");
    }
    // Mislabelled codes are never "ignored": a code that claims LOINC is checked before anything else.
    expect(result.ignored).toEqual([]);
    // The "Weight" observations carry kg but a non-LOINC code: rejected, not stored as weights.
    expect(mislabelled.some((r) => r.code === "5089AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).toBe(true);
    const ids = (await t.db.patient.findMany({ where: { mrn: { in: ["67ef7123-862d-70ca-b313-fb99ce4e1c13", "7cffc0c9-6c87-70d6-09a4-6ede378e9b0a"] } } })).map((p) => p.id);
    expect(ids).toHaveLength(2);
    expect(await t.db.observation.count({ where: { patientId: { in: ids } } })).toBe(0);
    console.log(`[${t.provider}] pitfalls: ${result.rejected.length} rejected, e.g. ${result.rejected[0]?.reason}`);
  });
});
