import Link from "next/link";
import type { PanelPage } from "@/lib/data/patients/panel";
import { TIER_LABELS } from "@/lib/domain/labels";
import type { ThresholdValues } from "@/lib/domain/thresholds";
import { TIERS } from "@/lib/domain/types";
import { PAGE_SIZES, panelQueryString, type PanelQuery } from "@/lib/validation/panel-query";
import { CohortDownload } from "./cohort-download";
import { PanelTable } from "./panel-table";


/** The count per tier, each a link that filters the panel to that tier (or back). */
function TierCounts({ query, tierCounts }: { query: PanelQuery; tierCounts: PanelPage["tierCounts"] }) {
  return (
    <nav aria-label="Patients by tier" className="tier-counts">
      {TIERS.map((tier) => {
        const count = tierCounts[tier] ?? 0;
        const active = query.tier === tier;
        return (
          <Link key={tier} href={`/patients${panelQueryString(query, { tier: active ? undefined : tier, page: 1 })}`} aria-current={active ? "true" : undefined} className={`tier-count tier-${tier}`}>
            <span className="tier-count-number">{count.toLocaleString("en")}</span> {TIER_LABELS[tier]}
          </Link>
        );
      })}
    </nav>
  );
}

function Pager({ query, panel }: { query: PanelQuery; panel: PanelPage }) {
  return (
    <nav className="pager" aria-label="Pages">
      {panel.page > 1 ? (
        <Link href={`/patients${panelQueryString(query, { page: panel.page - 1 })}`} rel="prev">← Previous</Link>
      ) : (
        <span className="muted">← Previous</span>
      )}
      <span>Page {panel.page} of {panel.pageCount}</span>
      {panel.page < panel.pageCount ? (
        <Link href={`/patients${panelQueryString(query, { page: panel.page + 1 })}`} rel="next">Next →</Link>
      ) : (
        <span className="muted">Next →</span>
      )}
      <span className="spacer" />
      <span className="small">
        Rows per page:{" "}
        {PAGE_SIZES.map((size) => (
          <span key={size}>
            {" "}
            {size === query.size ? <strong aria-current="true">{size}</strong> : <Link href={`/patients${panelQueryString(query, { size, page: 1 })}`}>{size}</Link>}
          </span>
        ))}
      </span>
    </nav>
  );
}

/**
 * The worklist itself, streamed in under a skeleton: counts per tier, how many match, the table
 * and the pager; the cohort's downloads last, below the rows a clinician came for.
 */
export async function PanelResults({ load, query, now, thresholds, windowStart, lookBackMonths, viewQuery, canExport }: {
  load: Promise<PanelPage>;
  query: PanelQuery;
  now: Date;
  /** The clinic's cut-offs, which the printed results must not contradict. */
  thresholds: ThresholdValues;
  windowStart: Date;
  lookBackMonths: number;
  viewQuery: string;
  canExport: boolean;
}) {
  const panel = await load;
  const first = panel.total === 0 ? 0 : (panel.page - 1) * query.size + 1;
  const last = Math.min(panel.total, panel.page * query.size);
  return (
    <section className="stack panel-results" aria-label="Worklist">
      <div className="panel-summary">
        <TierCounts query={query} tierCounts={panel.tierCounts} />
        <p role="status" aria-live="polite" className="panel-count">
          {panel.total === 0 ? "No patients match these filters." : `Showing ${first}–${last} of ${panel.total.toLocaleString("en")} ${panel.total === 1 ? "patient" : "patients"}`}
        </p>
      </div>
      <PanelTable rows={panel.rows} query={query} now={now} thresholds={thresholds} windowStart={windowStart} lookBackMonths={lookBackMonths} />
      <Pager query={query} panel={panel} />
      {canExport ? (
        <p className="small">
          <CohortDownload href={`/api/export/cohort${viewQuery}`} expectedRows={panel.total} />{" "}
          <Link href={`/report${viewQuery}`}>Printable report</Link>{" "}
          <span className="muted">
            All {panel.total.toLocaleString("en")} patients of this cohort (every page, in MRN order): the documented export columns first, then diet, attributed clinician and next due date.
          </span>
        </p>
      ) : null}
    </section>
  );
}
