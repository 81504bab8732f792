/**
 * The batched writes of a re-evaluation (lib/data/evaluation/snapshots.ts `storeEvaluations`,
 * lib/data/evaluation/reevaluate.ts `reevaluatePatients`, lib/data/db/bulk-insert.ts `updateRows`) on the real
 * database: after a threshold change, every open flag that still fires is refreshed in place (same
 * id, new due date, version + 1, updatedAt set); a patient whose results changed gets new panel
 * columns without a version bump; snapshots are replaced, one per patient.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { createThresholdVersion, getActiveThresholds } from "@/lib/data/evaluation/thresholds";

let t: TestDatabase;
let clinic: TestClinic;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestDatabase();
  clinic = await createTestClinic(t.db, { slug: "rewrite", patients: 120 });
});

afterAll(async () => {
  await t?.drop();
});

describe("re-evaluation writes", () => {
  it("refreshes every still-firing flag in place after a threshold change, and only those", async () => {
    const codes = ["b12_confirm_due", "b12_follow_up"];
    const before = await t.db.flag.findMany({ where: { clinicId: clinic.clinicId, status: "open" } });
    const shifted = before.filter((f) => codes.includes(f.code));
    expect(shifted.length).toBeGreaterThan(0);
    expect(before.length).toBeGreaterThan(shifted.length);

    const current = await getActiveThresholds(t.db, clinic.clinicId, TEST_NOW);
    const values = structuredClone(current.values);
    values.flags.b12ConfirmDueDays += 15;
    values.flags.b12FollowUpDueDays += 7;
    await createThresholdVersion(t.db, clinic.actors.admin, { values, effectiveFrom: new Date(TEST_NOW.getTime() - DAY), note: "test" });

    const start = new Date();
    await t.db.$transaction((tx) => reevaluatePatients(tx, clinic.clinicId, clinic.patientIds, TEST_NOW), { timeout: 60_000 });
    const after = new Map((await t.db.flag.findMany({ where: { clinicId: clinic.clinicId } })).map((f) => [f.id, f]));

    for (const flag of before) {
      const now = after.get(flag.id)!;
      expect(now.status).toBe("open");
      if (codes.includes(flag.code)) {
        const days = flag.code === "b12_confirm_due" ? 15 : 7;
        expect(now.dueAt.getTime() - flag.dueAt.getTime()).toBe(days * DAY);
        expect(now.version).toBe(flag.version + 1);
        expect(now.updatedAt.getTime()).toBeGreaterThanOrEqual(start.getTime() - 1000);
      } else {
        expect(now.version).toBe(flag.version);
        expect(now.dueAt).toEqual(flag.dueAt);
      }
    }
    expect(await t.db.riskSnapshot.count({ where: { clinicId: clinic.clinicId } })).toBe(clinic.patientIds.length);
  });

  it("writes new panel columns for a patient whose results changed, leaving its version alone", async () => {
    const patient = await t.db.patient.findFirstOrThrow({ where: { clinicId: clinic.clinicId, latestGripKg: { not: null } } });
    const other = await t.db.patient.findFirstOrThrow({ where: { clinicId: clinic.clinicId, id: { not: patient.id } } });
    const takenAt = new Date(TEST_NOW.getTime() - DAY);
    await t.db.observation.create({
      data: { clinicId: clinic.clinicId, patientId: patient.id, kind: "grip_strength", value: 41.5, reportedValue: "41.5", reportedUnit: "kg", observedAt: takenAt, source: "manual" },
    });
    await t.db.$transaction((tx) => reevaluatePatients(tx, clinic.clinicId, [patient.id, other.id], TEST_NOW));
    const [updated, untouched] = await Promise.all([
      t.db.patient.findUniqueOrThrow({ where: { id: patient.id } }),
      t.db.patient.findUniqueOrThrow({ where: { id: other.id } }),
    ]);
    expect(updated).toMatchObject({ latestGripKg: 41.5, latestGripAt: takenAt, lastAssessedAt: takenAt, version: patient.version });
    expect(untouched.updatedAt).toEqual(other.updatedAt);
  });
});
