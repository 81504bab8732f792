import Link from "next/link";
import { redirect } from "next/navigation";
import { requirePageActor } from "@/lib/auth/session";
import { can } from "@/lib/data/access/roles";
import { getDb } from "@/lib/data/db/client";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { listClinicians } from "@/lib/data/auth/users";
import { listSavedViews } from "@/lib/data/patients/saved-views";
import { resolveCohortCutOffs } from "@/lib/data/patients/cohort-where";
import { describeCutOff } from "@/lib/domain/cohort-cut-offs";
import { ageInYears } from "@/lib/domain/dates";
import { MEDICINE_CLASSES } from "@/lib/domain/medicine-catalogue";
import { OUTREACH_LABELS, OUTREACH_STATUSES } from "@/lib/domain/flag-lifecycle";
import { AWGS2019_LABELS, B12_STATUS_LABELS, EWGSOP2_LABELS, FLAG_LABELS, TIER_LABELS } from "@/lib/domain/labels";
import { FLAG_CODES, TIERS } from "@/lib/domain/types";
import { MEDICATION_CLASS_FILTERS, PAGE_SIZES, isCanonicalPanelUrl, parsePanelParams, panelQueryString, savedViewQueryString, type PanelQuery, type PanelSort } from "@/lib/validation/panel-query";
import { describeCriterion, readCohortRows, withoutCohortRow } from "@/lib/validation/cohort";
import { formatDate, formatNumber } from "@/components/format";
import { TierBadge } from "@/components/tier-badge";
import { SaveViewForm } from "./save-view-form";
import { CohortCriteria } from "./cohort-criteria";
import { CohortDownload } from "./cohort-download";
import { SavedViews } from "./saved-views";

export const metadata = { title: "Patients" };


type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * What each direction of a sortable column means to a reader, and which one a first click gives: a
 * clinician who clicks "Age" expects the oldest patients first.
 */
const SORT_DIRECTIONS: Record<PanelSort, { first: PanelQuery["dir"]; asc: string; desc: string }> = {
  tier: { first: "asc", asc: "highest tier first", desc: "lowest tier first" },
  name: { first: "asc", asc: "A to Z", desc: "Z to A" },
  age: { first: "desc", asc: "youngest first", desc: "oldest first" },
  last_assessed: { first: "asc", asc: "longest ago first", desc: "most recent first" },
};

function SortHeader({ query, sort, label }: { query: PanelQuery; sort: PanelSort; label: string }) {
  const words = SORT_DIRECTIONS[sort];
  const active = query.sort === sort;
  const nextDir = active ? (query.dir === "asc" ? "desc" : "asc") : words.first;
  return (
    <th scope="col" aria-sort={active ? (query.dir === "asc" ? "ascending" : "descending") : "none"}>
      <Link href={`/patients${panelQueryString(query, { sort, dir: nextDir, page: 1 })}`} title={`Sort ${words[nextDir]}`}>
        {label}
        {active ? (query.dir === "asc" ? " ▲" : " ▼") : ""}
        <span className="skip-link">{active ? `, sorted ${words[query.dir]}` : ", sortable"}</span>
      </Link>
    </th>
  );
}

function Measure({ value, unit, at, digits }: { value: number | null; unit: string; at: Date | null; digits: number }) {
  if (value === null) return <span className="muted">—</span>;
  return (
    <>
      <span className="nowrap">{formatNumber(value, digits)} {unit}</span>
      <br />
      <span className="muted small">{formatDate(at)}</span>
    </>
  );
}

export default async function PatientsPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor("panel:view");
  const params = await searchParams;
  // "Remove" on a criteria row is a submit button, so it works without JavaScript: drop that row.
  if (typeof params.remove === "string") {
    const { query } = parsePanelParams(withoutCohortRow(params, Number(params.remove)));
    redirect(`/patients${panelQueryString(query, { page: 1 })}`);
  }
  const { query: parsed, issues } = parsePanelParams(params);
  // Keep bookmarkable URLs short: the filter form submits empty fields, which mean "any". A URL
  // with bad criteria rows stays as typed, so the form can show each row with what to fix.
  if (issues.length === 0 && !isCanonicalPanelUrl(params, parsed)) redirect(`/patients${panelQueryString(parsed)}`);
  const db = getDb();
  const now = new Date();
  const query = await resolveCohortCutOffs(db, actor.clinicId, parsed, now);
  const [panel, clinicians, views] = await Promise.all([
    issues.length === 0 ? getPatientPanel(db, actor, query, now) : null,
    listClinicians(db, actor),
    listSavedViews(db, actor),
  ]);
  const canExport = can(actor.role, "export:identified");
  const clinicianNames = Object.fromEntries(clinicians.map((c) => [c.id, c.name]));
  const issuesByRow = Object.fromEntries(issues.map((issue) => [issue.row, issue.message]));
  const viewQuery = savedViewQueryString(query);
  const openView = views.find((v) => v.id === query.view);
  const first = !panel || panel.total === 0 ? 0 : (panel.page - 1) * query.size + 1;
  const last = panel ? Math.min(panel.total, panel.page * query.size) : 0;

  return (
    <div className="stack">
      <h1>Patients</h1>
      {/* Keyed by the query so its uncontrolled fields show the current filters after link navigation. */}
      <form key={panelQueryString(query)} method="get" action="/patients" className="filters card" role="search" aria-label="Filter patients">
        {/* The form's default button (Enter in any field) must apply, not remove a criteria row. */}
        <button type="submit" tabIndex={-1} aria-hidden="true" className="skip-link">Apply</button>
        {query.view ? <input type="hidden" name="view" value={query.view} /> : null}
        <div className="field">
          <label htmlFor="q">Name or MRN</label>
          <input id="q" name="q" type="search" defaultValue={query.q ?? ""} aria-describedby="q-hint" />
          <span id="q-hint" className="muted small">“Jackson, Jan”, “Jan Jackson”, an MRN or part of one, or a birth date (YYYY-MM-DD); accents optional</span>
        </div>
        <div className="field">
          <label htmlFor="sex">Sex</label>
          <select id="sex" name="sex" defaultValue={query.sex ?? ""}>
            <option value="">Any</option>
            <option value="female">Female</option>
            <option value="male">Male</option>
            <option value="unknown">Unknown</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="ageMin">Age from</label>
          <input id="ageMin" name="ageMin" type="number" min={0} max={130} defaultValue={query.ageMin ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="ageMax">Age to</label>
          <input id="ageMax" name="ageMax" type="number" min={0} max={130} defaultValue={query.ageMax ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="diet">Diet</label>
          <select id="diet" name="diet" defaultValue={query.diet ?? ""}>
            <option value="">Any</option>
            <option value="omnivore">Omnivore</option>
            <option value="vegetarian">Vegetarian</option>
            <option value="vegan">Vegan</option>
            <option value="not_recorded">Not recorded</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="med">Medicine class</label>
          <select id="med" name="med" defaultValue={query.med ?? ""}>
            <option value="">Any</option>
            {MEDICATION_CLASS_FILTERS.map((cls) => (
              <option key={cls} value={cls}>{MEDICINE_CLASSES[cls].label}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="clinician">Attributed clinician</label>
          <select id="clinician" name="clinician" defaultValue={query.clinician ?? ""}>
            <option value="">Anyone</option>
            {clinicians.map((c) => (
              <option key={c.id} value={c.id}>{c.name}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="mine">
            <input id="mine" name="mine" type="checkbox" value="1" defaultChecked={query.mine === "1"} /> My patients
          </label>
        </div>
        <div className="field">
          <label htmlFor="tier">Tier</label>
          <select id="tier" name="tier" defaultValue={query.tier ?? ""}>
            <option value="">Any</option>
            {TIERS.map((tier) => (
              <option key={tier} value={tier}>{TIER_LABELS[tier]}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="flag">Open flag</label>
          <select id="flag" name="flag" defaultValue={query.flag ?? ""}>
            <option value="">Any</option>
            {FLAG_CODES.map((code) => (
              <option key={code} value={code}>{FLAG_LABELS[code]}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="outreach">Outreach</label>
          <select id="outreach" name="outreach" defaultValue={query.outreach ?? ""}>
            <option value="">Any</option>
            {OUTREACH_STATUSES.map((status) => (
              <option key={status} value={status}>{OUTREACH_LABELS[status]}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="overdue">
            <input id="overdue" name="overdue" type="checkbox" value="1" defaultChecked={query.overdue === "1"} /> Overdue flags only
          </label>
        </div>
        <div className="field">
          <label htmlFor="ewgsop2">EWGSOP2</label>
          <select id="ewgsop2" name="ewgsop2" defaultValue={query.ewgsop2 ?? ""}>
            <option value="">Any</option>
            {Object.entries(EWGSOP2_LABELS).map(([value, label]) => (
              <option key={value} value={value}>{label}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="awgs">AWGS 2019</label>
          <select id="awgs" name="awgs" defaultValue={query.awgs ?? ""}>
            <option value="">Any</option>
            {Object.entries(AWGS2019_LABELS).map(([value, label]) => (
              <option key={value} value={value}>{label}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="b12">B12 status</label>
          <select id="b12" name="b12" defaultValue={query.b12 ?? ""}>
            <option value="">Any</option>
            {Object.entries(B12_STATUS_LABELS).map(([value, label]) => (
              <option key={value} value={value}>{label}</option>
            ))}
          </select>
        </div>
        <CohortCriteria key={panelQueryString(query)} rows={readCohortRows(params)} match={query.match} clinicians={clinicians} issues={issuesByRow} />
        <input type="hidden" name="sort" value={query.sort} />
        <input type="hidden" name="dir" value={query.dir} />
        <input type="hidden" name="size" value={query.size} />
        <div className="actions">
          <button type="submit">Apply filters</button>
          <Link className="button secondary" href="/patients">Clear</Link>
        </div>
      </form>

      {issues.length > 0 ? (
        <div role="alert" className="card">
          <h2>These criteria need fixing</h2>
          <ul>
            {issues.map((issue) => (
              <li key={issue.row} className="field-error">{issue.message}</li>
            ))}
          </ul>
          <p className="small">No patients are listed or exported until every criterion can be applied, so neither shows a wider cohort than the one asked for.</p>
        </div>
      ) : null}

      {query.criteria.length > 0 && issues.length === 0 ? (
        <section aria-labelledby="cohort-heading" className="small">
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
      ) : null}

      {panel ? (
        <>
      <nav aria-label="Patients by tier" className="tier-counts">
        {TIERS.map((tier) => {
          const count = panel.tierCounts[tier] ?? 0;
          const active = query.tier === tier;
          return (
            <Link key={tier} href={`/patients${panelQueryString(query, { tier: active ? undefined : tier, page: 1 })}`} aria-current={active ? "true" : undefined} className={`tier-count tier-${tier}`}>
              <span className="tier-count-number">{count.toLocaleString("en")}</span> {TIER_LABELS[tier]}
            </Link>
          );
        })}
      </nav>

      {canExport ? (
        <p className="small">
          <CohortDownload href={`/api/export/cohort${viewQuery}`} expectedRows={panel.total} />{" "}
          <Link href={`/report${viewQuery}`}>Printable report</Link>{" "}
          <span className="muted">
            All {panel.total.toLocaleString("en")} patients of this cohort (every page, in MRN order): the documented export columns first, then diet, attributed clinician and next due date.
          </span>
        </p>
      ) : null}

      <p role="status" aria-live="polite">
        {panel.total === 0 ? "No patients match these filters." : `Showing ${first}–${last} of ${panel.total.toLocaleString("en")} ${panel.total === 1 ? "patient" : "patients"}`}
      </p>

      <div className="table-wrap">
        <table className="data">
          <caption className="skip-link">Patient panel</caption>
          <thead>
            <tr>
              <SortHeader query={query} sort="tier" label="Tier" />
              <SortHeader query={query} sort="name" label="Patient" />
              <th scope="col">MRN</th>
              <SortHeader query={query} sort="age" label="Age" />
              <th scope="col">Sex</th>
              <th scope="col">Open flags</th>
              <th scope="col" className="num">Grip strength</th>
              <th scope="col" className="num">Gait speed</th>
              <th scope="col" className="num">Serum B12</th>
              <SortHeader query={query} sort="last_assessed" label="Last assessed" />
              <th scope="col">Clinician</th>
            </tr>
          </thead>
          <tbody>
            {panel.rows.map((row) => (
              <tr key={row.id}>
                <td>{row.tier ? <TierBadge tier={row.tier} /> : <span className="muted">—</span>}</td>
                <td><Link href={`/patients/${row.id}`}>{row.familyName}, {row.givenName}</Link></td>
                <td className="nowrap">{row.mrn}</td>
                <td className="num">{ageInYears(row.birthDate, now)}</td>
                <td>{row.sex}</td>
                <td>
                  {row.openFlags.length === 0 ? (
                    <span className="muted">None</span>
                  ) : (
                    <ul className="flag-list">
                      {row.openFlags.map((flag) => (
                        <li key={flag.code}>
                          {FLAG_LABELS[flag.code]}{" "}
                          {flag.dueAt < now ? <span className="overdue">overdue since {formatDate(flag.dueAt)}</span> : <span className="muted small">due {formatDate(flag.dueAt)}</span>}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td className="num"><Measure value={row.latestGripKg} unit="kg" at={row.latestGripAt} digits={1} /></td>
                <td className="num"><Measure value={row.latestGaitMs} unit="m/s" at={row.latestGaitAt} digits={2} /></td>
                <td className="num"><Measure value={row.latestB12Pmol} unit="pmol/L" at={row.latestB12At} digits={0} /></td>
                <td className="nowrap">{formatDate(row.lastAssessedAt)}</td>
                <td>{row.clinicianName ?? <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

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

        </>
      ) : null}

      {issues.length === 0 ? <SaveViewForm query={viewQuery} /> : null}
      <SavedViews views={views} openViewId={openView?.id} currentQuery={viewQuery} />
    </div>
  );
}
