import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { stringify } from "csv-stringify/sync";
import { exportCohortCsv } from "@/lib/data/export-cohort";
import { EXPORT_COLUMNS, toCohortRow } from "@/lib/domain/csv-export";
import type { Evaluation, MassMethod, MeasureKind } from "@/lib/domain/types";

/**
 * The export reads each snapshot's small `cohortJson` (a snapshot written before that column
 * existed has it null and is read from the full `detailJson`). Either way the bytes must be the
 * reference's: toCohortRow over every final observation and the full stored evaluation.
 */
describe("cohort export from cohortJson or detailJson", () => {
  let t: TestDatabase;
  let a: TestClinic;

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createTestClinic(t.db, { slug: "cohortjson", patients: 60, seed: 5 });
  }, 120_000);
  afterAll(async () => t?.drop());

  async function exportText(batchSize: number): Promise<string> {
    let text = "";
    const out = new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString()), done()) });
    await exportCohortCsv(t.db, a.actors.clinician, out, { now: TEST_NOW, batchSize });
    return text;
  }

  /** The export as the reference computes it: the full history of every patient, in MRN order. */
  async function referenceText(): Promise<string> {
    const patients = await t.db.patient.findMany({
      where: { clinicId: a.clinicId },
      orderBy: { mrn: "asc" },
      include: { attributedClinician: true, snapshot: true, observations: { where: { status: "final" }, orderBy: [{ observedAt: "asc" }, { createdAt: "asc" }] } },
    });
    const rows = patients.map((p) =>
      toCohortRow(
        {
          ...p,
          attributedClinician: p.attributedClinician?.name ?? null,
          evaluation: p.snapshot ? (JSON.parse(p.snapshot.detailJson) as Evaluation) : null,
          observations: p.observations.map((o) => ({ ...o, kind: o.kind as MeasureKind, method: o.method as MassMethod | null })),
        },
        TEST_NOW,
      ),
    );
    return stringify([[...EXPORT_COLUMNS]]) + stringify(rows);
  }

  it("matches the full-history reference, including ties, unable results, later heights and future results", async () => {
    const [p1, p2] = a.patientIds;
    const at = (iso: string) => new Date(iso);
    const obs = (patientId: string, kind: string, value: number | null, observedAt: Date, extra: { isUnable?: boolean; status?: string; createdAt?: Date; method?: string } = {}) => ({
      clinicId: a.clinicId, patientId, kind, value, isUnable: extra.isUnable ?? false, reportedValue: String(value ?? "unable"), reportedUnit: "",
      observedAt, method: extra.method ?? null, source: "manual", status: extra.status ?? "final", createdAt: extra.createdAt ?? new Date(),
    });
    await t.db.observation.createMany({
      data: [
        // Two grips at the same time: the later-entered one wins.
        obs(p1!, "grip_strength", 11.1, at("2026-11-01T09:00:00Z"), { createdAt: at("2026-11-01T10:00:00Z") }),
        obs(p1!, "grip_strength", 22.2, at("2026-11-01T09:00:00Z"), { createdAt: at("2026-11-01T11:00:00Z") }),
        // A newer grip entered in error, and one after "now": neither counts.
        obs(p1!, "grip_strength", 33.3, at("2026-11-10T09:00:00Z"), { status: "entered_in_error" }),
        obs(p1!, "grip_strength", 44.4, at("2026-12-10T09:00:00Z")),
        // "Unable" is a chair-stand result; an "unable" gait is not (the older gait stays).
        obs(p1!, "chair_stand_5x", null, at("2026-11-02T09:00:00Z"), { isUnable: true }),
        obs(p1!, "gait_speed", 0.91, at("2026-10-02T09:00:00Z")),
        obs(p1!, "gait_speed", null, at("2026-11-02T09:00:00Z"), { isUnable: true }),
        // ASMI uses the height at or before the scan, not a later one.
        obs(p2!, "height", 170, at("2026-09-01T09:00:00Z")),
        obs(p2!, "asm", 18.5, at("2026-09-15T09:00:00Z"), { method: "dxa" }),
        obs(p2!, "height", 150, at("2026-10-01T09:00:00Z")),
      ],
    });
    const reference = await referenceText();
    expect(reference).toContain(",22.2,");
    expect(await exportText(900)).toBe(reference);
    expect(await exportText(3)).toBe(reference);
  });

  it("writes the same CSV whichever column a snapshot is read from, in any batch size", async () => {
    expect(await t.db.riskSnapshot.count({ where: { clinicId: a.clinicId, cohortJson: null } })).toBe(0);
    const fromCohortJson = await exportText(900);
    expect(fromCohortJson.trim().split("\n")).toHaveLength(61);
    expect(fromCohortJson).toMatch(/b12_test_due|sarcopenia_assessment_due|high|elevated/);

    // Half the snapshots as an older version of the app wrote them.
    const half = a.patientIds.filter((_, i) => i % 2 === 0);
    await t.db.riskSnapshot.updateMany({ where: { patientId: { in: half } }, data: { cohortJson: null } });
    expect(await exportText(7)).toBe(fromCohortJson);
    expect(await exportText(900)).toBe(fromCohortJson);
  });
});
