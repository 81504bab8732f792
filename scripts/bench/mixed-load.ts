/**
 * The panel in a working clinic (issue 19): `callers` concurrent panel readers (the tier+flag first
 * page, as the panel measure) while two writers each save an assessment or act on a flag once a
 * second, through the real data-layer functions. Reports the readers' p50/p95, the writers' p95,
 * and the panel call each writer makes right after its own write (what a clinician sees on
 * returning to the panel after saving a visit). Every write changes the clinic's patients,
 * snapshots or flags, so nothing computed from them can be reused across it.
 */
import { getPatientPanel } from "@/lib/data/patients/panel";
import { recordAssessment } from "@/lib/data/patients/assessment";
import { updateFlagOutreach } from "@/lib/data/flags/lifecycle";
import { addDaysUtc } from "@/lib/domain/dates";
import { OUTREACH_STATUSES } from "@/lib/domain/flag-lifecycle";
import type { PanelQuery } from "@/lib/validation/panel-query";
import type { BenchContext } from "./measures";
import { fmt, median, percentile, repeat, withTimeout } from "./util";

export interface MixedLoadResult {
  /** Medians over runs of each run's percentile. */
  readP50: number;
  readP95: number;
  writeP95: number;
  /** The panel call a writer makes right after its own write: median over runs of each run's p50 and p95. */
  afterOwnWriteP50: number;
  afterOwnWriteP95: number;
  /**
   * This process's CPU time over a run divided by its panel calls (median over runs), writes
   * included: on SQLite (in-process) the whole cost, and steadier than wall times on a busy machine.
   */
  cpuPerRead: number;
  /** Samples over all runs. */
  reads: number;
  writes: number;
  failures: number;
  firstFailure: string | null;
}

const WRITERS = 2;
const WRITE_INTERVAL_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small deterministic generator, so every run writes the same sequence (bench results comparable). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One write as a clinician makes it: even turns save a visit (grip strength and gait speed, values
 * spread across the cut-offs so the tier and flags move), odd turns record outreach on an open flag.
 */
async function writeOnce(ctx: BenchContext, turn: number, random: () => number, patientIds: readonly string[]): Promise<void> {
  if (turn % 2 === 0) {
    const patientId = patientIds[Math.floor(random() * patientIds.length)]!;
    const patient = await ctx.db.patient.findUniqueOrThrow({ where: { id: patientId }, select: { version: true } });
    const observedAt = addDaysUtc(ctx.now, -1);
    const grip = (12 + random() * 30).toFixed(1);
    const gait = (0.5 + random() * 0.8).toFixed(2);
    await recordAssessment(
      ctx.db,
      ctx.actor,
      patientId,
      {
        observations: [
          { kind: "grip_strength", value: Number(grip), isUnable: false, observedAt, reportedValue: grip, reportedUnit: "kg" },
          { kind: "gait_speed", value: Number(gait), isUnable: false, observedAt, reportedValue: gait, reportedUnit: "m/s" },
        ],
      },
      patient.version,
      ctx.now,
    );
    return;
  }
  const flag = await ctx.db.flag.findFirst({ where: { patientId: patientIds[Math.floor(random() * patientIds.length)]!, status: "open" }, select: { id: true, version: true, outreach: true } });
  if (!flag) return;
  const next = OUTREACH_STATUSES[(OUTREACH_STATUSES.indexOf(flag.outreach as (typeof OUTREACH_STATUSES)[number]) + 1) % OUTREACH_STATUSES.length]!;
  await updateFlagOutreach(ctx.db, ctx.actor, flag.id, next, flag.version, ctx.now);
}

export async function measureMixedLoad(ctx: BenchContext, query: PanelQuery, opts: { callers: number; rounds: number; seconds: number }): Promise<MixedLoadResult> {
  const read = () => getPatientPanel(ctx.db, ctx.actor, query, ctx.now);
  await withTimeout("mixed load warm-up", 120_000, read());
  const patientIds = (await ctx.db.patient.findMany({ where: { clinicId: ctx.actor.clinicId }, select: { id: true }, orderBy: { id: "asc" }, take: 2000 })).map((p) => p.id);
  let failures = 0;
  let firstFailure: string | null = null;
  const failed = (error: unknown) => {
    failures += 1;
    firstFailure ??= (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").slice(0, 160);
  };
  const perRun = await repeat(
    `mixed load (${opts.callers} readers × ≥ ${opts.rounds} calls and ≥ ${opts.seconds} s, ${WRITERS} writers once a second)`,
    ctx.runs,
    (run) =>
      withTimeout("mixed load", 10 * 60_000, (async () => {
        const reads: number[] = [];
        const writes: number[] = [];
        const afterOwnWrite: number[] = [];
        const until = performance.now() + opts.seconds * 1000;
        const cpu0 = process.cpuUsage();
        let readersDone = false;
        const readers = Promise.all(
          Array.from({ length: opts.callers }, async () => {
            for (let r = 0; r < opts.rounds || performance.now() < until; r += 1) {
              const start = performance.now();
              try {
                await read();
                reads.push(performance.now() - start);
              } catch (error) {
                failed(error);
              }
            }
          }),
        ).finally(() => {
          readersDone = true;
        });
        const writers = Promise.all(
          Array.from({ length: WRITERS }, async (_, w) => {
            const random = mulberry32(run * 100 + w);
            // Staggered, so the two writers do not always write in the same instant.
            await sleep((w * WRITE_INTERVAL_MS) / WRITERS);
            for (let turn = w; !readersDone; turn += 1) {
              const tick = performance.now();
              try {
                await writeOnce(ctx, turn, random, patientIds);
                writes.push(performance.now() - tick);
                const start = performance.now();
                await read();
                afterOwnWrite.push(performance.now() - start);
              } catch (error) {
                failed(error);
              }
              await sleep(Math.max(0, tick + WRITE_INTERVAL_MS - performance.now()));
            }
          }),
        );
        await Promise.all([readers, writers]);
        const cpu = process.cpuUsage(cpu0);
        return { reads, writes, afterOwnWrite, cpuPerRead: (cpu.user + cpu.system) / 1000 / Math.max(1, reads.length + afterOwnWrite.length) };
      })()),
    (r) =>
      `readers p50 ${fmt.ms(percentile(r.reads, 50))}, p95 ${fmt.ms(percentile(r.reads, 95))} (${r.reads.length} calls); writers p95 ${fmt.ms(percentile(r.writes, 95))} (${r.writes.length} writes); ` +
      `panel after own write p50 ${fmt.ms(percentile(r.afterOwnWrite, 50))}, p95 ${fmt.ms(percentile(r.afterOwnWrite, 95))}; process CPU ${fmt.ms(r.cpuPerRead)} per panel call`,
  );
  return {
    readP50: median(perRun.map((r) => percentile(r.reads, 50))),
    readP95: median(perRun.map((r) => percentile(r.reads, 95))),
    writeP95: median(perRun.map((r) => percentile(r.writes, 95))),
    afterOwnWriteP50: median(perRun.map((r) => percentile(r.afterOwnWrite, 50))),
    afterOwnWriteP95: median(perRun.map((r) => percentile(r.afterOwnWrite, 95))),
    cpuPerRead: median(perRun.map((r) => r.cpuPerRead)),
    reads: perRun.reduce((n, r) => n + r.reads.length, 0),
    writes: perRun.reduce((n, r) => n + r.writes.length, 0),
    failures,
    firstFailure,
  };
}
