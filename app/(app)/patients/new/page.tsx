import Link from "next/link";
import { requirePageActor } from "@/lib/auth/session";
import { NewPatientForm } from "./new-patient-form";

export const metadata = { title: "New patient" };

/** Registering a patient in the app (clinicians and admins); results are entered afterwards on the assessment form. */
export default async function NewPatientPage() {
  await requirePageActor("patient:edit");
  return (
    <div className="stack">
      <nav aria-label="Breadcrumb" className="small">
        <Link href="/patients">Patients</Link> <span aria-hidden="true">›</span> <span aria-current="page">New patient</span>
      </nav>
      <h1>New patient</h1>
      <p className="small muted flush">
        The MRN must be new in this clinic. The patient is evaluated as soon as they are saved; enter their results afterwards with Enter assessment.
      </p>
      <NewPatientForm />
    </div>
  );
}
