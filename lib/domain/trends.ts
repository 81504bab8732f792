import { addMonthsUtc, ageInYears, toIsoDate } from "./dates";
import { GRIP_NORMS_CITATION, gripNormFor } from "./grip-norms";
import { findMedicineById } from "./medicine-catalogue";
import { formatNumber } from "./reasons";
import { SHORT_SOURCES, type ThresholdValues } from "./thresholds";
import type { Comparison, ObservationInput, Sex } from "./types";

/**
 * Series for the patient page's trend charts: each point, the guideline cut-off lines for the
 * patient's sex (from the clinic's active thresholds), the SOEP normative grip band, and medicine
 * start/stop marks for B12. Pure and serialisable (times as epoch milliseconds) so a client chart
 * component can draw it without any further logic.
 */

export const TREND_KINDS = ["grip_strength", "gait_speed", "chair_stand_5x", "asmi", "sarc_f", "b12_total"] as const;
export type TrendKind = (typeof TREND_KINDS)[number];

export interface TrendMeta {
  title: string;
  /** Unit of the plotted value (the kind's canonical unit). */
  unit: string;
  digits: number;
  /** What "worse" means on this axis, for the chart description. */
  worseWhen: "lower" | "higher";
}

export const TREND_META: Record<TrendKind, TrendMeta> = {
  grip_strength: { title: "Grip strength", unit: "kg", digits: 1, worseWhen: "lower" },
  gait_speed: { title: "Gait speed", unit: "m/s", digits: 2, worseWhen: "lower" },
  chair_stand_5x: { title: "Chair stand (5 rises)", unit: "s", digits: 1, worseWhen: "higher" },
  asmi: { title: "Muscle mass: ASM / height²", unit: "kg/m²", digits: 2, worseWhen: "lower" },
  sarc_f: { title: "SARC-F score", unit: "points", digits: 0, worseWhen: "higher" },
  b12_total: { title: "Serum total B12", unit: "pmol/L", digits: 0, worseWhen: "lower" },
};

/** The smallest observation the trend builder needs (canonical value; see units.ts). */
export type TrendObservation = ObservationInput;

export interface TrendMedication {
  name: string;
  catalogueId: string | null;
  startedOn: Date | null;
  stoppedOn: Date | null;
}

export interface TrendPoint {
  /** Epoch milliseconds (the chart's x). */
  t: number;
  /** YYYY-MM-DD */
  date: string;
  /** Null when the patient could not complete the test. */
  value: number | null;
  isUnable: boolean;
  /** What the table shows beside the value, e.g. "reported 250 pg/mL", "DXA; height 162 cm". */
  note: string | null;
}

/** Which guideline drew a line; each has its own dash pattern so lines differ without colour. */
export type CutOffSource = "ewgsop2" | "awgs2019" | "sdoc" | "sarcF" | "nice";

export interface CutOffPart {
  source: CutOffSource;
  comparison: Comparison;
  /** e.g. "EWGSOP2 < 27 kg" */
  text: string;
}

export interface CutOffLine {
  value: number;
  /** Lines at the same value are merged: "EWGSOP2 ≤ 0.8 · SDOC < 0.8 m/s". */
  label: string;
  parts: CutOffPart[];
  /** The first part's source decides the dash pattern. */
  source: CutOffSource;
}

export interface NormBand {
  x1: number;
  x2: number;
  /** mean − 1 SD ("risk threshold") and mean + 1 SD, kg. */
  y1: number;
  y2: number;
  meanKg: number;
  ageBand: string;
  label: string;
  isBeyondOldestBand: boolean;
}

export interface TimeMark {
  t: number;
  date: string;
  label: string;
  role: "b12_lowering" | "b12_replacement";
  event: "start" | "stop";
  /** false when it falls outside the plotted time range (listed in the table, not drawn). */
  isInRange: boolean;
}

export interface TrendSeries {
  kind: TrendKind;
  meta: TrendMeta;
  points: TrendPoint[];
  cutOffs: CutOffLine[];
  bands: NormBand[];
  marks: TimeMark[];
  xDomain: [number, number];
  yDomain: [number, number];
  /** Evenly spaced value-axis ticks covering `yDomain`. */
  yTicks: number[];
  /** Sentences shown under the chart (e.g. unpaired ASM results, unknown sex). */
  notes: string[];
}

const SYMBOL: Record<Comparison, string> = { "<": "<", "<=": "≤", ">": ">", ">=": "≥" };
const SOURCE_NAME: Record<CutOffSource, string> = { ewgsop2: "EWGSOP2", awgs2019: "AWGS 2019", sdoc: "SDOC", sarcF: "SARC-F", nice: SHORT_SOURCES.nice };
const DAY_MS = 86_400_000;

function point(o: TrendObservation, value: number | null, note: string | null): TrendPoint {
  return { t: o.observedAt.getTime(), date: toIsoDate(o.observedAt), value, isUnable: o.isUnable, note };
}

function byTime<T extends { observedAt: Date }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime());
}

function reportedNote(o: TrendObservation, canonicalUnit: string): string | null {
  if (!o.reportedUnit || o.reportedUnit === canonicalUnit || o.reportedValue === undefined) return null;
  if (o.reportedUnit === "s/4m") return `reported ${o.reportedValue} s for 4 m`;
  return `reported ${o.reportedValue} ${o.reportedUnit}`;
}

/** One kind's results, oldest first; a test the patient could not complete is a point with no value. */
export function measurePoints(observations: readonly TrendObservation[], kind: Exclude<TrendKind, "asmi">): TrendPoint[] {
  const unit = TREND_META[kind].unit;
  return byTime(observations.filter((o) => o.kind === kind && (o.isUnable || (o.value !== null && Number.isFinite(o.value))))).map((o) =>
    point(o, o.isUnable ? null : o.value, o.isUnable ? "unable to complete" : reportedNote(o, unit)),
  );
}

/**
 * ASM / height² (kg/m²) for every ASM result, paired with the latest height measured at or
 * before it — the height the scan was interpreted against (as lib/domain/muscle-mass.ts does).
 * An ASM with no earlier height is not plotted and is counted in `unpaired`.
 */
export function asmIndexPoints(observations: readonly TrendObservation[]): { points: TrendPoint[]; unpaired: number } {
  const heights = byTime(observations.filter((o) => o.kind === "height" && o.value !== null && o.value > 0));
  const points: TrendPoint[] = [];
  let unpaired = 0;
  for (const asm of byTime(observations.filter((o) => o.kind === "asm" && o.value !== null))) {
    const height = heights.findLast((h) => h.observedAt.getTime() <= asm.observedAt.getTime());
    if (!height || height.value === null || asm.value === null) {
      unpaired += 1;
      continue;
    }
    const metres = height.value / 100;
    const method = asm.method ? asm.method.toUpperCase() : "method not recorded";
    points.push(point(asm, asm.value / (metres * metres), `ASM ${formatNumber(asm.value)} kg (${method}); height ${formatNumber(height.value)} cm on ${toIsoDate(height.observedAt)}`));
  }
  return { points, unpaired };
}

function part(source: CutOffSource, comparison: Comparison, value: number, unit: string): CutOffPart & { value: number } {
  return { source, comparison, value, text: `${SOURCE_NAME[source]} ${SYMBOL[comparison]} ${formatNumber(value)}${unit ? ` ${unit}` : ""}` };
}

/**
 * The guideline cut-offs drawn on a chart, for the patient's sex, from the active threshold set
 * (docs/clinical-reference.md): EWGSOP2 (Table 3), AWGS 2019 and SDOC where each defines one. Sex-specific
 * lines are left out when sex is unknown. Lines at the same value are merged into one label.
 */
export function cutOffLines(kind: TrendKind, sex: Sex, t: ThresholdValues): CutOffLine[] {
  const bySex = (v: { male: number; female: number }) => (sex === "unknown" ? null : v[sex]);
  const parts: (CutOffPart & { value: number })[] = [];
  const add = (source: CutOffSource, comparison: Comparison, value: number | null, unit: string) => {
    if (value !== null) parts.push(part(source, comparison, value, unit));
  };
  switch (kind) {
    case "grip_strength":
      add("ewgsop2", "<", bySex(t.ewgsop2.gripKg), "kg");
      add("awgs2019", "<", bySex(t.awgs2019.gripKg), "kg");
      add("sdoc", "<", bySex(t.sdoc.gripKg), "kg");
      break;
    case "gait_speed":
      add("ewgsop2", "<=", t.ewgsop2.gaitSpeedMS, "m/s");
      add("awgs2019", "<", t.awgs2019.gaitSpeedMS, "m/s");
      add("sdoc", "<", t.sdoc.gaitSpeedMS, "m/s");
      break;
    case "chair_stand_5x":
      add("ewgsop2", ">", t.ewgsop2.chairStandS, "s");
      add("awgs2019", ">=", t.awgs2019.chairStandS, "s");
      break;
    case "asmi": {
      add("ewgsop2", "<", bySex(t.ewgsop2.asmiKgM2), "kg/m²");
      const dxa = bySex(t.awgs2019.asmiDxaKgM2);
      const bia = bySex(t.awgs2019.asmiBiaKgM2);
      if (dxa !== null && dxa === bia) add("awgs2019", "<", dxa, "kg/m²");
      else {
        if (dxa !== null) parts.push({ ...part("awgs2019", "<", dxa, "kg/m²"), text: `AWGS 2019 DXA < ${formatNumber(dxa)} kg/m²` });
        if (bia !== null) parts.push({ ...part("awgs2019", "<", bia, "kg/m²"), text: `AWGS 2019 BIA < ${formatNumber(bia)} kg/m²` });
      }
      break;
    }
    case "sarc_f":
      add("sarcF", ">=", t.caseFinding.sarcFPositive, "points");
      break;
    case "b12_total":
      // Band edges: below the lower edge deficiency is likely, above the upper unlikely.
      add("nice", "<", t.b12.serumDeficientBelow.pmolL, "pmol/L");
      add("nice", ">", t.b12.serumAdequateAbove.pmolL, "pmol/L");
      break;
  }
  const byValue = new Map<number, (CutOffPart & { value: number })[]>();
  for (const p of parts) byValue.set(p.value, [...(byValue.get(p.value) ?? []), p]);
  return [...byValue.entries()]
    .sort(([a], [b]) => a - b)
    .map(([value, group]) => ({
      value,
      label: group.map((p) => p.text).join(" · "),
      parts: group.map(({ source, comparison, text }) => ({ source, comparison, text })),
      source: group[0]!.source,
    }));
}

/**
 * The SOEP grip band (mean ± 1 SD) for the patient's sex, in segments across the plotted time
 * range: a patient who moves into the next age band part-way through gets that band from their
 * birthday on. Empty when sex is unknown.
 */
export function gripNormBands(birthDate: Date, sex: Sex, xDomain: [number, number]): NormBand[] {
  const bands: NormBand[] = [];
  let from = xDomain[0];
  for (let guard = 0; guard < 20 && from < xDomain[1]; guard += 1) {
    const age = ageInYears(birthDate, new Date(from));
    const norm = gripNormFor(sex, age);
    // The day this age band ends: the birthday after its last year (never, past the oldest band).
    const endOfBand = norm && !norm.isBeyondOldestBand ? addMonthsUtc(birthDate, 12 * (norm.row.ageTo + 1)).getTime() : Number.POSITIVE_INFINITY;
    const nextAgeBoundary = norm ? endOfBand : addMonthsUtc(birthDate, 12 * (age + 1)).getTime();
    const to = Math.min(xDomain[1], nextAgeBoundary);
    if (norm) {
      const previous = bands.at(-1);
      if (previous && previous.ageBand === norm.ageBand) previous.x2 = to;
      else {
        bands.push({
          x1: from,
          x2: to,
          y1: norm.lowerKg,
          y2: norm.upperKg,
          meanKg: norm.row.meanKg,
          ageBand: norm.ageBand,
          label: `SOEP ${sex === "male" ? "men" : "women"} ${norm.ageBand}${norm.isBeyondOldestBand ? " (oldest band)" : ""}: mean ${formatNumber(norm.row.meanKg)} ± ${formatNumber(norm.row.sdKg)} kg, shaded ${formatNumber(norm.lowerKg)}–${formatNumber(norm.upperKg)} kg (risk threshold ${formatNumber(norm.lowerKg)} kg)`,
          isBeyondOldestBand: norm.isBeyondOldestBand,
        });
      }
    }
    from = to;
  }
  return bands;
}

/** Start and stop of B12-lowering medicines and B12 replacement (catalogue-matched only). */
export function b12MedicationMarks(medications: readonly TrendMedication[], xDomain: [number, number]): TimeMark[] {
  const marks: TimeMark[] = [];
  for (const m of medications) {
    const entry = m.catalogueId ? findMedicineById(m.catalogueId) : null;
    if (!entry || !(entry.roles.b12Lowering || entry.roles.b12Replacement)) continue;
    const role = entry.roles.b12Replacement ? "b12_replacement" : "b12_lowering";
    const roleText = role === "b12_replacement" ? "B12 replacement" : "B12-lowering";
    for (const [event, date] of [["start", m.startedOn], ["stop", m.stoppedOn]] as const) {
      if (!date) continue;
      const t = date.getTime();
      marks.push({
        t,
        date: toIsoDate(date),
        label: `${entry.genericName} (${roleText}) ${event === "start" ? "started" : "stopped"}`,
        role,
        event,
        isInRange: t >= xDomain[0] && t <= xDomain[1],
      });
    }
  }
  return marks.sort((a, b) => a.t - b.t || a.label.localeCompare(b.label));
}

/**
 * The plotted time range: the results' first to last date, padded by 5 % (at least 30 days) on
 * each side so a single result is not drawn on the chart's edge. Null without results.
 */
export function timeDomain(points: readonly TrendPoint[]): [number, number] | null {
  if (points.length === 0) return null;
  const times = points.map((p) => p.t);
  const min = Math.min(...times);
  const max = Math.max(...times);
  const pad = Math.max(30 * DAY_MS, (max - min) * 0.05);
  return [min - pad, max + pad];
}

function niceStep(span: number): number {
  const raw = span / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalised = raw / magnitude;
  const step = normalised <= 1 ? 1 : normalised <= 2 ? 2 : normalised <= 5 ? 5 : 10;
  return step * magnitude;
}

/**
 * The value range and its ticks: every value, cut-off line and band edge fits, rounded outwards
 * to a readable step, never below zero (none of these measures can be negative). The range spans
 * at least a quarter of its top value, so a change of 0.01 kg/m² does not fill the chart.
 */
export function valueDomain(values: readonly number[]): { domain: [number, number]; ticks: number[] } {
  if (values.length === 0) return { domain: [0, 1], ticks: [0, 1] };
  let min = Math.min(...values);
  let max = Math.max(...values);
  const minimumSpan = Math.max(Math.abs(max) * 0.25, 1e-6);
  if (max - min < minimumSpan) {
    const middle = (max + min) / 2;
    min = middle - minimumSpan / 2;
    max = middle + minimumSpan / 2;
  }
  const step = niceStep(max - min);
  const lo = Math.max(0, Math.floor((min - step / 2) / step) * step);
  const hi = Math.ceil((max + step / 2) / step) * step;
  const ticks: number[] = [];
  for (let tick = lo; tick <= hi + step / 1e6; tick += step) ticks.push(Number(tick.toPrecision(10)));
  return { domain: [Number(lo.toPrecision(10)), Number(hi.toPrecision(10))], ticks };
}

export interface TrendInput {
  observations: readonly TrendObservation[];
  medications: readonly TrendMedication[];
  sex: Sex;
  birthDate: Date;
  thresholds: ThresholdValues;
}

/** Everything one chart draws. */
export function buildTrend(kind: TrendKind, input: TrendInput): TrendSeries {
  const notes: string[] = [];
  let points: TrendPoint[];
  if (kind === "asmi") {
    const paired = asmIndexPoints(input.observations);
    points = paired.points;
    if (paired.unpaired > 0) {
      notes.push(`${paired.unpaired} ASM ${paired.unpaired === 1 ? "result has" : "results have"} no height measured on or before the scan and ${paired.unpaired === 1 ? "is" : "are"} not plotted.`);
    }
  } else {
    points = measurePoints(input.observations, kind);
  }
  const unable = points.filter((p) => p.isUnable).length;
  if (unable > 0) notes.push(`${unable} ${unable === 1 ? "attempt" : "attempts"} the patient could not complete ${unable === 1 ? "is" : "are"} listed in the table, not plotted.`);
  const cutOffs = cutOffLines(kind, input.sex, input.thresholds);
  if (input.sex === "unknown" && (kind === "grip_strength" || kind === "asmi")) notes.push("Sex is not recorded, so the sex-specific cut-offs and norms are not drawn.");
  const xDomain = timeDomain(points) ?? [0, 1];
  const bands = kind === "grip_strength" && points.length > 0 ? gripNormBands(input.birthDate, input.sex, xDomain) : [];
  if (bands.length > 0) {
    notes.push(`Shaded: mean ± 1 SD of grip strength for the patient's sex and age band in the German SOEP panel (lower edge = the source's "risk threshold", mean − 1 SD). ${GRIP_NORMS_CITATION}. Hydraulic and spring dynamometers read differently: compare results from the same device type.`);
    if (bands.some((b) => b.isBeyondOldestBand)) notes.push("The patient is older than the oldest SOEP band (80–90); that band is shown as the nearest available.");
  }
  const marks = kind === "b12_total" && points.length > 0 ? b12MedicationMarks(input.medications, xDomain) : [];
  const values = [
    ...points.flatMap((p) => (p.value === null ? [] : [p.value])),
    ...cutOffs.map((c) => c.value),
    ...bands.flatMap((b) => [b.y1, b.y2]),
  ];
  const y = kind === "sarc_f" ? { domain: [0, 10] as [number, number], ticks: [0, 2, 4, 6, 8, 10] } : valueDomain(values);
  return { kind, meta: TREND_META[kind], points, cutOffs, bands, marks, xDomain, yDomain: y.domain, yTicks: y.ticks, notes };
}

/**
 * One or two sentences a screen reader announces for a chart: how many results over what period,
 * the latest value, and which lines are drawn.
 */
export function summariseTrend(series: TrendSeries): string {
  const { meta, points } = series;
  const valued = points.filter((p) => p.value !== null);
  if (points.length === 0) return `No ${meta.title.toLowerCase()} results recorded.`;
  const first = points[0]!;
  const last = points.at(-1)!;
  const latest = valued.at(-1);
  const span = first.date === last.date ? `on ${first.date}` : `from ${first.date} to ${last.date}`;
  const latestText = latest ? `; latest ${latest.value!.toFixed(meta.digits)} ${meta.unit} on ${latest.date}` : "";
  const lines = series.cutOffs.length > 0 ? ` Cut-off lines: ${series.cutOffs.map((c) => c.label).join("; ")}.` : "";
  return `${meta.title} in ${meta.unit}, ${points.length} ${points.length === 1 ? "result" : "results"} ${span}${latestText}.${lines}`;
}
