"use client";

import { useState, useSyncExternalStore } from "react";
import { COHORT_FIELDS, COHORT_FIELD_NAMES, COHORT_OPS, MAX_CRITERIA, MAX_WITHIN_MONTHS, fieldDef, opNeedsValue, type CohortDraftRow, type CohortField, type CohortMatch, type CohortOp } from "@/lib/validation/cohort";

interface Props {
  rows: CohortDraftRow[];
  match: CohortMatch;
  clinicians: { id: string; name: string }[];
  /** Problems by row number (1-based), shown beside the row. */
  issues: Record<number, string>;
}

interface KeyedRow extends CohortDraftRow {
  key: number;
}

const noSubscription = () => () => {};
const BLANK: CohortDraftRow = { field: "", op: "", value: "", within: "" };
const isField = (field: string): field is CohortField => (COHORT_FIELD_NAMES as string[]).includes(field);

/**
 * The cohort builder's criteria rows inside the panel's GET form. Server-rendered, it works with
 * no client JavaScript: every row's controls are plain named fields (`c1.field`, `c1.op`, …), a
 * blank row at the end adds a criterion, and "Remove" is a submit button the page handles. With
 * JavaScript, operators and values follow the chosen field at once and rows are added or removed
 * in place.
 */
export function CohortCriteria({ rows: initialRows, match: initialMatch, clinicians, issues }: Props) {
  const [rows, setRows] = useState<KeyedRow[]>(() => [...initialRows, BLANK].map((row, key) => ({ ...row, key })));
  const [match, setMatch] = useState(initialMatch);
  const [nextKey, setNextKey] = useState(initialRows.length + 1);
  const clinicianChoices = Object.fromEntries(clinicians.map((c) => [c.id, c.name]));
  // "Add criterion" needs JavaScript; without it the blank row at the end does the job.
  const hydrated = useSyncExternalStore(noSubscription, () => true, () => false);

  const update = (key: number, change: Partial<CohortDraftRow>) => setRows((all) => all.map((row) => (row.key === key ? { ...row, ...change } : row)));
  const remove = (key: number) => setRows((all) => all.filter((row) => row.key !== key));
  const add = () => {
    setRows((all) => [...all, { ...BLANK, key: nextKey }]);
    setNextKey((k) => k + 1);
  };

  return (
    <fieldset className="cohort-criteria stack">
      <legend>Cohort criteria</legend>
      <p className="small muted" id="cohort-help">
        The filters above always apply. Criteria rows narrow the cohort further; measurement rows look at every recorded result (in canonical units; results marked entered in error are ignored), optionally only those of the last N months.
      </p>
      <div role="radiogroup" aria-label="Combine the criteria" className="filters">
        <label>
          <input type="radio" name="match" value="all" checked={match === "all"} onChange={() => setMatch("all")} /> Match all criteria (AND)
        </label>
        <label>
          <input type="radio" name="match" value="any" checked={match === "any"} onChange={() => setMatch("any")} /> Match any criterion (OR)
        </label>
      </div>
      <ol className="criteria-rows">
        {rows.map((row, index) => (
          <CriterionRow
            key={row.key}
            n={index + 1}
            row={row}
            issue={row.key < initialRows.length ? issues[row.key + 1] : undefined}
            clinicianChoices={clinicianChoices}
            onChange={(change) => update(row.key, change)}
            onRemove={() => remove(row.key)}
          />
        ))}
      </ol>
      {hydrated && rows.length < MAX_CRITERIA ? (
        <p>
          <button type="button" className="secondary" onClick={add}>Add criterion</button>
        </p>
      ) : null}
    </fieldset>
  );
}

function CriterionRow({ n, row, issue, clinicianChoices, onChange, onRemove }: {
  n: number;
  row: CohortDraftRow;
  issue: string | undefined;
  clinicianChoices: Record<string, string>;
  onChange: (change: Partial<CohortDraftRow>) => void;
  onRemove: () => void;
}) {
  const id = `c${n}`;
  const def = isField(row.field) ? fieldDef(row.field) : null;
  const op = def && (def.ops as readonly string[]).includes(row.op) ? (row.op as CohortOp) : null;
  const choices = row.field === "clinician" ? clinicianChoices : def?.choices;
  // Before an operator is chosen (a row submitted without JavaScript), offer the value anyway when the field takes one.
  const showValue = def !== null && (op ? opNeedsValue(op) : def.ops.some(opNeedsValue));
  const errorId = issue ? `${id}-error` : undefined;
  const invalid = issue ? true : undefined;
  return (
    <li>
      <fieldset className="filters criterion">
        <legend>{row.field === "" ? `Criterion ${n} (new)` : `Criterion ${n}`}</legend>
        <div className="field">
          <label htmlFor={`${id}-field`}>Field</label>
          <select id={`${id}-field`} name={`${id}.field`} value={row.field} aria-invalid={invalid} aria-describedby={errorId} onChange={(e) => {
            const field = e.target.value;
            onChange({ field, op: isField(field) ? (fieldDef(field).ops[0] ?? "") : "", value: "", within: "" });
          }}>
            <option value="">Choose a field…</option>
            {COHORT_FIELD_NAMES.map((field) => (
              <option key={field} value={field}>{COHORT_FIELDS[field].label}</option>
            ))}
          </select>
        </div>
        {def ? (
          <div className="field">
            <label htmlFor={`${id}-op`}>Comparison</label>
            <select id={`${id}-op`} name={`${id}.op`} value={op ?? ""} aria-invalid={invalid} aria-describedby={errorId} onChange={(e) => onChange({ op: e.target.value, value: opNeedsValue(e.target.value as CohortOp) ? row.value : "" })}>
              {op === null ? <option value="">Choose…</option> : null}
              {def.ops.map((o) => (
                <option key={o} value={o}>{COHORT_OPS[o]}</option>
              ))}
            </select>
          </div>
        ) : null}
        {def && showValue ? (
          <div className="field">
            <label htmlFor={`${id}-value`}>{def.unit ? `Value (${def.unit})` : "Value"}</label>
            {choices ? (
              <select id={`${id}-value`} name={`${id}.value`} value={row.value} aria-invalid={invalid} aria-describedby={errorId} onChange={(e) => onChange({ value: e.target.value })}>
                <option value="">Choose…</option>
                {Object.entries(choices).map(([value, label]) => (
                  <option key={value} value={value}>{label}</option>
                ))}
              </select>
            ) : (
              <input id={`${id}-value`} name={`${id}.value`} inputMode="decimal" value={row.value} size={8} aria-invalid={invalid} aria-describedby={errorId} onChange={(e) => onChange({ value: e.target.value })} />
            )}
          </div>
        ) : null}
        {def?.windowed ? (
          <div className="field">
            <label htmlFor={`${id}-within`}>Within the last (months)</label>
            <input id={`${id}-within`} name={`${id}.within`} type="number" min={1} max={MAX_WITHIN_MONTHS} step={1} value={row.within} size={4} aria-invalid={invalid} aria-describedby={errorId} onChange={(e) => onChange({ within: e.target.value })} />
          </div>
        ) : null}
        {row.field !== "" ? (
          <div className="actions">
            {/* A submit button, so removing works without JavaScript too (the page drops row `remove`). */}
            <button type="submit" name="remove" value={n} className="secondary" aria-label={`Remove criterion ${n}`} onClick={(e) => {
              e.preventDefault();
              onRemove();
            }}>Remove</button>
          </div>
        ) : null}
        {issue ? <p className="field-error" id={errorId}>{issue}</p> : null}
      </fieldset>
    </li>
  );
}
