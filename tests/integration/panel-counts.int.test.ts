import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { createDb, type Db } from "@/lib/data/db/client";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { compactPanelCounts, countSlice, readPanelCounts, type TierCount } from "@/lib/data/patients/panel-counts";
import { recordAssessment } from "@/lib/data/patients/assessment";
import { closeFlag, updateFlagOutreach } from "@/lib/data/flags/lifecycle";
import { addDaysUtc } from "@/lib/domain/dates";
import { OUTREACH_STATUSES } from "@/lib/domain/flag-lifecycle";
import { FLAG_CODES, TIERS } from "@/lib/domain/types";
import { panelQuerySchema } from "@/lib/validation/panel-query";

type PatientWhere = NonNullable<NonNullable<Parameters<Db["patient"]["count"]>[0]>["where"]>;

/**
 * The panel's per-tier counts for the common worklist filters are kept by database triggers
 * (migration …_panel_counts, lib/data/patients/panel-counts.ts). Whatever writes the rows — the
 * app's functions or plain statements, from two connections at once (two app instances), in
 * transactions that commit or roll back — the maintained counts must equal a fresh COUNT(*) for
 * every tier and every maintained filter.
 */
describe("maintained panel counts", () => {
  let t: TestDatabase;
  let other: Db;
  let a: TestClinic;
  let b: TestClinic;

  beforeAll(async () => {
    t = await createTestDatabase();
    other = createDb(t.url);
    a = await createTestClinic(t.db, { slug: "counts", patients: 60, seed: 19 });
    b = await createTestClinic(t.db, { slug: "elsewhere", patients: 15, seed: 4 });
  }, 120_000);
  afterAll(async () => {
    await other?.$disconnect();
    await t?.drop();
  });

  /** Every slice the triggers keep for a clinic: no filter, each clinician, each flag, outreach and flag × outreach, and each clinician with those. */
  function slices(c: TestClinic): { clinician?: string; flag?: string; outreach?: string }[] {
    const out: { clinician?: string; flag?: string; outreach?: string }[] = [];
    for (const clinician of [undefined, c.actors.clinician.userId, c.actors.admin.userId]) {
      for (const flag of [undefined, ...FLAG_CODES]) {
        for (const outreach of [undefined, ...OUTREACH_STATUSES]) out.push({ clinician, flag, outreach });
      }
    }
    return out;
  }

  /** A fresh COUNT(*) per tier rank (and of the patients without a snapshot, rank -1), with and without a due date. */
  async function freshCounts(db: Db, clinicId: string, f: { clinician?: string; flag?: string; outreach?: string }): Promise<TierCount[]> {
    const where: PatientWhere = { clinicId };
    if (f.clinician) where.attributedClinicianId = f.clinician;
    if (f.flag || f.outreach) where.flags = { some: { status: "open", ...(f.flag ? { code: f.flag } : {}), ...(f.outreach ? { outreach: f.outreach } : {}) } };
    const counts: TierCount[] = [];
    for (const tierRank of [0, 1, 2, 3]) {
      const all = await db.patient.count({ where: { AND: [where, { snapshot: { is: { tierRank } } }] } });
      const withDue = await db.patient.count({ where: { AND: [where, { snapshot: { is: { tierRank, nextDueAt: { not: null } } } }] } });
      if (all > 0) counts.push({ tierRank, all, withDue });
    }
    const unevaluated = await db.patient.count({ where: { AND: [where, { snapshot: { is: null } }] } });
    if (unevaluated > 0) counts.push({ tierRank: -1, all: unevaluated, withDue: 0 });
    return counts;
  }

  const byRank = (counts: TierCount[]) => [...counts].sort((x, y) => x.tierRank - y.tierRank);

  async function expectCountsMatch(c: TestClinic): Promise<void> {
    for (const f of slices(c)) {
      const query = panelQuerySchema.parse({ ...(f.clinician ? { clinician: f.clinician } : {}), ...(f.flag ? { flag: f.flag } : {}), ...(f.outreach ? { outreach: f.outreach } : {}) });
      const slice = countSlice(c.actors.analyst, query);
      expect(slice, JSON.stringify(f)).not.toBeNull();
      expect(byRank(await readPanelCounts(t.db, c.clinicId, slice!)), `${c.slug} ${JSON.stringify(f)}`).toEqual(byRank(await freshCounts(t.db, c.clinicId, f)));
    }
  }

  /** A small deterministic generator, so a failure can be replayed. */
  function random(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }

  /**
   * Runs each writer `times` times. On PostgreSQL the writers run at once, their transactions
   * overlapping. SQLite admits one writing transaction at a time, and two connections in one process
   * would block each other's event loop while waiting for the lock (better-sqlite3 waits
   * synchronously), so there the two connections take turns, write by write.
   */
  async function inTurnOrAtOnce(writers: ((n: number) => Promise<unknown>)[], times: number): Promise<void> {
    if (t.provider === "postgresql") {
      await Promise.all(writers.map(async (write) => {
        for (let n = 0; n < times; n += 1) await write(n);
      }));
      return;
    }
    for (let n = 0; n < times; n += 1) for (const write of writers) await write(n);
  }

  const pick = <T,>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;

  /** One write of a kind the panel's counts depend on, as plain statements (any code path, not only the app's). */
  async function randomWrite(db: Db, rnd: () => number, c: TestClinic, n: number): Promise<void> {
    const ids = (await db.patient.findMany({ where: { clinicId: c.clinicId }, select: { id: true }, orderBy: { id: "asc" } })).map((p) => p.id);
    const patientId = pick(rnd, ids);
    const tierRank = Math.floor(rnd() * 4);
    const due = rnd() < 0.5 ? null : addDaysUtc(TEST_NOW, Math.floor(rnd() * 60) - 30);
    switch (Math.floor(rnd() * 9)) {
      case 0: {
        const withSnapshot = rnd() < 0.7;
        await db.patient.create({
          data: {
            clinicId: c.clinicId, mrn: `NEW-${n}-${Math.floor(rnd() * 1e9)}`, familyName: "New", givenName: `Patient ${n}`, birthDate: new Date("1945-03-01T00:00:00Z"), sex: "female",
            searchText: `new patient ${n}`, attributedClinicianId: rnd() < 0.5 ? c.actors.clinician.userId : null,
            ...(withSnapshot ? { snapshot: { create: { clinicId: c.clinicId, tier: TIERS[tierRank]!, tierRank, ewgsop2: "none", awgs2019: "none", b12Status: "not_tested", b12OnTreatment: false, flagCodes: "", nextDueAt: due, ruleSetVersion: 1, evaluatedAt: TEST_NOW, detailJson: "{}" } } } : {}),
            flags: { create: rnd() < 0.6 ? [{ clinicId: c.clinicId, code: pick(rnd, FLAG_CODES), dueAt: TEST_NOW, openedAt: TEST_NOW, actionDueAt: TEST_NOW, reasonText: "test", detailJson: "{}", outreach: pick(rnd, OUTREACH_STATUSES) }] : [] },
          },
        });
        return;
      }
      case 1:
        await db.riskSnapshot.updateMany({ where: { patientId }, data: { tierRank, tier: TIERS[tierRank]!, nextDueAt: due } });
        return;
      case 2:
        // The other connection may have deleted the patient since: that insert fails on the foreign key and writes nothing.
        await db.flag
          .create({ data: { clinicId: c.clinicId, patientId, code: pick(rnd, FLAG_CODES), dueAt: TEST_NOW, openedAt: TEST_NOW, actionDueAt: TEST_NOW, reasonText: "test", detailJson: "{}", outreach: pick(rnd, OUTREACH_STATUSES) } })
          .catch((error: unknown) => {
            if ((error as { code?: unknown }).code !== "P2003") throw error;
          });
        return;
      case 3: {
        const flag = await db.flag.findFirst({ where: { patientId }, select: { id: true } });
        if (flag) await db.flag.updateMany({ where: { id: flag.id }, data: rnd() < 0.5 ? { status: rnd() < 0.5 ? "open" : "closed" } : { outreach: pick(rnd, OUTREACH_STATUSES), code: pick(rnd, FLAG_CODES) } });
        return;
      }
      case 4:
        await db.flag.deleteMany({ where: { patientId, code: pick(rnd, FLAG_CODES) } });
        return;
      case 5:
        await db.riskSnapshot.deleteMany({ where: { patientId } });
        return;
      case 6:
        if (rnd() < 0.5) await db.patient.deleteMany({ where: { id: patientId } });
        return;
      case 7:
        await db.patient.updateMany({ where: { id: patientId }, data: { attributedClinicianId: pick(rnd, [null, c.actors.clinician.userId, c.actors.admin.userId]) } });
        return;
      default:
        // A transaction that changes several rows and rolls back: it must leave no trace in the counts.
        await db
          .$transaction(async (tx) => {
            await tx.riskSnapshot.updateMany({ where: { clinicId: c.clinicId }, data: { tierRank: 0, tier: "high", nextDueAt: null } });
            await tx.flag.updateMany({ where: { patientId }, data: { status: "closed" } });
            throw new Error("roll back");
          })
          .catch((error: unknown) => {
            if (!(error instanceof Error) || error.message !== "roll back") throw error;
          });
    }
  }

  it("start equal to a fresh count: the migration filled them, the clinic's inserts kept them", async () => {
    await expectCountsMatch(a);
    await expectCountsMatch(b);
  });

  it("equal a fresh COUNT(*) for every tier and filter after concurrent inserts, updates and deletes from two connections", async () => {
    for (let round = 0; round < 4; round += 1) {
      const writers = [t.db, other].map((db, i) => {
        const rnd = random(1000 * round + i + 1);
        return async (n: number) => {
          await randomWrite(db, rnd, rnd() < 0.8 ? a : b, round * 100 + i * 50 + n);
          // A reader folding the writers' rows (PostgreSQL) while they keep writing.
          if (n % 5 === 4) await compactPanelCounts(db, a.clinicId);
        };
      });
      await inTurnOrAtOnce(writers, 15);
      await expectCountsMatch(a);
      await expectCountsMatch(b);
    }
  }, 240_000);

  it("follow the app's own writes (a saved visit, outreach, a closed flag) and answer the panel exactly as a count would", async () => {
    const patients = await t.db.patient.findMany({ where: { clinicId: a.clinicId, flags: { some: { status: "open" } } }, select: { id: true, version: true }, take: 3, orderBy: { id: "asc" } });
    expect(patients.length).toBeGreaterThan(1);
    const day = addDaysUtc(TEST_NOW, -1);
    await inTurnOrAtOnce([
      () => recordAssessment(t.db, a.actors.clinician, patients[0]!.id, { observations: [{ kind: "grip_strength", value: 12, isUnable: false, observedAt: day, reportedValue: "12", reportedUnit: "kg" }] }, patients[0]!.version, TEST_NOW),
      async () => {
        const flag = await other.flag.findFirstOrThrow({ where: { patientId: patients[1]!.id, status: "open" }, select: { id: true, version: true } });
        const changed = await updateFlagOutreach(other, a.actors.clinician, flag.id, "contacted", flag.version, TEST_NOW);
        await closeFlag(other, a.actors.clinician, flag.id, { reason: "patient_declined", note: null, doneOn: null, doneValue: null }, changed.version, TEST_NOW);
      },
    ], 1);
    await expectCountsMatch(a);
    // The panel's own answer: the tier page's counts and total as the counted path gives them.
    for (const params of [{}, { flag: "b12_test_due" }, { mine: "1" }, { outreach: "contacted" }, { flag: "b12_test_due", outreach: "none", tier: "high" }]) {
      const query = panelQuerySchema.parse({ sort: "tier", ...params });
      const panel = await getPatientPanel(t.db, a.actors.clinician, query, TEST_NOW);
      const fresh = await freshCounts(t.db, a.clinicId, { clinician: "mine" in params ? a.actors.clinician.userId : undefined, flag: query.flag, outreach: query.outreach });
      const tierCounts = Object.fromEntries(fresh.filter((f) => f.tierRank >= 0).map((f) => [TIERS[f.tierRank]!, f.all]));
      expect(panel.tierCounts, JSON.stringify(params)).toEqual(tierCounts);
      const inTier = query.tier ? fresh.filter((f) => f.tierRank === TIERS.indexOf(query.tier!)) : fresh;
      expect(panel.total, JSON.stringify(params)).toBe(inTier.reduce((n, f) => n + f.all, 0));
    }
  }, 120_000);

  it("are not used for a filter they do not keep: search, age, flag state, cohort criteria, a clinician id that reads as a key", () => {
    const actor = a.actors.clinician;
    expect(countSlice(actor, panelQuerySchema.parse({}))).toBe("");
    expect(countSlice(actor, panelQuerySchema.parse({ mine: "1", flag: "b12_test_due", outreach: "none" }))).toBe(`clinician=${actor.userId};flag=b12_test_due;outreach=none;`);
    for (const params of [{ q: "Smith" }, { ageMin: "70" }, { state: "overdue" }, { overdue: "1" }, { outreachDue: "1" }, { sex: "female" }, { b12: "deficient" }, { ewgsop2: "probable" }, { awgs: "possible" }, { diet: "vegan" }, { med: "metformin" }, { clinician: "x;flag=b12_test_due" }]) {
      expect(countSlice(actor, panelQuerySchema.parse(params)), JSON.stringify(params)).toBeNull();
    }
  });

  it.runIf(process.env.TEST_DATABASE === "postgresql")("on PostgreSQL, let a second writer commit while the first is still open (no shared counter row to wait for)", async () => {
    const [first, second] = await t.db.patient.findMany({ where: { clinicId: a.clinicId, snapshot: { isNot: null } }, select: { id: true }, take: 2, orderBy: { id: "asc" } });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const open = t.db.$transaction(async (tx) => {
      await tx.riskSnapshot.updateMany({ where: { patientId: first!.id }, data: { tierRank: 0, tier: "high", nextDueAt: null } });
      entered();
      await held;
    }, { timeout: 30_000 });
    await inside;
    const started = performance.now();
    await other.riskSnapshot.updateMany({ where: { patientId: second!.id }, data: { tierRank: 0, tier: "high", nextDueAt: TEST_NOW } });
    expect(performance.now() - started).toBeLessThan(5_000);
    release();
    await open;
    await expectCountsMatch(a);
  }, 60_000);
});
