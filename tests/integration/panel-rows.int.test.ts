import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { getPatientPanel, type PanelRow } from "@/lib/data/patients/panel";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { addDaysUtc } from "@/lib/domain/dates";
import { flagState } from "@/lib/domain/flag-lifecycle";
import { decodeAwgs2019, decodeB12Status, decodeDiet, decodeEwgsop2, decodeFlagCode, decodeFlagLife, decodeSex, decodeTier } from "@/lib/data/stored/values";
import { panelQuerySchema } from "@/lib/validation/panel-query";

/**
 * The panel reads a page's columns in two joined statements (lib/data/patients/panel-rows.ts).
 * Every column of every row must be what the stored rows say — read here through Prisma's
 * relations, as the panel read them before — including the cases a join gets wrong when written
 * carelessly: a patient without a clinician, a patient without a snapshot, a patient with no open
 * flag, closed flags left out, open flags in the order they need action, ordered and postponed
 * flags with their state.
 */
describe("panel rows", () => {
  let t: TestDatabase;
  let a: TestClinic;
  let bareId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createTestClinic(t.db, { slug: "rows", patients: 40, seed: 23 });
    const [noClinician, treated, ordered, postponed] = a.patientIds;
    await t.db.patient.update({ where: { id: noClinician! }, data: { attributedClinicianId: null } });
    await t.db.riskSnapshot.update({ where: { patientId: treated! }, data: { b12OnTreatment: true } });
    const flags = await t.db.flag.findMany({ where: { clinicId: a.clinicId, status: "open" }, select: { id: true, patientId: true }, orderBy: { id: "asc" } });
    expect(flags.length).toBeGreaterThan(3);
    const first = flags.find((f) => f.patientId === ordered) ?? flags[0]!;
    await t.db.flag.update({ where: { id: first.id }, data: { stage: "ordered", orderedAt: addDaysUtc(TEST_NOW, -3), actionDueAt: addDaysUtc(TEST_NOW, 57) } });
    const second = flags.find((f) => f.patientId === postponed && f.id !== first.id) ?? flags[1]!;
    await t.db.flag.update({ where: { id: second.id }, data: { stage: "postponed", postponedUntil: addDaysUtc(TEST_NOW, 10), actionDueAt: addDaysUtc(TEST_NOW, 10) } });
    const third = flags.find((f) => f.id !== first.id && f.id !== second.id)!;
    await t.db.flag.update({ where: { id: third.id }, data: { status: "closed", closedAt: TEST_NOW, closeReason: "other" } });
    const bare = await t.db.patient.create({
      data: { clinicId: a.clinicId, mrn: "ROWS-BARE", familyName: "Bare", givenName: "Test", birthDate: new Date("1950-01-01T00:00:00Z"), sex: "female", searchText: "rows-bare bare test" },
    });
    bareId = bare.id;
  }, 120_000);
  afterAll(async () => t?.drop());

  /** The rows as the stored records say, read through Prisma's relations. */
  async function expectedRows(): Promise<Map<string, PanelRow>> {
    const lifecycle = (await getActiveThresholds(t.db, a.clinicId, TEST_NOW)).values.flagLifecycle;
    const patients = await t.db.patient.findMany({
      where: { clinicId: a.clinicId },
      select: {
        id: true, mrn: true, familyName: true, givenName: true, birthDate: true, sex: true, diet: true,
        lastAssessedAt: true, latestGripKg: true, latestGripAt: true, latestGaitMs: true, latestGaitAt: true, latestB12Pmol: true, latestB12At: true,
        attributedClinician: { select: { name: true } },
        snapshot: { select: { id: true, tier: true, ewgsop2: true, awgs2019: true, b12Status: true, b12OnTreatment: true } },
        flags: { where: { status: "open" }, select: { id: true, code: true, status: true, stage: true, dueAt: true, actionDueAt: true, orderedAt: true, postponedUntil: true }, orderBy: [{ actionDueAt: "asc" }, { code: "asc" }] },
      },
    });
    return new Map(
      patients.map(({ attributedClinician, snapshot, flags, ...p }) => [
        p.id,
        {
          ...p,
          sex: decodeSex(p.sex, p.id),
          diet: decodeDiet(p.diet, p.id),
          clinicianName: attributedClinician?.name ?? null,
          tier: snapshot ? decodeTier(snapshot.tier, snapshot.id) : null,
          ewgsop2: snapshot ? decodeEwgsop2(snapshot.ewgsop2, snapshot.id) : null,
          awgs2019: snapshot ? decodeAwgs2019(snapshot.awgs2019, snapshot.id) : null,
          b12Status: snapshot ? decodeB12Status(snapshot.b12Status, snapshot.id) : null,
          b12OnTreatment: snapshot?.b12OnTreatment ?? false,
          openFlags: flags.map((f) => ({ code: decodeFlagCode(f.code, f.id), dueAt: f.dueAt, state: flagState(decodeFlagLife(f), TEST_NOW, lifecycle) })),
        },
      ]),
    );
  }

  it("every column of every row, by name and by tier, is what is stored", async () => {
    const expected = await expectedRows();
    expect(expected.size).toBe(41);
    for (const sort of ["name", "tier"] as const) {
      const panel = await getPatientPanel(t.db, a.actors.clinician, panelQuerySchema.parse({ sort, size: "100" }), TEST_NOW);
      expect(panel.rows).toHaveLength(41);
      for (const row of panel.rows) expect(row).toEqual(expected.get(row.id));
    }
    const rows = new Map((await getPatientPanel(t.db, a.actors.clinician, panelQuerySchema.parse({ sort: "name", size: "100" }), TEST_NOW)).rows.map((r) => [r.id, r]));
    const [noClinician, treated, ordered, postponed] = a.patientIds;
    expect(rows.get(noClinician!)!.clinicianName).toBeNull();
    expect(rows.get(a.patientIds[5]!)!.clinicianName).toBe("clinician of rows");
    expect(rows.get(treated!)!.b12OnTreatment).toBe(true);
    expect(rows.get(bareId)).toMatchObject({ tier: null, ewgsop2: null, awgs2019: null, b12Status: null, b12OnTreatment: false, openFlags: [] });
    const states = [...rows.values()].flatMap((r) => r.openFlags.map((f) => f.state.state));
    expect(states).toContain("ordered");
    expect(states).toContain("postponed");
    expect(rows.get(ordered!)!.openFlags.length + rows.get(postponed!)!.openFlags.length).toBeGreaterThan(0);
    // Closed flags are not listed: the open flags shown equal the stored open flags.
    const open = await t.db.flag.count({ where: { clinicId: a.clinicId, status: "open" } });
    expect([...rows.values()].reduce((n, r) => n + r.openFlags.length, 0)).toBe(open);
  });

  it("a page with no patients reads no rows", async () => {
    const panel = await getPatientPanel(t.db, a.actors.clinician, panelQuerySchema.parse({ q: "nobody-has-this-name" }), TEST_NOW);
    expect(panel.rows).toEqual([]);
    expect(panel.total).toBe(0);
  });
});
