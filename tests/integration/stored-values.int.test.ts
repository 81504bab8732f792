import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { getPatientRecord } from "@/lib/data/patients/record";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { listSavedViews, saveView } from "@/lib/data/patients/saved-views";
import { exportCohortCsv } from "@/lib/data/export/cohort-csv";
import { streamFhirExport } from "@/lib/data/export/fhir";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { searchAuditEvents } from "@/lib/data/audit/search";
import { panelQuerySchema } from "@/lib/validation/panel-query";

/**
 * A stored value the app never writes — changed in the database behind the app's back — is
 * decoded where the data layer reads it and refused with an error that names the table, the row
 * and the column (lib/data/stored/decode.ts), never passed on as if it were valid: before, a tier
 * of "bogus" reached the pages and a flag's unreadable reasons were shown as "no reasons".
 */
let t: TestDatabase;
let seq = 0;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

/** A clinic of its own for each case, so one tampered row breaks nothing else. */
async function clinic(): Promise<TestClinic> {
  seq += 1;
  return createTestClinic(t.db, { slug: `stored-${seq}`, patients: 6, seed: 40 + seq });
}

async function drain(stream: AsyncGenerator<unknown>): Promise<void> {
  for await (const _ of stream) {
    // read to the end
  }
}

describe("a tampered stored value is an error naming its table, row and column", () => {
  it("a snapshot whose tier is not a tier: the patient record and the panel refuse it", async () => {
    const c = await clinic();
    const snapshot = await t.db.riskSnapshot.findFirstOrThrow({ where: { clinicId: c.clinicId }, select: { id: true, patientId: true } });
    await t.db.riskSnapshot.update({ where: { id: snapshot.id }, data: { tier: "bogus" } });
    const expected = new RegExp(`RiskSnapshot ${snapshot.id}: the stored tier "bogus" is not one of high, elevated, low, unassessed`);
    await expect(getPatientRecord(t.db, c.actors.clinician, snapshot.patientId, TEST_NOW)).rejects.toThrow(expected);
    const query = panelQuerySchema.parse({ sort: "name", size: "100" });
    await expect(getPatientPanel(t.db, c.actors.clinician, query, TEST_NOW)).rejects.toThrow(expected);
    await expect(drain(streamFhirExport(t.db, c.actors.clinician, { now: TEST_NOW, types: ["RiskAssessment"] }))).rejects.toThrow(expected);
  });

  it("a flag whose reasons are not JSON: the patient record refuses it instead of showing no reasons", async () => {
    const c = await clinic();
    const flag = await t.db.flag.findFirstOrThrow({ where: { clinicId: c.clinicId, status: "open" }, select: { id: true, patientId: true } });
    await t.db.flag.update({ where: { id: flag.id }, data: { detailJson: "[{not json" } });
    await expect(getPatientRecord(t.db, c.actors.clinician, flag.patientId, TEST_NOW)).rejects.toThrow(new RegExp(`Flag ${flag.id}: the stored detailJson is not valid JSON`));
  });

  it("a flag whose reasons are JSON of the wrong shape, and an unknown flag code", async () => {
    const c = await clinic();
    const [first, second] = await t.db.flag.findMany({ where: { clinicId: c.clinicId, status: "open" }, select: { id: true, patientId: true }, orderBy: { id: "asc" }, take: 2 });
    await t.db.flag.update({ where: { id: first!.id }, data: { detailJson: JSON.stringify([{ code: "x", text: 7, inputs: {} }]) } });
    await expect(getPatientRecord(t.db, c.actors.clinician, first!.patientId, TEST_NOW)).rejects.toThrow(new RegExp(`Flag ${first!.id}: the stored detailJson is not what the app writes at 0.text`));
    await t.db.flag.update({ where: { id: first!.id }, data: { detailJson: "[]" } });
    await t.db.flag.update({ where: { id: second!.id }, data: { code: "b12_maybe" } });
    await expect(getPatientRecord(t.db, c.actors.clinician, second!.patientId, TEST_NOW)).rejects.toThrow(new RegExp(`Flag ${second!.id}: the stored code "b12_maybe" is not one of`));
  });

  it("an evaluation whose category is not a category", async () => {
    const c = await clinic();
    const snapshot = await t.db.riskSnapshot.findFirstOrThrow({ where: { clinicId: c.clinicId }, select: { id: true, patientId: true, detailJson: true } });
    const detail = JSON.parse(snapshot.detailJson) as { ewgsop2: { category: string } };
    detail.ewgsop2.category = "sarcopenic-ish";
    await t.db.riskSnapshot.update({ where: { id: snapshot.id }, data: { detailJson: JSON.stringify(detail) } });
    await expect(getPatientRecord(t.db, c.actors.clinician, snapshot.patientId, TEST_NOW)).rejects.toThrow(
      new RegExp(`RiskSnapshot ${snapshot.id}: the stored detailJson is not what the app writes at ewgsop2.category`),
    );
  });

  it("a cohort evaluation that is not JSON: the cohort export refuses it", async () => {
    const c = await clinic();
    const snapshot = await t.db.riskSnapshot.findFirstOrThrow({ where: { clinicId: c.clinicId }, select: { id: true } });
    await t.db.riskSnapshot.update({ where: { id: snapshot.id }, data: { cohortJson: "{" } });
    await expect(exportCohortCsv(t.db, c.actors.clinician, new PassThrough(), { now: TEST_NOW })).rejects.toThrow(
      new RegExp(`RiskSnapshot ${snapshot.id}: the stored cohortJson is not valid JSON`),
    );
  });

  it("a patient whose sex is not a sex: the panel and the cohort export refuse it", async () => {
    const c = await clinic();
    const patientId = c.patientIds[0]!;
    await t.db.patient.update({ where: { id: patientId }, data: { sex: "F" } });
    const expected = new RegExp(`Patient ${patientId}: the stored sex "F" is not one of female, male, unknown`);
    await expect(getPatientPanel(t.db, c.actors.clinician, panelQuerySchema.parse({ sort: "name" }), TEST_NOW)).rejects.toThrow(expected);
    await expect(exportCohortCsv(t.db, c.actors.clinician, new PassThrough(), { now: TEST_NOW })).rejects.toThrow(expected);
  });

  it("a result of an unknown kind: the re-evaluation refuses it rather than evaluating without it", async () => {
    const c = await clinic();
    const patientId = c.patientIds[1]!;
    const observation = await t.db.observation.findFirstOrThrow({ where: { patientId }, select: { id: true } });
    await t.db.observation.update({ where: { id: observation.id }, data: { kind: "grip" } });
    await expect(t.db.$transaction((tx) => reevaluatePatients(tx, c.clinicId, [patientId], TEST_NOW))).rejects.toThrow(
      new RegExp(`Observation ${observation.id}: the stored kind "grip" is not one of`),
    );
  });

  it("a threshold set that is not a valid threshold set", async () => {
    const c = await clinic();
    const set = await t.db.thresholdSet.findFirstOrThrow({ where: { clinicId: c.clinicId }, select: { id: true, valuesJson: true } });
    const values = JSON.parse(set.valuesJson) as { ewgsop2: { gripKg: { male: number } } };
    values.ewgsop2.gripKg.male = -5;
    await t.db.thresholdSet.update({ where: { id: set.id }, data: { valuesJson: JSON.stringify(values) } });
    await expect(getActiveThresholds(t.db, c.clinicId, TEST_NOW)).rejects.toThrow(new RegExp(`ThresholdSet ${set.id}: the stored valuesJson is not what the app writes at ewgsop2.gripKg.male`));
  });

  it("a saved view whose query is not a panel query", async () => {
    const c = await clinic();
    const view = await saveView(t.db, c.actors.clinician, { name: "Mine", query: "?tier=high", isShared: false });
    expect((await listSavedViews(t.db, c.actors.clinician)).map((v) => v.query)).toEqual(["?tier=high"]);
    await t.db.savedView.update({ where: { id: view.id }, data: { query: "?tier=bogus" } });
    await expect(listSavedViews(t.db, c.actors.clinician)).rejects.toThrow(new RegExp(`SavedView ${view.id}: the stored query is not a panel query \\(\\?tier=bogus reads as no filter\\)`));
  });

  it("an audit event whose detail is not JSON: the audit search names the event", async () => {
    const c = await clinic();
    await getPatientRecord(t.db, c.actors.clinician, c.patientIds[0]!, TEST_NOW);
    const event = await t.db.auditEvent.findFirstOrThrow({ where: { clinicId: c.clinicId }, orderBy: { seq: "desc" }, select: { seq: true } });
    await t.db.auditEvent.update({ where: { seq: event.seq }, data: { detailJson: "not json" } });
    await expect(searchAuditEvents(t.db, c.actors.admin, {}, undefined, TEST_NOW)).rejects.toThrow(new RegExp(`AuditEvent ${event.seq}: the stored detailJson is not valid JSON`));
  });
});
