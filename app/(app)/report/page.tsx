import "./report.css";
import Link from "next/link";
import { requirePageActor } from "@/lib/auth/session";
import { can } from "@/lib/data/access/roles";
import { getDb } from "@/lib/data/db/client";
import { getCohortReport, type ReportPatient } from "@/lib/data/reports/cohort-report";
import { resolveCohortCutOffs } from "@/lib/data/patients/cohort-where";
import { ageInYears } from "@/lib/domain/dates";
import { AWGS2019_LABELS, B12_STATUS_LABELS, EWGSOP2_LABELS, FLAG_LABELS } from "@/lib/domain/labels";
import { SUPPRESSION_NOTE } from "@/lib/domain/suppression";
import { FLAG_STATE_LABELS } from "@/lib/domain/flag-lifecycle";
import type { Awgs2019Category, B12Status, Ewgsop2Category, FlagCode } from "@/lib/domain/types";
import { parsePanelParams, panelQueryString } from "@/lib/validation/panel-query";
import { SummaryFigure } from "@/components/charts/summary-figure";
import { TierBadge } from "@/components/tier-badge";
import { describeCohort } from "./cohort-description";
import { PrintButton } from "./print-button";

export const metadata = { title: "Report" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function label<K extends string>(labels: Record<K, string>, value: K | null): string {
  return value === null ? "—" : labels[value];
}

function PatientList({ patients, total, now }: { patients: ReportPatient[]; total: number; now: Date }) {
  return (
    <section className="report-patients stack" aria-labelledby="report-patients-title">
      <h2 id="report-patients-title">Patients</h2>
      <p className="muted small">
        {patients.length < total
          ? `The first ${patients.length.toLocaleString("en")} of ${total.toLocaleString("en")} patients in worklist order (highest tier, most overdue first). Narrow the cohort, or download its CSV for every patient.`
          : `All ${total.toLocaleString("en")} patients in worklist order (highest tier, most overdue first).`}
      </p>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Patients in the cohort: table">
        <table className="data compact report-patient-table">
          <caption className="visually-hidden">Patients in the cohort</caption>
          <colgroup>
            <col className="col-mrn" />
            <col className="col-name" />
            <col className="col-age" />
            <col className="col-sex" />
            <col className="col-tier" />
            <col className="col-category" />
            <col className="col-category" />
            <col className="col-b12" />
            <col className="col-flags" />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">MRN</th>
              <th scope="col">Name</th>
              <th scope="col" className="num">Age</th>
              <th scope="col">Sex</th>
              <th scope="col">Tier</th>
              <th scope="col">EWGSOP2</th>
              <th scope="col">AWGS 2019</th>
              <th scope="col">B12</th>
              <th scope="col">Open flags (due date)</th>
            </tr>
          </thead>
          <tbody>
            {patients.map((p) => (
              <tr key={p.id}>
                <td className="nowrap">{p.mrn}</td>
                <th scope="row">{p.familyName}, {p.givenName}</th>
                <td className="num">{ageInYears(p.birthDate, now)}</td>
                <td>{p.sex}</td>
                <td>{p.tier ? <TierBadge tier={p.tier} /> : "—"}</td>
                <td>{label<Ewgsop2Category>(EWGSOP2_LABELS, p.ewgsop2)}</td>
                <td>{label<Awgs2019Category>(AWGS2019_LABELS, p.awgs2019)}</td>
                <td>{label<B12Status>(B12_STATUS_LABELS, p.b12Status)}</td>
                <td>
                  {p.openFlags.length === 0 ? (
                    "—"
                  ) : (
                    <ul className="flag-list">
                      {p.openFlags.map((f) => (
                        <li key={f.code}>
                          {label<FlagCode>(FLAG_LABELS, f.code)} <span className={`nowrap${f.state.state === "overdue" ? " overdue" : ""}`}>({f.state.day}: {FLAG_STATE_LABELS[f.state.state].toLowerCase()})</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/**
 * A printable report of a cohort (the panel's query string): the summary charts with their
 * numbers and the patient list. Prints to A4 from the browser ("Save as PDF" gives a
 * text-searchable PDF); see report.css for the print layout.
 */
export default async function ReportPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor("summary:view");
  const { query, issues } = parsePanelParams(await searchParams);
  if (issues.length > 0) {
    // A criteria row that does not parse would otherwise be dropped and widen the cohort.
    return (
      <div className="stack">
        <h1>Cohort report</h1>
        <div role="alert" className="card">
          <p>This cohort has criteria that could not be used, so no report was made:</p>
          <ul>
            {issues.map((issue) => (
              <li key={issue.row}>{issue.message}</li>
            ))}
          </ul>
          <p>
            <Link href={`/patients${panelQueryString(query)}`}>Fix the criteria on the panel</Link>, then open the report again.
          </p>
        </div>
      </div>
    );
  }
  const now = new Date();
  const db = getDb();
  // "Low by the EWGSOP2 / AWGS 2019 cut-off" criteria need the clinic's threshold set in force.
  const report = await getCohortReport(db, actor, await resolveCohortCutOffs(db, actor.clinicId, query, now), now);
  const cohort = report.isCohort ? describeCohort(query) : [];
  const panelLink = `/patients${panelQueryString({ ...query, page: 1 })}`;
  return (
    <div className="report-page stack">
      <div className="report-header">
        <h1>{report.isCohort ? "Cohort report" : "Clinic report"}</h1>
        <div className="report-actions">
          <PrintButton />
          {report.isCohort ? (
            <Link className="button secondary" href={panelLink}>
              Back to the panel
            </Link>
          ) : (
            <Link className="button secondary" href="/summary">
              Back to the summary
            </Link>
          )}
        </div>
      </div>
      <p className="report-meta">
        <strong>Cohort:</strong> {cohort.length > 0 ? cohort.join("; ") : "all patients of the clinic"}. <strong>Patients:</strong> {report.summary.total.text}.{" "}
        <strong>Generated:</strong> {now.toISOString().slice(0, 16).replace("T", " ")} UTC by {actor.name}.
      </p>
      {report.summary.isSuppressed ? (
        <p className="muted small">
          Counts only, for the whole clinic; small counts are suppressed. {SUPPRESSION_NOTE}
          {can(actor.role, "export:deidentified") ? " Patient-level data is available as the de-identified CSV on the summary page." : ""}
        </p>
      ) : null}
      {/* The list first: at a meeting the patients are the agenda; the charts summarise them after. */}
      {report.patients ? <PatientList patients={report.patients} total={report.summary.total.count ?? report.patients.length} now={now} /> : null}
      <section className="summary-figures report-figures" aria-label="Summary of the cohort">
        {report.summary.tables.map((table) => (
          <SummaryFigure key={table.id} table={table} isSuppressed={report.summary.isSuppressed} />
        ))}
      </section>
    </div>
  );
}
