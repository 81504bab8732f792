import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { exportCohortCsv, type CohortExportOptions } from "@/lib/data/export/cohort-csv";
import { panelQuerySchema } from "@/lib/validation/panel-query";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { EXPORT_COLUMNS, toCohortRow, type CohortEvaluation } from "@/lib/domain/csv-export";
import type { Evaluation, MassMethod, MeasureKind } from "@/lib/domain/types";
import { DEFAULT_FLAG_LIFECYCLE, flagState } from "@/lib/domain/flag-lifecycle";
import { decodeFlagLife } from "@/lib/data/stored/values";

/**
 * The export reads each snapshot's small `cohortJson` (a snapshot written before that column
 * existed has it null and is read from the full `detailJson`), and takes the measure cells stored
 * in it while they are current, else computes them from the observations. Whichever way, the
 * bytes must be the reference's: toCohortRow over every final observation and the full stored
 * evaluation. Observations are written as the app writes them: with a re-evaluation of the patient.
 */
describe("cohort export from cohortJson or detailJson", () => {
  let t: TestDatabase;
  let a: TestClinic;

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createTestClinic(t.db, { slug: "cohortjson", patients: 60, seed: 5 });
  }, 120_000);
  afterAll(async () => t?.drop());

  async function exportText(batchSize: number, now = TEST_NOW, options: Partial<CohortExportOptions> = {}): Promise<string> {
    let text = "";
    const out = new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString()), done()) });
    await exportCohortCsv(t.db, a.actors.clinician, out, { now, batchSize, ...options });
    return text;
  }

  /** The export as the reference computes it: the full history of every patient, in MRN order. */
  async function referenceText(now = TEST_NOW): Promise<string> {
    const patients = await t.db.patient.findMany({
      where: { clinicId: a.clinicId },
      orderBy: { mrn: "asc" },
      include: {
        attributedClinician: true,
        snapshot: true,
        observations: { where: { status: "final" }, orderBy: [{ observedAt: "asc" }, { createdAt: "asc" }] },
        flags: { where: { status: "open" } },
      },
    });
    const rows = patients.map((p) =>
      toCohortRow(
        {
          ...p,
          attributedClinician: p.attributedClinician?.name ?? null,
          evaluation: p.snapshot ? (JSON.parse(p.snapshot.detailJson) as Evaluation) : null,
          observations: p.observations.map((o) => ({ ...o, kind: o.kind as MeasureKind, method: o.method as MassMethod | null })),
          openFlagStates: p.flags.map((f) => ({ code: f.code, state: flagState(decodeFlagLife(f), now, DEFAULT_FLAG_LIFECYCLE).state })),
        },
        now,
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
    await t.db.$transaction((tx) => reevaluatePatients(tx, a.clinicId, [p1!, p2!], TEST_NOW));
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

  const MARKER = 987.6; // a grip no observation gives: it shows only where the stored cell is read

  async function reevaluateAll(): Promise<void> {
    await t.db.$transaction((tx) => reevaluatePatients(tx, a.clinicId, a.patientIds, TEST_NOW));
  }

  async function storedCohort(patientId: string): Promise<CohortEvaluation> {
    const snapshot = await t.db.riskSnapshot.findUniqueOrThrow({ where: { patientId }, select: { cohortJson: true } });
    return JSON.parse(snapshot.cohortJson!) as CohortEvaluation;
  }

  async function editStoredCohort(patientIds: readonly string[], edit: (cohort: CohortEvaluation) => object): Promise<void> {
    for (const patientId of patientIds) {
      await t.db.riskSnapshot.update({ where: { patientId }, data: { cohortJson: JSON.stringify(edit(await storedCohort(patientId))) } });
    }
  }

  async function rowOf(text: string, patientId: string): Promise<Record<string, string>> {
    const { mrn } = await t.db.patient.findUniqueOrThrow({ where: { id: patientId }, select: { mrn: true } });
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    return rows.find((row) => row.mrn === mrn)!;
  }

  it("stores the measure cells as of the evaluation and until when they hold", async () => {
    await reevaluateAll();
    const [p1, p2] = a.patientIds;
    const first = await storedCohort(p1!);
    // The tie at 09:00 went to the later-entered grip; the grip after "now" is when the cells may change.
    expect(first.measures).toMatchObject({ grip_strength_kg: 22.2, gait_speed_m_s: 0.91, chair_stand_5x_s: "unable" });
    expect(first.measuresUntil).toBe("2026-12-10T09:00:00.000Z");
    const second = await storedCohort(p2!);
    expect(second.measures).toMatchObject({ asm_kg: 18.5, asmi_kg_m2: 6.4 });
    expect(second.measuresUntil).toBeNull();
  });

  it("uses the stored cells while they are current, and the observations once a future-dated result has come due", async () => {
    await reevaluateAll();
    const [p1] = a.patientIds;
    await editStoredCohort([p1!], (cohort) => ({ ...cohort, measures: { ...cohort.measures, grip_strength_kg: MARKER } }));
    expect((await rowOf(await exportText(900), p1!)).grip_strength_kg).toBe(String(MARKER));
    const justBefore = new Date("2026-12-10T08:59:59.999Z");
    expect((await rowOf(await exportText(900, justBefore), p1!)).grip_strength_kg).toBe(String(MARKER));

    // At the instant the grip of 44.4 is observed the stored cells may be stale: read, not stored.
    const due = new Date("2026-12-10T09:00:00Z");
    const atDue = await exportText(900, due);
    expect((await rowOf(atDue, p1!)).grip_strength_kg).toBe("44.4");
    expect(atDue).toBe(await referenceText(due));
    expect(await exportText(4, new Date("2027-03-01T00:00:00Z"))).toBe(await referenceText(new Date("2027-03-01T00:00:00Z")));
  });

  it("reads the observations for an export as of a time before the evaluation", async () => {
    await reevaluateAll();
    const [p1] = a.patientIds;
    await editStoredCohort([p1!], (cohort) => ({ ...cohort, measures: { ...cohort.measures, grip_strength_kg: MARKER } }));
    const earlier = new Date("2026-10-15T00:00:00Z");
    const text = await exportText(900, earlier);
    expect((await rowOf(text, p1!)).grip_strength_kg).not.toBe(String(MARKER));
    expect(text).toBe(await referenceText(earlier));
    // One millisecond before the evaluation is also before it.
    const justBefore = new Date(TEST_NOW.getTime() - 1);
    expect(await exportText(5, justBefore)).toBe(await referenceText(justBefore));
  });

  it("reads the observations for snapshots stored without the cells, and for patients never evaluated", async () => {
    await reevaluateAll();
    const reference = await referenceText();
    const [p1, p2, p3] = a.patientIds;
    // Snapshots as the app wrote them before the cells were stored.
    const older = a.patientIds.filter((_, i) => i % 3 === 0);
    await editStoredCohort(older, ({ measures: _measures, measuresUntil: _until, ...cohort }) => cohort);
    expect((await storedCohort(p1!)).measures).toBeUndefined();
    expect(await exportText(900)).toBe(reference);
    expect(await exportText(8)).toBe(reference);

    // No snapshot at all: evaluation columns empty, measure cells still from the observations.
    await t.db.riskSnapshot.deleteMany({ where: { patientId: { in: [p2!, p3!] } } });
    const never = await exportText(900);
    expect(never).toBe(await referenceText());
    const row = await rowOf(never, p2!);
    expect(row).toMatchObject({ tier: "", evaluated_at: "", asm_kg: "18.5", asmi_kg_m2: "6.4" });
  });

  it("writes the same bytes through the panel's query as through the whole-clinic SELECT, also by tier and flag", async () => {
    await reevaluateAll();
    const panel = { actor: a.actors.clinician, query: panelQuerySchema.parse({}) };
    const whole = await exportText(900);
    expect(await exportText(6, TEST_NOW, { panel })).toBe(whole);
    const lines = whole.trimEnd().split("\n");
    const rows = parse(whole, { columns: true }) as Record<string, string>[];
    for (const filter of [{ tiers: ["high", "elevated"] as const }, { flags: ["b12_test_due", "medication_review"] as const }, { tiers: ["high"] as const, flags: ["b12_follow_up"] as const }]) {
      const options = { tiers: "tiers" in filter ? filter.tiers : undefined, flags: "flags" in filter ? filter.flags : undefined };
      const filtered = await exportText(5, TEST_NOW, options);
      expect(await exportText(900, TEST_NOW, { ...options, panel })).toBe(filtered);
      const expected = rows.flatMap((row, i) => {
        const inTier = !options.tiers || (options.tiers as readonly string[]).includes(row.tier!);
        const inFlag = !options.flags || options.flags.some((code) => row.flags!.split(";").includes(code));
        return inTier && inFlag ? [lines[i + 1]] : [];
      });
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(rows.length);
      expect(filtered).toBe([lines[0], ...expected].join("\n") + "\n");
    }
  });
});
