"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { closeFlagAction, reopenFlagAction, setFlagOutreachAction } from "./actions";
import { useAnnounce, type ChangeNotice } from "./change-notice";

type FlagAction = (previous: ActionState | undefined, formData: FormData) => Promise<ActionState>;

/**
 * The action, followed on success by the page's status message (change-notice.tsx) saying what
 * changed; the form keeps its own message beside its fields as well.
 */
function useAnnouncingAction(run: FlagAction, describe: (data: FormData) => ChangeNotice) {
  const announce = useAnnounce();
  return useActionState<ActionState | undefined, FormData>(async (previous, data) => {
    const result = await run(previous, data);
    if (result.ok) announce(describe(data));
    return result;
  }, undefined);
}

const labelOf = (options: readonly (readonly [string, string])[], value: FormDataEntryValue | null) => options.find(([v]) => v === value)?.[1] ?? String(value ?? "");

const OUTREACH_OPTIONS = [
  ["none", "Not contacted"],
  ["contacted", "Contacted"],
  ["scheduled", "Scheduled"],
  ["declined", "Declined"],
] as const;

const CLOSE_OPTIONS = [
  ["done", "Done"],
  ["not_applicable", "Not applicable"],
  ["patient_declined", "Patient declined"],
] as const;

interface FlagRef {
  flagId: string;
  version: number;
  /** The flag's name, so every control's accessible name says which flag it acts on. */
  flagLabel: string;
}

function FormMessage({ state, id }: { state: ActionState | undefined; id: string }) {
  if (!state?.message) return null;
  return (
    // A success is announced once, by the page's status message (change-notice.tsx); an error here.
    <p id={id} role={state.ok ? undefined : "alert"} className={state.ok ? "form-ok small" : "form-error small"}>
      {state.message}
    </p>
  );
}

function FieldError({ state, name, id }: { state: ActionState | undefined; name: string; id: string }) {
  const error = state?.fieldErrors?.[name]?.[0];
  return error ? <span className="field-error" id={id}>{error}</span> : null;
}

function Hidden({ flagId, version }: { flagId: string; version: number }) {
  return (
    <>
      <input type="hidden" name="flagId" value={flagId} />
      <input type="hidden" name="version" value={version} />
    </>
  );
}

/** Outreach status for an open flag. */
export function OutreachForm({ flagId, version, flagLabel, outreach }: FlagRef & { outreach: string }) {
  const [state, action, pending] = useAnnouncingAction(setFlagOutreachAction, (data) => ({
    lines: [`${flagLabel}: outreach ${labelOf(OUTREACH_OPTIONS, outreach)} → ${labelOf(OUTREACH_OPTIONS, data.get("outreach"))}.`, "Tier and flags unchanged."],
    links: [],
  }));
  const fieldId = `outreach-${flagId}`;
  const hasError = Boolean(state?.fieldErrors?.outreach);
  return (
    <form action={action} className="flag-form" aria-label={`Outreach: ${flagLabel}`}>
      <Hidden flagId={flagId} version={version} />
      <div className="field">
        <label htmlFor={fieldId}>Outreach</label>
        {/* Keyed by version: after a change (or someone else's) it shows the stored value. */}
        <select key={version} id={fieldId} name="outreach" defaultValue={outreach} aria-invalid={hasError || undefined} aria-describedby={hasError ? `${fieldId}-error` : undefined}>
          {OUTREACH_OPTIONS.map(([value, label]) => (
            <option key={value} value={value}>{label}</option>
          ))}
        </select>
        <FieldError state={state} name="outreach" id={`${fieldId}-error`} />
      </div>
      <button type="submit" className="secondary" disabled={pending}>Save outreach</button>
      <FormMessage state={state} id={`${fieldId}-message`} />
    </form>
  );
}

/** Closes an open flag with a reason and an optional note. */
export function CloseFlagForm({ flagId, version, flagLabel }: FlagRef) {
  const [state, action, pending] = useAnnouncingAction(closeFlagAction, (data) => ({
    lines: [`Flag closed: ${flagLabel} (${labelOf(CLOSE_OPTIONS, data.get("reason")).toLowerCase()}).`, "It is in the flag history, where it can be reopened if this was a mistake."],
    links: [{ href: "#flag-history-heading", label: "Go to the flag history" }],
  }));
  const reasonId = `close-reason-${flagId}`;
  const noteId = `close-note-${flagId}`;
  const reasonError = Boolean(state?.fieldErrors?.reason);
  const noteError = Boolean(state?.fieldErrors?.note);
  return (
    <form action={action} className="flag-form" aria-label={`Close: ${flagLabel}`}>
      <Hidden flagId={flagId} version={version} />
      <div className="field">
        <label htmlFor={reasonId}>Close reason</label>
        <select id={reasonId} name="reason" required defaultValue={state?.values?.reason ?? ""} aria-invalid={reasonError || undefined} aria-describedby={reasonError ? `${reasonId}-error` : undefined}>
          <option value="" disabled>Choose…</option>
          {CLOSE_OPTIONS.map(([value, label]) => (
            <option key={value} value={value}>{label}</option>
          ))}
        </select>
        <FieldError state={state} name="reason" id={`${reasonId}-error`} />
      </div>
      <div className="field grow">
        <label htmlFor={noteId}>Note <span className="muted">(optional)</span></label>
        <input id={noteId} name="note" maxLength={500} defaultValue={state?.values?.note ?? ""} aria-invalid={noteError || undefined} aria-describedby={noteError ? `${noteId}-error` : undefined} />
        <FieldError state={state} name="note" id={`${noteId}-error`} />
      </div>
      <button type="submit" disabled={pending}>Close flag</button>
      <FormMessage state={state} id={`${reasonId}-message`} />
    </form>
  );
}

/** Reopens a closed flag from the history. */
export function ReopenFlagForm({ flagId, version, flagLabel }: FlagRef) {
  const [state, action, pending] = useAnnouncingAction(reopenFlagAction, () => ({
    lines: [`Flag reopened: ${flagLabel}.`, "It is back among the open flags."],
    links: [{ href: "#open-flags-heading", label: "Go to the open flags" }],
  }));
  return (
    <form action={action} className="flag-form inline" aria-label={`Reopen: ${flagLabel}`}>
      <Hidden flagId={flagId} version={version} />
      <button type="submit" className="secondary" disabled={pending} aria-label={`Reopen ${flagLabel}`}>Reopen</button>
      <FormMessage state={state} id={`reopen-${flagId}-message`} />
    </form>
  );
}
