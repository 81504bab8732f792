import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { getAssessmentContext, type AssessmentContext } from "@/lib/data/patients/assessment";
import { isAppError } from "@/lib/errors";
import { toIsoDate } from "@/lib/domain/dates";
import { AWGS2019_LABELS, B12_STATUS_LABELS, EWGSOP2_LABELS } from "@/lib/domain/labels";
import { MEASURE_LABELS } from "@/lib/domain/measures";
import { describeReported, OBSERVATION_SOURCE_LABELS } from "@/lib/validation/assessment-form";
import { TierBadge } from "@/components/tier-badge";
import { formatDate } from "@/components/format";
import { ownValue } from "@/lib/domain/own-keys";
import { AssessmentForm } from "./assessment-form";

export const metadata = { title: "Enter assessment" };

async function load(id: string): Promise<AssessmentContext> {
  const actor = await requirePageActor("patient:edit");
  try {
    return await getAssessmentContext(getDb(), actor, id, new Date());
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
}

/** One visit's entry form, beside what is already on record (what a second clinician checks against). */
export default async function AssessPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { patient, snapshot, version, latest } = await load(id);
  const today = toIsoDate(new Date());
  const name = `${patient.familyName}, ${patient.givenName}`;
  return (
    <div className="stack assess-page">
      <nav aria-label="Breadcrumb" className="small">
        <Link href="/patients">Patients</Link> <span aria-hidden="true">›</span> <Link href={`/patients/${patient.id}`}>{name}</Link>{" "}
        <span aria-hidden="true">›</span> <span aria-current="page">Enter assessment</span>
      </nav>
      <div className="patient-title">
        <h1>Enter assessment: {name}</h1>
        {snapshot ? <TierBadge tier={snapshot.tier} /> : null}
      </div>
      <p className="small muted flush">
        MRN {patient.mrn} · {patient.ageYears} years · {patient.sex}. Leave a field empty if it was not measured. Press Enter in any box to save;
        Tab moves on, arrow keys choose within a group of options, Space ticks a box.
      </p>
      <div className="assess-layout">
        <AssessmentForm patientId={patient.id} version={version} today={today} />
        <aside className="card assess-record" aria-labelledby="on-record-heading">
          <h2 id="on-record-heading">On record (version {version})</h2>
          {snapshot ? (
            <p className="small">
              EWGSOP2: <strong>{EWGSOP2_LABELS[snapshot.ewgsop2]}</strong>
              <br />
              AWGS 2019: <strong>{AWGS2019_LABELS[snapshot.awgs2019]}</strong>
              <br />
              B12: <strong>{B12_STATUS_LABELS[snapshot.b12Status]}</strong>
            </p>
          ) : null}
          {latest.length === 0 ? (
            <p className="muted small">No results yet.</p>
          ) : (
            <table className="data compact">
              <caption className="visually-hidden">Latest result of each kind on record</caption>
              <thead>
                <tr>
                  <th scope="col">Result</th>
                  <th scope="col">Latest</th>
                  <th scope="col">Entered</th>
                </tr>
              </thead>
              <tbody>
                {latest.map((r) => (
                  <tr key={r.kind}>
                    <th scope="row">{MEASURE_LABELS[r.kind]}</th>
                    <td>
                      {describeReported(r)}
                      <div className="muted small nowrap">taken {formatDate(r.observedAt)}</div>
                    </td>
                    <td className="small">
                      {r.enteredByName ?? ownValue(OBSERVATION_SOURCE_LABELS, r.source) ?? r.source}
                      <div className="muted"><span className="nowrap">{formatDate(r.enteredAt)}</span> <span className="nowrap">{r.enteredAt.toISOString().slice(11, 16)}</span></div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="small"><Link href={`/patients/${patient.id}/observations`}>All results and corrections</Link></p>
        </aside>
      </div>
    </div>
  );
}
