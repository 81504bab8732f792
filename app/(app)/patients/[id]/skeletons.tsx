/** Placeholders shown while a panel streams in (next-learn dashboard pattern). */
export function PanelSkeleton({ title, rows = 3 }: { title: string; rows?: number }) {
  return (
    <section className="stack" aria-busy="true" aria-label={`${title} (loading)`}>
      <h2>{title}</h2>
      <div className="card skeleton-card">
        {Array.from({ length: rows }, (_, i) => (
          <div key={i} className="skeleton-line" />
        ))}
      </div>
    </section>
  );
}

export function ChartsSkeleton() {
  return (
    <section className="stack" aria-busy="true" aria-label="Trends (loading)">
      <h2>Trends</h2>
      <div className="chart-grid">
        {Array.from({ length: 6 }, (_, i) => (
          <div key={i} className="card skeleton-chart" />
        ))}
      </div>
    </section>
  );
}
