"use client";

// Named imports only, so the bundle carries just these recharts components.
import { Bar, BarChart, CartesianGrid, LabelList, Legend, Tooltip, XAxis, YAxis } from "recharts";

export interface BarSeries {
  key: string;
  label: string;
  color: string;
}

/** One category (a bar or a group of bars); a null value is a withheld count and is not drawn. */
export interface BarDatum {
  label: string;
  values: Record<string, number | null>;
}

export interface SummaryBarChartProps {
  data: BarDatum[];
  series: BarSeries[];
  /** "%" draws percentages on a 0–100 axis; "count" draws counts. */
  unit: "%" | "count";
  stacked?: boolean;
  /** Bars run left to right with the categories down the side (long labels), or upwards. */
  orientation?: "horizontal" | "vertical";
  title: string;
  description: string;
}

function formatValue(value: unknown, unit: SummaryBarChartProps["unit"]): string {
  const n = Number(value);
  return unit === "%" ? `${n.toFixed(1)} %` : n.toLocaleString("en");
}

/**
 * A bar chart of summary counts or percentages. The numbers are in the table that
 * components/charts/summary-figure.tsx renders beside it, so the SVG is an image with a title and
 * description rather than an interactive widget.
 */
export function SummaryBarChart({ data, series, unit, stacked = false, orientation = "horizontal", title, description }: SummaryBarChartProps) {
  const rows = data.map((d) => ({ label: d.label, ...d.values }));
  const isHorizontal = orientation === "horizontal";
  const height = isHorizontal ? Math.max(140, 34 * data.length * (stacked ? 1 : series.length) + 60) : 260;
  const valueAxis = {
    type: "number" as const,
    domain: unit === "%" ? ([0, 100] as [number, number]) : ([0, "auto"] as [number, string]),
    tickFormatter: (v: number) => (unit === "%" ? `${v}` : v.toLocaleString("en")),
    tick: { fontSize: 11, fill: "#4f5966" },
    allowDecimals: false,
  };
  const categoryAxis = { type: "category" as const, dataKey: "label", tick: { fontSize: 11, fill: "#1b1f24" }, interval: 0 as const };
  return (
    <BarChart
      data={rows}
      layout={isHorizontal ? "vertical" : "horizontal"}
      responsive
      style={{ width: "100%", height }}
      margin={{ top: 8, right: 28, bottom: 4, left: 4 }}
      title={title}
      desc={description}
      role="img"
      accessibilityLayer={false}
      barCategoryGap="20%"
    >
      <CartesianGrid stroke="#e3e7ec" horizontal={!isHorizontal} vertical={isHorizontal} />
      {isHorizontal ? (
        <>
          <XAxis {...valueAxis} label={unit === "%" ? { value: "%", position: "insideBottomRight", offset: -2, fontSize: 11, fill: "#4f5966" } : undefined} />
          <YAxis {...categoryAxis} width={170} />
        </>
      ) : (
        <>
          <XAxis {...categoryAxis} />
          <YAxis {...valueAxis} width={44} label={unit === "%" ? { value: "%", angle: -90, position: "insideLeft", offset: 12, fontSize: 11, fill: "#4f5966" } : undefined} />
        </>
      )}
      {series.map((s) => (
        <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color} stackId={stacked ? "stack" : undefined} isAnimationActive={false} maxBarSize={28}>
          {stacked ? null : (
            <LabelList dataKey={s.key} position={isHorizontal ? "right" : "top"} fontSize={10.5} fill="#1b1f24" formatter={(v: unknown) => (v === null || v === undefined ? "" : formatValue(v, unit))} />
          )}
        </Bar>
      ))}
      {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
      <Tooltip formatter={(value, name) => [value === null || value === undefined ? "withheld" : formatValue(value, unit), name]} />
    </BarChart>
  );
}
