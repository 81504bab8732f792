import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { insertNewPatients } from "@/lib/data/import/write";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { closeFlag } from "@/lib/data/flags/lifecycle";
import { recordOutreachAttempt } from "@/lib/data/flags/outreach";
import { getPatientRecord } from "@/lib/data/patients/record";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { verifyAuditChain } from "@/lib/data/audit/log";
import { panelQuerySchema } from "@/lib/validation/panel-query";
import { addDaysUtc } from "@/lib/domain/dates";
import { describeAuditEvent } from "@/lib/domain/audit-describe";
import type { NewPatient } from "@/lib/data/patients/new-patient";
import { isAppError } from "@/lib/errors";

/**
 * The outreach log of a flag (docs/design.md#outreach-log) against a real database: attempts
 * numbered per flag and listed as the flag's history, the outcome moving the outreach status, the
 * audit event, the panel's "outreach due today" at the day boundaries (a next attempt of
 * yesterday, today, tomorrow), the latest attempt's plan replacing earlier ones, a closed flag's
 * plan no longer due, another clinic's attempts invisible, two people logging at once, and the
 * PanelVersion bump that keeps the panel's cached counts honest.
 */
describe("flag outreach log", () => {
  let t: TestDatabase;
  let c: TestClinic;
  let other: TestClinic;
  let mrn = 0;
  const days = (n: number) => addDaysUtc(TEST_NOW, n);
  /** Late in the day of TEST_NOW + n: "today" is the UTC calendar day, whatever the hour. */
  const lateOn = (n: number) => new Date(days(n).getTime() + 23 * 3_600_000 + 59 * 60_000);

  beforeAll(async () => {
    t = await createTestDatabase();
    c = await createTestClinic(t.db, { slug: "reach", patients: 0 });
    other = await createTestClinic(t.db, { slug: "elsewhere", patients: 0 });
  });
  afterAll(async () => t?.drop());

  /** A woman of 80 with no B12 result: the engine raises `b12_test_due`, open. */
  async function patientWithFlag(clinic: TestClinic): Promise<{ patientId: string; flagId: string; version: number }> {
    mrn += 1;
    const patient: NewPatient = {
      mrn: `OUT-${mrn}`,
      familyName: "Outreach",
      givenName: `Patient ${mrn}`,
      birthDate: new Date("1946-03-01T00:00:00Z"),
      sex: "female",
      diet: "omnivore",
      conditions: [],
      attributedToClinician: true,
      observations: [{ kind: "grip_strength", value: 24, isUnable: false, observedAt: days(-20), method: null, reportedValue: "24", reportedUnit: "kg" }],
      medications: [],
    };
    const thresholds = await getActiveThresholds(t.db, clinic.clinicId, TEST_NOW);
    const [patientId] = await t.db.$transaction((tx) =>
      insertNewPatients(tx, [patient], { clinicId: clinic.clinicId, attributedClinicianId: clinic.actors.clinician.userId, source: "seed", enteredById: null, now: TEST_NOW, thresholds }),
    );
    const flag = await t.db.flag.findFirstOrThrow({ where: { patientId: patientId!, code: "b12_test_due", status: "open" }, select: { id: true, version: true } });
    return { patientId: patientId!, flagId: flag.id, version: flag.version };
  }

  async function dueIds(clinic: TestClinic, now: Date, extra: Record<string, string> = {}): Promise<string[]> {
    const page = await getPatientPanel(t.db, clinic.actors.clinician, panelQuerySchema.parse({ sort: "name", size: 100, outreachDue: "1", ...extra }), now);
    return page.rows.map((r) => r.id);
  }

  async function version(flagId: string): Promise<number> {
    return (await t.db.flag.findUniqueOrThrow({ where: { id: flagId }, select: { version: true } })).version;
  }

  async function rejection(run: () => Promise<unknown>): Promise<{ code: string; message: string }> {
    try {
      await run();
    } catch (error) {
      if (isAppError(error)) return { code: error.code, message: error.message };
      throw error;
    }
    throw new Error("expected the call to be refused");
  }

  it("records attempts numbered 1, 2… on the flag, shows them as its history, moves the outreach status by outcome and audits each", async () => {
    const { patientId, flagId, version: v1 } = await patientWithFlag(c);
    const first = await recordOutreachAttempt(t.db, c.actors.clinician, flagId, { channel: "phone", outcome: "no_answer", note: "Rang twice", nextAttemptOn: days(2) }, v1, TEST_NOW);
    expect(first).toMatchObject({ attempt: 1, outreach: "none", status: "open", version: v1 + 1 });
    const second = await recordOutreachAttempt(t.db, c.actors.clinician, flagId, { channel: "letter", outcome: "letter_sent", note: null, nextAttemptOn: days(14) }, first.version, days(2));
    expect(second).toMatchObject({ attempt: 2, outreach: "contacted" });
    const third = await recordOutreachAttempt(t.db, c.actors.clinician, flagId, { channel: "phone", outcome: "appointment_booked", note: "Bloods on Tuesday", nextAttemptOn: null }, second.version, days(9));
    expect(third).toMatchObject({ attempt: 3, outreach: "scheduled" });

    const record = await getPatientRecord(t.db, c.actors.clinician, patientId, days(9));
    const flag = record.flags.open.find((f) => f.id === flagId)!;
    expect(flag.outreachAttempts.map((a) => [a.attempt, a.channel, a.outcome, a.note, a.nextAttemptAt?.toISOString().slice(0, 10) ?? null, a.recordedByName])).toEqual([
      [1, "phone", "no_answer", "Rang twice", days(2).toISOString().slice(0, 10), "clinician of reach"],
      [2, "letter", "letter_sent", null, days(14).toISOString().slice(0, 10), "clinician of reach"],
      [3, "phone", "appointment_booked", "Bloods on Tuesday", null, "clinician of reach"],
    ]);
    // The latest attempt planned nothing: nothing is due, though attempt 2's date has not passed.
    expect(flag.nextOutreachAt).toBeNull();
    expect(flag.outreachDue).toBe(false);

    const events = await t.db.auditEvent.findMany({ where: { entityId: flagId, action: "flag.update" }, orderBy: { seq: "asc" }, select: { detailJson: true, action: true, patientId: true } });
    const details = events.map((e) => JSON.parse(e.detailJson) as Record<string, unknown>);
    expect(details.map((d) => [d.change, d.attempt, d.channel, d.outcome, d.nextAttemptOn])).toEqual([
      ["outreach_attempt", 1, "phone", "no_answer", days(2).toISOString().slice(0, 10)],
      ["outreach_attempt", 2, "letter", "letter_sent", days(14).toISOString().slice(0, 10)],
      ["outreach_attempt", 3, "phone", "appointment_booked", null],
    ]);
    expect(describeAuditEvent("flag.update", details[0]!, patientId)).toBe(`B12 test due: outreach attempt 1 by phone, no answer; next attempt ${days(2).toISOString().slice(0, 10)}.`);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("'outreach due today': a next attempt of yesterday or today is due (at any hour of the day), tomorrow's is not — until tomorrow", async () => {
    const yesterday = await patientWithFlag(c);
    const today = await patientWithFlag(c);
    const tomorrow = await patientWithFlag(c);
    const recordedAt = days(-3);
    await recordOutreachAttempt(t.db, c.actors.clinician, yesterday.flagId, { channel: "phone", outcome: "left_message", note: null, nextAttemptOn: days(-1) }, yesterday.version, recordedAt);
    await recordOutreachAttempt(t.db, c.actors.clinician, today.flagId, { channel: "phone", outcome: "no_answer", note: null, nextAttemptOn: days(0) }, today.version, recordedAt);
    await recordOutreachAttempt(t.db, c.actors.clinician, tomorrow.flagId, { channel: "portal", outcome: "portal_message_sent", note: null, nextAttemptOn: days(1) }, tomorrow.version, recordedAt);

    for (const now of [TEST_NOW, lateOn(0)]) {
      const due = await dueIds(c, now);
      expect(due).toContain(yesterday.patientId);
      expect(due).toContain(today.patientId);
      expect(due).not.toContain(tomorrow.patientId);
    }
    // The evening before, only the one planned for yesterday… which was then "today".
    const eveBefore = await dueIds(c, lateOn(-1));
    expect(eveBefore).toContain(yesterday.patientId);
    expect(eveBefore).not.toContain(today.patientId);
    // The next day, tomorrow's is due too.
    expect(await dueIds(c, days(1))).toContain(tomorrow.patientId);
    // With a flag filter: that flag; another kind of flag does not match.
    expect(await dueIds(c, TEST_NOW, { flag: "b12_test_due" })).toContain(today.patientId);
    expect(await dueIds(c, TEST_NOW, { flag: "muscle_mass_due" })).not.toContain(today.patientId);

    // The page says it too.
    const record = await getPatientRecord(t.db, c.actors.clinician, today.patientId, lateOn(0));
    expect(record.flags.open.find((f) => f.id === today.flagId)).toMatchObject({ outreachDue: true });
    const before = await getPatientRecord(t.db, c.actors.clinician, tomorrow.patientId, TEST_NOW);
    expect(before.flags.open.find((f) => f.id === tomorrow.flagId)).toMatchObject({ outreachDue: false });
  });

  it("the latest attempt's plan replaces the earlier one, and a closed flag's plan is no longer due", async () => {
    const p = await patientWithFlag(c);
    const a1 = await recordOutreachAttempt(t.db, c.actors.clinician, p.flagId, { channel: "phone", outcome: "no_answer", note: null, nextAttemptOn: days(0) }, p.version, days(-2));
    expect(await dueIds(c, TEST_NOW)).toContain(p.patientId);
    // Followed up today with a plan for next week: not due today any more.
    const a2 = await recordOutreachAttempt(t.db, c.actors.clinician, p.flagId, { channel: "phone", outcome: "left_message", note: null, nextAttemptOn: days(7) }, a1.version, TEST_NOW);
    expect(await dueIds(c, TEST_NOW)).not.toContain(p.patientId);
    expect(await dueIds(c, days(7))).toContain(p.patientId);
    await closeFlag(t.db, c.actors.clinician, p.flagId, { reason: "patient_declined", note: null, doneOn: null, doneValue: null }, a2.version, days(1));
    expect(await dueIds(c, days(7))).not.toContain(p.patientId);
    // A closed flag takes no attempts.
    expect(await rejection(() => recordOutreachAttempt(t.db, c.actors.clinician, p.flagId, { channel: "phone", outcome: "reached", note: null, nextAttemptOn: null }, a2.version + 1, days(2)))).toMatchObject({ code: "invalid" });
  });

  it("another clinic's attempts are invisible: its panel, its patient pages, its flags", async () => {
    const mine = await patientWithFlag(c);
    const theirs = await patientWithFlag(other);
    await recordOutreachAttempt(t.db, other.actors.clinician, theirs.flagId, { channel: "phone", outcome: "no_answer", note: "their note", nextAttemptOn: days(0) }, theirs.version, days(-1));
    expect(await dueIds(other, TEST_NOW)).toEqual([theirs.patientId]);
    expect(await dueIds(c, TEST_NOW)).not.toContain(theirs.patientId);
    // Nor can this clinic log an attempt on the other clinic's flag.
    expect(await rejection(() => recordOutreachAttempt(t.db, c.actors.clinician, theirs.flagId, { channel: "phone", outcome: "reached", note: null, nextAttemptOn: null }, theirs.version + 1, TEST_NOW))).toMatchObject({ code: "not_found" });
    expect(await t.db.flagOutreach.count({ where: { flagId: theirs.flagId } })).toBe(1);
    const record = await getPatientRecord(t.db, c.actors.clinician, mine.patientId, TEST_NOW);
    expect(record.flags.open.flatMap((f) => f.outreachAttempts)).toEqual([]);
  });

  it("refuses what does not fit: an outcome the channel cannot have, a past or far next date, an analyst; and writes nothing", async () => {
    const p = await patientWithFlag(c);
    expect(await rejection(() => recordOutreachAttempt(t.db, c.actors.clinician, p.flagId, { channel: "letter", outcome: "no_answer", note: null, nextAttemptOn: null }, p.version, TEST_NOW))).toMatchObject({ code: "invalid", message: expect.stringContaining("letter") });
    expect(await rejection(() => recordOutreachAttempt(t.db, c.actors.clinician, p.flagId, { channel: "phone", outcome: "no_answer", note: null, nextAttemptOn: days(-1) }, p.version, TEST_NOW))).toMatchObject({ code: "invalid", message: expect.stringContaining("in the past") });
    expect(await rejection(() => recordOutreachAttempt(t.db, c.actors.clinician, p.flagId, { channel: "phone", outcome: "no_answer", note: null, nextAttemptOn: days(400) }, p.version, TEST_NOW))).toMatchObject({ code: "invalid" });
    expect(await rejection(() => recordOutreachAttempt(t.db, c.actors.analyst, p.flagId, { channel: "phone", outcome: "reached", note: null, nextAttemptOn: null }, p.version, TEST_NOW))).toMatchObject({ code: "forbidden" });
    // Today is a valid next attempt date.
    await recordOutreachAttempt(t.db, c.actors.clinician, p.flagId, { channel: "in_person", outcome: "reached", note: null, nextAttemptOn: lateOn(0) }, p.version, TEST_NOW);
    expect(await t.db.flagOutreach.count({ where: { flagId: p.flagId } })).toBe(1);
  });

  it("two people logging an attempt on one flag at once: exactly one is attempt 1, the other is told and writes nothing", async () => {
    const p = await patientWithFlag(c);
    const results = await Promise.allSettled([
      recordOutreachAttempt(t.db, c.actors.clinician, p.flagId, { channel: "phone", outcome: "reached", note: "A", nextAttemptOn: null }, p.version, TEST_NOW),
      recordOutreachAttempt(t.db, c.actors.admin, p.flagId, { channel: "letter", outcome: "letter_sent", note: "B", nextAttemptOn: null }, p.version, TEST_NOW),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(isAppError(lost[0]!.reason) && lost[0]!.reason.code).toBe("conflict");
    expect(await t.db.flagOutreach.count({ where: { flagId: p.flagId } })).toBe(1);
    expect(await version(p.flagId)).toBe(p.version + 1);
  });

  it("an attempt bumps the clinic's PanelVersion (the trigger on FlagOutreach), so cached panel counts cannot go stale; the other clinic's is untouched", async () => {
    const p = await patientWithFlag(c);
    const panelVersion = async (clinicId: string) => (await t.db.panelVersion.findUnique({ where: { clinicId } }))?.version ?? 0;
    const beforeMine = await panelVersion(c.clinicId);
    const beforeTheirs = await panelVersion(other.clinicId);
    await t.db.flagOutreach.create({
      data: { clinicId: c.clinicId, patientId: p.patientId, flagId: p.flagId, attempt: 99, channel: "phone", outcome: "no_answer", nextAttemptAt: TEST_NOW, recordedAt: TEST_NOW },
    });
    expect(await panelVersion(c.clinicId)).toBeGreaterThan(beforeMine);
    expect(await panelVersion(other.clinicId)).toBe(beforeTheirs);
    const afterInsert = await panelVersion(c.clinicId);
    await t.db.flagOutreach.updateMany({ where: { flagId: p.flagId }, data: { nextAttemptAt: days(3) } });
    expect(await panelVersion(c.clinicId)).toBeGreaterThan(afterInsert);
  });
});
