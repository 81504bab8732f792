import Link from "next/link";
import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { formatCursor, listAuditActors, parseCursor, searchAuditEvents } from "@/lib/data/audit/search";
import { AUDIT_ACTION_LABELS, AUDIT_ACTIONS } from "@/lib/domain/audit-describe";
import { auditFilterOf, auditQueryString, parseAuditQuery } from "@/lib/validation/audit-filter";
import { AuditEventsTable } from "@/components/audit-events-table";
import { VerifyPanel } from "./verify-panel";
import { IsoDateInput } from "@/components/iso-date-input";

export const metadata = { title: "Audit log" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** The admins' audit search: the clinic's events by actor, action, patient and dates, newest first. */
export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor("audit:view");
  const params = await searchParams;
  const query = parseAuditQuery(params);
  const after = typeof params.after === "string" ? params.after : undefined;
  const db = getDb();
  const [page, users] = await Promise.all([searchAuditEvents(db, actor, auditFilterOf(query), parseCursor(after), new Date()), listAuditActors(db, actor)]);

  return (
    <div className="stack">
      <h1>Audit log</h1>
      <form key={auditQueryString(query)} method="get" action="/audit" className="filters card" role="search" aria-label="Filter audit events">
        <div className="field">
          <label htmlFor="actor">Who</label>
          <select id="actor" name="actor" defaultValue={query.actor ?? ""}>
            <option value="">Anyone</option>
            <option value="system">System (command line, jobs)</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>{u.name} ({u.email}, {u.role})</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="action">Action</label>
          <select id="action" name="action" defaultValue={query.action ?? ""}>
            <option value="">Any</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>{AUDIT_ACTION_LABELS[a]}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="mrn">Patient MRN</label>
          <input id="mrn" name="mrn" defaultValue={query.mrn ?? ""} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor="from">From</label>
          <IsoDateInput id="from" name="from" hintId="from-hint" defaultValue={query.from ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="to">To (inclusive)</label>
          <IsoDateInput id="to" name="to" hintId="to-hint" defaultValue={query.to ?? ""} />
        </div>
        <div className="actions">
          <button type="submit">Search</button>
          <Link className="button secondary" href="/audit">Clear</Link>
        </div>
      </form>

      <p className="small">
        <a className="button secondary" href={`/api/audit/export${auditQueryString(query)}`} download>Download these events (CSV)</a>{" "}
        <span className="muted">Every event matching the filters, newest first. Times are UTC; dates are whole UTC days.</span>
      </p>

      {page.unknownMrn ? (
        <p role="status">No patient in this clinic has the MRN “{page.unknownMrn}”.</p>
      ) : page.rows.length === 0 ? (
        <p role="status">{after ? "No older events match." : "No events match these filters."}</p>
      ) : (
        <AuditEventsTable rows={page.rows} caption="Audit events, newest first" showPatient />
      )}
      <nav className="pager" aria-label="Pages">
        {after ? <Link href={`/audit${auditQueryString(query)}`}>← Newest</Link> : <span className="muted">← Newest</span>}
        {page.next ? (
          <Link href={`/audit${auditQueryString(query, { after: formatCursor(page.next) })}`} rel="next">Older →</Link>
        ) : (
          <span className="muted">Older →</span>
        )}
      </nav>

      <VerifyPanel />
    </div>
  );
}
