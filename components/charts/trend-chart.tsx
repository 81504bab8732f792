"use client";

// Named imports only, so the bundle carries just these recharts components.
import { CartesianGrid, Line, LineChart, ReferenceArea, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import type { TrendSeries } from "@/lib/domain/trends";
import { CUT_OFF_DASH as DASH } from "./line-styles";

/** Alternating label positions, so labels of nearby lines do not sit on top of each other. */
const LABEL_POSITIONS = ["insideBottomLeft", "insideTopRight", "insideTopLeft", "insideBottomRight"] as const;

function formatDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

function formatMonth(t: number): string {
  return new Date(t).toISOString().slice(0, 7);
}

/**
 * One trend chart. Everything it draws comes prepared from lib/domain/trends.ts; the accessible
 * alternative (a data table) is rendered beside it by ChartFigure, so the SVG is an image with a
 * title and description rather than an interactive widget.
 */
export function TrendChart({ series, title, description }: { series: TrendSeries; title: string; description: string }) {
  const { meta } = series;
  const data = series.points.filter((p) => p.value !== null).map((p) => ({ t: p.t, value: p.value }));
  const isRightHalf = (t: number) => t > (series.xDomain[0] + series.xDomain[1]) / 2;
  return (
    <LineChart
      data={data}
      responsive
      style={{ width: "100%", height: 240 }}
      margin={{ top: 12, right: 12, bottom: 4, left: 0 }}
      title={title}
      desc={description}
      role="img"
      accessibilityLayer={false}
    >
      <CartesianGrid stroke="#e3e7ec" />
      <XAxis dataKey="t" type="number" scale="time" domain={series.xDomain} tickFormatter={formatMonth} allowDataOverflow tick={{ fontSize: 11, fill: "#4f5966" }} minTickGap={24} />
      <YAxis
        domain={series.yDomain}
        ticks={series.yTicks}
        allowDataOverflow
        width={52}
        tick={{ fontSize: 11, fill: "#4f5966" }}
        label={{ value: meta.unit, angle: -90, position: "insideLeft", offset: 12, fontSize: 11, fill: "#4f5966" }}
      />
      {series.bands.map((band) => (
        <ReferenceArea key={`${band.ageBand}-${band.x1}`} x1={band.x1} x2={band.x2} y1={band.y1} y2={band.y2} fill="#4c9a6a" fillOpacity={0.14} stroke="#4c9a6a" strokeOpacity={0.35} ifOverflow="hidden" />
      ))}
      {series.cutOffs.map((line, i) => (
        <ReferenceLine
          key={line.value}
          y={line.value}
          stroke="#3d4450"
          strokeWidth={1.25}
          strokeDasharray={DASH[line.source]}
          ifOverflow="extendDomain"
          label={{ value: line.label, position: LABEL_POSITIONS[i % LABEL_POSITIONS.length], fontSize: 10.5, fill: "#1b1f24" }}
        />
      ))}
      {series.marks
        .filter((mark) => mark.isInRange)
        .map((mark, i) => (
          <ReferenceLine
            key={`${mark.t}-${mark.label}`}
            x={mark.t}
            stroke={mark.role === "b12_replacement" ? "#1d6b35" : "#8a5300"}
            strokeWidth={1.5}
            strokeDasharray={mark.event === "stop" ? "3 3" : undefined}
            label={{
              value: mark.label.replace(/ \(.*\)/, "") + (mark.event === "start" ? " ▶" : " ■"),
              // Text runs away from the nearer edge so it is never clipped; alternate rows for neighbours.
              position: `inside${i % 2 === 0 ? "Top" : "Bottom"}${isRightHalf(mark.t) ? "Right" : "Left"}` as const,
              fontSize: 10,
              fill: mark.role === "b12_replacement" ? "#1d6b35" : "#6b4000",
            }}
          />
        ))}
      <Line dataKey="value" name={meta.title} type="linear" stroke="#0b5cad" strokeWidth={2} dot={{ r: 3, fill: "#0b5cad" }} activeDot={{ r: 5 }} isAnimationActive={false} />
      <Tooltip
        labelFormatter={(t) => formatDay(Number(t))}
        formatter={(value) => [`${Number(value).toFixed(meta.digits)} ${meta.unit}`, meta.title]}
      />
    </LineChart>
  );
}
