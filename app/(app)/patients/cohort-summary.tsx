import { describeCutOff } from "@/lib/domain/cohort-cut-offs";
import { describeCriterion, type CohortIssue } from "@/lib/validation/cohort";
import type { PanelQuery } from "@/lib/validation/panel-query";

/** Criteria rows that cannot be applied, each with what to fix; nothing is listed until they are. */
export function CohortIssues({ issues }: { issues: CohortIssue[] }) {
  return (
    <div role="alert" className="card">
      <h2>These criteria need fixing</h2>
      <ul>
        {issues.map((issue) => (
          <li key={issue.row} className="field-error">{issue.message}</li>
        ))}
      </ul>
      <p className="small">No patients are listed or exported until every criterion can be applied, so neither shows a wider cohort than the one asked for.</p>
    </div>
  );
}

/** The cohort criteria in force, in words, with the cut-off each "low by …" criterion used. */
export function CohortSummary({ query, clinicianNames }: { query: PanelQuery; clinicianNames: Record<string, string> }) {
  if (query.criteria.length === 0) return null;
  return (
    <section aria-labelledby="cohort-heading" className="small cohort-summary">
      <h2 id="cohort-heading">Cohort: {query.match === "all" ? "all of these criteria" : "any of these criteria"}</h2>
      <ul>
        {query.criteria.map((c, i) => (
          <li key={i}>
            {describeCriterion(c, clinicianNames)}
            {c.cutOff ? <span className="muted"> ({describeCutOff(c.cutOff)})</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
