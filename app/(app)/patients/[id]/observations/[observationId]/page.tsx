import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { getObservation } from "@/lib/data/patients/observations";
import { isAppError } from "@/lib/errors";
import { toIsoDate } from "@/lib/domain/dates";
import { MEASURE_LABELS, UNABLE_IS_RESULT } from "@/lib/domain/measures";
import { UNITS_BY_KIND } from "@/lib/domain/units";
import { describeReported, OBSERVATION_SOURCE_LABELS } from "@/lib/validation/assessment-form";
import { displayUnit } from "@/lib/domain/plausibility";
import { formatDate } from "@/components/format";
import { ownValue } from "@/lib/domain/own-keys";
import { CorrectObservationForm, EnteredInErrorForm } from "./correction-forms";

export const metadata = { title: "Correct a result" };

async function load(id: string, observationId: string) {
  const actor = await requirePageActor("patient:edit");
  try {
    const found = await getObservation(getDb(), actor, observationId, new Date());
    if (found.patient.id !== id) notFound();
    return found;
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
}

/** One result: correct its value, unit or date, or mark it entered in error with a reason. */
export default async function CorrectObservationPage({ params }: { params: Promise<{ id: string; observationId: string }> }) {
  const { id, observationId } = await params;
  const { patient, observation: o } = await load(id, observationId);
  const name = `${patient.familyName}, ${patient.givenName}`;
  const label = MEASURE_LABELS[o.kind];
  const withdrawn = o.status === "entered_in_error";
  return (
    <div className="stack narrow-page">
      <nav aria-label="Breadcrumb" className="small">
        <Link href="/patients">Patients</Link> <span aria-hidden="true">›</span> <Link href={`/patients/${patient.id}`}>{name}</Link>{" "}
        <span aria-hidden="true">›</span> <Link href={`/patients/${patient.id}/observations`}>Results</Link> <span aria-hidden="true">›</span>{" "}
        <span aria-current="page">Correct</span>
      </nav>
      <h1>Correct a result: {label.toLowerCase()}</h1>
      <dl className="facts card">
        <div><dt>Patient</dt><dd>{name} (MRN {patient.mrn})</dd></div>
        <div><dt>Current value</dt><dd>{describeReported(o)}</dd></div>
        <div><dt>Taken</dt><dd>{formatDate(o.observedAt)}</dd></div>
        <div><dt>Entered</dt><dd>{o.enteredByName ?? ownValue(OBSERVATION_SOURCE_LABELS, o.source) ?? o.source} · {o.enteredAt.toISOString().slice(0, 16).replace("T", " ")}</dd></div>
        <div><dt>Version</dt><dd>{o.version}</dd></div>
        {o.note ? <div><dt>Note</dt><dd>{o.note}</dd></div> : null}
      </dl>
      {withdrawn ? (
        <p className="form-error">
          This result was marked entered in error by {o.erroredByName ?? "—"} on {formatDate(o.erroredAt)}
          {o.erroredReason ? `: “${o.erroredReason}”` : ""}. It no longer counts and cannot be changed.
        </p>
      ) : (
        <>
          <CorrectObservationForm
            key={`correct-${o.version}`}
            observationId={o.id}
            version={o.version}
            kind={o.kind}
            label={label}
            units={UNITS_BY_KIND[o.kind].map((u) => ({ value: u, label: u === "s/4m" ? "s for a 4 m walk" : displayUnit(u) }))}
            canBeUnable={UNABLE_IS_RESULT[o.kind]}
            current={{
              value: o.isUnable ? "" : o.reportedValue,
              unit: o.reportedUnit === "unable" || o.isUnable ? UNITS_BY_KIND[o.kind][0]! : o.reportedUnit,
              unable: o.isUnable,
              observedAt: toIsoDate(o.observedAt),
              method: o.method ?? "",
            }}
          />
          <EnteredInErrorForm key={`error-${o.version}`} observationId={o.id} version={o.version} label={`${label} ${describeReported(o)} on ${formatDate(o.observedAt)}`} />
        </>
      )}
    </div>
  );
}
