import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { formatCursor, listPatientAccess, parseCursor, type PatientAccessPage } from "@/lib/data/audit/search";
import { isAppError } from "@/lib/errors";
import { AuditEventsTable } from "@/components/audit-events-table";

export const metadata = { title: "Who has seen or changed this record" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * The patient's access trail. The route needs patient:view; the data layer then admits only admins
 * and the patient's attributed clinician (lib/data/audit/search.ts), everyone else is sent to
 * /forbidden, and another clinic's patient is "not found".
 */
async function load(id: string, after: string | undefined): Promise<PatientAccessPage> {
  const actor = await requirePageActor("patient:view");
  try {
    return await listPatientAccess(getDb(), actor, id, parseCursor(after), new Date());
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    if (isAppError(error) && error.code === "forbidden") redirect("/forbidden");
    throw error;
  }
}

export default async function PatientAccessPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: SearchParams }) {
  const { id } = await params;
  const { after } = await searchParams;
  const page = await load(id, typeof after === "string" ? after : undefined);
  const { patient } = page;
  const base = `/patients/${patient.id}/access`;

  return (
    <div className="stack">
      <nav aria-label="Breadcrumb" className="small">
        <Link href="/patients">Patients</Link> <span aria-hidden="true">›</span> <Link href={`/patients/${patient.id}`}>{patient.familyName}, {patient.givenName}</Link>{" "}
        <span aria-hidden="true">›</span> <span aria-current="page">Access</span>
      </nav>
      <h1>Who has seen or changed this record</h1>
      <p className="muted small">
        {patient.familyName}, {patient.givenName} (MRN {patient.mrn}). Every view, change, flag action, import that touched the record and panel
        search that listed the patient, newest first. Cohort exports are listed on the clinic&apos;s audit page. Opening this page is recorded too.
      </p>
      {page.rows.length === 0 ? (
        <p role="status">{after ? "No older events." : "No events recorded for this patient yet."}</p>
      ) : (
        <AuditEventsTable rows={page.rows} caption="Audit events for this patient" showPatient={false} />
      )}
      <nav className="pager" aria-label="Pages">
        {after ? <Link href={base}>← Newest</Link> : <span className="muted">← Newest</span>}
        {page.next ? (
          <Link href={`${base}?after=${formatCursor(page.next)}`} rel="next">Older →</Link>
        ) : (
          <span className="muted">Older →</span>
        )}
      </nav>
    </div>
  );
}
