import { summariseTrend, type TrendSeries } from "@/lib/domain/trends";
import { CUT_OFF_DASH } from "./line-styles";
import { TrendChart } from "./trend-chart";

/**
 * A trend chart with everything a reader needs without seeing it: a heading, a text summary
 * (also the SVG's description), the lines' sources, notes such as the norms' citation, and the
 * data as a table in a disclosure.
 */
export function ChartFigure({ series, id }: { series: TrendSeries; id: string }) {
  const { meta } = series;
  const summary = summariseTrend(series);
  const titleId = `${id}-title`;
  return (
    <figure className="chart card" aria-labelledby={titleId}>
      <h3 id={titleId} className="chart-title">{meta.title} <span className="muted small">({meta.unit})</span></h3>
      {series.points.length === 0 ? (
        <p className="muted small">No results recorded.</p>
      ) : (
        <>
          <div className="chart-canvas">
            <TrendChart series={series} title={`${meta.title} over time`} description={summary} />
          </div>
          <figcaption className="small">
            <p className="visually-hidden">{summary}</p>
            {series.cutOffs.length > 0 ? (
              <ul className="line-legend" aria-label="Guideline cut-off lines">
                {series.cutOffs.map((c) => (
                  <li key={c.value}>
                    <svg width="28" height="8" aria-hidden="true" focusable="false">
                      <line x1="0" y1="4" x2="28" y2="4" stroke="#3d4450" strokeWidth="1.5" strokeDasharray={CUT_OFF_DASH[c.source]} />
                    </svg>{" "}
                    {c.label}
                  </li>
                ))}
              </ul>
            ) : null}
            {series.bands.length > 0 ? (
              <p>
                <span className="muted">Shaded band (normative): </span>
                {series.bands.map((b) => b.label).join("; ")}.
              </p>
            ) : null}
            {series.marks.length > 0 ? (
              <p>
                <span className="muted">Vertical lines (medicines): </span>
                {series.marks.map((m) => `${m.label} ${m.date}${m.isInRange ? "" : " (before the first result, not drawn)"}`).join("; ")}.
              </p>
            ) : null}
            {series.notes.map((note) => (
              <p key={note} className="muted">{note}</p>
            ))}
          </figcaption>
        </>
      )}
      {series.points.length > 0 ? (
        <details className="chart-data">
          <summary>Data table: {meta.title.toLowerCase()}</summary>
          <table className="data compact">
            <caption className="visually-hidden">{meta.title} results, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col" className="num">{meta.title} ({meta.unit})</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {series.points.map((p) => (
                <tr key={`${p.t}-${p.value}`}>
                  <td className="nowrap">{p.date}</td>
                  <td className="num">{p.value === null ? "unable" : p.value.toFixed(meta.digits)}</td>
                  <td>{p.note ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </figure>
  );
}
