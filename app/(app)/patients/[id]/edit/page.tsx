import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { getPatientDetails } from "@/lib/data/patients/details";
import { isAppError } from "@/lib/errors";
import { toIsoDate } from "@/lib/domain/dates";
import { PatientDetailsForm } from "./details-form";

export const metadata = { title: "Edit patient details" };

async function load(id: string) {
  const actor = await requirePageActor("patient:edit");
  try {
    return await getPatientDetails(getDb(), actor, id, new Date());
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
}

/** A patient's demographics and diet (the MRN stays; conditions and medicines have their own page). */
export default async function EditPatientPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const patient = await load(id);
  const name = `${patient.familyName}, ${patient.givenName}`;
  return (
    <div className="stack">
      <nav aria-label="Breadcrumb" className="small">
        <Link href="/patients">Patients</Link> <span aria-hidden="true">›</span> <Link href={`/patients/${patient.id}`}>{name}</Link>{" "}
        <span aria-hidden="true">›</span> <span aria-current="page">Edit details</span>
      </nav>
      <h1>Edit details: {name}</h1>
      <p className="small muted flush">
        MRN {patient.mrn} (it cannot be changed here). Saving re-evaluates the patient at once and records the change, old → new, in the audit
        log. Conditions and medicines: <Link href={`/patients/${patient.id}/medicines`}>Medicines and conditions</Link>.
      </p>
      <PatientDetailsForm
        patientId={patient.id}
        version={patient.version}
        recorded={{ familyName: patient.familyName, givenName: patient.givenName, birthDate: toIsoDate(patient.birthDate), sex: patient.sex, diet: patient.diet ?? "" }}
      />
    </div>
  );
}
