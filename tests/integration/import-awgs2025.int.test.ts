import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../support/fixtures";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { assessmentCsv, createSystemClinic } from "../support/import-data";
import type { SystemActor } from "@/lib/data/access/actor";
import { createThresholdVersion, getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { streamCohortCsv } from "@/lib/data/export/cohort-csv";
import { importAssessments } from "@/lib/data/import/assessments";
import { recomputeClinic } from "@/lib/data/jobs/recompute";
import { recordAssessment } from "@/lib/data/patients/assessment";
import { assessmentFormSchema } from "@/lib/validation/assessment-form";
import { decodeStoredEvaluation } from "@/lib/data/stored/values";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { parsePanelParams, type PanelQuery } from "@/lib/validation/panel-query";

/**
 * The AWGS 2025 and NICE NG239 columns of the assessment spreadsheet (yubi_wakka, b12_symptoms,
 * medications_stopped, mma_nmol_l) through the importer to the stored record, the evaluation and
 * the cohort export's `awgs2025` column; a file without them imports as before; and the AWGS
 * edition setting re-evaluates everyone.
 */

const NOW = new Date("2026-11-21T00:00:00Z");
const SAMPLE = readFileSync(path.join(fixturePath("contract"), "sample-assessments.csv"));

/** The cohort export's columns before AWGS 2025 (docs/design.md#cohort-export-csv): unchanged, in this order. */
const COLUMNS_BEFORE_AWGS2025 = [
  "mrn", "family_name", "given_name", "birth_date", "sex", "age", "tier", "ewgsop2", "awgs2019", "b12_status", "b12_on_treatment", "flags",
  "grip_strength_kg", "gait_speed_m_s", "chair_stand_5x_s", "asm_kg", "asmi_kg_m2", "sarc_f_score", "b12_pmol_l", "mma_umol_l",
  "last_assessed_on", "b12_lowering_medications", "evaluated_at", "rule_set_version", "diet", "attributed_clinician", "next_due_on",
];

let t: TestDatabase;

/** A woman of 76 at NOW with a normal grip (AWGS 2025 cut-off at 65+: 18 kg). */
function visit(mrn: string, extra: Record<string, string> = {}): Record<string, string> {
  return { mrn, family_name: "Test", given_name: mrn, birth_date: "1950-05-05", sex: "female", assessed_on: "2026-09-01", grip_strength_kg: "25.0", ...extra };
}

function run(actor: SystemActor, content: Buffer, options: { dryRun?: boolean } = {}) {
  return importAssessments(t.db, actor, { name: "awgs.csv", content }, { now: NOW, ...options });
}

async function exportText(actor: SystemActor): Promise<string> {
  let text = "";
  for await (const chunk of streamCohortCsv(t.db, actor, { now: NOW })) text += chunk;
  return text;
}

async function exportRows(actor: SystemActor): Promise<Map<string, Record<string, string>>> {
  const rows = parse(await exportText(actor), { columns: true }) as Record<string, string>[];
  return new Map(rows.map((r) => [r.mrn ?? "", r]));
}

async function patientId(actor: SystemActor, mrn: string): Promise<string> {
  return (await t.db.patient.findFirstOrThrow({ where: { clinicId: actor.clinicId, mrn }, select: { id: true } })).id;
}

async function storedEvaluation(actor: SystemActor, mrn: string) {
  const snapshot = await t.db.riskSnapshot.findUniqueOrThrow({ where: { patientId: await patientId(actor, mrn) } });
  return { snapshot, detail: decodeStoredEvaluation(snapshot.detailJson, snapshot.id), full: JSON.parse(snapshot.detailJson) as { awgsEditionInForce: number; flags: { code: string; basis: string }[] } };
}

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe(`AWGS 2025 and NICE columns through import and export (${process.env.TEST_DATABASE ?? "sqlite"})`, () => {
  it("imports a file without the new columns as before: no findings, no stops, the old export columns in their order, awgs2025 last", async () => {
    const clinic = await createSystemClinic(t.db, "old-file");
    const result = await run(clinic, SAMPLE);
    expect(result).toMatchObject({ blocked: false, rowsValid: 6, errors: [], warnings: [] });
    expect(result.created).toEqual({ patients: 6, observations: expect.any(Number), medications: 5 });
    expect(await t.db.patientFinding.count()).toBe(0);
    expect(await t.db.patientMedication.count({ where: { stoppedOn: { not: null } } })).toBe(0);

    const text = await exportText(clinic);
    const header = text.split("\n")[0]!.split(",");
    // awgs2025 right after them; the flag lifecycle's flag_states came after it (issue 16).
    expect(header).toEqual([...COLUMNS_BEFORE_AWGS2025, "awgs2025", "flag_states"]);
    const rows = await exportRows(clinic);
    // EX-002 (76, grip 52 lb, gait 0.74): AWGS 2025 possible or worse; every row has a category.
    for (const row of rows.values()) expect(row.awgs2025).toMatch(/^(none|at_risk|possible|sarcopenia|insufficient_data|not_applicable)$/);
    const snapshots = await t.db.riskSnapshot.findMany({ where: { clinicId: clinic.clinicId }, select: { awgs2025: true, patient: { select: { mrn: true } } } });
    for (const s of snapshots) expect(s.awgs2025).toBe(rows.get(s.patient.mrn)?.awgs2025);
  });

  it("reads yubi_wakka: 'smaller' at 65+ with a normal grip is AWGS 2025 at risk, 'bigger' is none; stored as a finding", async () => {
    const clinic = await createSystemClinic(t.db, "yubi");
    const result = await run(clinic, assessmentCsv([visit("Y-1", { yubi_wakka: "smaller" }), visit("Y-2", { yubi_wakka: "Bigger" }), visit("Y-3")]));
    expect(result).toMatchObject({ blocked: false, rowsValid: 3, errors: [] });
    const rows = await exportRows(clinic);
    expect(rows.get("Y-1")?.awgs2025).toBe("at_risk");
    expect(rows.get("Y-2")?.awgs2025).toBe("none");
    expect(rows.get("Y-3")?.awgs2025).toBe("none");
    const findings = await t.db.patientFinding.findMany({ where: { clinicId: clinic.clinicId }, orderBy: { code: "asc" } });
    expect(findings.map((f) => [f.kind, f.code, f.recordedAt.toISOString()])).toEqual([
      ["yubi_wakka", "bigger", "2026-09-01T00:00:00.000Z"],
      ["yubi_wakka", "smaller", "2026-09-01T00:00:00.000Z"],
    ]);
    const { snapshot } = await storedEvaluation(clinic, "Y-1");
    expect(snapshot.awgs2025).toBe("at_risk");
    const full = JSON.parse(snapshot.detailJson) as { awgs2025: { reasons: { code: string; text: string }[] } };
    expect(full.awgs2025.reasons.map((r) => r.code)).toContain("awgs2025.yubi_wakka.met");

    // The cohort builder selects by the stored AWGS 2025 category.
    const cohort = async (search: string) => {
      const { query, issues } = parsePanelParams(Object.fromEntries(new URLSearchParams(search)));
      expect(issues).toEqual([]);
      return (await getPatientPanel(t.db, clinic, { ...query, size: 100 } as PanelQuery, NOW)).rows.map((r) => r.mrn).sort();
    };
    expect(await cohort("?c1.field=awgs2025&c1.op=is&c1.value=at_risk")).toEqual(["Y-1"]);
    expect(await cohort("?c1.field=awgs2025&c1.op=is_not&c1.value=at_risk")).toEqual(["Y-2", "Y-3"]);

    // Importing the same file again changes nothing.
    const again = await run(clinic, assessmentCsv([visit("Y-1", { yubi_wakka: "smaller" }), visit("Y-2", { yubi_wakka: "Bigger" }), visit("Y-3")]));
    expect(again).toMatchObject({ blocked: false, unchanged: 3, updatedPatients: 0 });
    expect(await t.db.patientFinding.count({ where: { clinicId: clinic.clinicId } })).toBe(2);
  });

  it("refuses an unknown Yubi-wakka result, an unknown symptom code, and either without a visit date", async () => {
    const clinic = await createSystemClinic(t.db, "refused");
    const result = await run(clinic, assessmentCsv([
      visit("R-1", { yubi_wakka: "loose" }),
      visit("R-2", { b12_symptoms: "fatigue;tiredness" }),
      visit("R-3", { assessed_on: "", grip_strength_kg: "", b12_symptoms: "fatigue" }),
      visit("R-4", { assessed_on: "", grip_strength_kg: "", yubi_wakka: "smaller" }),
    ]));
    expect(result.blocked).toBe(true);
    expect(result.errors.map((e) => [e.row, e.column])).toEqual([[2, "yubi_wakka"], [3, "b12_symptoms"], [4, "assessed_on"], [5, "assessed_on"]]);
    expect(result.errors[0]?.message).toContain("bigger, just_fits, smaller");
    expect(result.errors[1]?.message).toContain('"tiredness"');
    expect(await t.db.patient.count({ where: { clinicId: clinic.clinicId } })).toBe(0);
  });

  it("reads b12_symptoms: with a NICE risk factor b12_test_due rests on NICE NG239, without a symptom on local policy", async () => {
    const clinic = await createSystemClinic(t.db, "symptoms");
    const result = await run(clinic, assessmentCsv([
      visit("S-1", { medications: "metformin@2018-01-01", b12_symptoms: "fatigue; PINS_AND_NEEDLES;fatigue" }),
      visit("S-2", { medications: "metformin@2018-01-01" }),
    ]));
    expect(result).toMatchObject({ blocked: false, errors: [] });
    const findings = await t.db.patientFinding.findMany({ where: { patientId: await patientId(clinic, "S-1") }, orderBy: { code: "asc" } });
    expect(findings.map((f) => [f.kind, f.code])).toEqual([["b12_symptom", "fatigue"], ["b12_symptom", "pins_and_needles"]]);
    const withSymptom = (await storedEvaluation(clinic, "S-1")).full.flags.find((f) => f.code === "b12_test_due");
    const without = (await storedEvaluation(clinic, "S-2")).full.flags.find((f) => f.code === "b12_test_due");
    expect(withSymptom?.basis).toBe("NICE NG239: symptom and risk factor");
    expect(without?.basis).toBe("local case-finding policy (beyond NICE): risk factor alone");
    const flag = await t.db.flag.findFirstOrThrow({ where: { patientId: await patientId(clinic, "S-1"), code: "b12_test_due" } });
    expect(flag.reasonText).toContain("NICE NG239: symptom and risk factor");
  });

  it("reads medications_stopped: a stopped cyanocobalamin no longer counts as treatment, on the visit date or its own date", async () => {
    const clinic = await createSystemClinic(t.db, "stops");
    const rows = [
      visit("M-1", { assessed_on: "2026-03-01", medications: "cyanocobalamin", b12_value: "100", b12_unit: "pmol/L" }),
      visit("M-1", { assessed_on: "2026-09-01", medications_stopped: "cyanocobalamin" }),
      visit("M-2", { assessed_on: "2026-09-01", medications: "prednisolone@2026-01-01", medications_stopped: "cyanocobalamin@2026-08-15" }),
      visit("M-3", { assessed_on: "2026-03-01", medications: "cyanocobalamin", b12_value: "100", b12_unit: "pmol/L" }),
    ];
    const result = await run(clinic, assessmentCsv(rows));
    expect(result).toMatchObject({ blocked: false, rowsValid: 4, errors: [] });
    const exported = await exportRows(clinic);
    expect(exported.get("M-1")?.b12_on_treatment).toBe("false");
    // A deficient B12 with the replacement stopped needs follow-up; while it runs, it does not.
    expect(exported.get("M-1")?.flags).toContain("b12_follow_up");
    expect(exported.get("M-3")?.b12_on_treatment).toBe("true");
    expect(exported.get("M-3")?.flags).not.toContain("b12_follow_up");
    const m1 = await t.db.patientMedication.findMany({ where: { patientId: await patientId(clinic, "M-1") } });
    expect(m1.map((m) => [m.catalogueId, m.stoppedOn?.toISOString() ?? null])).toEqual([["cyanocobalamin", "2026-09-01T00:00:00.000Z"]]);
    // M-2 never had cyanocobalamin on record: the stop is kept as a stopped medicine, not lost.
    const m2 = await t.db.patientMedication.findMany({ where: { patientId: await patientId(clinic, "M-2") }, orderBy: { name: "asc" } });
    expect(m2.map((m) => [m.catalogueId, m.startedOn?.toISOString() ?? null, m.stoppedOn?.toISOString() ?? null])).toEqual([
      ["cyanocobalamin", null, "2026-08-15T00:00:00.000Z"],
      ["prednisolone", "2026-01-01T00:00:00.000Z", null],
    ]);

    // A later file stops a medicine stored by an earlier import: the stored row gets the stop date.
    const later = await run(clinic, assessmentCsv([visit("M-3", { assessed_on: "2026-10-01", grip_strength_kg: "", medications_stopped: "Cyanocobalamin@2026-09-20" })]));
    expect(later).toMatchObject({ blocked: false, updatedPatients: 1, unchanged: 0 });
    const m3 = await t.db.patientMedication.findMany({ where: { patientId: await patientId(clinic, "M-3") } });
    expect(m3.map((m) => m.stoppedOn?.toISOString())).toEqual(["2026-09-20T00:00:00.000Z"]);
    expect((await exportRows(clinic)).get("M-3")?.b12_on_treatment).toBe("false");

    // And again: nothing changes.
    const again = await run(clinic, assessmentCsv([visit("M-3", { assessed_on: "2026-10-01", grip_strength_kg: "", medications_stopped: "Cyanocobalamin@2026-09-20" })]));
    expect(again).toMatchObject({ blocked: false, updatedPatients: 0, unchanged: 1 });
    expect(await t.db.patientMedication.count({ where: { patientId: await patientId(clinic, "M-3") } })).toBe(1);
  });

  it("refuses a stop after the visit, a stop with no date on an undated row, the same medicine taken and stopped in one row, and one taken after its stop", async () => {
    const clinic = await createSystemClinic(t.db, "stop-errors");
    const result = await run(clinic, assessmentCsv([
      visit("E-1", { medications_stopped: "omeprazole@2026-09-02" }),
      visit("E-2", { assessed_on: "", grip_strength_kg: "", medications_stopped: "omeprazole" }),
      visit("E-3", { medications: "omeprazole", medications_stopped: "omeprazole@2026-08-01" }),
      visit("E-4", { assessed_on: "2026-05-01", medications_stopped: "omeprazole" }),
      visit("E-4", { assessed_on: "2026-09-01", medications: "omeprazole" }),
      visit("E-5", { medications_stopped: "omeprazole@2026-13-01" }),
    ]));
    expect(result.blocked).toBe(true);
    expect(result.errors.map((e) => [e.row, e.column])).toEqual([
      [2, "medications_stopped"], [3, "medications_stopped"], [4, "medications_stopped"], [5, "mrn"], [6, "medications"], [7, "medications_stopped"],
    ]);
    expect(result.errors[0]?.message).toContain("after the assessment date");
    expect(result.errors[1]?.message).toContain("omeprazole@YYYY-MM-DD");
    expect(result.errors[2]?.message).toContain("both as taken");
    expect(result.errors[4]?.message).toMatch(/row 5 says it was stopped on 2026-05-01/);
    expect(result.errors[5]?.message).toContain("not a real calendar date");
  });

  it("reads mma_nmol_l converted to µmol/L (never guessed), and refuses both MMA columns in one row", async () => {
    const clinic = await createSystemClinic(t.db, "mma");
    const result = await run(clinic, assessmentCsv([visit("N-1", { mma_nmol_l: "450" }), visit("N-2", { mma_umol_l: "0.3" })]));
    expect(result).toMatchObject({ blocked: false, errors: [] });
    const mma = await t.db.observation.findFirstOrThrow({ where: { patientId: await patientId(clinic, "N-1"), kind: "mma" } });
    expect(mma).toMatchObject({ reportedValue: "450", reportedUnit: "nmol/L" });
    expect(mma.value).toBeCloseTo(0.45, 10);
    const rows = await exportRows(clinic);
    expect(rows.get("N-1")?.mma_umol_l).toBe("0.45");
    expect(rows.get("N-2")?.mma_umol_l).toBe("0.3");

    const both = await run(clinic, assessmentCsv([visit("N-3", { mma_umol_l: "0.3", mma_nmol_l: "300" }), visit("N-4", { mma_nmol_l: "0.45 umol" })]));
    expect(both.blocked).toBe(true);
    expect(both.errors.map((e) => [e.row, e.column])).toEqual([[2, "mma_nmol_l"], [3, "mma_nmol_l"]]);
  });

  it("switching the AWGS edition to 2025 re-evaluates everyone: tiers, the edition in force and the explanations follow", async () => {
    const clinic = await createSystemClinic(t.db, "edition");
    await run(clinic, assessmentCsv([visit("A-1", { yubi_wakka: "smaller" }), visit("A-2")]));
    const before = await storedEvaluation(clinic, "A-1");
    expect(before.snapshot.tier).toBe("low");
    expect(before.full.awgsEditionInForce).toBe(2019);

    const current = await getActiveThresholds(t.db, clinic.clinicId, NOW);
    const values = structuredClone(current.values);
    values.awgs2025.drivesTiersAndFlags = true;
    await createThresholdVersion(t.db, clinic, { values, effectiveFrom: new Date("2026-11-01T00:00:00Z"), note: "AWGS 2025 supersedes 2019" }, NOW);
    const recompute = await recomputeClinic(t.db, clinic, { now: NOW });
    expect(recompute.evaluated).toBe(2);

    const after = await storedEvaluation(clinic, "A-1");
    expect(after.full.awgsEditionInForce).toBe(2025);
    expect(after.snapshot.tier).toBe("elevated");
    expect(after.snapshot.ruleSetVersion).toBe(current.version + 1);
    expect(after.detail.tierReasons.map((r) => r.text).join(" ")).toMatch(/AWGS 2025/);
    expect((await storedEvaluation(clinic, "A-2")).snapshot.tier).toBe("low");
  });

  it("the assessment form records a Yubi-wakka result and B12 symptoms as findings, audited, and the evaluation reads them", async () => {
    const clinic = await createSystemClinic(t.db, "form");
    await run(clinic, assessmentCsv([visit("F-1", { medications: "metformin@2018-01-01", b12_value: "300", b12_unit: "pmol/L", assessed_on: "2025-06-01" })]));
    const id = await patientId(clinic, "F-1");
    const { version } = await t.db.patient.findUniqueOrThrow({ where: { id }, select: { version: true } });
    const entry = assessmentFormSchema.parse({ patientId: id, expectedVersion: String(version), visitDate: "2026-11-20", yubiWakka: "smaller", b12Symptom_pins_and_needles: "on" });
    const saved = await recordAssessment(
      t.db, clinic, id,
      { observations: entry.observations, findings: [
        { kind: "yubi_wakka", code: "smaller", recordedAt: entry.visitDate },
        ...entry.b12Symptoms.map((code) => ({ kind: "b12_symptom" as const, code, recordedAt: entry.visitDate })),
      ] },
      version, NOW,
    );
    expect(saved.observationIds).toEqual([]);
    const findings = await t.db.patientFinding.findMany({ where: { patientId: id }, orderBy: { kind: "asc" } });
    expect(findings.map((f) => [f.kind, f.code, f.source])).toEqual([["b12_symptom", "pins_and_needles", "manual"], ["yubi_wakka", "smaller", "manual"]]);
    const audits = await t.db.auditEvent.findMany({ where: { patientId: id, action: "patient.update" } });
    expect(audits.map((a) => JSON.parse(a.detailJson).change)).toEqual(["finding.add", "finding.add"]);
    const { snapshot, full } = await storedEvaluation(clinic, "F-1");
    // The grip is older than the 12-month window: no strength result, a positive ring at 76 → at risk.
    expect(snapshot.awgs2025).toBe("at_risk");
    expect(full.flags.find((f) => f.code === "b12_test_due")?.basis).toBe("NICE NG239: symptom and risk factor");
  });

  it("rounds the export's measure cells against the clinic's cut-offs, not only the reference defaults", async () => {
    const clinic = await createSystemClinic(t.db, "precision");
    const current = await getActiveThresholds(t.db, clinic.clinicId, NOW);
    const values = structuredClone(current.values);
    values.ewgsop2.gripKg.female = 22;
    await createThresholdVersion(t.db, clinic, { values, effectiveFrom: new Date("2026-01-01T00:00:00Z"), note: "Local dynamometer" }, NOW);
    // 21.97 kg is below the clinic's 22 kg: printed "22" it would sit beside "probable" on the wrong side.
    await run(clinic, assessmentCsv([visit("P-1", { grip_strength_kg: "21.97" })]));
    const row = (await exportRows(clinic)).get("P-1");
    expect(row).toMatchObject({ ewgsop2: "probable", grip_strength_kg: "21.97" });
    // A snapshot without stored cells (written before they were) has them computed at export time, against the same set.
    await t.db.riskSnapshot.updateMany({ where: { clinicId: clinic.clinicId }, data: { cohortJson: null } });
    expect((await exportRows(clinic)).get("P-1")?.grip_strength_kg).toBe("21.97");
  });
});
