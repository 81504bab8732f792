import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { insertNewPatients } from "@/lib/data/import/write";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";
import { closeFlag, markFlagOrdered, postponeFlag, reopenFlag, updateFlagOutreach } from "@/lib/data/flags/lifecycle";
import { getPatientRecord } from "@/lib/data/patients/record";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { recordAssessment } from "@/lib/data/patients/assessment";
import { addMedication } from "@/lib/data/patients/medications";
import { getClinicAggregates } from "@/lib/data/reports/summary";
import { streamCohortCsv } from "@/lib/data/export/cohort-csv";
import { verifyAuditChain } from "@/lib/data/audit/log";
import { panelQuerySchema } from "@/lib/validation/panel-query";
import { addDaysUtc } from "@/lib/domain/dates";
import type { NewPatient } from "@/lib/data/patients/new-patient";
import type { FlagCode } from "@/lib/domain/types";
import { migrate } from "@/lib/data/db/migrate";
import { suppressedFlagKeys } from "@/lib/data/flags/suppression";
import { CLOSE_REASON_LABELS } from "@/lib/domain/flag-lifecycle";

/**
 * The flag lifecycle against a real database (docs/design.md#flag-lifecycle): due → overdue by
 * day, ordered — awaiting result → closed by the result or overdue again after the awaiting
 * window, postponed until a date, not applicable when the patient becomes ineligible, coded
 * manual closes with a stored return date, and two people acting on one flag at once.
 */
describe("flag lifecycle", () => {
  let t: TestDatabase;
  let c: TestClinic;
  let mrn = 0;
  const days = (n: number) => addDaysUtc(TEST_NOW, n);

  beforeAll(async () => {
    t = await createTestDatabase();
    c = await createTestClinic(t.db, { slug: "life", patients: 0 });
  });
  afterAll(async () => t?.drop());

  /**
   * A woman of 80 with a recent grip result and no B12 result ever, evaluated at `now`: the
   * engine raises `b12_test_due` (a risk factor, the local case-finding policy), due that day.
   */
  async function patientNeedingB12(now = TEST_NOW): Promise<{ patientId: string; flagId: string; version: number }> {
    mrn += 1;
    const patient: NewPatient = {
      mrn: `LIFE-${mrn}`,
      familyName: "Lifecycle",
      givenName: `Patient ${mrn}`,
      birthDate: new Date("1946-03-01T00:00:00Z"),
      sex: "female",
      diet: "omnivore",
      conditions: [],
      attributedToClinician: true,
      observations: [{ kind: "grip_strength", value: 24, isUnable: false, observedAt: addDaysUtc(now, -20), method: null, reportedValue: "24", reportedUnit: "kg" }],
      medications: [],
    };
    const thresholds = await getActiveThresholds(t.db, c.clinicId, now);
    const [patientId] = await t.db.$transaction((tx) =>
      insertNewPatients(tx, [patient], { clinicId: c.clinicId, attributedClinicianId: c.actors.clinician.userId, source: "seed", enteredById: null, now, thresholds }),
    );
    const flag = await t.db.flag.findFirstOrThrow({ where: { patientId: patientId!, code: "b12_test_due" }, select: { id: true, version: true, status: true } });
    expect(flag.status).toBe("open");
    return { patientId: patientId!, flagId: flag.id, version: flag.version };
  }

  async function flagView(patientId: string, flagId: string, now: Date) {
    const record = await getPatientRecord(t.db, c.actors.clinician, patientId, now);
    const flag = [...record.flags.open, ...record.flags.closed].find((f) => f.id === flagId);
    if (!flag) throw new Error(`flag ${flagId} not on the record`);
    return { flag, record };
  }

  async function panelIds(query: Record<string, string>, now: Date): Promise<string[]> {
    const page = await getPatientPanel(t.db, c.actors.clinician, panelQuerySchema.parse({ sort: "name", size: 100, ...query }), now);
    return page.rows.map((r) => r.id);
  }

  async function version(flagId: string): Promise<number> {
    return (await t.db.flag.findUniqueOrThrow({ where: { id: flagId }, select: { version: true } })).version;
  }

  const b12Result = (observedAt: Date, value = 350) => ({
    kind: "b12_total" as const, value, isUnable: false, observedAt, method: null, reportedValue: String(value), reportedUnit: "pmol/L",
  });

  async function patientVersion(patientId: string): Promise<number> {
    return (await t.db.patient.findUniqueOrThrow({ where: { id: patientId }, select: { version: true } })).version;
  }

  it("is 'Due today' on its due day — never 'Overdue since <today>' — and overdue from the next day, in the page, the panel filter and the summary", async () => {
    const { patientId, flagId } = await patientNeedingB12();
    const lateToday = new Date(TEST_NOW.getTime() + 23 * 3_600_000);
    const { flag } = await flagView(patientId, flagId, lateToday);
    expect(flag.state).toMatchObject({ state: "due", text: "Due today" });
    expect(flag.isOverdue).toBe(false);
    expect(await panelIds({ state: "due" }, lateToday)).toContain(patientId);
    expect(await panelIds({ state: "overdue" }, lateToday)).not.toContain(patientId);
    // Older bookmarks' overdue=1 is the same filter.
    expect(await panelIds({ overdue: "1" }, lateToday)).not.toContain(patientId);

    const tomorrow = days(1);
    expect((await flagView(patientId, flagId, tomorrow)).flag.state).toMatchObject({ state: "overdue", text: `Overdue since ${TEST_NOW.toISOString().slice(0, 10)}` });
    expect(await panelIds({ state: "overdue" }, tomorrow)).toContain(patientId);
    expect(await panelIds({ overdue: "1" }, tomorrow)).toContain(patientId);
    const summaryToday = await getClinicAggregates(t.db, c.actors.clinician, lateToday, { id: patientId });
    const summaryTomorrow = await getClinicAggregates(t.db, c.actors.clinician, tomorrow, { id: patientId });
    expect(summaryToday.flags.find((f) => f.code === "b12_test_due")).toMatchObject({ due: 1, overdue: 0 });
    expect(summaryTomorrow.flags.find((f) => f.code === "b12_test_due")).toMatchObject({ due: 0, overdue: 1 });
  });

  it("marked ordered, it is awaiting (not overdue) until a B12 result arrives, which closes it with 'closed by <result, value, date>' in its history", async () => {
    const { patientId, flagId, version: v1 } = await patientNeedingB12();
    const orderedAt = days(3);
    const ordered = await markFlagOrdered(t.db, c.actors.clinician, flagId, days(20), v1, orderedAt);
    expect(ordered).toMatchObject({ status: "open", stage: "ordered" });

    const { flag } = await flagView(patientId, flagId, days(10));
    expect(flag.state).toMatchObject({ state: "ordered", text: `Ordered ${orderedAt.toISOString().slice(0, 10)} — awaiting the result until ${days(63).toISOString().slice(0, 10)}` });
    expect(flag).toMatchObject({ orderedByName: c.actors.clinician.name, expectedAt: days(20) });
    expect(await panelIds({ state: "ordered" }, days(10))).toContain(patientId);
    expect(await panelIds({ state: "overdue" }, days(10))).not.toContain(patientId);
    // Ordering it again is refused; the flag is unchanged.
    await expect(markFlagOrdered(t.db, c.actors.clinician, flagId, null, ordered.version, days(4))).rejects.toMatchObject({ code: "invalid" });

    const takenOn = days(12);
    const saved = await recordAssessment(t.db, c.actors.clinician, patientId, { observations: [b12Result(takenOn, 412)] }, await patientVersion(patientId), days(14));
    expect(saved.change.flagsClosed).toContain("b12_test_due");
    const after = await flagView(patientId, flagId, days(14));
    expect(after.record.flags.open.map((f) => f.code)).not.toContain("b12_test_due");
    expect(after.flag).toMatchObject({ status: "closed", closeReason: "result_received", closedAt: days(14), closedByName: null, orderedAt: orderedAt });
    expect(after.flag.closeNote).toBe(`Closed by Serum total B12 412 pmol/L, ${takenOn.toISOString().slice(0, 10)}`);
    expect(after.flag.state.state).toBe("closed");
  });

  it("an ordered flag with no result is awaiting through the window's last day and overdue again after it, saying so", async () => {
    const { patientId, flagId, version: v1 } = await patientNeedingB12();
    await markFlagOrdered(t.db, c.actors.clinician, flagId, null, v1, TEST_NOW);
    const lastDay = new Date(days(60).getTime() + 23 * 3_600_000);
    // A re-evaluation on the way (a nightly recompute) keeps the awaiting window.
    await t.db.$transaction((tx) => reevaluatePatients(tx, c.clinicId, [patientId], days(30)));
    expect((await flagView(patientId, flagId, lastDay)).flag.state.state).toBe("ordered");
    expect(await panelIds({ state: "overdue" }, lastDay)).not.toContain(patientId);

    const dayAfter = days(61);
    await t.db.$transaction((tx) => reevaluatePatients(tx, c.clinicId, [patientId], dayAfter));
    const { flag } = await flagView(patientId, flagId, dayAfter);
    expect(flag.status).toBe("open");
    expect(flag.state).toMatchObject({ state: "overdue", overdueBecause: "no_result", text: `Overdue: ordered ${TEST_NOW.toISOString().slice(0, 10)}, no result by ${days(60).toISOString().slice(0, 10)}` });
    expect(await panelIds({ state: "overdue" }, dayAfter)).toContain(patientId);
    // The worklist sorts the patient by the end of the awaiting window.
    expect((await t.db.riskSnapshot.findUniqueOrThrow({ where: { patientId } })).nextDueAt).toEqual(days(60));
  });

  it("a patient who starts B12 replacement gets the flag 'not applicable', kept in the history apart from open — not a silent disappearance", async () => {
    const { patientId, flagId } = await patientNeedingB12();
    await addMedication(t.db, c.actors.clinician, patientId, { catalogueId: "cyanocobalamin", name: "Cyanocobalamin", startedOn: days(1) }, await patientVersion(patientId), days(2));
    const { flag, record } = await flagView(patientId, flagId, days(2));
    expect(flag).toMatchObject({ status: "not_applicable", closeReason: "no_longer_indicated", closedAt: days(2) });
    expect(flag.closeNote).toMatch(/on B12 replacement/);
    expect(flag.state.state).toBe("not_applicable");
    expect(record.flags.open.some((f) => f.id === flagId)).toBe(false);
    expect(record.flags.closed.some((f) => f.id === flagId)).toBe(true);
    expect(await panelIds({ flag: "b12_test_due" }, days(2))).not.toContain(patientId);
  });

  it("postponed until a date: postponed before it, due on it, overdue after it; a date not after today or after the due date is refused", async () => {
    const { patientId, flagId, version: v1 } = await patientNeedingB12();
    await expect(postponeFlag(t.db, c.actors.clinician, flagId, TEST_NOW, null, v1, TEST_NOW)).rejects.toMatchObject({ code: "invalid" });
    await expect(postponeFlag(t.db, c.actors.clinician, flagId, days(400), null, v1, TEST_NOW)).rejects.toMatchObject({ code: "invalid" });
    const postponed = await postponeFlag(t.db, c.actors.clinician, flagId, days(20), "away until then", v1, TEST_NOW);
    expect(postponed.stage).toBe("postponed");
    expect((await flagView(patientId, flagId, days(19))).flag.state).toMatchObject({ state: "postponed", text: `Postponed until ${days(20).toISOString().slice(0, 10)}` });
    expect(await panelIds({ state: "postponed" }, days(19))).toContain(patientId);
    expect((await flagView(patientId, flagId, days(20))).flag.state.state).toBe("due");
    expect(await panelIds({ state: "due" }, days(20))).toContain(patientId);
    expect((await flagView(patientId, flagId, days(21))).flag.state).toMatchObject({ state: "overdue", overdueBecause: "postponed_ended" });
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "flag.update", entityId: flagId }, orderBy: { seq: "desc" } });
    expect(JSON.parse(audit.detailJson)).toMatchObject({ change: "postponed", until: days(20).toISOString().slice(0, 10), note: "away until then" });
  });

  it("closes with a coded reason and stores when it can return: never after 'deceased', which the engine respects", async () => {
    const { patientId, flagId, version: v1 } = await patientNeedingB12();
    await expect(closeFlag(t.db, c.actors.clinician, flagId, { reason: "other", note: "  ", doneOn: null, doneValue: null }, v1, TEST_NOW)).rejects.toThrow(/say why in the note/);
    const closed = await closeFlag(t.db, c.actors.clinician, flagId, { reason: "deceased", note: null, doneOn: null, doneValue: null }, v1, TEST_NOW);
    expect(closed.returnsAt).toBeNull();
    await t.db.$transaction((tx) => reevaluatePatients(tx, c.clinicId, [patientId], days(400)));
    const flags = await t.db.flag.findMany({ where: { patientId, code: "b12_test_due" } });
    expect(flags.map((f) => f.status)).toEqual(["closed"]);
    // Reopening by a person is still possible.
    const reopened = await reopenFlag(t.db, c.actors.clinician, flagId, closed.version, days(401));
    expect(reopened).toMatchObject({ status: "open", stage: "none", returnsAt: null });
  });

  it("'done elsewhere' keeps its date and value and returns 90 days after that date, when the engine raises it again", async () => {
    const { patientId, flagId, version: v1 } = await patientNeedingB12();
    const doneOn = days(-10);
    const closed = await closeFlag(t.db, c.actors.clinician, flagId, { reason: "done_elsewhere", note: null, doneOn, doneValue: "B12 300 pmol/L at the hospital" }, v1, TEST_NOW);
    expect(closed.returnsAt).toEqual(days(80));
    const { flag } = await flagView(patientId, flagId, days(1));
    expect(flag).toMatchObject({ closeReason: "done_elsewhere", doneOn, doneValue: "B12 300 pmol/L at the hospital", returnsAt: days(80) });
    await t.db.$transaction((tx) => reevaluatePatients(tx, c.clinicId, [patientId], days(79)));
    expect(await t.db.flag.count({ where: { patientId, code: "b12_test_due", status: "open" } })).toBe(0);
    await t.db.$transaction((tx) => reevaluatePatients(tx, c.clinicId, [patientId], days(80)));
    expect(await t.db.flag.count({ where: { patientId, code: "b12_test_due", status: "open" } })).toBe(1);
  });

  it("two people acting on one flag at once: exactly one wins, the other is told what happened", async () => {
    const { flagId, version: v1 } = await patientNeedingB12();
    const results = await Promise.allSettled([
      markFlagOrdered(t.db, c.actors.clinician, flagId, null, v1, days(1)),
      closeFlag(t.db, c.actors.admin, flagId, { reason: "patient_declined", note: null, doneOn: null, doneValue: null }, v1, days(1)),
      updateFlagOutreach(t.db, c.actors.admin, flagId, "contacted", v1, days(1)),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(2);
    for (const r of lost) {
      expect(r.reason).toMatchObject({ code: "conflict" });
      expect(String((r.reason as Error).message)).toMatch(/Someone else changed the flag “B12 test due”/);
    }
    expect(await version(flagId)).toBe(v1 + 1);
    expect(await t.db.auditEvent.count({ where: { action: "flag.update", entityId: flagId } })).toBe(1);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("the panel's state filter agrees with the patient page at, just before and just after every boundary", async () => {
    const plain = await patientNeedingB12();
    const ordered = await patientNeedingB12();
    const postponed = await patientNeedingB12();
    const actionDay = new Date("2027-01-15T09:30:00Z");
    await t.db.flag.update({ where: { id: plain.flagId }, data: { dueAt: actionDay, actionDueAt: actionDay } });
    await t.db.flag.update({ where: { id: ordered.flagId }, data: { stage: "ordered", orderedAt: TEST_NOW, actionDueAt: new Date("2027-01-15T00:00:00Z") } });
    await t.db.flag.update({ where: { id: postponed.flagId }, data: { stage: "postponed", postponedUntil: new Date("2027-01-15T00:00:00Z"), actionDueAt: new Date("2027-01-15T00:00:00Z") } });
    const moments = [
      "2026-12-15T23:59:59Z", "2026-12-16T00:00:00Z", // due soon starts 30 days before the day
      "2027-01-14T23:59:59Z", "2027-01-15T00:00:00Z", "2027-01-15T23:59:59Z", // the day itself
      "2027-01-16T00:00:00Z", // the day after
    ].map((iso) => new Date(iso));
    const states = ["overdue", "due", "due_soon", "ordered", "postponed", "not_due"] as const;
    const seen: string[] = [];
    for (const now of moments) {
      const inFilter = new Map<string, string[]>();
      for (const state of states) for (const id of await panelIds({ state }, now)) inFilter.set(id, [...(inFilter.get(id) ?? []), state]);
      for (const p of [plain, ordered, postponed]) {
        const { flag } = await flagView(p.patientId, p.flagId, now);
        expect(inFilter.get(p.patientId), `${p.patientId} at ${now.toISOString()}`).toEqual([flag.state.state]);
        seen.push(flag.state.state);
      }
    }
    // Every state was met on the way.
    expect(new Set(seen)).toEqual(new Set(states));
  });

  it("the cohort CSV carries each open flag's state in flag_states", async () => {
    const { patientId, flagId, version: v1 } = await patientNeedingB12();
    await markFlagOrdered(t.db, c.actors.clinician, flagId, null, v1, TEST_NOW);
    const mrnOf = (await t.db.patient.findUniqueOrThrow({ where: { id: patientId } })).mrn;
    let csv = "";
    for await (const chunk of streamCohortCsv(t.db, c.actors.clinician, { now: days(1), flags: ["b12_test_due" satisfies FlagCode] })) csv += chunk;
    const [header, ...lines] = csv.trim().split(/\r?\n/);
    const columns = header!.split(",");
    expect(columns.at(-1)).toBe("flag_states");
    const line = lines.find((l) => l.startsWith(`${mrnOf},`))!;
    expect(line.split(",").at(-1)).toBe("b12_test_due:ordered");
  });
});

/** A database the previous version left, with open and closed flags, upgraded by the lifecycle migration. */
describe("flag lifecycle migration of existing flags", () => {
  let t: TestDatabase;
  const iso = (d: string) => `${d}T00:00:00.000+00:00`;

  beforeAll(async () => {
    t = await createTestDatabase({ migrate: { stopBefore: "flag_lifecycle_states" } });
    await t.db.$executeRawUnsafe(`INSERT INTO "Clinic" ("id", "name", "slug") VALUES ('c1', 'Old clinic', 'old')`);
    await t.db.$executeRawUnsafe(
      `INSERT INTO "Patient" ("id", "clinicId", "mrn", "familyName", "givenName", "birthDate", "sex", "searchText", "updatedAt") VALUES ('p1', 'c1', 'OLD-1', 'Old', 'Patient', '${iso("1940-01-01")}', 'female', 'old-1 old patient', '${iso("2026-11-01")}')`,
    );
    const flag = (id: string, code: string, status: string, reason: string | null, closedAt: string | null) =>
      t.db.$executeRawUnsafe(
        `INSERT INTO "Flag" ("id", "clinicId", "patientId", "code", "status", "dueAt", "openedAt", "closedAt", "closeReason", "closeNote", "reasonText", "detailJson", "updatedAt")
         VALUES ('${id}', 'c1', 'p1', '${code}', '${status}', '${iso("2026-10-15")}', '${iso("2026-09-01")}', ${closedAt ? `'${iso(closedAt)}'` : "NULL"}, ${reason ? `'${reason}'` : "NULL"}, ${reason === "done" ? "'ordered in the EHR'" : "NULL"}, 'old flag', '[]', '${iso("2026-11-01")}')`,
      );
    await flag("open1", "reassessment_due", "open", null, null);
    await flag("done1", "b12_test_due", "closed", "done", "2026-11-01");
    await flag("declined1", "muscle_mass_due", "closed", "patient_declined", "2026-11-02");
    await flag("engine1", "b12_confirm_due", "closed", "resolved_by_data", "2026-11-03");
    await migrate(t.url);
  });
  afterAll(async () => t?.drop());

  it("gives every flag its due date as action day, keeps each closed flag's reason, and stores the return date the old 90-day rule implied", async () => {
    const rows = await t.db.flag.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true, stage: true, closeReason: true, closeNote: true, actionDueAt: true, returnsAt: true } });
    expect(rows).toEqual([
      { id: "declined1", status: "closed", stage: "none", closeReason: "patient_declined", closeNote: null, actionDueAt: new Date("2026-10-15T00:00:00Z"), returnsAt: new Date("2027-01-31T00:00:00Z") },
      { id: "done1", status: "closed", stage: "none", closeReason: "done", closeNote: "ordered in the EHR", actionDueAt: new Date("2026-10-15T00:00:00Z"), returnsAt: new Date("2027-01-30T00:00:00Z") },
      { id: "engine1", status: "closed", stage: "none", closeReason: "resolved_by_data", closeNote: null, actionDueAt: new Date("2026-10-15T00:00:00Z"), returnsAt: null },
      { id: "open1", status: "open", stage: "none", closeReason: null, closeNote: null, actionDueAt: new Date("2026-10-15T00:00:00Z"), returnsAt: null },
    ]);
  });

  it("reads the old reasons with their labels, and the old close still keeps the engine from raising the flag until its return date", async () => {
    const keys = await suppressedFlagKeys(t.db, ["p1"], new Date("2027-01-29T23:59:59Z"));
    expect(keys).toEqual(new Set(["p1|b12_test_due", "p1|muscle_mass_due"]));
    expect(await suppressedFlagKeys(t.db, ["p1"], new Date("2027-01-31T00:00:00Z"))).toEqual(new Set());
    expect(CLOSE_REASON_LABELS.done).toMatch(/before coded reasons/);
  });
});
