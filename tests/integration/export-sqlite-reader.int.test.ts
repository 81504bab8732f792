import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProvider, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { exportCohortCsv, streamCohortCsv, type CohortExportOptions } from "@/lib/data/export/cohort-csv";
import { openSqliteReader } from "@/lib/data/db/sqlite-connection";
import { panelQuerySchema } from "@/lib/validation/panel-query";

/**
 * On a SQLite file the whole-clinic cohort export reads its rows through a connection of its own
 * (lib/data/db/sqlite-connection.ts openSqliteReader), without Prisma — so does an unfiltered panel
 * cohort, which is the whole clinic; a filtered panel cohort goes through Prisma. The two must read every stored value alike — also the date-time forms Prisma
 * accepts but the app does not write (a text without zone, a date alone, milliseconds) — and refuse
 * the same bad values. On PostgreSQL there is no such reader and both go through Prisma.
 */
describe("cohort export: the whole clinic read without Prisma on SQLite", () => {
  let t: TestDatabase;
  let a: TestClinic;

  beforeAll(async () => {
    t = await createTestDatabase();
    a = await createTestClinic(t.db, { slug: "reader", patients: 12, seed: 11 });
  }, 120_000);
  afterAll(async () => t?.drop());

  async function exportText(options: Partial<CohortExportOptions> = {}): Promise<string> {
    let text = "";
    const out = new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString()), done()) });
    await exportCohortCsv(t.db, a.actors.clinician, out, { now: TEST_NOW, ...options });
    return text;
  }
  // A panel with a filter that every test patient passes (born before today) is read through
  // Prisma; an unfiltered panel is the whole clinic and read like it.
  const panel = (filter: Record<string, unknown> = { ageMin: 0 }) => ({ actor: a.actors.clinician, query: panelQuerySchema.parse(filter) });

  it("has a reader on a SQLite file only, and the reader refuses writes", () => {
    const reader = openSqliteReader(t.db);
    if (testProvider() === "postgresql") {
      expect(reader).toBeNull();
      return;
    }
    expect(reader).not.toBeNull();
    try {
      expect(() => reader!.prepare(`UPDATE "Patient" SET "givenName" = 'x'`).run()).toThrow(/readonly|query_only|attempt to write/i);
    } finally {
      reader!.close();
    }
  });

  it("reads date-times stored in every form Prisma reads as Prisma reads them", async () => {
    const [p1, p2, p3] = a.patientIds;
    if (testProvider() === "sqlite") {
      // Forms the app never writes but Prisma accepts: no zone (UTC), a space for the T, a date alone, milliseconds.
      await t.db.$executeRawUnsafe(`UPDATE "Patient" SET "birthDate" = '1941-07-30 00:00:00', "lastAssessedAt" = '2026-03-02' WHERE "id" = ?`, p1);
      await t.db.$executeRawUnsafe(`UPDATE "Patient" SET "birthDate" = ?, "lastAssessedAt" = '2026-01-15T23:30:00+02' WHERE "id" = ?`, Date.UTC(1950, 0, 31), p2);
      await t.db.$executeRawUnsafe(`UPDATE "Patient" SET "lastAssessedAt" = '2026-01-15T23:30:00.000Z' WHERE "id" = ?`, p3);
      // The open flags' dates, read by the reader too: the same forms.
      const open = await t.db.flag.findMany({ where: { status: "open", patient: { clinicId: a.clinicId } }, select: { id: true }, orderBy: { id: "asc" } });
      expect(open.length).toBeGreaterThanOrEqual(2);
      // Stages that make the state read the postponement and the order date.
      await t.db.$executeRawUnsafe(`UPDATE "Flag" SET "stage" = 'postponed', "dueAt" = '2026-01-10 00:00:00', "actionDueAt" = ?, "postponedUntil" = '2026-02-01' WHERE "id" = ?`, Date.UTC(2026, 0, 20), open[0]!.id);
      await t.db.$executeRawUnsafe(`UPDATE "Flag" SET "stage" = 'ordered', "dueAt" = '2025-12-01T10:00:00+02', "orderedAt" = '2025-12-02T08:00:00.000Z' WHERE "id" = ?`, open[1]!.id);
    }
    const whole = await exportText();
    expect(whole.trimEnd().split("\n")).toHaveLength(1 + a.patientIds.length);
    expect(whole).toBe(await exportText({ panel: panel() }));
    expect(whole).toBe(await exportText({ panel: panel({}) }));
    if (testProvider() === "sqlite") {
      const lines = whole.trimEnd().split("\n");
      const header = lines[0]!.split(",");
      const row = async (id: string) => {
        const { mrn } = await t.db.patient.findUniqueOrThrow({ where: { id }, select: { mrn: true } });
        const cells = lines.find((line) => line.startsWith(`${mrn},`))!.split(",");
        return { birth: cells[header.indexOf("birth_date")], assessed: cells[header.indexOf("last_assessed_on")] };
      };
      expect(await row(p1!)).toEqual({ birth: "1941-07-30", assessed: "2026-03-02" });
      expect(await row(p2!)).toEqual({ birth: "1950-01-31", assessed: "2026-01-15" });
      expect((await row(p3!)).assessed).toBe("2026-01-15");
    }
  });

  it("refuses a birth date that is no date, naming the row and column", async () => {
    if (testProvider() !== "sqlite") return;
    const patientId = a.patientIds[4]!;
    await t.db.$executeRawUnsafe(`UPDATE "Patient" SET "birthDate" = 'soon' WHERE "id" = ?`, patientId);
    await expect(exportText()).rejects.toThrow(new RegExp(`Patient ${patientId}: the stored birthDate "soon" is not a date and time`));
    await expect(exportText({ panel: panel({}) })).rejects.toThrow(new RegExp(`Patient ${patientId}: the stored birthDate "soon"`));
  });

  it("an export stopped after its first batch ends its read and is audited as not completed", async () => {
    const before = await t.db.auditEvent.count({ where: { clinicId: a.clinicId, action: "export.run" } });
    const stream = streamCohortCsv(t.db, a.actors.clinician, { now: TEST_NOW, batchSize: 2, panel: panel({}) });
    expect((await stream.next()).value).toMatch(/^mrn,/);
    expect(String((await stream.next()).value).trimEnd().split("\n")).toHaveLength(2);
    await stream.return({ rows: 0 });
    const events = await t.db.auditEvent.findMany({ where: { clinicId: a.clinicId, action: "export.run" }, orderBy: { seq: "asc" }, select: { detailJson: true } });
    expect(events).toHaveLength(before + 1);
    expect(JSON.parse(events.at(-1)!.detailJson)).toMatchObject({ rows: 2, completed: false });
  });

  it("refuses an open flag's due date that is no date, naming the row and column", async () => {
    if (testProvider() !== "sqlite") return;
    await t.db.$executeRawUnsafe(`UPDATE "Patient" SET "birthDate" = '1940-01-01T00:00:00.000+00:00' WHERE "id" = ?`, a.patientIds[4]!);
    const flag = await t.db.flag.findFirstOrThrow({ where: { status: "open", patient: { clinicId: a.clinicId } }, select: { id: true } });
    await t.db.$executeRawUnsafe(`UPDATE "Flag" SET "dueAt" = 'later' WHERE "id" = ?`, flag.id);
    await expect(exportText()).rejects.toThrow(new RegExp(`Flag ${flag.id}: the stored dueAt "later" is not a date and time`));
  });
});
