/** What the worklist looks like while it streams in: the table's outline, one grey bar a row. */
export function WorklistSkeleton({ rows }: { rows: number }) {
  return (
    <section className="stack" aria-busy="true" aria-label="Worklist (loading)">
      <div className="skeleton-line skeleton-counts" />
      <div className="table-wrap skeleton-card card">
        {Array.from({ length: rows }, (_, i) => (
          <div key={i} className="skeleton-line" />
        ))}
      </div>
    </section>
  );
}
