import type { ReactNode } from "react";
import Link from "next/link";
import { MEDICINE_CLASSES } from "@/lib/domain/medicine-catalogue";
import { FLAG_STATE_LABELS, OPEN_FLAG_STATES, OUTREACH_LABELS, OUTREACH_STATUSES } from "@/lib/domain/flag-lifecycle";
import { AWGS2019_LABELS, B12_STATUS_LABELS, EWGSOP2_LABELS, FLAG_LABELS, TIER_LABELS } from "@/lib/domain/labels";
import { FLAG_CODES, TIERS } from "@/lib/domain/types";
import type { CohortDraftRow } from "@/lib/validation/cohort";
import { MEDICATION_CLASS_FILTERS, activeFilterCount, panelQueryString, type PanelQuery } from "@/lib/validation/panel-query";
import { CohortCriteria } from "./cohort-criteria";


function Select({ id, label, value, any, options }: { id: string; label: string; value: string | undefined; any: string; options: readonly (readonly [string, string])[] }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={id} defaultValue={value ?? ""}>
        <option value="">{any}</option>
        {options.map(([v, text]) => (
          <option key={v} value={v}>{text}</option>
        ))}
      </select>
    </div>
  );
}

function Tick({ id, label, checked }: { id: string; label: string; checked: boolean }) {
  return (
    <div className="field tick-field">
      <label htmlFor={id}>
        <input id={id} name={id} type="checkbox" value="1" defaultChecked={checked} /> {label}
      </label>
    </div>
  );
}

/**
 * The panel's one GET form: the search box in view, and every other filter with the cohort
 * builder behind a disclosure that says how many are in force. A `<details>` element, so it opens
 * and closes without JavaScript; it starts open only when a criterion needs fixing.
 */
export function PanelSearch({ query, cohortRows, clinicians, issuesByRow, children }: {
  /** Shown beside the search box's hint: the saved views. */
  children?: ReactNode;
  query: PanelQuery;
  cohortRows: CohortDraftRow[];
  clinicians: { id: string; name: string }[];
  issuesByRow: Record<number, string>;
}) {
  const active = activeFilterCount(query);
  const hasIssues = Object.keys(issuesByRow).length > 0;
  return (
    // Keyed by the query so its uncontrolled fields show the current filters after link navigation.
    <form key={panelQueryString(query)} method="get" action="/patients" className="panel-search" role="search" aria-label="Filter patients">
      {/* The form's default button (Enter in any field) must apply, not remove a criteria row. */}
      <button type="submit" tabIndex={-1} aria-hidden="true" className="skip-link">Apply</button>
      {query.view ? <input type="hidden" name="view" value={query.view} /> : null}
      <div className="search-row">
        <div className="search-field">
          <div className="search-box">
            <label htmlFor="q">Name or MRN</label>
            <input id="q" name="q" type="search" defaultValue={query.q ?? ""} aria-describedby="q-hint" data-shortcut-search="" autoComplete="off" />
            <button type="submit">Search</button>
            {query.q || active > 0 ? <Link className="button secondary" href="/patients">Clear</Link> : null}
          </div>
          <div className="search-notes">
            <span id="q-hint" className="muted small">
              “Jackson, Jan”, “Jan Jackson”, an MRN or part of one, or a birth date (YYYY-MM-DD); accents optional · <kbd>/</kbd> comes here
            </span>
            {children}
          </div>
        </div>
        <details className="filter-disclosure" open={hasIssues}>
          <summary>
            Filters and cohort criteria{" "}
            <span className={active > 0 ? "badge filter-count active" : "badge filter-count"}>{active === 0 ? "none active" : `${active} active`}</span>
          </summary>
          <div className="card filter-body">
        <div className="filters">
          <Select id="sex" label="Sex" value={query.sex} any="Any" options={[["female", "Female"], ["male", "Male"], ["unknown", "Unknown"]]} />
          <div className="field">
            <label htmlFor="ageMin">Age from</label>
            <input id="ageMin" name="ageMin" type="number" min={0} max={130} defaultValue={query.ageMin ?? ""} />
          </div>
          <div className="field">
            <label htmlFor="ageMax">Age to</label>
            <input id="ageMax" name="ageMax" type="number" min={0} max={130} defaultValue={query.ageMax ?? ""} />
          </div>
          <Select id="diet" label="Diet" value={query.diet} any="Any" options={[["omnivore", "Omnivore"], ["vegetarian", "Vegetarian"], ["vegan", "Vegan"], ["not_recorded", "Not recorded"]]} />
          <Select id="med" label="Medicine class" value={query.med} any="Any" options={MEDICATION_CLASS_FILTERS.map((cls) => [cls, MEDICINE_CLASSES[cls].label] as const)} />
          <Select id="clinician" label="Attributed clinician" value={query.clinician} any="Anyone" options={clinicians.map((c) => [c.id, c.name] as const)} />
          <Tick id="mine" label="My patients" checked={query.mine === "1"} />
          <Select id="tier" label="Tier" value={query.tier} any="Any" options={TIERS.map((tier) => [tier, TIER_LABELS[tier]] as const)} />
          <Select id="flag" label="Open flag" value={query.flag} any="Any" options={FLAG_CODES.map((code) => [code, FLAG_LABELS[code]] as const)} />
          <Select id="outreach" label="Outreach" value={query.outreach} any="Any" options={OUTREACH_STATUSES.map((status) => [status, OUTREACH_LABELS[status]] as const)} />
          <Tick id="outreachDue" label="Outreach due today" checked={query.outreachDue === "1"} />
          <Select id="state" label="Flag state" value={query.state ?? (query.overdue === "1" ? "overdue" : undefined)} any="Any" options={OPEN_FLAG_STATES.map((state) => [state, FLAG_STATE_LABELS[state]] as const)} />
          <Select id="ewgsop2" label="EWGSOP2" value={query.ewgsop2} any="Any" options={Object.entries(EWGSOP2_LABELS)} />
          <Select id="awgs" label="AWGS 2019" value={query.awgs} any="Any" options={Object.entries(AWGS2019_LABELS)} />
          <Select id="b12" label="B12 status" value={query.b12} any="Any" options={Object.entries(B12_STATUS_LABELS)} />
        </div>
        <CohortCriteria key={panelQueryString(query)} rows={cohortRows} match={query.match} clinicians={clinicians} issues={issuesByRow} />
        <div className="actions">
          <button type="submit">Apply filters</button>
        </div>
          </div>
        </details>
      </div>
      <input type="hidden" name="sort" value={query.sort} />
      <input type="hidden" name="dir" value={query.dir} />
      <input type="hidden" name="size" value={query.size} />
    </form>
  );
}
