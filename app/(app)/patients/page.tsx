import Link from "next/link";
import { Suspense } from "react";
import { redirect } from "next/navigation";
import { requirePageActor } from "@/lib/auth/session";
import { can } from "@/lib/data/access/roles";
import { getDb } from "@/lib/data/db/client";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { listClinicians } from "@/lib/data/auth/users";
import { listSavedViews } from "@/lib/data/patients/saved-views";
import { resolveCohortCutOffs } from "@/lib/data/patients/cohort-where";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { addMonthsUtc } from "@/lib/domain/dates";
import { isCanonicalPanelUrl, parsePanelParams, panelQueryString, savedViewQueryString } from "@/lib/validation/panel-query";
import { readCohortRows, withoutCohortRow } from "@/lib/validation/cohort";
import { SaveViewForm } from "./save-view-form";
import { ManageSavedViews, SavedViewLinks } from "./saved-views";
import { PanelSearch } from "./panel-search";
import { PanelResults } from "./panel-results";
import { CohortIssues, CohortSummary } from "./cohort-summary";
import { WorklistSkeleton } from "./panel-skeletons";

export const metadata = { title: "Patients" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * The worklist first: the search box and the saved views at the top, every other filter and the
 * cohort builder folded behind one disclosure, then the ranked patients (streamed in under a
 * skeleton), and saving or editing views below them.
 */
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
  const [clinicians, views, thresholds] = await Promise.all([listClinicians(db, actor), listSavedViews(db, actor), getActiveThresholds(db, actor.clinicId, now)]);
  const lookBackMonths = thresholds.values.screening.lookBackMonths;
  const viewQuery = savedViewQueryString(query);
  const openView = views.find((v) => v.id === query.view);
  const clinicianNames = Object.fromEntries(clinicians.map((c) => [c.id, c.name]));
  const issuesByRow = Object.fromEntries(issues.map((issue) => [issue.row, issue.message]));

  return (
    <div className="stack panel-page">
      <div className="panel-head">
        <h1>Patients</h1>
        {can(actor.role, "patient:edit") ? <Link href="/patients/new" className="button secondary">New patient</Link> : null}
        <PanelSearch query={query} cohortRows={readCohortRows(params)} clinicians={clinicians} issuesByRow={issuesByRow}>
          <SavedViewLinks views={views} openViewId={openView?.id} />
        </PanelSearch>
      </div>
      {issues.length > 0 ? <CohortIssues issues={issues} /> : <CohortSummary query={query} clinicianNames={clinicianNames} />}
      {issues.length === 0 ? (
        <Suspense key={panelQueryString(query)} fallback={<WorklistSkeleton rows={Math.min(query.size, 12)} />}>
          <PanelResults
            load={getPatientPanel(db, actor, query, now)}
            query={query}
            now={now}
            thresholds={thresholds.values}
            windowStart={addMonthsUtc(now, -lookBackMonths)}
            lookBackMonths={lookBackMonths}
            viewQuery={viewQuery}
            canExport={can(actor.role, "export:identified")}
          />
        </Suspense>
      ) : null}
      <ManageSavedViews views={views} openViewId={openView?.id} currentQuery={viewQuery}>
        {issues.length === 0 ? <SaveViewForm query={viewQuery} /> : null}
      </ManageSavedViews>
    </div>
  );
}
