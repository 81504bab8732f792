import "./summary-charts.css";
import type { PublishedTable } from "@/lib/domain/summary-tables";
import { SUPPRESSION_NOTE } from "@/lib/domain/suppression";
import { SummaryBarChart } from "./bar-chart";
import { chartsForTable } from "./summary-chart-data";

/** The numbers of one summary table: each count with its percentage; withheld cells show their mark ("<5", "*"). */
export function SummaryTableView({ table }: { table: PublishedTable }) {
  return (
    // Focusable, so keyboard users can scroll a table wider than its column.
    <div className="table-wrap" tabIndex={0} role="region" aria-label={`${table.title}: numbers`}>
      <table className="data compact summary-table">
        <caption>{table.title}</caption>
        <thead>
          <tr>
            <th scope="col">{table.rowHeading}</th>
            {table.sublabelHeading ? <th scope="col">{table.sublabelHeading}</th> : null}
            {table.columns.map((column) => (
              <th key={column.key} scope="col" className="num">
                {column.label}
                {table.percentColumns.includes(column.key) ? <span className="muted"> (%)</span> : null}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row) => (
            <tr key={`${row.key}/${row.subkey ?? ""}`} className={row.isTotal ? "total" : undefined}>
              <th scope="row">{row.label}</th>
              {table.sublabelHeading ? <th scope="row">{row.sublabel}</th> : null}
              {table.columns.map((column) => {
                const cell = row.cells[column.key];
                return (
                  <td key={column.key} className="num" data-suppressed={cell?.suppression ?? undefined}>
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
 * One summary table as a figure: its chart(s) and, beside them, the table with every number, so
 * screen-reader users and printouts get the numbers, not only the picture.
 */
export function SummaryFigure({ table, isSuppressed }: { table: PublishedTable; isSuppressed: boolean }) {
  const charts = chartsForTable(table);
  const titleId = `summary-${table.id}-title`;
  const hasWithheld = table.rows.some((r) => Object.values(r.cells).some((c) => c.suppression !== null));
  return (
    <figure className="chart card summary-figure" aria-labelledby={titleId}>
      <h2 id={titleId} className="chart-title">{table.title}</h2>
      <div className="summary-figure-body">
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
        {isSuppressed && hasWithheld ? <p className="muted">{SUPPRESSION_NOTE} Withheld cells are not drawn.</p> : null}
      </figcaption>
    </figure>
  );
}
