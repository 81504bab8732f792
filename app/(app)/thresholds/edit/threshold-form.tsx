"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { saveThresholdsAction } from "../actions";
import { IsoDateInput } from "@/components/iso-date-input";

interface Entry {
  key: string;
  label: string;
  unit: string;
  value: number | boolean | string;
  source: string;
  confirmed: boolean;
}

function FieldError({ id, errors }: { id: string; errors: string[] | undefined }) {
  return errors?.[0] ? <span className="field-error" id={id}>{errors[0]}</span> : null;
}

export function ThresholdForm({ entries }: { entries: Entry[] }) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(saveThresholdsAction, undefined);
  const errors = state?.fieldErrors ?? {};
  // After a refusal the form shows what was typed, not the saved values (React resets a form to
  // its defaults when its action completes).
  const typed = state?.values;
  const initial = (name: string, saved: string) => typed?.[name] ?? saved;
  const today = new Date().toISOString().slice(0, 10);
  return (
    <form action={action} className="stack card" noValidate>
      {state?.message ? <div className="form-error" role="alert">{state.message}</div> : null}
      <div className="threshold-grid">
        {entries.map((entry) => {
          const name = `t:${entry.key}`;
          const id = `f-${entry.key.replace(/\./g, "-")}`;
          const invalid = errors[name] ? true : undefined;
          return (
            <div className="field" key={entry.key}>
              <label htmlFor={id}>
                {entry.label}
                {entry.unit ? ` (${entry.unit})` : ""}
                {entry.confirmed ? "" : " — unconfirmed"}
              </label>
              {typeof entry.value === "boolean" ? (
                <input id={id} name={name} type="checkbox" defaultChecked={typed ? typed[name] === "on" : entry.value} />
              ) : typeof entry.value === "string" ? (
                <select id={id} name={name} defaultValue={initial(name, entry.value)} aria-invalid={invalid}>
                  <option value="<">&lt; (below)</option>
                  <option value="<=">≤ (at or below)</option>
                </select>
              ) : (
                <input id={id} name={name} inputMode="decimal" defaultValue={initial(name, String(entry.value))} aria-invalid={invalid} aria-describedby={invalid ? `${id}-error` : undefined} />
              )}
              <span className="muted small">{entry.source}</span>
              <FieldError id={`${id}-error`} errors={errors[name]} />
            </div>
          );
        })}
      </div>
      <div className="filters">
        <div className="field">
          <label htmlFor="effectiveFrom">Effective from</label>
          <IsoDateInput id="effectiveFrom" name="effectiveFrom" hintId="effectiveFrom-hint" defaultValue={initial("effectiveFrom", today)} aria-invalid={errors.effectiveFrom ? true : undefined} describedBy={errors.effectiveFrom ? "effectiveFrom-error" : undefined} />
          <FieldError id="effectiveFrom-error" errors={errors.effectiveFrom} />
        </div>
        <div className="field" style={{ flex: 1 }}>
          <label htmlFor="note">Reason for the change</label>
          <input id="note" name="note" maxLength={500} defaultValue={initial("note", "")} aria-invalid={errors.note ? true : undefined} aria-describedby={errors.note ? "note-error" : undefined} />
          <FieldError id="note-error" errors={errors.note} />
        </div>
      </div>
      <div>
        <button type="submit" disabled={pending}>{pending ? "Saving…" : "Save as a new version"}</button>
      </div>
    </form>
  );
}
