/**
 * The panel's search box at scale (lib/domain/search-key.ts, lib/data/patients/search.ts): the first
 * page for each query form a clinician types, and many different searches at once. Each different
 * query is a new filter, so the per-tier counts above the panel are counted afresh (the panel's
 * count cache cannot help): the calls measured here are the cold case.
 */
import { getPatientPanel } from "@/lib/data/patients/panel";
import { toIsoDate } from "@/lib/domain/dates";
import { parsePanelQuery } from "@/lib/validation/panel-query";
import { measurePanel, type BenchContext, type PanelResult } from "./measures";
import { fmt, log, median, percentile } from "./util";

export interface SearchFormResult {
  form: string;
  q: string;
  /** Median of single calls, each just after a write (so nothing is cached). */
  coldP50: number;
  matches: number;
}

export interface SearchResult {
  forms: SearchFormResult[];
  /** The panel measure (lib/bench/measures.ts) for one "Family, Given" search, repeated: the matches are cached after the first call. */
  repeated: PanelResult;
  repeatedQuery: string;
  /** `callers` concurrent callers, each call a different "Family, Given" query: p50 / p95 over all calls. */
  p50: number;
  p95: number;
  calls: number;
  /** Process CPU time over the different searches divided by their number (on SQLite, in-process, the whole cost of a call). */
  cpuPerCall: number;
}

export async function measureSearch(ctx: BenchContext, opts: { callers: number; rounds: number }): Promise<SearchResult> {
  const clinicId = ctx.actor.clinicId;
  const sample = await ctx.db.patient.findMany({ where: { clinicId }, select: { mrn: true, familyName: true, givenName: true, birthDate: true }, orderBy: { id: "asc" }, take: 2000 });
  const accented = await ctx.db.patient.findFirst({ where: { clinicId, OR: ["ü", "é", "ö", "ñ", "ø"].map((c) => ({ familyName: { contains: c } })) }, select: { familyName: true } });
  const p = sample[Math.floor(sample.length / 2)]!;
  const ascii = (s: string) => s.normalize("NFKD").replace(/\p{M}/gu, "").replace(/ø/g, "o");
  const forms: [string, string][] = [
    ["Family, Given (as the app writes it)", `${p.familyName}, ${p.givenName}`],
    ["Given Family", `${p.givenName} ${p.familyName}`],
    ["MRN", p.mrn],
    ["part of an MRN", p.mrn.slice(-4)],
    ["birth date", toIsoDate(p.birthDate)],
    ["family name without its accents", ascii(accented?.familyName ?? "Muller")],
    ["a word no patient has", "xyzzy"],
  ];
  const call = (q: string) => getPatientPanel(ctx.db, ctx.actor, parsePanelQuery({ q }), ctx.now);
  const results: SearchFormResult[] = [];
  for (const [form, q] of forms) {
    await call(q);
    const times: number[] = [];
    let matches = 0;
    for (let i = 0; i < 5; i += 1) {
      // A no-op update fires the PanelVersion triggers, so the counts are recounted as for a new query.
      await ctx.db.patient.updateMany({ where: { clinicId, mrn: p.mrn }, data: { version: { increment: 0 } } });
      const start = performance.now();
      matches = (await call(q)).total;
      times.push(performance.now() - start);
    }
    results.push({ form, q, coldP50: median(times), matches });
    log(`  search "${q}" (${form}): ${fmt.ms(median(times))} cold, ${matches} match`);
  }
  const repeatedQuery = forms[0]![1];
  const repeated = await measurePanel(ctx, `search "${repeatedQuery}"`, parsePanelQuery({ q: repeatedQuery }), opts);
  // Many clinicians, each searching for someone else: every call a query not seen before.
  const queries = [...new Set(sample.map((s) => `${s.familyName}, ${s.givenName}`))].filter((q) => q !== repeatedQuery);
  let next = 0;
  const samples: number[] = [];
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: opts.callers }, async () => {
      for (let r = 0; r < opts.rounds; r += 1) {
        const q = queries[next++ % queries.length]!;
        const start = performance.now();
        await call(q);
        samples.push(performance.now() - start);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  const cpuPerCall = (used.user + used.system) / 1000 / samples.length;
  return { forms: results, repeated, repeatedQuery, p50: percentile(samples, 50), p95: percentile(samples, 95), calls: samples.length, cpuPerCall };
}
