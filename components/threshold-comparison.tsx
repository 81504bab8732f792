import { compareThresholdSets } from "@/lib/domain/threshold-governance";
import { thresholdSection } from "@/lib/domain/threshold-sections";
import type { ThresholdValues } from "@/lib/domain/thresholds";

/**
 * Two threshold versions side by side, section by section, every value with its unit; the rows
 * that differ are highlighted and say so in words (colour is not the only sign). With
 * `onlyDifferences`, sections without a difference are left out and the others show only their
 * differing rows.
 */
export function ThresholdComparison({ left, right, leftLabel, rightLabel, onlyDifferences = false }: {
  left: ThresholdValues;
  right: ThresholdValues;
  leftLabel: string;
  rightLabel: string;
  onlyDifferences?: boolean;
}) {
  const sections = compareThresholdSets(left, right)
    .map(({ group, rows }) => ({ group, rows: onlyDifferences ? rows.filter((row) => row.differs) : rows }))
    .filter(({ rows }) => rows.length > 0);
  return (
    <div className="stack">
      {sections.map(({ group, rows }) => {
        const { title } = thresholdSection(group);
        const differing = rows.filter((row) => row.differs).length;
        return (
          <section key={group} aria-labelledby={`compare-${group}`}>
            <h2 id={`compare-${group}`}>{title}</h2>
            <p className="small flush">{differing === 0 ? "No differences." : `${differing} ${differing === 1 ? "value differs" : "values differ"} (highlighted).`}</p>
            <div className="table-wrap" tabIndex={0} role="region" aria-label={`${title}: ${leftLabel} and ${rightLabel}`}>
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col">Criterion</th>
                    <th scope="col" className="num">{leftLabel}</th>
                    <th scope="col" className="num">{rightLabel}</th>
                    <th scope="col">Difference</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row.key} className={row.differs ? "differs" : undefined}>
                      <th scope="row">{row.label}</th>
                      <td className="num nowrap">{row.left}</td>
                      <td className="num nowrap">{row.right}</td>
                      <td>{row.differs ? <strong>differs</strong> : <span className="muted">same</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        );
      })}
    </div>
  );
}
