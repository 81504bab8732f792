import Link from "next/link";
import type { AuditEventRow } from "@/lib/data/audit/search";
import { AUDIT_ACTION_LABELS, isAuditAction } from "@/lib/domain/audit-describe";
import { TableScroll } from "@/components/table-scroll";

const ROLE_LABELS: Record<AuditEventRow["role"], string> = {
  admin: "Admin",
  clinician: "Clinician",
  analyst: "Analyst",
  system: "System",
  unknown: "Unknown user",
};

/** Date and time to the second in UTC, the way the audit log stores it. */
function formatInstant(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Audit events newest first (the patient access page and the admins' audit page). */
export function AuditEventsTable({ rows, caption, showPatient }: { rows: AuditEventRow[]; caption: string; showPatient: boolean }) {
  return (
    <TableScroll label={`${caption}: table`}>
      <table className="data compact">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Who</th>
            <th scope="col">Role</th>
            <th scope="col">Action</th>
            {showPatient ? <th scope="col">Patient</th> : null}
            <th scope="col">What happened</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.seq}>
              <td className="nowrap">{formatInstant(row.at)}</td>
              <td>{row.actorLabel}</td>
              <td>{ROLE_LABELS[row.role]}</td>
              <td>{isAuditAction(row.action) ? AUDIT_ACTION_LABELS[row.action] : row.action}</td>
              {showPatient ? (
                <td>{row.patient ? <Link href={`/patients/${row.patient.id}`}>{row.patient.name} ({row.patient.mrn})</Link> : <span className="muted">—</span>}</td>
              ) : null}
              <td>{row.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
