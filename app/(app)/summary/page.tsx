import Link from "next/link";
import { requirePageActor } from "@/lib/auth/session";
import { can } from "@/lib/data/access/roles";
import { getDb } from "@/lib/data/db/client";
import { getClinicSummary } from "@/lib/data/reports/summary";
import { SummaryFigure } from "@/components/charts/summary-figure";
import { SMALL_CELL_THRESHOLD, SUPPRESSION_NOTE } from "@/lib/domain/suppression";

export const metadata = { title: "Summary" };

export default async function SummaryPage() {
  const actor = await requirePageActor("summary:view");
  const summary = await getClinicSummary(getDb(), actor);
  return (
    <div className="stack">
      <h1>Clinic summary</h1>
      <p className="muted">
        Counts only; no patient is identified on this page.
        {summary.isSuppressed ? ` Small counts are suppressed. ${SUPPRESSION_NOTE}` : ""}
      </p>
      <div className="summary-actions">
        <div className="card">
          <div className="muted small">Patients</div>
          <div className="stat">{summary.total.text}</div>
        </div>
        <a className="button secondary" href="/api/export/summary" download>
          Download summary CSV
        </a>
        {can(actor.role, "export:deidentified") ? (
          <a className="button secondary" href="/api/export/deidentified" download>
            Download de-identified patient CSV
          </a>
        ) : null}
        {can(actor.role, "export:deidentified") ? (
          <span className="muted small">De-identified rows: a row is left out unless at least {SMALL_CELL_THRESHOLD} patients share all its columns.</span>
        ) : null}
        <Link className="button secondary" href="/report">
          Printable report
        </Link>
      </div>
      <div className="summary-figures">
        {summary.tables.map((table) => (
          <SummaryFigure key={table.id} table={table} isSuppressed={summary.isSuppressed} />
        ))}
      </div>
    </div>
  );
}
