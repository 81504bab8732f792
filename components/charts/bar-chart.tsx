"use client";

import { useId } from "react";
// Named imports only, so the bundle carries just these recharts components.
import { Bar, BarChart, CartesianGrid, LabelList, Legend, Rectangle, Tooltip, XAxis, YAxis, type BarShapeProps, type LabelProps } from "recharts";
import { HatchPattern, WITHHELD_DASH, WITHHELD_LABEL } from "./withheld";

export interface BarSeries {
  key: string;
  label: string;
  color: string;
  /** The withheld part of a stacked bar: always drawn hatched. */
  isWithheld?: boolean;
}

/**
 * A bar's value: a number; a withheld count or percentage as the values the published numbers
 * allow (drawn hatched across them); or null, nothing to draw (no patients in the base).
 */
export type BarValue = number | { lo: number; hi: number } | null;

/** One category (a bar or a group of bars). */
export interface BarDatum {
  label: string;
  values: Record<string, BarValue>;
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

/** A withheld bar is never thinner than this (px), however small the values it may take. */
const WITHHELD_MIN_SIZE = 6;

function formatValue(value: number, unit: SummaryBarChartProps["unit"]): string {
  return unit === "%" ? `${value.toFixed(1)} %` : value.toLocaleString("en");
}

const labelKey = (key: string) => `${key}__label`;

const LABEL_FONT_SIZE = 10.5;
/** About how wide a label's characters are at LABEL_FONT_SIZE, to keep a label inside the plot. */
const LABEL_CHAR_WIDTH = 5.6;

/**
 * A label above an upright bar, turned to read upwards so that neighbouring bars' labels ("withheld",
 * "12.5 %") never run into each other; inside the bar's top when there is no room above it.
 */
function UprightBarLabel(props: LabelProps) {
  const x = Number(props.x ?? 0);
  const y = Number(props.y ?? 0);
  const width = Number(props.width ?? 0);
  const text = String(props.value ?? "");
  if (text === "") return null;
  const isRoomAbove = y - 4 - text.length * LABEL_CHAR_WIDTH > 0;
  const cx = x + width / 2 + LABEL_FONT_SIZE / 3;
  return (
    <text transform={`translate(${cx}, ${isRoomAbove ? y - 4 : y + 4}) rotate(-90)`} textAnchor={isRoomAbove ? "start" : "end"} fontSize={LABEL_FONT_SIZE} fill="#1b1f24">
      {text}
    </text>
  );
}
const withheldKey = (key: string) => `${key}__withheld`;

/**
 * A bar chart of summary counts or percentages. A withheld value is drawn as an outlined, hatched
 * bar across the values the published numbers allow (a "<5" of 1,000 patients: 0.1–0.4 %), at
 * least a few pixels long and labelled "withheld", so it never reads as zero; in a stacked bar the
 * withheld parts are one hatched part. The numbers are in the table that
 * components/charts/summary-figure.tsx renders beside it, so the SVG is an image with a title and
 * description rather than an interactive widget.
 */
export function SummaryBarChart({ data, series, unit, stacked = false, orientation = "horizontal", title, description }: SummaryBarChartProps) {
  const patternPrefix = `hatch${useId().replace(/[^a-zA-Z0-9_-]/g, "")}`;
  const rows = data.map((d) => {
    const row: Record<string, string | number | boolean | [number, number] | null> = { label: d.label };
    for (const s of series) {
      const value = d.values[s.key] ?? null;
      if (value === null || typeof value === "number") {
        row[s.key] = value;
        row[labelKey(s.key)] = value === null ? "" : formatValue(value, unit);
      } else {
        // Stacked bars add up numbers: the withheld part is drawn to the most it can be.
        row[s.key] = stacked ? value.hi : [value.lo, value.hi];
        row[labelKey(s.key)] = WITHHELD_LABEL;
        row[withheldKey(s.key)] = true;
      }
    }
    return row;
  });
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
  const isWithheldAt = (s: BarSeries, index: number) => rows[index]?.[withheldKey(s.key)] === true;
  return (
    <BarChart
      data={rows}
      layout={isHorizontal ? "vertical" : "horizontal"}
      responsive
      style={{ width: "100%", height }}
      margin={{ top: 8, right: 56, bottom: 4, left: 4 }}
      title={title}
      desc={description}
      role="img"
      accessibilityLayer={false}
      barCategoryGap="20%"
    >
      <defs>
        {series.map((s, i) => (
          <HatchPattern key={s.key} id={`${patternPrefix}-${i}`} color={s.color} />
        ))}
      </defs>
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
      {series.map((s, i) => (
        <Bar
          key={s.key}
          dataKey={s.key}
          name={s.label}
          fill={s.isWithheld ? `url(#${patternPrefix}-${i})` : s.color}
          stackId={stacked ? "stack" : undefined}
          isAnimationActive={false}
          maxBarSize={28}
          minPointSize={(_value, index) => (isWithheldAt(s, index) ? WITHHELD_MIN_SIZE : 0)}
          shape={(props: BarShapeProps) =>
            isWithheldAt(s, props.index) ? (
              <Rectangle {...props} fill={`url(#${patternPrefix}-${i})`} stroke={s.color} strokeWidth={1.5} strokeDasharray={WITHHELD_DASH} className="withheld-bar" />
            ) : (
              <Rectangle {...props} />
            )
          }
        >
          {stacked && !s.isWithheld ? null : (
            isHorizontal ? (
              <LabelList dataKey={labelKey(s.key)} position="right" fontSize={LABEL_FONT_SIZE} fill="#1b1f24" />
            ) : (
              <LabelList dataKey={labelKey(s.key)} content={UprightBarLabel} />
            )
          )}
        </Bar>
      ))}
      {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
      <Tooltip
        formatter={(value, name, item) => {
          const row = item.payload as Record<string, unknown> | undefined;
          const key = typeof item.dataKey === "string" ? item.dataKey : "";
          if (row?.[withheldKey(key)] === true) {
            const range = Array.isArray(value) ? value.map((v) => formatValue(Number(v), unit)).join(" to ") : `up to ${formatValue(Number(value), unit)}`;
            return [`${WITHHELD_LABEL} (${range})`, name];
          }
          return [value === null || value === undefined ? "none" : formatValue(Number(value), unit), name];
        }}
      />
    </BarChart>
  );
}
