import Link from "next/link";
import type { PanelRow } from "@/lib/data/patients/panel";
import { ageInYears } from "@/lib/domain/dates";
import { displayText, type DisplayQuantity } from "@/lib/domain/display-precision";
import type { ThresholdValues } from "@/lib/domain/thresholds";
import { FLAG_LABELS, TIER_LABELS } from "@/lib/domain/labels";
import { isOwnKey, ownValue } from "@/lib/domain/own-keys";
import { panelQueryString, type PanelQuery, type PanelSort } from "@/lib/validation/panel-query";
import { formatDate } from "@/components/format";
import { TierBadge } from "@/components/tier-badge";

/**
 * What each direction of a sortable column means to a reader, and which one a first click gives: a
 * clinician who clicks "Age" expects the oldest patients first, and "Next due" the soonest.
 */
const SORT_DIRECTIONS: Record<PanelSort, { first: PanelQuery["dir"]; asc: string; desc: string }> = {
  tier: { first: "asc", asc: "highest tier first", desc: "lowest tier first" },
  name: { first: "asc", asc: "A to Z", desc: "Z to A" },
  age: { first: "desc", asc: "youngest first", desc: "oldest first" },
  last_assessed: { first: "asc", asc: "longest ago first", desc: "most recent first" },
  next_due: { first: "asc", asc: "soonest (most overdue) first", desc: "latest first" },
};

function SortHeader({ query, sort, label, className }: { query: PanelQuery; sort: PanelSort; label: string; className?: string }) {
  const words = SORT_DIRECTIONS[sort];
  const active = query.sort === sort;
  const nextDir = active ? (query.dir === "asc" ? "desc" : "asc") : words.first;
  return (
    <th scope="col" role="columnheader" className={className} aria-sort={active ? (query.dir === "asc" ? "ascending" : "descending") : "none"}>
      <Link href={`/patients${panelQueryString(query, { sort, dir: nextDir, page: 1 })}`} title={`Sort ${words[nextDir]}`}>
        {label}
        {active ? (query.dir === "asc" ? " ▲" : " ▼") : ""}
        <span className="skip-link">{active ? `, sorted ${words[query.dir]}` : ", sortable"}</span>
      </Link>
    </th>
  );
}

/**
 * A latest result with its date. One taken before the look-back window still shows (it is the
 * latest on record) but is marked as not used by the evaluation, which only reads the window.
 * Printed with the clinic's cut-offs in view (lib/domain/display-precision.ts): never on the other
 * side of a cut-off from the value that set the patient's category (26.99 kg, not "27.0").
 */
function Measure({ quantity, value, unit, at, digits, thresholds, windowStart, lookBackMonths }: {
  quantity: DisplayQuantity; value: number | null; unit: string; at: Date | null; digits: number; thresholds: ThresholdValues; windowStart: Date; lookBackMonths: number;
}) {
  if (value === null) return <span className="muted">—</span>;
  const isOld = at !== null && at < windowStart;
  return (
    <span className={isOld ? "measure old" : "measure"}>
      <span className="nowrap measure-value">{displayText(quantity, value, digits, thresholds)} {unit}</span>
      <br />
      <span className="muted small nowrap">{formatDate(at)}</span>{" "}
      {isOld ? (
        <span className="not-used small">
          not used<span className="visually-hidden"> (older than {lookBackMonths} months)</span>
        </span>
      ) : null}
    </span>
  );
}

/** The worklist: one compact row per patient, tier first, every date as YYYY-MM-DD. */
export function PanelTable({ rows, query, now, thresholds, windowStart, lookBackMonths }: {
  rows: PanelRow[]; query: PanelQuery; now: Date; thresholds: ThresholdValues; windowStart: Date; lookBackMonths: number;
}) {
  const window = { thresholds, windowStart, lookBackMonths };
  return (
    <div className="table-wrap panel-table-wrap">
      <table className="data panel-table" aria-describedby="not-used-note" role="table">
        <caption className="skip-link">Patient panel</caption>
        <thead role="rowgroup">
          <tr role="row">
            <SortHeader query={query} sort="tier" label="Tier" />
            <SortHeader query={query} sort="name" label="Patient" />
            <th scope="col" role="columnheader">MRN</th>
            <SortHeader query={query} sort="age" label="Age" className="num" />
            <th scope="col" role="columnheader">Sex</th>
            <SortHeader query={query} sort="next_due" label="Open flags, next due" />
            <th scope="col" role="columnheader" className="num">Grip strength</th>
            <th scope="col" role="columnheader" className="num">Gait speed</th>
            <th scope="col" role="columnheader" className="num">Serum B12</th>
            <SortHeader query={query} sort="last_assessed" label="Last assessed" />
            <th scope="col" role="columnheader">Clinician</th>
          </tr>
        </thead>
        <tbody role="rowgroup">
          {rows.map((row) => (
            <tr key={row.id} role="row">
              <td role="cell" data-label="Tier">{row.tier && isOwnKey(TIER_LABELS, row.tier) ? <TierBadge tier={row.tier} /> : <span className="muted">—</span>}</td>
              <td role="cell" className="patient-name" data-label="Patient"><Link href={`/patients/${row.id}`}>{row.familyName}, {row.givenName}</Link></td>
              <td role="cell" className="nowrap" data-label="MRN">{row.mrn}</td>
              <td role="cell" className="num" data-label="Age">{ageInYears(row.birthDate, now)}</td>
              <td role="cell" data-label="Sex">{row.sex}</td>
              <td role="cell" className="flags-cell" data-label="Open flags">
                {row.openFlags.length === 0 ? (
                  <span className="muted">None</span>
                ) : (
                  <ul className="flag-list">
                    {row.openFlags.map((flag) => (
                      <li key={flag.code}>
                        <span className="flag-name">{ownValue(FLAG_LABELS, flag.code) ?? flag.code}</span>{" "}
                        <span className={`nowrap ${flag.state.state === "overdue" ? "overdue" : flag.state.state === "due" ? "due-today" : "muted"}`} data-state={flag.state.state}>{flag.state.text}</span>
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td role="cell" className="num" data-label="Grip strength"><Measure quantity="grip_strength" value={row.latestGripKg} unit="kg" at={row.latestGripAt} digits={1} {...window} /></td>
              <td role="cell" className="num" data-label="Gait speed"><Measure quantity="gait_speed" value={row.latestGaitMs} unit="m/s" at={row.latestGaitAt} digits={2} {...window} /></td>
              <td role="cell" className="num" data-label="Serum B12"><Measure quantity="b12_total" value={row.latestB12Pmol} unit="pmol/L" at={row.latestB12At} digits={0} {...window} /></td>
              <td role="cell" className="nowrap" data-label="Last assessed">{formatDate(row.lastAssessedAt)}</td>
              <td role="cell" data-label="Clinician">{row.clinicianName ?? <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p id="not-used-note" className="small muted table-note">
        Latest result of each measure with its date; <span className="not-used">not used</span>: older than {lookBackMonths} months, outside the look-back window, so the evaluation does not use it.
      </p>
    </div>
  );
}
