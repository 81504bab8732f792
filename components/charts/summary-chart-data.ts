import type { PublishedTable } from "@/lib/domain/summary-tables";
import { SEX_LABELS } from "@/lib/domain/summary-tables";
import type { BarDatum, BarSeries, SummaryBarChartProps } from "./bar-chart";

/** Distinct in hue and lightness, so neighbours differ in greyscale print as well. */
const PALETTE = ["#0b5cad", "#d4880f", "#2e8b57", "#a4161a", "#6b4fa0", "#8a94a3"] as const;

const color = (i: number): string => PALETTE[i % PALETTE.length]!;

export interface SummaryChartSpec extends Omit<SummaryBarChartProps, "title" | "description"> {
  id: string;
  title: string;
  /** What the chart shows, in words (the SVG's description and the figure's caption). */
  description: string;
}

function describe(data: BarDatum[], series: BarSeries[], unit: "%" | "count"): string {
  const parts = data.map((d) => {
    const values = series.map((s) => {
      const v = d.values[s.key];
      const text = v === null || v === undefined ? "withheld" : unit === "%" ? `${v.toFixed(1)} %` : v.toLocaleString("en");
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
 * The charts drawn for one published summary table, from the published (possibly suppressed)
 * numbers: a withheld cell is null and is not drawn; the table beside the chart shows its mark.
 */
export function chartsForTable(table: PublishedTable): SummaryChartSpec[] {
  const body = table.rows.filter((r) => !r.isTotal);
  switch (table.id) {
    case "tier":
    case "ewgsop2":
    case "awgs2019":
    case "b12_status": {
      const data = body.map((r) => ({ label: r.label, values: { patients: r.cells.patients?.percent ?? null } }));
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
            values: Object.fromEntries(sexes.map((s) => [s.key, table.rows.find((r) => r.key === band && r.subkey === s.key)?.cells[column]?.percent ?? null])),
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
      const data = body.map((r) => ({ label: r.label, values: { due: r.cells.due?.count ?? null, overdue: r.cells.overdue?.count ?? null } }));
      return [spec("flags", "Open flags: due and overdue", data, series, "count", { stacked: true })];
    }
    case "b12_by_medicine": {
      const columns = table.columns.filter((c) => c.key !== "all");
      const series = columns.map((c, i) => ({ key: c.key, label: c.label, color: color(i === 0 ? 3 : i === 1 ? 1 : i === 2 ? 2 : 5) }));
      const data = body.map((r) => ({ label: r.label, values: Object.fromEntries(columns.map((c) => [c.key, r.cells[c.key]?.percent ?? null])) }));
      return [spec("b12-by-medicine", "B12 status by B12-lowering medicine (% of patients on it)", data, series, "%", { stacked: true })];
    }
  }
}
