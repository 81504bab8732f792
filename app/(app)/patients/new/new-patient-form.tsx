"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { CONDITION_CODES } from "@/lib/domain/types";
import { CONDITION_LABELS } from "@/lib/validation/medication-form";
import { conditionField } from "@/lib/validation/patient-form";
import { FieldError, invalid, PatientDetailsFields } from "@/components/patient-details-fields";
import { createPatientAction } from "./actions";

/** Registering a patient: MRN, demographics, diet and known B12-absorption conditions. */
export function NewPatientForm() {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(createPatientAction, undefined);
  const errors = state?.fieldErrors ?? {};
  const values = state?.values ?? {};
  const mrnError = errors.mrn?.[0];
  return (
    <form action={action} className="card stack" noValidate aria-label="New patient">
      <div className="field">
        <label htmlFor="np-mrn">MRN (medical record number)</label>
        <input id="np-mrn" name="mrn" defaultValue={values.mrn ?? ""} autoComplete="off" required autoFocus {...invalid("np-mrn", mrnError)} />
        <FieldError id="np-mrn-error" message={mrnError} />
      </div>
      <PatientDetailsFields
        values={{ familyName: values.familyName ?? "", givenName: values.givenName ?? "", birthDate: values.birthDate ?? "", sex: values.sex ?? "", diet: values.diet ?? "" }}
        errors={errors}
      />
      <fieldset className="choice">
        <legend>B12 risk conditions known now <span className="muted">(optional; more on the patient&apos;s Medicines and conditions page)</span></legend>
        {CONDITION_CODES.map((code) => (
          <label className="tick-label" key={code}>
            <input type="checkbox" name={conditionField(code)} defaultChecked={values[conditionField(code)] === "on"} />
            {CONDITION_LABELS[code]}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <button type="submit" disabled={pending}>{pending ? "Registering…" : "Register patient"}</button>
      </div>
      {state?.message ? <p role="alert" className="form-error small">{state.message}</p> : null}
    </form>
  );
}
