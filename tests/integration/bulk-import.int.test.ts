/**
 * The bulk write path of the CSV importer (lib/data/db/bulk-insert.ts, lib/data/import/assessments.ts)
 * on the real database: rows written as JSON come back through Prisma exactly as Prisma would have
 * written them, and a patient the import creates is evaluated from the file exactly as a later
 * re-evaluation from the database evaluates it.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../support/fixtures";
import { createTestDatabase, testProvider, type TestDatabase } from "../support/test-db";
import { createSystemClinic } from "../support/import-data";
import { bulkTable, insertRows, newRowId } from "@/lib/data/db/bulk-insert";
import { OBSERVATION_TABLE, type ObservationRow } from "@/lib/data/patients/record-rows";
import { importAssessments } from "@/lib/data/import/assessments";
import { reevaluatePatients } from "@/lib/data/evaluation/reevaluate";

const NOW = new Date("2026-11-21T00:00:00Z");
const SAMPLE = readFileSync(fixturePath("contract", "sample-assessments.csv"));

let t: TestDatabase;

/** A gait speed result of `value` m/s, as a bulk row. */
function gaitRow(clinicId: string, patientId: string, value: number, observedAt: Date, writtenAt: Date): ObservationRow {
  return {
    id: newRowId(), clinicId, patientId, kind: "gait_speed", value, isUnable: false, reportedValue: String(value), reportedUnit: "m/s", observedAt, method: null,
    source: "csv", sourceRef: null, enteredById: null, status: "final", version: 1, createdAt: writtenAt, updatedAt: writtenAt,
  };
}

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  await t?.drop();
});

describe("newRowId", () => {
  it("makes UUID-shaped ids that sort in the order they were made", () => {
    const ids = Array.from({ length: 10_000 }, () => newRowId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe("insertRows", () => {
  it("stores every cell as Prisma reads it back: floats exactly, dates, booleans, nulls, quotes, escapes and non-ASCII text", async () => {
    const actor = await createSystemClinic(t.db, "bulk-cells");
    const patient = await t.db.patient.create({
      data: { clinicId: actor.clinicId!, mrn: "BULK-1", familyName: "Ó'Brien \"Q\"", givenName: "Zoë", birthDate: new Date("1950-01-01"), sex: "female", searchText: "x" },
    });
    // Values that a careless text round trip changes: long fractions, tiny and huge magnitudes.
    const values = [24.8, 0.1 + 0.2, 1 / 3, 123456.789012345, 5e-324, 1.7976931348623157e308, -0, 42, 9007199254740991, 0.000123];
    for (let i = 0; i < 500; i += 1) values.push(Math.random() * 10 ** ((i % 20) - 10));
    const at = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 86_399_123);
    const rows = values.map((value, i): ObservationRow => ({
      id: newRowId(), clinicId: actor.clinicId, patientId: patient.id, kind: "grip_strength", value, isUnable: i % 2 === 0, reportedValue: `v${i} "quoted", 'single' ✓ 日本 back\\slash, tab\t, new\nline, return\r, \\N, \\t`,
      reportedUnit: "kg", observedAt: at(i), method: i % 3 === 0 ? "dxa" : null, source: "csv", sourceRef: i % 5 === 0 ? null : `import:x:row:${i}`, enteredById: null,
      status: "final", version: 1 + (i % 4), createdAt: at(i + 1), updatedAt: at(i + 2),
    }));
    await t.db.$transaction((tx) => insertRows(tx, OBSERVATION_TABLE, rows));
    const stored = await t.db.observation.findMany({ where: { patientId: patient.id } });
    expect(stored).toHaveLength(rows.length);
    const byId = new Map(stored.map((o) => [o.id, o]));
    rows.forEach((row, i) => {
      const o = byId.get(row.id)!;
      expect(o.value).toBe(values[i] === 0 ? 0 : values[i]);
      expect(o.isUnable).toBe(i % 2 === 0);
      expect(o.reportedValue).toBe(row.reportedValue);
      expect(o.observedAt.getTime()).toBe(at(i).getTime());
      expect(o.method).toBe(row.method);
      expect(o.sourceRef).toBe(row.sourceRef);
      expect(o.enteredById).toBeNull();
      expect(o.version).toBe(1 + (i % 4));
      expect(o.createdAt.getTime()).toBe(at(i + 1).getTime());
      expect(o.updatedAt.getTime()).toBe(at(i + 2).getTime());
    });
  });

  it("writes more rows than one statement holds", async () => {
    const actor = await createSystemClinic(t.db, "bulk-many");
    const patient = await t.db.patient.create({
      data: { clinicId: actor.clinicId!, mrn: "BULK-2", familyName: "A", givenName: "B", birthDate: new Date("1950-01-01"), sex: "male", searchText: "x" },
    });
    const now = new Date();
    const rows = Array.from({ length: 12_345 }, (_, i) => gaitRow(actor.clinicId, patient.id, i / 1000, new Date(Date.UTC(2000, 0, 1) + i * 60_000), now));
    await t.db.$transaction((tx) => insertRows(tx, OBSERVATION_TABLE, rows));
    expect(await t.db.observation.count({ where: { patientId: patient.id } })).toBe(12_345);
  });

  it("writes inside the caller's transaction: rolled back with it, committed with it", async () => {
    const actor = await createSystemClinic(t.db, "bulk-atomic");
    const patient = await t.db.patient.create({
      data: { clinicId: actor.clinicId!, mrn: "BULK-3", familyName: "A", givenName: "B", birthDate: new Date("1950-01-01"), sex: "male", searchText: "x" },
    });
    const now = new Date();
    const rows = (n: number) => Array.from({ length: n }, (_, i) => gaitRow(actor.clinicId, patient.id, 1, new Date(Date.UTC(2001, 0, 1) + i * 60_000), now));
    // More rows than one stretch, so the write yields to the event loop part-way (SQLite).
    await expect(
      t.db.$transaction(async (tx) => {
        await insertRows(tx, OBSERVATION_TABLE, rows(7_000));
        expect(await tx.observation.count({ where: { patientId: patient.id } })).toBe(7_000);
        throw new Error("abandon");
      }),
    ).rejects.toThrow("abandon");
    expect(await t.db.observation.count({ where: { patientId: patient.id } })).toBe(0);

    await t.db.$transaction(async (tx) => {
      await insertRows(tx, OBSERVATION_TABLE, rows(10));
      await tx.patient.update({ where: { id: patient.id }, data: { diet: "vegan" } });
    });
    expect(await t.db.observation.count({ where: { patientId: patient.id } })).toBe(10);
  });

  it("with replaceOn, updates the stored row in place (id kept, other columns replaced) and inserts the rest", async () => {
    const actor = await createSystemClinic(t.db, "bulk-replace");
    const patients = await Promise.all(
      ["R-1", "R-2"].map((mrn) =>
        t.db.patient.create({ data: { clinicId: actor.clinicId!, mrn, familyName: "A", givenName: "B", birthDate: new Date("1950-01-01"), sex: "male", searchText: "x" } }),
      ),
    );
    interface Snapshot {
      id: string; clinicId: string; patientId: string; tier: string; tierRank: number; ewgsop2: string; awgs2019: string; b12Status: string; b12OnTreatment: boolean;
      flagCodes: string; nextDueAt: Date | null; ruleSetVersion: number; evaluatedAt: Date; detailJson: string; cohortJson: string | null;
    }
    const table = bulkTable<Snapshot>()("RiskSnapshot", ["id", "clinicId", "patientId", "tier", "tierRank", "ewgsop2", "awgs2019", "b12Status", "b12OnTreatment", "flagCodes", "nextDueAt", "ruleSetVersion", "evaluatedAt", "detailJson", "cohortJson"]);
    const row = (patientId: string, tier: string, at: Date): Snapshot => ({
      id: newRowId(), clinicId: actor.clinicId, patientId, tier, tierRank: 1, ewgsop2: "no_sarcopenia", awgs2019: "no_sarcopenia", b12Status: "normal", b12OnTreatment: false,
      flagCodes: "", nextDueAt: null, ruleSetVersion: 1, evaluatedAt: at, detailJson: `{"tier":"${tier}"}`, cohortJson: null,
    });
    const first = new Date("2026-01-01T00:00:00Z");
    const second = new Date("2026-02-01T00:00:00Z");
    await t.db.$transaction((tx) => insertRows(tx, table, [row(patients[0]!.id, "low", first)], { replaceOn: "patientId" }));
    const before = await t.db.riskSnapshot.findUniqueOrThrow({ where: { patientId: patients[0]!.id } });
    await t.db.$transaction((tx) =>
      insertRows(tx, table, [row(patients[0]!.id, "high", second), row(patients[1]!.id, "elevated", second)], { replaceOn: "patientId" }),
    );
    const after = await t.db.riskSnapshot.findMany({ where: { clinicId: actor.clinicId! }, orderBy: { patientId: "asc" } });
    expect(after).toHaveLength(2);
    const replaced = after.find((s) => s.patientId === patients[0]!.id)!;
    expect(replaced.id).toBe(before.id);
    expect(replaced).toMatchObject({ tier: "high", evaluatedAt: second, detailJson: '{"tier":"high"}' });
    expect(after.find((s) => s.patientId === patients[1]!.id)).toMatchObject({ tier: "elevated" });
  });

  it("stores a JSON column's text byte for byte (key order, spacing, escapes, non-ASCII), and any other text in it as given", async () => {
    const actor = await createSystemClinic(t.db, "bulk-json");
    const mrns = ["J-1", "J-2", "J-3", "J-4", "J-5"];
    const patients = await Promise.all(
      mrns.map((mrn) => t.db.patient.create({ data: { clinicId: actor.clinicId!, mrn, familyName: "A", givenName: "B", birthDate: new Date("1950-01-01"), sex: "male", searchText: "x" } })),
    );
    interface Snapshot {
      id: string; clinicId: string; patientId: string; tier: string; tierRank: number; ewgsop2: string; awgs2019: string; b12Status: string; b12OnTreatment: boolean;
      flagCodes: string; nextDueAt: Date | null; ruleSetVersion: number; evaluatedAt: Date; detailJson: string; cohortJson: string | null;
    }
    const table = bulkTable<Snapshot>()(
      "RiskSnapshot",
      ["id", "clinicId", "patientId", "tier", "tierRank", "ewgsop2", "awgs2019", "b12Status", "b12OnTreatment", "flagCodes", "nextDueAt", "ruleSetVersion", "evaluatedAt", "detailJson", "cohortJson"],
      { json: ["detailJson", "cohortJson"] },
    );
    // Text a JSON round trip would change (jsonb sorts keys, adds spaces, rewrites numbers and escapes), text that is not JSON, and null.
    const documents = [
      JSON.stringify({ tier: "high", a: 1, reasons: [{ text: 'Grip "24" kg\nbelow\u2028cut-off ✓ Zoë 日本 😀', n: 0.1 + 0.2 }], nested: { z: null, y: [1e21, -0, 5e-324] } }),
      '{"b": 1,  "a":[ 2 ,3 ], "c":"\\u00e9\\/\\"x\\""}',
      "[]",
      "not JSON: { kept as text",
      '"a JSON string"',
    ];
    const at = new Date("2026-01-01T00:00:00Z");
    const rows = patients.map((p, i): Snapshot => ({
      id: newRowId(), clinicId: actor.clinicId, patientId: p.id, tier: "low", tierRank: 1, ewgsop2: "no_sarcopenia", awgs2019: "no_sarcopenia", b12Status: "normal",
      b12OnTreatment: false, flagCodes: "", nextDueAt: null, ruleSetVersion: 1, evaluatedAt: at, detailJson: documents[i]!, cohortJson: i === 0 ? documents[0]! : null,
    }));
    await t.db.$transaction((tx) => insertRows(tx, table, rows));
    const stored = await t.db.riskSnapshot.findMany({ where: { clinicId: actor.clinicId! }, select: { patientId: true, detailJson: true, cohortJson: true } });
    const byPatient = new Map(stored.map((s) => [s.patientId, s]));
    patients.forEach((p, i) => {
      expect(byPatient.get(p.id)?.detailJson).toBe(documents[i]);
      expect(byPatient.get(p.id)?.cohortJson).toBe(i === 0 ? documents[0] : null);
    });
  });

  it.runIf(testProvider() === "sqlite")("refuses the base client on SQLite: its statements could join another caller's transaction", async () => {
    const now = new Date();
    await expect(insertRows(t.db as never, OBSERVATION_TABLE, [gaitRow("c", "p", 1, now, now)])).rejects.toThrow(/transaction client/);
  });
});

describe("importAssessments", () => {
  it("evaluates a new patient from the file exactly as a re-evaluation from the database does", async () => {
    const actor = await createSystemClinic(t.db, "bulk-evaluate");
    const result = await importAssessments(t.db, actor, { name: "sample.csv", content: SAMPLE }, { now: NOW });
    expect(result.blocked).toBe(false);
    expect(result.created.patients).toBeGreaterThan(0);

    const read = async () => {
      const patients = await t.db.patient.findMany({
        where: { clinicId: actor.clinicId! },
        orderBy: { mrn: "asc" },
        select: {
          id: true, mrn: true, lastAssessedAt: true, latestGripKg: true, latestGripAt: true, latestGaitMs: true, latestGaitAt: true,
          latestB12Pmol: true, latestB12At: true, medicationClasses: true,
          snapshot: { select: { tier: true, flagCodes: true, nextDueAt: true, detailJson: true } },
          flags: { where: { status: "open" }, orderBy: { code: "asc" }, select: { code: true, dueAt: true, reasonText: true, detailJson: true } },
        },
      });
      return patients.map(({ id: _id, ...rest }) => rest);
    };
    const imported = await read();
    expect(imported.every((p) => p.snapshot !== null)).toBe(true);

    const ids = (await t.db.patient.findMany({ where: { clinicId: actor.clinicId! }, select: { id: true } })).map((p) => p.id);
    await t.db.$transaction((tx) => reevaluatePatients(tx, actor.clinicId!, ids, NOW));
    expect(await read()).toEqual(imported);
  });
});
