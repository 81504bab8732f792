import "./summary-charts.css";
import type { PublishedTable } from "@/lib/domain/summary-tables";
import { SUPPRESSION_NOTE } from "@/lib/domain/suppression";
import { SummaryBarChart } from "./bar-chart";
import { HatchPattern, WITHHELD_DASH, WITHHELD_LABEL } from "./withheld";
import { chartsForTable, hasWithheldValues } from "./summary-chart-data";

/** The numbers of one summary table: each count with its percentage; withheld cells show their mark ("<5", "*") or range. */
export function SummaryTableView({ table }: { table: PublishedTable }) {
  const layout = tableLayout(table);
  return (
    // Focusable, so keyboard users can scroll a table wider than its column (kept as a last resort:
    // the layouts below make every summary table fit its card from 320 px up).
    <div className="table-wrap summary-table-wrap" tabIndex={0} role="region" aria-label={`${table.title}: numbers`}>
      {/* Explicit roles keep the table a table for assistive technology when narrow cards lay its rows out as blocks. */}
      <table className="data compact summary-table" data-layout={layout} role="table">
        <caption>{table.title}</caption>
        <thead role="rowgroup">
          <tr role="row">
            <th scope="col" role="columnheader">{table.rowHeading}</th>
            {table.sublabelHeading ? <th scope="col" role="columnheader">{table.sublabelHeading}</th> : null}
            {table.columns.map((column) => (
              <th key={column.key} scope="col" role="columnheader" className="num">
                {column.label}
                {table.percentColumns.includes(column.key) ? <span className="muted"> (%)</span> : null}
              </th>
            ))}
          </tr>
        </thead>
        <tbody role="rowgroup">
          {table.rows.map((row) => (
            <tr key={`${row.key}/${row.subkey ?? ""}`} role="row" className={row.isTotal ? "total" : undefined}>
              <th scope="row" role="rowheader">{row.label}</th>
              {table.sublabelHeading ? <th scope="row" role="rowheader">{row.sublabel}</th> : null}
              {table.columns.map((column) => {
                const cell = row.cells[column.key];
                return (
                  <td key={column.key} role="cell" className="num" data-label={column.label} data-suppressed={cell?.suppression ?? undefined}>
                    {cell?.text ?? ""}
                    {cell?.percentText ? <span className="muted percent"> ({cell.percentText})</span> : null}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * How much room a table needs (summary-charts.css): "narrow" (a count or two) fits anywhere;
 * "medium" and "wide" tables put percentages under their counts when their card is narrow, and
 * lay each row out as a block of "column: value" lines when it is narrower still.
 */
function tableLayout(table: PublishedTable): "narrow" | "medium" | "wide" {
  const columns = table.columns.length + (table.sublabelHeading ? 2 : 1);
  return columns <= 2 ? "narrow" : columns <= 4 ? "medium" : "wide";
}

/**
 * One summary table as a figure: its chart(s) and, beside them, the table with every number, so
 * screen-reader users and printouts get the numbers, not only the picture.
 */
export function SummaryFigure({ table, isSuppressed }: { table: PublishedTable; isSuppressed: boolean }) {
  const charts = chartsForTable(table);
  const titleId = `summary-${table.id}-title`;
  const hasWithheld = table.rows.some((r) => Object.values(r.cells).some((c) => c.suppression !== null));
  // A wide table does not fit beside its chart: it goes below it, the charts side by side above.
  const isWide = tableLayout(table) === "wide";
  return (
    <figure className="chart card summary-figure" aria-labelledby={titleId}>
      <h2 id={titleId} className="chart-title">{table.title}</h2>
      <div className={isWide ? "summary-figure-body wide" : "summary-figure-body"}>
        <div className="summary-charts">
          {charts.map((chart) => (
            <div key={chart.id} className="summary-chart">
              {charts.length > 1 ? <h3 className="chart-subtitle">{chart.title}</h3> : null}
              <div className="chart-canvas">
                <SummaryBarChart {...chart} />
              </div>
            </div>
          ))}
        </div>
        <SummaryTableView table={table} />
      </div>
      <figcaption className="small">
        <p>{table.caption}</p>
        {isSuppressed && hasWithheld ? <p className="muted">{SUPPRESSION_NOTE}</p> : null}
        {hasWithheldValues(charts) ? (
          <p className="withheld-legend">
            <svg width="28" height="12" aria-hidden="true" focusable="false">
              <defs>
                <HatchPattern id={`legend-hatch-${table.id}`} color="#4f5966" />
              </defs>
              <rect x="1" y="1" width="26" height="10" fill={`url(#legend-hatch-${table.id})`} stroke="#4f5966" strokeWidth="1.5" strokeDasharray={WITHHELD_DASH} />
            </svg>{" "}
            <strong>Hatched, “{WITHHELD_LABEL}”:</strong> a withheld number, drawn across the values the published numbers allow (a
            stacked bar: its withheld parts together, up to the most they can be); its length is not the number.
          </p>
        ) : null}
      </figcaption>
    </figure>
  );
}
