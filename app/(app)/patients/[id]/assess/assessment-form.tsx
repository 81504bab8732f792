"use client";

import { useActionState, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import Link from "next/link";
import type { ActionState } from "@/lib/auth/guarded";
import { KG_PER_LB, WALK_TEST_METRES } from "@/lib/domain/units";
import { YUBI_WAKKA_WORDS } from "@/lib/domain/awgs2025";
import { B12_SYMPTOM_LABELS } from "@/lib/domain/b12-symptoms";
import { B12_SYMPTOM_CODES, YUBI_WAKKA_RESULTS } from "@/lib/domain/types";
import {
  b12SymptomField,
  B12_UNITS,
  GRIP_TRIAL_FIELDS,
  GRIP_UNITS,
  LAB_FIELDS,
  SARC_F_ITEMS,
  SARC_F_POSITIVE_AT,
  sarcFTotal,
  WALK_400M_UNITS,
  WEIGHT_UNITS,
} from "@/lib/validation/assessment-form";
import { parseDecimal } from "@/lib/validation/numbers";
import { displayUnit } from "@/lib/domain/plausibility";
import { recordAssessmentAction } from "./actions";
import { IsoDateInput } from "@/components/iso-date-input";

type Values = Record<string, string>;
type Errors = Record<string, string[]>;

const LAB_LABELS: Record<(typeof LAB_FIELDS)[number]["name"], { label: string; unit?: string }> = {
  b12: { label: "Serum total B12" },
  holotc: { label: "Active B12 (holotranscobalamin)", unit: "pmol/L" },
  mma: { label: "Methylmalonic acid (MMA)", unit: "µmol/L" },
  homocysteine: { label: "Homocysteine", unit: "µmol/L" },
  egfr: { label: "eGFR", unit: "mL/min/1.73 m²" },
};

const fieldId = (name: string) => `f-${name}`;
const errorId = (name: string) => `f-${name}-error`;

function FieldError({ name, errors }: { name: string; errors: Errors }) {
  const message = errors[name]?.[0];
  return message ? <span className="field-error" id={errorId(name)}>{message}</span> : null;
}

function invalidProps(name: string, errors: Errors, hint?: string) {
  const describedBy = [errors[name] ? errorId(name) : null, hint ?? null].filter(Boolean).join(" ");
  return { "aria-invalid": errors[name] ? true : undefined, "aria-describedby": describedBy || undefined } as const;
}

/** A text box for a number (text, not type=number, so "12,5" reaches the server and gets a reason). */
function NumberField({ name, label, unit, values, errors, hint, wide }: { name: string; label: string; unit?: string; values: Values; errors: Errors; hint?: string; wide?: boolean }) {
  const hintId = hint ? `${fieldId(name)}-hint` : undefined;
  return (
    <div className={`field${wide ? " wide" : ""}`}>
      <label htmlFor={fieldId(name)}>
        {label}
        {unit ? <span className="unit"> ({unit})</span> : null}
      </label>
      <input id={fieldId(name)} name={name} inputMode="decimal" autoComplete="off" size={7} defaultValue={values[name] ?? ""} {...invalidProps(name, errors, hintId)} />
      {hint ? <span className="muted small" id={hintId}>{hint}</span> : null}
      <FieldError name={name} errors={errors} />
    </div>
  );
}

/** A group of options as radio buttons: one Tab stop, arrow keys to choose. */
function Choice({ name, legend, options, values, errors, defaultValue, hideLegend }: {
  name: string;
  legend: string;
  options: readonly { value: string; label: ReactNode }[];
  values: Values;
  errors: Errors;
  defaultValue?: string;
  hideLegend?: boolean;
}) {
  const chosen = values[name] ?? defaultValue ?? "";
  return (
    <fieldset className="choice" role="radiogroup" aria-labelledby={`${fieldId(name)}-legend`} {...invalidProps(name, errors)}>
      <legend id={`${fieldId(name)}-legend`} className={hideLegend ? "visually-hidden" : undefined}>{legend}</legend>
      <div className="choice-options">
        {options.map((option) => (
          <label key={option.value} className="choice-option" htmlFor={`${fieldId(name)}-${option.value}`}>
            <input type="radio" id={`${fieldId(name)}-${option.value}`} name={name} value={option.value} defaultChecked={chosen === option.value} />
            <span>{option.label}</span>
          </label>
        ))}
      </div>
      <FieldError name={name} errors={errors} />
    </fieldset>
  );
}

function Tick({ name, label, values, errors }: { name: string; label: string; values: Values; errors: Errors }) {
  return (
    <div className="field tick">
      <label htmlFor={fieldId(name)} className="tick-label">
        <input type="checkbox" id={fieldId(name)} name={name} defaultChecked={values[name] === "on"} {...invalidProps(name, errors)} /> {label}
      </label>
      <FieldError name={name} errors={errors} />
    </div>
  );
}

/** What the form shows as it is filled in: best grip, gait speed from a walk time, the SARC-F total. */
interface Live {
  gripBest: string | null;
  gaitMode: string;
  gaitPreview: string | null;
  sarcF: { total: number | null; answered: number };
}

function liveFrom(get: (name: string) => string): Live {
  const unit = get("gripUnit") || "kg";
  let best: { text: string; kg: number } | null = null;
  for (const field of GRIP_TRIAL_FIELDS) {
    const parsed = parseDecimal(get(field.name), "grip");
    if (get(field.name).trim() === "" || !parsed.ok) continue;
    const kg = unit === "lb" ? parsed.value * KG_PER_LB : parsed.value;
    if (!best || kg > best.kg) best = { text: get(field.name).trim(), kg };
  }
  const gaitMode = get("gaitMode") || "time";
  const gait = parseDecimal(get("gaitValue"), "gait");
  const gaitPreview = gaitMode === "time" && get("gaitValue").trim() !== "" && gait.ok && gait.value > 0 ? `= ${(WALK_TEST_METRES / gait.value).toFixed(2)} m/s` : null;
  const answers = SARC_F_ITEMS.map((item) => {
    const a = get(item.name);
    return a === "" ? null : Number(a);
  });
  return {
    gripBest: best ? `Best of the trials: ${best.text} ${unit}${unit === "lb" ? ` (${best.kg.toFixed(1)} kg)` : ""} — this is the value saved.` : null,
    gaitMode,
    gaitPreview,
    sarcF: { total: sarcFTotal(answers), answered: answers.filter((a) => a !== null).length },
  };
}

function liveFromForm(form: HTMLFormElement): Live {
  const data = new FormData(form);
  return liveFrom((name) => {
    const v = data.get(name);
    return typeof v === "string" ? v : "";
  });
}

export function AssessmentForm({ patientId, version, today }: { patientId: string; version: number; today: string }) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(recordAssessmentAction, undefined);
  // Remount the fields after each refusal so they show what was typed (React resets a form to its
  // defaults when its action completes).
  const [round, setRound] = useState(0);
  const [seenState, setSeenState] = useState(state);
  if (state !== seenState) {
    setSeenState(state);
    setRound((r) => r + 1);
  }
  return (
    <AssessmentFields
      key={round}
      action={action}
      pending={pending}
      state={state}
      patientId={patientId}
      version={version}
      today={today}
    />
  );
}

function AssessmentFields({ action, pending, state, patientId, version, today }: {
  action: (data: FormData) => void;
  pending: boolean;
  state: ActionState | undefined;
  patientId: string;
  version: number;
  today: string;
}) {
  const values: Values = state?.values ?? {};
  const errors: Errors = state?.fieldErrors ?? {};
  const visitDefault = values.visitDate ?? today;
  const [live, setLive] = useState<Live>(() => liveFrom((name) => values[name] ?? (name === "gripUnit" ? "kg" : name === "gaitMode" ? "time" : "")));
  const formRef = useRef<HTMLFormElement>(null);
  const summaryRef = useRef<HTMLDivElement>(null);
  const hasErrors = Object.keys(errors).length > 0;

  useEffect(() => {
    // After a refusal, take the keyboard to the first field that needs attention (or the message).
    if (!state || state.ok) return;
    const first = formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']");
    const target = first?.getAttribute("role") === "radiogroup" ? first.querySelector<HTMLElement>("input") : first;
    (target ?? summaryRef.current)?.focus();
  }, [state]);

  function onChange(event: FormEvent<HTMLFormElement>) {
    const target = event.target as HTMLInputElement;
    const form = event.currentTarget;
    if (target.name === "visitDate") {
      // Lab dates follow the visit date until the clinician sets one of their own.
      for (const lab of LAB_FIELDS) {
        const input = form.elements.namedItem(lab.dateName);
        if (input instanceof HTMLInputElement && input.dataset.follows === "true") input.value = target.value;
      }
    } else if (LAB_FIELDS.some((lab) => lab.dateName === target.name)) {
      target.dataset.follows = "false";
    }
    setLive(liveFromForm(form));
  }

  function clearSarcF() {
    const form = formRef.current;
    if (!form) return;
    for (const item of SARC_F_ITEMS) {
      form.querySelectorAll<HTMLInputElement>(`input[name="${item.name}"]`).forEach((input) => (input.checked = false));
    }
    setLive(liveFromForm(form));
  }

  const sarcF = live.sarcF;
  const fieldErrorList = Object.entries(errors).filter(([name]) => name !== "form");

  return (
    <form ref={formRef} action={action} onChange={onChange} className="stack assess-form" noValidate aria-labelledby="assess-form-title">
      <h2 id="assess-form-title" className="visually-hidden">Visit results</h2>
      <input type="hidden" name="patientId" value={patientId} />
      <input type="hidden" name="expectedVersion" value={version} />
      {state?.message ? (
        <div ref={summaryRef} tabIndex={-1} className="form-error" role="alert">
          <p className="flush">{state.message}</p>
          {errors.form?.[0] ? <p className="flush">{errors.form[0]}</p> : null}
          {fieldErrorList.length > 0 ? (
            <ul className="error-summary">
              {fieldErrorList.map(([name, messages]) => (
                <li key={name}><a href={`#${fieldId(name)}`}>{messages[0]}</a></li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}

      <fieldset className="card section">
        <legend>Visit</legend>
        <div className="field">
          <label htmlFor={fieldId("visitDate")}>Visit date</label>
          <IsoDateInput id={fieldId("visitDate")} name="visitDate" hintId={`${fieldId("visitDate")}-hint`} defaultValue={visitDefault} autoFocus={!hasErrors} aria-invalid={errors.visitDate ? true : undefined} describedBy={errors.visitDate ? errorId("visitDate") : undefined} />
          <FieldError name="visitDate" errors={errors} />
        </div>
      </fieldset>

      <fieldset className="card section">
        <legend>Grip strength</legend>
        <p className="small muted flush">Up to three trials per hand, any order. The best of all trials is saved; every trial is kept in its note.</p>
        <Choice name="gripUnit" legend="Dynamometer unit" values={values} errors={errors} defaultValue="kg" options={GRIP_UNITS.map((u) => ({ value: u, label: u }))} />
        <div className="trial-grid">
          {(["right", "left"] as const).map((hand) => (
            <fieldset key={hand} className="trials">
              <legend>{hand === "right" ? "Right hand" : "Left hand"}</legend>
              {GRIP_TRIAL_FIELDS.filter((f) => f.hand === hand).map((f) => (
                <NumberField key={f.name} name={f.name} label={`${hand === "right" ? "Right" : "Left"} trial ${f.trial}`} values={values} errors={errors} />
              ))}
            </fieldset>
          ))}
        </div>
        <p className="small live" aria-live="polite">{live.gripBest ?? "No grip trial entered."}</p>
      </fieldset>

      <fieldset className="card section">
        <legend>Physical performance</legend>
        <div className="row">
          <Choice
            name="gaitMode"
            legend="Gait recorded as"
            values={values}
            errors={errors}
            defaultValue="time"
            options={[{ value: "time", label: "4 m walk time" }, { value: "speed", label: "speed" }]}
          />
          <NumberField
            name="gaitValue"
            label={live.gaitMode === "speed" ? "Usual gait speed" : "4 m usual-pace walk time"}
            unit={live.gaitMode === "speed" ? "m/s" : "s"}
            values={values}
            errors={errors}
          />
          <p className="small live" aria-live="polite">{live.gaitPreview ?? ""}</p>
        </div>
        <div className="row">
          <NumberField name="chairStand" label="Chair stand, 5 rises" unit="s" values={values} errors={errors} />
          <Tick name="chairStandUnable" label="Unable to complete the chair stand" values={values} errors={errors} />
        </div>
        <div className="row">
          <NumberField name="sppb" label="SPPB score" unit="0–12" values={values} errors={errors} />
          <NumberField name="tug" label="Timed up-and-go" unit="s" values={values} errors={errors} />
        </div>
        <div className="row">
          <NumberField name="walk400" label="400 m walk time" values={values} errors={errors} />
          <Choice name="walk400Unit" legend="400 m walk unit" values={values} errors={errors} defaultValue="s" options={WALK_400M_UNITS.map((u) => ({ value: u, label: u === "s" ? "seconds" : "minutes" }))} />
          <Tick name="walk400Unable" label="Unable to complete the 400 m walk" values={values} errors={errors} />
        </div>
      </fieldset>

      <fieldset className="card section">
        <legend>Muscle mass and body size</legend>
        <div className="row">
          <NumberField name="asm" label="Appendicular skeletal muscle mass (ASM)" unit="kg" values={values} errors={errors} />
          <Choice name="asmMethod" legend="ASM measured by" values={values} errors={errors} options={[{ value: "dxa", label: "DXA" }, { value: "bia", label: "BIA" }]} />
        </div>
        <div className="row">
          <NumberField name="height" label="Height" unit="cm" values={values} errors={errors} />
          <NumberField name="weight" label="Weight" values={values} errors={errors} />
          <Choice name="weightUnit" legend="Weight unit" values={values} errors={errors} defaultValue="kg" options={WEIGHT_UNITS.map((u) => ({ value: u, label: u }))} />
          <NumberField name="calf" label="Calf circumference" unit="cm" values={values} errors={errors} />
        </div>
      </fieldset>

      <fieldset className="card section">
        <legend>Yubi-wakka finger-ring test (AWGS 2025)</legend>
        <p className="small muted flush">
          The patient encircles the thickest part of the non-dominant calf with both thumbs and index fingers. &ldquo;Smaller&rdquo; (a gap) is a positive case finding at 65 and over.
        </p>
        <Choice
          name="yubiWakka"
          legend="The calf compared with the finger ring"
          values={values}
          errors={errors}
          options={[{ value: "", label: "not done" }, ...YUBI_WAKKA_RESULTS.map((r) => ({ value: r, label: YUBI_WAKKA_WORDS[r] }))]}
        />
      </fieldset>

      <fieldset className="card section">
        <legend>SARC-F questionnaire</legend>
        <p className="small muted flush">Ask all five questions (0–2 points each), or leave them all unanswered.</p>
        {SARC_F_ITEMS.map((item, i) => (
          <Choice
            key={item.name}
            name={item.name}
            legend={`${i + 1}. ${item.component}: ${item.question}`}
            values={values}
            errors={errors}
            options={item.answers.map((answer, points) => ({ value: String(points), label: <>{answer} <span className="muted">({points})</span></> }))}
          />
        ))}
        <div className="row">
          <p className="sarc-total" aria-live="polite">
            {sarcF.total !== null ? (
              <>
                SARC-F total: <strong>{sarcF.total} of 10</strong> — {sarcF.total >= SARC_F_POSITIVE_AT ? "positive (≥ 4): sarcopenia suspected" : "negative (below 4)"}
              </>
            ) : sarcF.answered > 0 ? (
              <>SARC-F total: {sarcF.answered} of 5 questions answered</>
            ) : (
              <>SARC-F not asked</>
            )}
          </p>
          <button type="button" className="secondary" onClick={clearSarcF}>Clear SARC-F answers</button>
        </div>
      </fieldset>

      <fieldset className="card section">
        <legend>Symptoms and signs of B12 deficiency (NICE NG239)</legend>
        <p className="small muted flush">Tick those present at the visit. With a risk factor, NICE offers a B12 test.</p>
        <div className="row">
          {B12_SYMPTOM_CODES.map((code) => (
            <Tick key={code} name={b12SymptomField(code)} label={B12_SYMPTOM_LABELS[code]} values={values} errors={errors} />
          ))}
        </div>
      </fieldset>

      <fieldset className="card section">
        <legend>Laboratory results</legend>
        <p className="small muted flush">Each result has its own date; it starts as the visit date.</p>
        {LAB_FIELDS.map((lab) => {
          const meta = LAB_LABELS[lab.name];
          return (
            <div className="row" key={lab.name}>
              <NumberField name={lab.name} label={meta.label} unit={meta.unit} values={values} errors={errors} />
              {"unitName" in lab ? (
                <Choice name={lab.unitName} legend="Serum B12 unit (required with a result)" values={values} errors={errors} options={B12_UNITS.map((u) => ({ value: u, label: displayUnit(u) }))} />
              ) : null}
              <div className="field">
                <label htmlFor={fieldId(lab.dateName)}>{meta.label} date</label>
                <IsoDateInput
                  id={fieldId(lab.dateName)}
                  name={lab.dateName}
                  hintId={`${fieldId(lab.dateName)}-hint`}
                  data-follows={values[lab.dateName] === undefined || values[lab.dateName] === visitDefault ? "true" : "false"}
                  defaultValue={values[lab.dateName] ?? visitDefault}
                  aria-invalid={errors[lab.dateName] ? true : undefined}
                  describedBy={errors[lab.dateName] ? errorId(lab.dateName) : undefined}
                />
                <FieldError name={lab.dateName} errors={errors} />
              </div>
            </div>
          );
        })}
      </fieldset>

      <div className="form-actions">
        <button type="submit" disabled={pending}>{pending ? "Saving…" : "Save assessment"}</button>
        <Link href={`/patients/${patientId}`} className="button secondary">Cancel</Link>
      </div>
    </form>
  );
}
