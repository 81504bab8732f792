"use client";

import { useActionState, useState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { FREE_TEXT_CHOICE } from "@/lib/validation/medication-form";
import { addConditionAction, addMedicationAction, editMedicationAction, resolveConditionAction, stopMedicationAction } from "./actions";
import { IsoDateInput } from "@/components/iso-date-input";

export interface MedicineOption {
  id: string;
  genericName: string;
  brands: string;
  classLabel: string;
  atc: string;
  roles: string[];
}

function Message({ state }: { state: ActionState | undefined }) {
  if (!state?.message) return null;
  return <p role={state.ok ? "status" : "alert"} className={state.ok ? "form-ok small" : "form-error small"}>{state.message}</p>;
}

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? <span className="field-error" id={id}>{message}</span> : null;
}

function invalid(id: string, message: string | undefined) {
  return { "aria-invalid": message ? true : undefined, "aria-describedby": message ? `${id}-error` : undefined } as const;
}

/**
 * The search results as one radio group (arrow keys choose), the free-text fallback last, then the
 * start date and Add.
 */
export function AddMedicineForm({ patientId, version, query, options, exactId, today }: {
  patientId: string;
  version: number;
  query: string;
  options: MedicineOption[];
  exactId: string | null;
  today: string;
}) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(addMedicationAction, undefined);
  const errors = state?.fieldErrors ?? {};
  const chosen = state?.values?.choice ?? exactId ?? options[0]?.id ?? FREE_TEXT_CHOICE;
  const choiceError = errors.choice?.[0] ?? errors.query?.[0];
  return (
    <form action={action} className="stack" noValidate aria-label="Choose the medicine to add">
      <input type="hidden" name="patientId" value={patientId} />
      <input type="hidden" name="expectedVersion" value={version} />
      <input type="hidden" name="query" value={query} />
      <fieldset className="choice med-choices" role="radiogroup" aria-labelledby="med-choice-legend" {...invalid("med-choice", choiceError)}>
        <legend id="med-choice-legend">
          {options.length > 0 ? `Catalogue matches for “${query}”` : `No catalogue medicine matches “${query}”`}
        </legend>
        {options.map((o) => (
          <label key={o.id} className="med-option" htmlFor={`med-${o.id}`}>
            <input type="radio" id={`med-${o.id}`} name="choice" value={o.id} defaultChecked={chosen === o.id} autoFocus={chosen === o.id} />
            <span>
              <strong>{o.genericName}</strong>
              {o.brands ? <span className="muted"> — {o.brands}</span> : null}
              <span className="small"> · {o.classLabel} ({o.atc})</span>
              {o.roles.map((r) => <span key={r} className={`role-tag ${r === "B12-lowering" ? "role-b12-lowering" : r === "B12 replacement" ? "role-b12-replacement" : "role-muscle-falls"}`}>{r}</span>)}
            </span>
          </label>
        ))}
        {exactId === null ? (
          <label className="med-option" htmlFor="med-free">
            <input type="radio" id="med-free" name="choice" value={FREE_TEXT_CHOICE} defaultChecked={chosen === FREE_TEXT_CHOICE} autoFocus={options.length === 0} />
            <span>
              Keep “{query}” as free text <span className="role-tag role-unmatched">Not matched — does not count for the rules</span>
            </span>
          </label>
        ) : null}
        <FieldError id="med-choice-error" message={choiceError} />
      </fieldset>
      <div className="row">
        <div className="field">
          <label htmlFor="med-start">Start date <span className="muted">(optional)</span></label>
          <IsoDateInput id="med-start" name="startedOn" hintId="med-start-hint" defaultValue={state?.values?.startedOn ?? today} aria-invalid={errors.startedOn ? true : undefined} describedBy={errors.startedOn ? "med-start-error" : undefined} />
          <FieldError id="med-start-error" message={errors.startedOn?.[0]} />
        </div>
        <button type="submit" disabled={pending}>{pending ? "Adding…" : "Add medicine"}</button>
      </div>
      <Message state={state} />
    </form>
  );
}

/**
 * Stopping a medicine changes what the engine counts as current (a B12-lowering medicine, a
 * replacement that hides a flag), so it takes two steps: "Stop…" opens the date and a button that
 * names the medicine and the date it stops from. A `<details>`, so the two steps need no JavaScript.
 */
export function StopMedicineForm({ medicationId, name, version, today }: { medicationId: string; name: string; version: number; today: string }) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(stopMedicationAction, undefined);
  const id = `stop-${medicationId}`;
  const error = state?.fieldErrors?.stoppedOn?.[0];
  const [stopDate, setStopDate] = useState(state?.values?.stoppedOn ?? today);
  return (
    <details className="stop-medicine" open={Boolean(error) || (state !== undefined && !state.ok)}>
      <summary>Stop {name}…</summary>
      <form action={action} className="flag-form" noValidate aria-label={`Stop ${name}`}>
        <input type="hidden" name="medicationId" value={medicationId} />
        <input type="hidden" name="expectedVersion" value={version} />
        <div className="field">
          <label htmlFor={id}>Stop date</label>
          <IsoDateInput id={id} name="stoppedOn" hintId={`${id}-hint`} defaultValue={state?.values?.stoppedOn ?? today} onChange={(e) => setStopDate(e.currentTarget.value)} aria-invalid={error ? true : undefined} describedBy={error ? `${id}-error` : undefined} />
          <FieldError id={`${id}-error`} message={error} />
        </div>
        <p className="small flush">It will no longer count as a current medicine from that date; the patient is re-evaluated.</p>
        <button type="submit" className="danger" disabled={pending}>Yes, stop {name} from {stopDate || "this date"}</button>
        <Message state={state} />
      </form>
    </details>
  );
}

export function EditMedicineForm({ medicationId, name, version, startedOn, stoppedOn }: { medicationId: string; name: string; version: number; startedOn: string; stoppedOn: string }) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(editMedicationAction, undefined);
  const errors = state?.fieldErrors ?? {};
  const id = `edit-${medicationId}`;
  return (
    <details className="small" open={Boolean(state && !state.ok) || undefined}>
      <summary>Edit dates<span className="visually-hidden"> of {name}</span></summary>
      <form action={action} className="flag-form" noValidate aria-label={`Edit dates of ${name}`}>
        <input type="hidden" name="medicationId" value={medicationId} />
        <input type="hidden" name="expectedVersion" value={version} />
        <div className="field">
          <label htmlFor={`${id}-start`}>Started</label>
          <IsoDateInput id={`${id}-start`} name="startedOn" hintId={`${id}-start-hint`} defaultValue={state?.values?.startedOn ?? startedOn} aria-invalid={errors.startedOn ? true : undefined} describedBy={errors.startedOn ? `${id}-start-error` : undefined} />
          <FieldError id={`${id}-start-error`} message={errors.startedOn?.[0]} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-stop`}>Stopped</label>
          <IsoDateInput id={`${id}-stop`} name="stoppedOn" hintId={`${id}-stop-hint`} defaultValue={state?.values?.stoppedOn ?? stoppedOn} aria-invalid={errors.stoppedOn ? true : undefined} describedBy={errors.stoppedOn ? `${id}-stop-error` : undefined} />
          <FieldError id={`${id}-stop-error`} message={errors.stoppedOn?.[0]} />
        </div>
        <button type="submit" className="secondary" disabled={pending}>Save dates</button>
        <Message state={state} />
      </form>
    </details>
  );
}

export function AddConditionForm({ patientId, version, options }: { patientId: string; version: number; options: { code: string; label: string }[] }) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(addConditionAction, undefined);
  const error = state?.fieldErrors?.code?.[0];
  return (
    <form action={action} className="flag-form" noValidate aria-label="Record a condition">
      <input type="hidden" name="patientId" value={patientId} />
      <input type="hidden" name="expectedVersion" value={version} />
      <div className="field">
        <label htmlFor="condition-code">Condition</label>
        <select id="condition-code" name="code" defaultValue={state?.values?.code ?? ""} {...invalid("condition-code", error)}>
          <option value="" disabled>Choose…</option>
          {options.map((o) => <option key={o.code} value={o.code}>{o.label}</option>)}
        </select>
        <FieldError id="condition-code-error" message={error} />
      </div>
      <button type="submit" disabled={pending}>Record condition</button>
      <Message state={state} />
    </form>
  );
}

export function ResolveConditionForm({ patientId, version, code, label }: { patientId: string; version: number; code: string; label: string }) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(resolveConditionAction, undefined);
  return (
    <form action={action} className="flag-form inline" aria-label={`Resolve ${label}`}>
      <input type="hidden" name="patientId" value={patientId} />
      <input type="hidden" name="expectedVersion" value={version} />
      <input type="hidden" name="code" value={code} />
      <button type="submit" className="secondary" disabled={pending} aria-label={`Mark ${label} resolved`}>Resolved</button>
      <Message state={state} />
    </form>
  );
}
