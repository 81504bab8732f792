"use client";

import { useActionState, useEffect, useRef, useState } from "react";
import { saveThresholdsAction, type ThresholdActionState } from "../actions";
import { IsoDateInput } from "@/components/iso-date-input";

interface Entry {
  key: string;
  group: string;
  label: string;
  unit: string;
  value: number | boolean | string;
  source: string;
  confirmed: boolean;
}

interface Section {
  group: string;
  title: string;
  implements: string;
}

function FieldError({ id, errors }: { id: string; errors: string[] | undefined }) {
  return errors?.[0] ? <span className="field-error" id={id}>{errors[0]}</span> : null;
}

const fieldId = (key: string) => `f-${key.replace(/\./g, "-")}`;

function signedPercent(percent: number): string {
  return `${percent > 0 ? "+" : percent < 0 ? "−" : ""}${Math.abs(percent)} %`;
}

/**
 * The admin's threshold form, one fieldset per section of the Thresholds page. Saving takes two
 * steps when a value is more than 10 % from its guideline: the server lists every such value with
 * its guideline value and citation, and "Confirm and save" sends them back confirmed.
 */
export function ThresholdForm({ entries, sections }: { entries: Entry[]; sections: Section[] }) {
  const [state, action, pending] = useActionState<ThresholdActionState | undefined, FormData>(saveThresholdsAction, undefined);
  const errors = state?.fieldErrors ?? {};
  // After a refusal the form shows what was typed, not the saved values (React resets a form to
  // its defaults when its action completes).
  const typed = state?.values;
  const initial = (name: string, saved: string) => typed?.[name] ?? saved;
  const today = new Date().toISOString().slice(0, 10);
  const confirm = state?.confirm ?? [];
  const [dismissed, setDismissed] = useState<ThresholdActionState | undefined>(undefined);
  const confirming = confirm.length > 0 && dismissed !== state;
  const pendingGuideline = new Map<string, (typeof confirm)[number]>(confirming ? confirm.map((d) => [d.key, d]) : []);
  const confirmHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (confirming) confirmHeading.current?.focus();
  }, [confirming]);

  const goBack = () => {
    setDismissed(state);
    const first = confirm[0];
    if (first) document.getElementById(fieldId(first.key))?.focus();
  };

  return (
    <form action={action} className="stack card" noValidate>
      {state?.message ? <div className="form-error" role="alert">{state.message}</div> : null}
      {confirming ? (
        <section className="confirm-step stack" aria-labelledby="confirm-title">
          <h2 id="confirm-title" ref={confirmHeading} tabIndex={-1}>
            Confirm {confirm.length === 1 ? "the value" : `${confirm.length} values`} more than 10 % from the guideline
          </h2>
          <p className="flush">
            A cut-off far from its source changes who is flagged. Check each against the guideline value and its citation.
          </p>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Values to confirm">
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Criterion</th>
                  <th scope="col" className="num">Your value</th>
                  <th scope="col" className="num">Guideline value</th>
                  <th scope="col" className="num">Difference</th>
                  <th scope="col">Citation</th>
                </tr>
              </thead>
              <tbody>
                {confirm.map((d) => (
                  <tr key={d.key}>
                    <th scope="row">{d.label}</th>
                    <td className="num nowrap">{d.value} {d.unit}</td>
                    <td className="num nowrap">{d.guideline} {d.unit}</td>
                    <td className="num nowrap">{signedPercent(d.percent)}</td>
                    <td className="small">{d.citation}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="actions">
            <button type="submit" name="confirmDeviations" value={state?.confirmToken ?? ""} disabled={pending}>
              {pending ? "Saving…" : "Confirm and save as a new version"}
            </button>{" "}
            <button type="button" className="secondary" onClick={goBack}>Go back and change the values</button>
          </div>
        </section>
      ) : null}
      {sections.map((section) => (
        <fieldset key={section.group} className="threshold-section" aria-describedby={`policy-${section.group}`}>
          <legend>{section.title}</legend>
          <p className="small muted flush" id={`policy-${section.group}`}>Implements: {section.implements}</p>
          <div className="threshold-grid">
            {entries.filter((entry) => entry.group === section.group).map((entry) => {
              const name = `t:${entry.key}`;
              const id = fieldId(entry.key);
              const invalid = errors[name] ? true : undefined;
              const far = pendingGuideline.get(entry.key);
              const describedBy = [invalid ? `${id}-error` : null, far ? `${id}-guideline` : null].filter(Boolean).join(" ") || undefined;
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
                    <input id={id} name={name} inputMode="decimal" defaultValue={initial(name, String(entry.value))} aria-invalid={invalid} aria-describedby={describedBy} />
                  )}
                  <span className="muted small">{entry.source}</span>
                  {far ? (
                    <span className="guideline-note small" id={`${id}-guideline`}>
                      Guideline value {far.guideline} {far.unit} ({signedPercent(far.percent)}): confirm above
                    </span>
                  ) : null}
                  <FieldError id={`${id}-error`} errors={errors[name]} />
                </div>
              );
            })}
          </div>
        </fieldset>
      ))}
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
