import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { listPatientObservations, type PatientObservationList } from "@/lib/data/patients/observations";
import { isAppError } from "@/lib/errors";
import { MEASURE_LABELS } from "@/lib/domain/measures";
import { describeReported, OBSERVATION_SOURCE_LABELS } from "@/lib/validation/assessment-form";
import { ownValue } from "@/lib/domain/own-keys";
import { formatDate } from "@/components/format";
import { TableScroll } from "@/components/table-scroll";

export const metadata = { title: "Results and corrections" };
const DONE_MESSAGES: Record<string, string> = {
  corrected: "The result was corrected and the patient re-evaluated.",
  withdrawn: "The result was marked entered in error; it no longer counts and the patient was re-evaluated.",
};

async function load(id: string): Promise<PatientObservationList> {
  const actor = await requirePageActor("patient:edit");
  try {
    return await listPatientObservations(getDb(), actor, id, new Date());
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
}

function stamp(date: Date | null): string {
  return date ? date.toISOString().slice(0, 16).replace("T", " ") : "";
}

/** Every result of the patient, newest first, with who entered, corrected or withdrew it and when. */
export default async function ObservationsPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { id } = await params;
  const { done } = await searchParams;
  const { patient, observations } = await load(id);
  const name = `${patient.familyName}, ${patient.givenName}`;
  const doneMessage = typeof done === "string" ? ownValue(DONE_MESSAGES, done) : undefined;
  return (
    <div className="stack">
      <nav aria-label="Breadcrumb" className="small">
        <Link href="/patients">Patients</Link> <span aria-hidden="true">›</span> <Link href={`/patients/${patient.id}`}>{name}</Link>{" "}
        <span aria-hidden="true">›</span> <span aria-current="page">Results</span>
      </nav>
      <h1>Results: {name}</h1>
      {doneMessage ? <p className="form-ok" role="status">{doneMessage} <Link href={`/patients/${patient.id}`}>Back to the patient</Link></p> : null}
      <p className="small muted flush">
        To correct a result, choose “Correct” on its row: change its value, unit or date, or mark it entered in error (it stays listed here but no longer counts).
      </p>
      <TableScroll label="All results: table">
        <table className="data results-table">
          <caption>All results, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Taken</th>
              <th scope="col">Result</th>
              <th scope="col">Value</th>
              <th scope="col">Status</th>
              <th scope="col">Entered</th>
              <th scope="col">Changes</th>
              <th scope="col"><span className="visually-hidden">Action</span></th>
            </tr>
          </thead>
          <tbody>
            {observations.length === 0 ? (
              <tr><td colSpan={7} className="muted">No results recorded.</td></tr>
            ) : (
              observations.map((o) => {
                const withdrawn = o.status === "entered_in_error";
                const label = `${MEASURE_LABELS[o.kind]} ${describeReported(o)} on ${formatDate(o.observedAt)}`;
                return (
                  <tr key={o.id} className={withdrawn ? "withdrawn" : undefined}>
                    <td className="nowrap">{formatDate(o.observedAt)}</td>
                    <td>{MEASURE_LABELS[o.kind]}{o.method ? <span className="muted small"> ({o.method.toUpperCase()})</span> : null}</td>
                    <td>
                      {withdrawn ? <del>{describeReported(o)}</del> : describeReported(o)}
                      {o.note ? <div className="muted small">{o.note}</div> : null}
                    </td>
                    <td>{withdrawn ? <strong>Entered in error</strong> : "Counts"}</td>
                    <td className="small">
                      {o.enteredByName ?? ownValue(OBSERVATION_SOURCE_LABELS, o.source) ?? o.source}
                      <div className="muted">{stamp(o.enteredAt)}</div>
                    </td>
                    <td className="small">
                      {o.correctedAt ? <div>Corrected by {o.correctedByName ?? "—"}, {stamp(o.correctedAt)}</div> : null}
                      {withdrawn ? (
                        <div>
                          Marked in error by {o.erroredByName ?? "—"}, {stamp(o.erroredAt)}
                          {o.erroredReason ? <>: “{o.erroredReason}”</> : null}
                        </div>
                      ) : null}
                      {!o.correctedAt && !withdrawn ? <span className="muted">—</span> : null}
                    </td>
                    <td>
                      {withdrawn ? null : (
                        <Link href={`/patients/${patient.id}/observations/${o.id}`} aria-label={`Correct ${label}`}>Correct</Link>
                      )}
                    </td>
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </TableScroll>
    </div>
  );
}
