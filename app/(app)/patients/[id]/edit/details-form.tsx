"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { PatientDetailsFields, type DetailValues } from "@/components/patient-details-fields";
import { updatePatientDetailsAction } from "./actions";

/** The patient's name, birth date, sex and diet, saved against the version the page was opened at. */
export function PatientDetailsForm({ patientId, version, recorded }: { patientId: string; version: number; recorded: DetailValues }) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(updatePatientDetailsAction, undefined);
  const values = state?.values;
  const shown: DetailValues = values
    ? { familyName: values.familyName ?? "", givenName: values.givenName ?? "", birthDate: values.birthDate ?? "", sex: values.sex ?? "", diet: values.diet ?? "" }
    : recorded;
  return (
    <form action={action} className="card stack" noValidate aria-label="Patient details">
      <input type="hidden" name="patientId" value={patientId} />
      <input type="hidden" name="expectedVersion" value={version} />
      <PatientDetailsFields values={shown} errors={state?.fieldErrors ?? {}} />
      <div className="row">
        <button type="submit" disabled={pending}>{pending ? "Saving…" : "Save details"}</button>
      </div>
      {state?.message ? <p role="alert" className="form-error small">{state.message}</p> : null}
    </form>
  );
}
