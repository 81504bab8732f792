import type { PublishedCell, PublishedRow, PublishedTable } from "@/lib/domain/summary-tables";
import { SEX_LABELS } from "@/lib/domain/summary-tables";
import type { BarDatum, BarSeries, BarValue, SummaryBarChartProps } from "./bar-chart";

/** Distinct in hue and lightness, so neighbours differ in greyscale print as well. */
const PALETTE = ["#0b5cad", "#d4880f", "#2e8b57", "#a4161a", "#6b4fa0", "#8a94a3"] as const;

const color = (i: number): string => PALETTE[i % PALETTE.length]!;

/** The series a stacked chart draws its withheld part in: the withheld cells of a bar together. */
export const WITHHELD_SERIES: BarSeries = { key: "withheld", label: "Withheld", color: "#4f5966", isWithheld: true };

export interface SummaryChartSpec extends Omit<SummaryBarChartProps, "title" | "description"> {
  id: string;
  title: string;
  /** What the chart shows, in words (the SVG's description and the figure's caption). */
  description: string;
}

function formatNumber(value: number, unit: "%" | "count"): string {
  return unit === "%" ? `${value.toFixed(1)} %` : value.toLocaleString("en");
}

/** A value in words: "12.5 %", or "withheld (0.1–0.4 %)". */
export function describeValue(value: BarValue, unit: "%" | "count"): string {
  if (value === null) return "none";
  if (typeof value === "number") return formatNumber(value, unit);
  if (value.lo === value.hi) return `withheld (${formatNumber(value.hi, unit)})`;
  return `withheld (${formatNumber(value.lo, unit).replace(/ %$/, "")}–${formatNumber(value.hi, unit)})`;
}

function describe(data: BarDatum[], series: BarSeries[], unit: "%" | "count"): string {
  const parts = data.map((d) => {
    const values = series
      .filter((s) => d.values[s.key] !== undefined)
      .map((s) => {
        const text = describeValue(d.values[s.key] ?? null, unit);
        return series.length > 1 ? `${s.label} ${text}` : text;
      });
    return `${d.label}: ${values.join(", ")}`;
  });
  return `${parts.join("; ")}.`;
}

function spec(id: string, title: string, data: BarDatum[], series: BarSeries[], unit: "%" | "count", extra: Partial<SummaryChartSpec> = {}): SummaryChartSpec {
  return { id, title, data, series, unit, description: describe(data, series, unit), ...extra };
}

/**
 * A cell's percentage as drawn: the published percentage, or — withheld — the percentages the
 * published numbers allow; null when there is nothing to draw (no patients in the base).
 */
export function percentValue(cell: PublishedCell | undefined): BarValue {
  if (!cell) return null;
  if (cell.percent !== null) return cell.percent;
  return cell.percentRange ? { lo: cell.percentRange.lo, hi: cell.percentRange.hi } : null;
}

/** A cell's count as drawn: the published count, or — withheld — the counts the published numbers allow. */
export function countValue(cell: PublishedCell | undefined): BarValue {
  if (!cell) return null;
  if (cell.count !== null) return cell.count;
  if (!cell.range) return null;
  return { lo: cell.range.lo, hi: Number.isFinite(cell.range.hi) ? cell.range.hi : cell.range.lo };
}

/**
 * One bar of a stacked chart: the published parts as they are, and the withheld parts together as
 * one "withheld" part reaching the bar's whole (exact when the whole is published, else the most
 * it can be), so that the bar keeps its length and no withheld part reads as zero.
 */
function stackedValues(row: PublishedRow, keys: readonly string[], whole: BarValue, value: (cell: PublishedCell | undefined) => BarValue): Record<string, BarValue> {
  const values: Record<string, BarValue> = {};
  let published = 0;
  let isAnyWithheld = false;
  for (const key of keys) {
    const v = value(row.cells[key]);
    if (typeof v === "number") {
      values[key] = v;
      published += v;
    } else {
      values[key] = null;
      if (v !== null || row.cells[key]?.suppression) isAnyWithheld = true;
    }
  }
  if (isAnyWithheld && whole !== null) {
    const most = typeof whole === "number" ? whole : whole.hi;
    values[WITHHELD_SERIES.key] = { lo: Math.max(0, (typeof whole === "number" ? whole : whole.lo) - published), hi: Math.max(0, most - published) };
  }
  return values;
}

/**
 * The charts drawn for one published summary table, from the published (possibly suppressed)
 * numbers. A withheld value is drawn, hatched, across the values the published numbers allow
 * (components/charts/bar-chart.tsx); the table beside the chart shows its mark.
 */
export function chartsForTable(table: PublishedTable): SummaryChartSpec[] {
  const body = table.rows.filter((r) => !r.isTotal);
  switch (table.id) {
    case "tier":
    case "ewgsop2":
    case "awgs2019":
    case "awgs2025":
    case "b12_status": {
      const data = body.map((r) => ({ label: r.label, values: { patients: percentValue(r.cells.patients) } }));
      return [spec(table.id, `${table.title}: share of patients`, data, [{ key: "patients", label: "Patients (%)", color: color(0) }], "%")];
    }
    case "prevalence": {
      const sexes = (["female", "male"] as const).map((sex, i) => ({ key: sex, label: SEX_LABELS[sex], color: color(i) }));
      const bands = [...new Map(body.map((r) => [r.key, r.label])).entries()];
      const measure = (column: "high" | "sarcopenia", title: string) =>
        spec(
          `prevalence-${column}`,
          title,
          bands.map(([band, label]) => ({
            label,
            values: Object.fromEntries(sexes.map((s) => [s.key, percentValue(table.rows.find((r) => r.key === band && r.subkey === s.key)?.cells[column])])),
          })),
          sexes,
          "%",
          { orientation: "vertical" },
        );
      return [measure("sarcopenia", "Any sarcopenia finding by age band and sex (%)"), measure("high", "High tier by age band and sex (%)")];
    }
    case "flags": {
      const series = [
        { key: "due", label: "Due", color: color(0) },
        { key: "overdue", label: "Overdue", color: color(3) },
      ];
      const data = body.map((r) => ({ label: r.label, values: stackedValues(r, ["due", "overdue"], countValue(r.cells.open), countValue) }));
      return [spec("flags", "Open flags: due and overdue", data, [...series, WITHHELD_SERIES], "count", { stacked: true })];
    }
    case "b12_by_medicine": {
      const columns = table.columns.filter((c) => c.key !== "all");
      const series = columns.map((c, i) => ({ key: c.key, label: c.label, color: color(i === 0 ? 3 : i === 1 ? 1 : i === 2 ? 2 : 5) }));
      // Each row's statuses make up all its patients: 100 %, whatever is withheld (none: no bar).
      const data = body.map((r) => ({ label: r.label, values: stackedValues(r, columns.map((c) => c.key), r.cells.all?.count === 0 ? null : 100, percentValue) }));
      return [spec("b12-by-medicine", "B12 status by B12-lowering medicine (% of patients on it)", data, [...series, WITHHELD_SERIES], "%", { stacked: true })];
    }
  }
}

/** True when some value of the charts is withheld (and drawn hatched). */
export function hasWithheldValues(charts: readonly SummaryChartSpec[]): boolean {
  return charts.some((chart) => chart.data.some((d) => Object.values(d.values).some((v) => v !== null && typeof v === "object")));
}
