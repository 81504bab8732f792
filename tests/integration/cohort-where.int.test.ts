import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subDays, subMonths, addDays } from "date-fns";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { resolveCohortCutOffs } from "@/lib/data/patients/cohort-where";
import { streamCohortCsv } from "@/lib/data/export/cohort-csv";
import { createThresholdVersion, getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { deleteSavedView, listSavedViews, saveView, updateSavedView } from "@/lib/data/patients/saved-views";
import { verifyAuditChain } from "@/lib/data/audit/log";
import { parsePanelParams, type PanelQuery } from "@/lib/validation/panel-query";
import { describeCriterion, fieldDef } from "@/lib/validation/cohort";
import { AppError } from "@/lib/errors";

interface Spec {
  mrn: string;
  sex: "female" | "male" | "unknown";
  diet?: string | null;
  obs?: { kind: string; value: number | null; at: Date; unable?: boolean; errored?: boolean }[];
  conditions?: { code: string; resolved?: boolean }[];
  medicationClasses?: string;
  noClinician?: boolean;
}

const months6 = subMonths(TEST_NOW, 6);
const grip = (value: number, at: Date = subMonths(TEST_NOW, 1)) => ({ kind: "grip_strength", value, at });

/**
 * Patients just below / at / above the EWGSOP2 grip cut-offs (women < 16 kg, men < 27 kg) and
 * inside / on / outside a 6-month window, on the real database: the criteria → where
 * translation must pick exactly the expected MRNs, and the export the same cohort as the panel.
 */
const PATIENTS: Spec[] = [
  { mrn: "F-BELOW", sex: "female", obs: [grip(15.9)], diet: "vegan" },
  { mrn: "F-AT", sex: "female", obs: [grip(16)] },
  { mrn: "F-ABOVE", sex: "female", obs: [grip(16.1)], conditions: [{ code: "gastrectomy" }] },
  { mrn: "M-BELOW", sex: "male", obs: [grip(26.9)], medicationClasses: ";metformin;ppi;" },
  { mrn: "M-AT", sex: "male", obs: [grip(27)], conditions: [{ code: "coeliac", resolved: true }], noClinician: true },
  { mrn: "F-WINDOW-EDGE", sex: "female", obs: [grip(12, months6)] },
  { mrn: "F-WINDOW-OUT", sex: "female", obs: [grip(12, subDays(months6, 1))] },
  { mrn: "F-ERRORED", sex: "female", obs: [{ ...grip(10), errored: true }, grip(30)] },
  { mrn: "F-FUTURE", sex: "female", obs: [grip(10, addDays(TEST_NOW, 1))] },
  { mrn: "U-LOW", sex: "unknown", obs: [grip(5)], diet: "omnivore" },
  { mrn: "C-15", sex: "male", obs: [{ kind: "chair_stand_5x", value: 15, at: subMonths(TEST_NOW, 2) }] },
  { mrn: "C-15.1", sex: "male", obs: [{ kind: "chair_stand_5x", value: 15.1, at: subMonths(TEST_NOW, 2) }] },
  { mrn: "C-UNABLE", sex: "female", obs: [{ kind: "chair_stand_5x", value: null, unable: true, at: subMonths(TEST_NOW, 2) }] },
];

describe("cohort criteria → Prisma where, on the real database", () => {
  let t: TestDatabase;
  let c: TestClinic;
  let other: TestClinic;

  beforeAll(async () => {
    t = await createTestDatabase();
    c = await createTestClinic(t.db, { slug: "cohort", patients: 0 });
    other = await createTestClinic(t.db, { slug: "other", patients: 5, seed: 3 });
    for (const p of PATIENTS) {
      await t.db.patient.create({
        data: {
          clinicId: c.clinicId, mrn: p.mrn, familyName: `Fam ${p.mrn}`, givenName: "Test", birthDate: new Date("1950-01-01T00:00:00Z"), sex: p.sex,
          diet: p.diet ?? null, searchText: p.mrn.toLowerCase(), medicationClasses: p.medicationClasses ?? "",
          attributedClinicianId: p.noClinician ? null : c.actors.clinician.userId,
          observations: {
            create: (p.obs ?? []).map((o) => ({
              clinicId: c.clinicId, kind: o.kind, value: o.value, isUnable: o.unable ?? false, reportedValue: String(o.value ?? "unable"), reportedUnit: "kg",
              observedAt: o.at, source: "manual", status: o.errored ? "entered_in_error" : "final",
            })),
          },
          conditions: { create: (p.conditions ?? []).map((x) => ({ code: x.code, resolvedAt: x.resolved ? TEST_NOW : null })) },
        },
      });
    }
  });
  afterAll(async () => t?.drop());

  async function cohort(search: string, actor = c.actors.clinician): Promise<string[]> {
    const { query, issues } = parsePanelParams(Object.fromEntries(new URLSearchParams(search)));
    expect(issues).toEqual([]);
    const resolved = await resolveCohortCutOffs(t.db, actor.clinicId, { ...query, size: 100 } as PanelQuery, TEST_NOW);
    const panel = await getPatientPanel(t.db, actor, resolved, TEST_NOW);
    return panel.rows.map((r) => r.mrn).sort();
  }

  it("grip below the EWGSOP2 cut-off: just below matches, at and above do not; sex-specific; unknown sex never", async () => {
    expect(await cohort("?c1.field=grip_strength&c1.op=low_ewgsop2")).toEqual(["F-BELOW", "F-WINDOW-EDGE", "F-WINDOW-OUT", "M-BELOW"]);
  });

  it("gait speed: EWGSOP2 is low at or below 0.8 m/s (inclusive), AWGS 2019 below 1.0 m/s (strict)", async () => {
    const g = await createTestClinic(t.db, { slug: "gait", patients: 0 });
    for (const speed of [0.79, 0.8, 0.81, 0.99, 1.0]) {
      await t.db.patient.create({
        data: {
          clinicId: g.clinicId, mrn: `G-${speed}`, familyName: "Gait", givenName: "Test", birthDate: new Date("1950-01-01T00:00:00Z"), sex: "female", searchText: `g-${speed}`,
          observations: { create: [{ clinicId: g.clinicId, kind: "gait_speed", value: speed, reportedValue: String(speed), reportedUnit: "m/s", observedAt: subMonths(TEST_NOW, 1), source: "manual", status: "final" }] },
        },
      });
    }
    const gait = (op: string) => cohort(`?c1.field=gait_speed&c1.op=${op}`, g.actors.clinician);
    expect(await gait("low_ewgsop2")).toEqual(["G-0.79", "G-0.8"]);
    expect(await gait("low_awgs2019")).toEqual(["G-0.79", "G-0.8", "G-0.81", "G-0.99"]);
  });

  it("within 6 months: a result exactly 6 months old is inside, one day older is outside; future and entered-in-error results never count", async () => {
    expect(await cohort("?c1.field=grip_strength&c1.op=low_ewgsop2&c1.within=6")).toEqual(["F-BELOW", "F-WINDOW-EDGE", "M-BELOW"]);
    expect(await cohort("?c1.field=grip_strength&c1.op=recorded&c1.within=6")).not.toContain("F-WINDOW-OUT");
    expect(await cohort("?c1.field=grip_strength&c1.op=not_recorded&c1.within=6")).toEqual(expect.arrayContaining(["F-WINDOW-OUT", "F-FUTURE", "C-15"]));
  });

  it("numeric operators compare canonical values at the boundary", async () => {
    expect(await cohort("?c1.field=grip_strength&c1.op=lt&c1.value=16")).toEqual(["F-BELOW", "F-WINDOW-EDGE", "F-WINDOW-OUT", "U-LOW"]);
    expect(await cohort("?c1.field=grip_strength&c1.op=lte&c1.value=16")).toEqual(["F-AT", "F-BELOW", "F-WINDOW-EDGE", "F-WINDOW-OUT", "U-LOW"]);
    expect(await cohort("?c1.field=grip_strength&c1.op=gte&c1.value=27")).toEqual(["F-ERRORED", "M-AT"]);
  });

  it("chair stand is low above 15 s (EWGSOP2 Table 3), and unable to complete counts as low", async () => {
    expect(await cohort("?c1.field=chair_stand_5x&c1.op=low_ewgsop2")).toEqual(["C-15.1", "C-UNABLE"]);
    // AWGS 2019: ≥ 12 s, so 15 s is low there.
    expect(await cohort("?c1.field=chair_stand_5x&c1.op=low_awgs2019")).toEqual(["C-15", "C-15.1", "C-UNABLE"]);
  });

  it("follows the clinic's threshold set in force, not the defaults", async () => {
    await createThresholdVersion(t.db, c.actors.admin, { values: { ...(await getActiveThresholds(t.db, c.clinicId, TEST_NOW)).values, ewgsop2: { ...(await getActiveThresholds(t.db, c.clinicId, TEST_NOW)).values.ewgsop2, gripKg: { male: 27, female: 16.05 } } }, effectiveFrom: subDays(TEST_NOW, 1), note: "test" }, TEST_NOW);
    expect(await cohort("?c1.field=grip_strength&c1.op=low_ewgsop2&c1.within=6")).toEqual(["F-AT", "F-BELOW", "F-WINDOW-EDGE", "M-BELOW"]);
    const { query } = parsePanelParams({ "c1.field": "grip_strength", "c1.op": "low_ewgsop2" });
    const resolved = await resolveCohortCutOffs(t.db, c.clinicId, query, TEST_NOW);
    expect(resolved.criteria[0]!.cutOff).toMatchObject({ version: 2, female: { value: 16.05 } });
    // Another clinic's thresholds are its own.
    expect((await resolveCohortCutOffs(t.db, other.clinicId, query, TEST_NOW)).criteria[0]!.cutOff).toMatchObject({ version: 1, female: { value: 16 } });
  });

  it("AND versus OR, with conditions, medicines, diet and clinician (empty columns count as 'is not')", async () => {
    expect(await cohort("?c1.field=condition&c1.op=has&c1.value=gastrectomy")).toEqual(["F-ABOVE"]);
    expect(await cohort("?c1.field=condition&c1.op=has&c1.value=coeliac")).toEqual([]);
    expect(await cohort("?c1.field=medicine&c1.op=taking&c1.value=ppi")).toEqual(["M-BELOW"]);
    expect(await cohort("?match=any&c1.field=diet&c1.op=is&c1.value=vegan&c2.field=sex&c2.op=is&c2.value=unknown")).toEqual(["F-BELOW", "U-LOW"]);
    expect(await cohort("?match=all&c1.field=diet&c1.op=is&c1.value=vegan&c2.field=sex&c2.op=is&c2.value=unknown")).toEqual([]);
    expect(await cohort("?c1.field=diet&c1.op=is_not&c1.value=vegan")).toHaveLength(PATIENTS.length - 1);
    expect(await cohort("?c1.field=diet&c1.op=is&c1.value=not_recorded")).toHaveLength(PATIENTS.length - 2);
    expect(await cohort(`?c1.field=clinician&c1.op=is_not&c1.value=${c.actors.clinician.userId}`)).toEqual(["M-AT"]);
    expect(await cohort("?c1.field=tier&c1.op=is_not&c1.value=high")).toHaveLength(PATIENTS.length);
    expect(await cohort("?c1.field=flag&c1.op=not_open&c1.value=b12_test_due")).toHaveLength(PATIENTS.length);
  });

  it("never reaches another clinic's patients", async () => {
    expect(await cohort("?c1.field=grip_strength&c1.op=recorded", other.actors.clinician)).toEqual(expect.not.arrayContaining(["F-BELOW"]));
    const [mine, theirs] = await Promise.all([cohort("?c1.field=sex&c1.op=is_not&c1.value=unknown"), cohort("?c1.field=sex&c1.op=is_not&c1.value=unknown", other.actors.clinician)]);
    expect(mine.every((m) => PATIENTS.some((p) => p.mrn === m))).toBe(true);
    expect(theirs.some((m) => PATIENTS.some((p) => p.mrn === m))).toBe(false);
  });

  it("exports exactly the panel's cohort (every row, documented columns first)", async () => {
    const { query } = parsePanelParams({ "c1.field": "grip_strength", "c1.op": "low_ewgsop2", "c1.within": "6", match: "any", "c2.field": "chair_stand_5x", "c2.op": "low_ewgsop2" });
    const resolved = await resolveCohortCutOffs(t.db, c.clinicId, query, TEST_NOW);
    const panel = await getPatientPanel(t.db, c.actors.clinician, resolved, TEST_NOW);
    let csv = "";
    for await (const chunk of streamCohortCsv(t.db, c.actors.clinician, { now: TEST_NOW, batchSize: 2, panel: { actor: c.actors.clinician, query: resolved } })) csv += chunk;
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]!.startsWith("mrn,family_name,given_name,birth_date,sex,age,tier")).toBe(true);
    expect(lines.slice(1).map((l) => l.split(",")[0]).sort()).toEqual(panel.rows.map((r) => r.mrn).sort());
    expect(panel.total).toBe(6); // grip (with the edited 16.05 kg cut-off: F-AT too) or chair stand
    const wrongClinic = streamCohortCsv(t.db, other.actors.clinician, { now: TEST_NOW, panel: { actor: c.actors.clinician, query: resolved } });
    await expect(wrongClinic.next()).rejects.toThrow(AppError);
  });

  it("saved views: the owner renames, re-points, shares, unshares and deletes; others may not; each change audited", async () => {
    const owner = c.actors.clinician;
    const colleague = c.actors.admin;
    const view = await saveView(t.db, owner, { name: "Weak grip", query: "?c1.field=grip_strength&c1.op=low_ewgsop2", isShared: false }, TEST_NOW);
    expect((await listSavedViews(t.db, colleague)).map((v) => v.id)).not.toContain(view.id);
    await expect(updateSavedView(t.db, colleague, view.id, { name: "Mine now" })).rejects.toMatchObject({ code: "not_found" });
    await updateSavedView(t.db, owner, view.id, { name: "Weak grip, 6 months", query: "?c1.field=grip_strength&c1.op=low_ewgsop2&c1.within=6", isShared: true }, TEST_NOW);
    const shared = (await listSavedViews(t.db, colleague)).find((v) => v.id === view.id)!;
    expect(shared).toMatchObject({ name: "Weak grip, 6 months", isShared: true, isMine: false, ownerName: owner.name });
    await expect(updateSavedView(t.db, colleague, view.id, { isShared: false })).rejects.toMatchObject({ code: "forbidden" });
    await expect(deleteSavedView(t.db, colleague, view.id)).rejects.toMatchObject({ code: "forbidden" });
    await expect(deleteSavedView(t.db, other.actors.clinician, view.id)).rejects.toMatchObject({ code: "not_found" });
    await deleteSavedView(t.db, owner, view.id, TEST_NOW);
    expect((await listSavedViews(t.db, owner)).map((v) => v.id)).not.toContain(view.id);
    const audits = await t.db.auditEvent.findMany({ where: { entityId: view.id }, orderBy: { seq: "asc" }, select: { action: true, detailJson: true } });
    expect(audits.map((a) => a.action)).toEqual(["view.create", "view.update", "view.delete"]);
    expect(JSON.parse(audits[1]!.detailJson).changes.name).toEqual({ from: "Weak grip", to: "Weak grip, 6 months" });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("flag states (issue 16): due soon, due today, overdue, ordered awaiting a result, postponed, not applicable — the patient page's rules, at their day boundaries", async () => {
    const k = await createTestClinic(t.db, { slug: "states", patients: 0 });
    const day = (n: number, hours = 0) => new Date(TEST_NOW.getTime() + n * 86_400_000 + hours * 3_600_000);
    type FlagSpec = { status?: string; stage?: string; actionDueAt: Date; orderedAt?: Date; postponedUntil?: Date };
    const specs: [string, FlagSpec[]][] = [
      ["S-OVERDUE", [{ actionDueAt: day(-1) }]],
      ["S-DUE", [{ actionDueAt: day(0, 10) }]],
      ["S-SOON-FIRST", [{ actionDueAt: day(1) }]],
      ["S-SOON-LAST", [{ actionDueAt: day(30) }]],
      ["S-NOT-DUE", [{ actionDueAt: day(31) }]],
      ["S-ORDERED", [{ stage: "ordered", actionDueAt: day(20), orderedAt: day(-5) }]],
      ["S-ORDERED-LAST-DAY", [{ stage: "ordered", actionDueAt: day(0), orderedAt: day(-60) }]],
      ["S-ORDERED-LAPSED", [{ stage: "ordered", actionDueAt: day(-1), orderedAt: day(-61) }]],
      ["S-POSTPONED", [{ stage: "postponed", actionDueAt: day(10), postponedUntil: day(10) }]],
      ["S-NA", [{ status: "not_applicable", actionDueAt: day(-40) }]],
      ["S-NA-RAISED-AGAIN", [{ status: "not_applicable", actionDueAt: day(-40) }, { actionDueAt: day(5) }]],
    ];
    for (const [mrn, flags] of specs) {
      const patient = await t.db.patient.create({
        data: { clinicId: k.clinicId, mrn, familyName: mrn, givenName: "State", birthDate: new Date("1945-01-01T00:00:00Z"), sex: "female", searchText: mrn.toLowerCase() },
      });
      for (const f of flags) {
        await t.db.flag.create({
          data: {
            clinicId: k.clinicId, patientId: patient.id, code: "b12_test_due", status: f.status ?? "open", stage: f.stage ?? "none",
            dueAt: f.postponedUntil ? day(-3) : f.actionDueAt, actionDueAt: f.actionDueAt, orderedAt: f.orderedAt ?? null, postponedUntil: f.postponedUntil ?? null,
            openedAt: day(-90), closedAt: f.status ? day(-40) : null, closeReason: f.status ? "no_longer_indicated" : null, reasonText: "test", detailJson: "[]",
          },
        });
      }
    }
    const with_ = (op: string, code = "b12_test_due") => cohort(`?c1.field=flag&c1.op=${op}&c1.value=${code}`, k.actors.clinician);
    expect(await with_("overdue")).toEqual(["S-ORDERED-LAPSED", "S-OVERDUE"]);
    expect(await with_("due")).toEqual(["S-DUE"]);
    expect(await with_("due_soon")).toEqual(["S-NA-RAISED-AGAIN", "S-SOON-FIRST", "S-SOON-LAST"]);
    expect(await with_("ordered")).toEqual(["S-ORDERED", "S-ORDERED-LAST-DAY"]);
    expect(await with_("postponed")).toEqual(["S-POSTPONED"]);
    expect(await with_("not_applicable")).toEqual(["S-NA"]);
    expect(await with_("not_applicable", "muscle_mass_due")).toEqual([]);
    expect(await with_("open")).toHaveLength(specs.length - 1);
    // The criteria say it in words, and the builder offers every state.
    const { query } = parsePanelParams(Object.fromEntries(new URLSearchParams("?c1.field=flag&c1.op=ordered&c1.value=b12_test_due")));
    expect(describeCriterion(query.criteria[0]!)).toBe("Flag has it ordered, awaiting the result B12 test due");
    expect(fieldDef("flag").ops).toEqual(["open", "overdue", "due", "due_soon", "ordered", "postponed", "not_open", "not_applicable"]);
  });
});
