"use client";

import { useActionState, useEffect, useRef } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { correctObservationAction, markEnteredInErrorAction } from "../actions";
import { IsoDateInput } from "@/components/iso-date-input";

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? <span className="field-error" id={id}>{message}</span> : null;
}

function describedBy(id: string, message: string | undefined) {
  return { "aria-invalid": message ? true : undefined, "aria-describedby": message ? `${id}-error` : undefined } as const;
}

function useFocusOnRefusal(state: ActionState | undefined) {
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!state || state.ok) return;
    const target = ref.current?.querySelector<HTMLElement>("[aria-invalid='true']") ?? ref.current?.querySelector<HTMLElement>("[role='alert']");
    target?.focus();
  }, [state]);
  return ref;
}

/** The corrected value, unit and date (and method, for muscle mass). */
export function CorrectObservationForm({ observationId, version, kind, label, units, canBeUnable, current }: {
  observationId: string;
  version: number;
  kind: string;
  label: string;
  units: { value: string; label: string }[];
  canBeUnable: boolean;
  current: { value: string; unit: string; unable: boolean; observedAt: string; method: string };
}) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(correctObservationAction, undefined);
  const ref = useFocusOnRefusal(state);
  const typed = state?.values;
  const errors = state?.fieldErrors ?? {};
  const v = (name: keyof typeof current & string, saved: string) => typed?.[name] ?? saved;
  return (
    <form ref={ref} action={action} className="card stack" noValidate aria-labelledby="correct-heading">
      <h2 id="correct-heading">Correct the value, unit or date</h2>
      {state?.message ? <p className="form-error" role="alert" tabIndex={-1}>{state.message}</p> : null}
      <input type="hidden" name="observationId" value={observationId} />
      <input type="hidden" name="version" value={version} />
      <input type="hidden" name="kind" value={kind} />
      <div className="row">
        <div className="field">
          <label htmlFor="c-value">{label}</label>
          <input id="c-value" name="value" inputMode="decimal" autoComplete="off" size={8} defaultValue={v("value", current.value)} {...describedBy("c-value", errors.value?.[0])} />
          <FieldError id="c-value-error" message={errors.value?.[0]} />
        </div>
        <div className="field">
          <label htmlFor="c-unit">Unit</label>
          <select id="c-unit" name="unit" defaultValue={v("unit", current.unit)} {...describedBy("c-unit", errors.unit?.[0])}>
            {units.map((u) => <option key={u.value} value={u.value}>{u.label}</option>)}
          </select>
          <FieldError id="c-unit-error" message={errors.unit?.[0]} />
        </div>
        {canBeUnable ? (
          <div className="field tick">
            <label htmlFor="c-unable" className="tick-label">
              <input id="c-unable" name="unable" type="checkbox" defaultChecked={typed ? typed.unable === "on" : current.unable} /> Unable to complete
            </label>
          </div>
        ) : null}
        {kind === "asm" ? (
          <div className="field">
            <label htmlFor="c-method">Measured by</label>
            <select id="c-method" name="method" defaultValue={v("method", current.method)} {...describedBy("c-method", errors.method?.[0])}>
              <option value="">Choose…</option>
              <option value="dxa">DXA</option>
              <option value="bia">BIA</option>
            </select>
            <FieldError id="c-method-error" message={errors.method?.[0]} />
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="c-date">Date taken</label>
          <IsoDateInput id="c-date" name="observedAt" hintId="c-date-hint" defaultValue={v("observedAt", current.observedAt)} aria-invalid={errors.observedAt ? true : undefined} describedBy={errors.observedAt ? "c-date-error" : undefined} />
          <FieldError id="c-date-error" message={errors.observedAt?.[0]} />
        </div>
      </div>
      <div>
        <button type="submit" disabled={pending}>{pending ? "Saving…" : "Save correction"}</button>
      </div>
    </form>
  );
}

/** Withdraws a result: kept, shown as entered in error with who, when and why; no longer counts. */
export function EnteredInErrorForm({ observationId, version, label }: { observationId: string; version: number; label: string }) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(markEnteredInErrorAction, undefined);
  const ref = useFocusOnRefusal(state);
  const error = state?.fieldErrors?.reason?.[0];
  return (
    <form ref={ref} action={action} className="card stack" noValidate aria-labelledby="error-heading">
      <h2 id="error-heading">Mark as entered in error</h2>
      <p className="small muted flush">For a result that should never have been recorded (wrong patient, wrong test, a typing slip). It stays in the record but no longer counts: {label}.</p>
      {state?.message ? <p className="form-error" role="alert" tabIndex={-1}>{state.message}</p> : null}
      <input type="hidden" name="observationId" value={observationId} />
      <input type="hidden" name="version" value={version} />
      <div className="field">
        <label htmlFor="e-reason">Reason</label>
        <input id="e-reason" name="reason" maxLength={500} autoComplete="off" defaultValue={state?.values?.reason ?? ""} {...describedBy("e-reason", error)} />
        <FieldError id="e-reason-error" message={error} />
      </div>
      <div>
        <button type="submit" className="danger" disabled={pending}>{pending ? "Saving…" : "Mark entered in error"}</button>
      </div>
    </form>
  );
}
