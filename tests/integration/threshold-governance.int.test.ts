import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { createThresholdVersion, getActiveThresholds, getThresholdVersion, restoreThresholdVersion } from "@/lib/data/evaluation/thresholds";
import { restoreThresholdsAndRecompute } from "@/lib/data/jobs/restore-thresholds";
import { recomputeClinic } from "@/lib/data/jobs/recompute";
import { searchAuditEvents } from "@/lib/data/audit/search";
import { compareThresholdSets, confirmationToken } from "@/lib/domain/threshold-governance";
import { DEFAULT_THRESHOLDS, describeThresholds } from "@/lib/domain/thresholds";
import { parseThresholdForm } from "@/lib/validation/threshold-form";

/**
 * Threshold governance against a real database: the audit entry lists every changed value
 * old → new; an earlier version is restored as a new version and everyone is re-evaluated with
 * it; two stored versions compare value by value; and the refusals (nothing to restore, no such
 * version, another clinic's version, a clinician).
 */
describe("threshold governance", () => {
  let t: TestDatabase;
  let a: TestClinic;
  let b: TestClinic;
  const at = (minutes: number) => new Date(TEST_NOW.getTime() + minutes * 60_000);

  async function rejection(promise: Promise<unknown>): Promise<string | undefined> {
    return promise.then(() => undefined, (error: { code?: string }) => error.code);
  }

  /** The edit form as an admin submits it: the set in force with `typed` replacing some fields. */
  async function submitForm(typed: Record<string, string>, confirm: boolean) {
    const current = await getActiveThresholds(t.db, a.clinicId, TEST_NOW);
    const fields: Record<string, unknown> = { effectiveFrom: "2026-11-01", note: "Local dynamometer calibration" };
    for (const entry of describeThresholds(current.values)) {
      const value = typed[entry.key] ?? entry.value;
      if (value === true) fields[`t:${entry.key}`] = "on";
      else if (value !== false) fields[`t:${entry.key}`] = String(value);
    }
    const first = parseThresholdForm(current.values, fields);
    if (!first.ok) throw new Error(JSON.stringify(first.fieldErrors));
    if (!confirm) return first;
    return parseThresholdForm(current.values, { ...fields, confirmDeviations: confirmationToken(first.deviations) });
  }

  async function ruleSetVersions(clinicId: string): Promise<number[]> {
    const rows = await t.db.riskSnapshot.findMany({ where: { clinicId }, select: { ruleSetVersion: true } });
    return [...new Set(rows.map((r) => r.ruleSetVersion))];
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createTestClinic(t.db, { slug: "govern", patients: 12, seed: 5 });
    b = await createTestClinic(t.db, { slug: "other", patients: 2, seed: 6 });
  });
  afterAll(async () => t?.drop());

  it("a change far from the guideline waits for confirmation; saved, its audit entry lists every changed value old → new", async () => {
    const unconfirmed = await submitForm({ "ewgsop2.gripKg.female": "20", "b12Testing.retestIntervalMonths": "24" }, false);
    expect(unconfirmed.ok && unconfirmed.unconfirmed.map((d) => [d.key, d.guideline])).toEqual([["ewgsop2.gripKg.female", 16]]);

    const parsed = await submitForm({ "ewgsop2.gripKg.female": "20", "b12Testing.retestIntervalMonths": "24" }, true);
    if (!parsed.ok) throw new Error("expected a valid form");
    expect(parsed.unconfirmed).toEqual([]);
    const created = await createThresholdVersion(t.db, a.actors.admin, { values: parsed.values, effectiveFrom: parsed.effectiveFrom, note: parsed.note, confirmedDeviations: parsed.deviations }, at(1));
    expect(created.version).toBe(2);

    const event = await t.db.auditEvent.findFirstOrThrow({ where: { clinicId: a.clinicId, action: "thresholds.update", entityId: created.id } });
    expect(event.actorId).toBe(a.actors.admin.userId);
    expect(JSON.parse(event.detailJson)).toMatchObject({
      version: 2,
      note: "Local dynamometer calibration",
      changes: [
        { key: "ewgsop2.gripKg.female", from: 16, to: 20 },
        { key: "b12Testing.retestIntervalMonths", from: 12, to: 24 },
      ],
      confirmedDeviations: [{ key: "ewgsop2.gripKg.female", value: 20, guideline: 16 }],
    });

    const page = await searchAuditEvents(t.db, a.actors.admin, { action: "thresholds.update" }, undefined, at(2));
    expect(page.rows.map((r) => r.description)).toEqual([
      "Saved threshold set version 2 effective 2026-11-01 (Local dynamometer calibration). Changed: EWGSOP2 · Low strength: grip, women: 16 → 20 kg; " +
        "who to test for B12 · b12_test_due again after the last B12 result: 12 → 24 months. 1 value more than 10 % from the guideline confirmed.",
    ]);
  });

  it("a clinician may not save or restore thresholds", async () => {
    expect(await rejection(createThresholdVersion(t.db, a.actors.clinician, { values: DEFAULT_THRESHOLDS, effectiveFrom: TEST_NOW, note: "no" }, at(3)))).toBe("forbidden");
    expect(await rejection(restoreThresholdVersion(t.db, a.actors.clinician, { version: 1, note: "no" }, at(3)))).toBe("forbidden");
  });

  it("two stored versions compare value by value: only the changed values differ", async () => {
    const [v1, v2] = await Promise.all([getThresholdVersion(t.db, a.actors.admin, 1), getThresholdVersion(t.db, a.actors.analyst, 2)]);
    const differing = compareThresholdSets(v1!.values, v2!.values).flatMap((s) => s.rows).filter((r) => r.differs);
    expect(differing.map((r) => [r.key, r.left, r.right])).toEqual([
      ["ewgsop2.gripKg.female", "16 kg", "20 kg"],
      ["b12Testing.retestIntervalMonths", "12 months", "24 months"],
    ]);
    // Another clinic's versions are not this clinic's: clinic "other" has version 1 only.
    expect(await getThresholdVersion(t.db, b.actors.admin, 2)).toBeNull();
  });

  it("restores an earlier version as a new version in force now and re-evaluates everyone with it", async () => {
    await recomputeClinic(t.db, a.actors.admin, { now: at(4) });
    expect(await ruleSetVersions(a.clinicId)).toEqual([2]);

    const started = await restoreThresholdsAndRecompute(t.db, a.actors.admin, { version: 1, note: "Back to the guideline" }, { now: at(5) });
    expect(started.version).toBe(3);
    const recompute = await started.recompute;
    expect(recompute).toMatchObject({ evaluated: 12, ruleSetVersion: 3 });

    // The history is kept: versions 1 and 2 unchanged, 3 holds version 1's values.
    const versions = await t.db.thresholdSet.findMany({ where: { clinicId: a.clinicId }, orderBy: { version: "asc" }, select: { version: true } });
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3]);
    const active = await getActiveThresholds(t.db, a.clinicId, at(5));
    expect(active.version).toBe(3);
    expect({ ...active.values, version: 1 }).toEqual(DEFAULT_THRESHOLDS);
    expect((await getThresholdVersion(t.db, a.actors.admin, 2))!.values.ewgsop2.gripKg.female).toBe(20);

    // Everyone re-evaluated with version 3, the job recorded like any recompute.
    expect(await ruleSetVersions(a.clinicId)).toEqual([3]);
    expect(await t.db.jobRun.findUniqueOrThrow({ where: { id: recompute.jobRunId }, select: { status: true, done: true, total: true } })).toEqual({ status: "completed", done: 12, total: 12 });
    // The other clinic is untouched.
    expect(await ruleSetVersions(b.clinicId)).toEqual([1]);

    const event = await t.db.auditEvent.findFirstOrThrow({ where: { clinicId: a.clinicId, action: "thresholds.update" }, orderBy: { seq: "desc" } });
    expect(JSON.parse(event.detailJson)).toMatchObject({
      version: 3,
      restoredFromVersion: 1,
      note: "Back to the guideline",
      changes: [
        { key: "ewgsop2.gripKg.female", from: 20, to: 16 },
        { key: "b12Testing.retestIntervalMonths", from: 24, to: 12 },
      ],
    });
    const page = await searchAuditEvents(t.db, a.actors.admin, { action: "thresholds.update" }, undefined, at(6));
    expect(page.rows[0]!.description).toMatch(/^Restored threshold version 1 as version 3 effective .*Changed: EWGSOP2 · Low strength: grip, women: 20 → 16 kg; /);
    expect(await t.db.auditEvent.count({ where: { clinicId: a.clinicId, action: "recompute.run", entityId: recompute.jobRunId } })).toBe(1);
  });

  it("refuses a restore with nothing to restore or of a version the clinic does not have, saving nothing", async () => {
    // Version 1's values are in force again (version 3).
    expect(await rejection(restoreThresholdVersion(t.db, a.actors.admin, { version: 1, note: "again" }, at(7)))).toBe("conflict");
    expect(await rejection(restoreThresholdVersion(t.db, a.actors.admin, { version: 99, note: "none" }, at(7)))).toBe("not_found");
    expect(await rejection(restoreThresholdVersion(t.db, b.actors.admin, { version: 2, note: "not ours" }, at(7)))).toBe("not_found");
    expect(await t.db.thresholdSet.count({ where: { clinicId: a.clinicId } })).toBe(3);
    expect(await t.db.thresholdSet.count({ where: { clinicId: b.clinicId } })).toBe(1);
  });

  it("a restore while another recompute holds the clinic's lock saves the version and reports the conflict", async () => {
    const now = new Date();
    await t.db.jobRun.create({ data: { kind: "recompute", clinicId: a.clinicId, lockKey: `recompute:${a.clinicId}`, status: "running", total: 12, startedAt: now, heartbeatAt: now } });
    const started = await restoreThresholdsAndRecompute(t.db, a.actors.admin, { version: 2, note: "Local calibration again" }, { now: at(8) });
    expect(started.version).toBe(4);
    expect(await rejection(started.recompute)).toBe("conflict");
    expect((await getActiveThresholds(t.db, a.clinicId, at(8))).version).toBe(4);
  });
});
