"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { FieldError, invalid } from "@/components/patient-details-fields";
import { linkEhrUserAction, removeEhrAction, saveEhrAction } from "./actions";

function Outcome({ state }: { state: ActionState | undefined }) {
  if (!state?.message) return null;
  return state.ok ? <p role="status" className="form-ok small">{state.message}</p> : <p role="alert" className="form-error small">{state.message}</p>;
}

export interface EhrFormValues {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  mrnSystem: string;
}

/** Registers the clinic's EHR, or edits one (`ehr` given): the secret is asked for again only to change it. */
export function EhrForm({ ehr }: { ehr?: EhrFormValues }) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(saveEhrAction, undefined);
  const errors = state?.fieldErrors ?? {};
  const values = state && !state.ok ? (state.values ?? {}) : {};
  const p = ehr ? `ehr-${ehr.id}` : "ehr-new";
  const field = (name: keyof EhrFormValues) => values[name] ?? ehr?.[name] ?? "";
  return (
    <form action={action} className="card stack" noValidate aria-labelledby={`${p}-heading`} key={state?.ok ? state.message : "form"}>
      <h2 id={`${p}-heading`}>{ehr ? `Edit ${ehr.name}` : "Register the clinic's EHR"}</h2>
      {ehr ? <input type="hidden" name="id" value={ehr.id} /> : null}
      <div className="row">
        <div className="field">
          <label htmlFor={`${p}-name`}>Name</label>
          <input id={`${p}-name`} name="name" defaultValue={field("name")} autoComplete="off" required {...invalid(`${p}-name`, errors.name?.[0])} />
          <FieldError id={`${p}-name-error`} message={errors.name?.[0]} />
        </div>
        <div className="field">
          <label htmlFor={`${p}-issuer`}>FHIR base URL (iss)</label>
          <input id={`${p}-issuer`} name="issuer" type="url" defaultValue={field("issuer")} autoComplete="off" required placeholder="https://ehr.example.org/fhir/r4" {...invalid(`${p}-issuer`, errors.issuer?.[0])} />
          <FieldError id={`${p}-issuer-error`} message={errors.issuer?.[0]} />
        </div>
      </div>
      <div className="row">
        <div className="field">
          <label htmlFor={`${p}-client`}>Client id</label>
          <input id={`${p}-client`} name="clientId" defaultValue={field("clientId")} autoComplete="off" required {...invalid(`${p}-client`, errors.clientId?.[0])} />
          <FieldError id={`${p}-client-error`} message={errors.clientId?.[0]} />
        </div>
        <div className="field">
          <label htmlFor={`${p}-secret`}>Client secret{ehr ? " (leave empty to keep it)" : ""}</label>
          <input id={`${p}-secret`} name="clientSecret" type="password" autoComplete="new-password" {...invalid(`${p}-secret`, errors.clientSecret?.[0])} />
          <FieldError id={`${p}-secret-error`} message={errors.clientSecret?.[0]} />
        </div>
        <div className="field">
          <label htmlFor={`${p}-mrn`}>MRN identifier system</label>
          <input id={`${p}-mrn`} name="mrnSystem" defaultValue={field("mrnSystem")} autoComplete="off" required placeholder="urn:oid:1.2.3.4" {...invalid(`${p}-mrn`, errors.mrnSystem?.[0])} />
          <FieldError id={`${p}-mrn-error`} message={errors.mrnSystem?.[0]} />
        </div>
      </div>
      <p className="small muted flush">The secret is stored encrypted and never shown again. Patients are matched by their identifier in the MRN system.</p>
      <div className="row">
        <button type="submit" disabled={pending}>{pending ? "Saving…" : ehr ? "Save" : "Register EHR"}</button>
      </div>
      <Outcome state={state} />
    </form>
  );
}

/** Links a user of the clinic to their EHR identity (`fhirUser`); empty unlinks. */
export function EhrUserLinkForm({ ehrId, users }: { ehrId: string; users: { id: string; email: string; fhirUser: string | null }[] }) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(linkEhrUserAction, undefined);
  const errors = state?.fieldErrors ?? {};
  const values = state && !state.ok ? (state.values ?? {}) : {};
  const p = `link-${ehrId}`;
  return (
    <form action={action} className="stack" noValidate aria-labelledby={`${p}-heading`}>
      <h3 id={`${p}-heading`}>Link a user to the EHR</h3>
      <input type="hidden" name="ehrId" value={ehrId} />
      <div className="row">
        <div className="field">
          <label htmlFor={`${p}-user`}>User</label>
          <select id={`${p}-user`} name="userId" defaultValue={values.userId ?? ""} {...invalid(`${p}-user`, errors.userId?.[0])}>
            <option value="">Choose…</option>
            {users.map((u) => <option key={u.id} value={u.id}>{u.email}{u.fhirUser ? ` (${u.fhirUser})` : ""}</option>)}
          </select>
          <FieldError id={`${p}-user-error`} message={errors.userId?.[0]} />
        </div>
        <div className="field">
          <label htmlFor={`${p}-fhir-user`}>EHR user (fhirUser)</label>
          <input id={`${p}-fhir-user`} name="fhirUser" defaultValue={values.fhirUser ?? ""} autoComplete="off" placeholder="Practitioner/123" aria-describedby={`${p}-hint`} />
        </div>
      </div>
      <p className="small muted flush" id={`${p}-hint`}>As the EHR names the user, e.g. Practitioner/123. Leave it empty to unlink the user.</p>
      <div className="row">
        <button type="submit" className="secondary" disabled={pending}>{pending ? "Saving…" : "Save link"}</button>
      </div>
      <Outcome state={state} />
    </form>
  );
}

/**
 * Removes an EHR, in two steps (a `<details>`): launches and syncs from it are refused at once, and
 * registering it again needs its client secret.
 */
export function RemoveEhrForm({ ehrId, name }: { ehrId: string; name: string }) {
  const [state, run, pending] = useActionState<ActionState | undefined, FormData>(removeEhrAction, undefined);
  return (
    <details className="small">
      <summary>Remove {name}…</summary>
      <form action={run} className="flag-form">
        <input type="hidden" name="ehrId" value={ehrId} />
        <p className="small flush">
          Launches and Bulk Data syncs from {name} are refused from then on, and its users&apos; links are deleted. The patients it brought in stay. Registering it again
          needs the client secret.
        </p>
        <button type="submit" className="danger" disabled={pending}>
          {pending ? "Removing…" : `Yes, remove ${name}`}
        </button>
        <Outcome state={state} />
      </form>
    </details>
  );
}
