/**
 * How the summary charts draw a withheld number (components/charts/bar-chart.tsx) and the legend
 * beside them says so (summary-figure.tsx): outlined with a dash, hatched, labelled.
 */

/** The word on a withheld bar, in the chart and in the legend beside it. */
export const WITHHELD_LABEL = "withheld";

/** The outline of a withheld bar. */
export const WITHHELD_DASH = "3 2";

/** Diagonal hatching in one colour (a withheld bar keeps its series' colour). */
export function HatchPattern({ id, color }: { id: string; color: string }) {
  return (
    <pattern id={id} patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
      <rect width="6" height="6" fill="#ffffff" />
      <line x1="0" y1="0" x2="0" y2="6" stroke={color} strokeWidth="2.5" />
    </pattern>
  );
}
