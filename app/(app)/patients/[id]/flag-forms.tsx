"use client";

import { useActionState, useState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { OUTCOMES_BY_CHANNEL, OUTREACH_CHANNEL_LABELS, OUTREACH_CHANNELS, OUTREACH_OUTCOME_LABELS, type OutreachChannel } from "@/lib/domain/outreach";
import { closeFlagAction, orderFlagAction, postponeFlagAction, recordOutreachAttemptAction, reopenFlagAction, setFlagOutreachAction } from "./actions";
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
  ["done_elsewhere", "Done elsewhere"],
  ["not_indicated", "Not clinically indicated"],
  ["patient_declined", "Patient declined"],
  ["deceased", "Patient deceased"],
  ["left_clinic", "Left the clinic"],
  ["other", "Other (say why in the note)"],
] as const;

type CloseReasonValue = (typeof CLOSE_OPTIONS)[number][0];

/** What the close form says for a reason: whether and when the flag can come back. */
function returnText(returnsOn: string | null | undefined): string {
  if (returnsOn === undefined) return "Choose a reason to see whether and when this flag can come back.";
  return returnsOn === null
    ? "This flag will not come back unless someone reopens it."
    : `If the data still call for it, this flag comes back on ${returnsOn} (for “done elsewhere” with a date: counted from that date). Until then the engine does not raise it again.`;
}

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

const isChannel = (value: string): value is OutreachChannel => (OUTREACH_CHANNELS as readonly string[]).includes(value);

/**
 * Logs one outreach attempt on an open flag: channel, outcome (the outcomes that channel can have),
 * an optional note and the day to try again. The attempt joins the flag's outreach history; a
 * next attempt date of today or earlier puts the patient under the panel's "outreach due today".
 */
export function OutreachAttemptForm({ flagId, version, flagLabel, nextAttempt }: FlagRef & { nextAttempt: number }) {
  const [state, action, pending] = useAnnouncingAction(recordOutreachAttemptAction, (data) => {
    const next = String(data.get("nextAttemptOn") ?? "").trim();
    return {
      lines: [
        `${flagLabel}: outreach attempt ${nextAttempt} logged (${labelOf(Object.entries(OUTREACH_CHANNEL_LABELS), data.get("channel")).toLowerCase()}, ${labelOf(Object.entries(OUTREACH_OUTCOME_LABELS), data.get("outcome")).toLowerCase()}).`,
        next ? `Next attempt ${next}: the patient is under “Outreach due today” on the panel from that day.` : "No further attempt planned.",
      ],
      links: [],
    };
  });
  const submitted = state?.values?.channel ?? "";
  const [channel, setChannel] = useState<OutreachChannel>(isChannel(submitted) ? submitted : "phone");
  const id = (name: string) => `outreach-${name}-${flagId}`;
  const invalid = (name: string) => Boolean(state?.fieldErrors?.[name]) || undefined;
  const describedBy = (name: string) => (state?.fieldErrors?.[name] ? `${id(name)}-error` : undefined);
  return (
    <form action={action} className="flag-form" aria-label={`Log outreach: ${flagLabel}`}>
      <Hidden flagId={flagId} version={version} />
      <div className="field">
        <label htmlFor={id("channel")}>Channel</label>
        <select id={id("channel")} name="channel" required value={channel} onChange={(event) => isChannel(event.target.value) && setChannel(event.target.value)} aria-invalid={invalid("channel")} aria-describedby={describedBy("channel")}>
          {OUTREACH_CHANNELS.map((value) => (
            <option key={value} value={value}>{OUTREACH_CHANNEL_LABELS[value]}</option>
          ))}
        </select>
        <FieldError state={state} name="channel" id={`${id("channel")}-error`} />
      </div>
      <div className="field">
        <label htmlFor={id("outcome")}>Outcome</label>
        {/* Keyed by channel: the outcomes a channel can have, none chosen until the user picks one. */}
        <select key={channel} id={id("outcome")} name="outcome" required defaultValue={state?.values?.outcome ?? ""} aria-invalid={invalid("outcome")} aria-describedby={describedBy("outcome")}>
          <option value="" disabled>Choose…</option>
          {OUTCOMES_BY_CHANNEL[channel].map((value) => (
            <option key={value} value={value}>{OUTREACH_OUTCOME_LABELS[value]}</option>
          ))}
        </select>
        <FieldError state={state} name="outcome" id={`${id("outcome")}-error`} />
      </div>
      <div className="field">
        <label htmlFor={id("next")}>Next attempt <span className="muted">(optional, YYYY-MM-DD)</span></label>
        <input id={id("next")} name="nextAttemptOn" inputMode="numeric" placeholder="YYYY-MM-DD" maxLength={10} defaultValue={state?.values?.nextAttemptOn ?? ""} aria-invalid={invalid("nextAttemptOn")} aria-describedby={state?.fieldErrors?.nextAttemptOn ? `${id("next")}-error` : undefined} />
        <FieldError state={state} name="nextAttemptOn" id={`${id("next")}-error`} />
      </div>
      <div className="field grow">
        <label htmlFor={id("note")}>Note <span className="muted">(optional)</span></label>
        <input id={id("note")} name="note" maxLength={500} defaultValue={state?.values?.note ?? ""} aria-invalid={invalid("note")} aria-describedby={describedBy("note")} />
        <FieldError state={state} name="note" id={`${id("note")}-error`} />
      </div>
      <button type="submit" className="secondary" disabled={pending}>Log attempt</button>
      <FormMessage state={state} id={`${id("channel")}-message`} />
    </form>
  );
}

/**
 * Closes an open flag with a coded reason, an optional note (required with "other") and, when it
 * was done elsewhere, the optional date and value. Says, for the chosen reason, whether and when
 * the flag can come back (`returnsOn`: YYYY-MM-DD per reason, null for never).
 */
export function CloseFlagForm({ flagId, version, flagLabel, returnsOn }: FlagRef & { returnsOn: Record<CloseReasonValue, string | null> }) {
  const [state, action, pending] = useAnnouncingAction(closeFlagAction, (data) => ({
    lines: [`Flag closed: ${flagLabel} (${labelOf(CLOSE_OPTIONS, data.get("reason")).toLowerCase()}).`, "It is in the flag history, where it can be reopened if this was a mistake."],
    links: [{ href: "#flag-history-heading", label: "Go to the flag history" }],
  }));
  const [reason, setReason] = useState<string>(state?.values?.reason ?? "");
  const chosen = CLOSE_OPTIONS.find(([value]) => value === reason)?.[0];
  const reasonId = `close-reason-${flagId}`;
  const noteId = `close-note-${flagId}`;
  const returnId = `close-return-${flagId}`;
  const reasonError = Boolean(state?.fieldErrors?.reason);
  const noteError = Boolean(state?.fieldErrors?.note);
  return (
    <form action={action} className="flag-form" aria-label={`Close: ${flagLabel}`}>
      <Hidden flagId={flagId} version={version} />
      <div className="field">
        <label htmlFor={reasonId}>Close reason</label>
        <select
          id={reasonId}
          name="reason"
          required
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          aria-invalid={reasonError || undefined}
          aria-describedby={[returnId, reasonError ? `${reasonId}-error` : null].filter(Boolean).join(" ")}
        >
          <option value="" disabled>Choose…</option>
          {CLOSE_OPTIONS.map(([value, label]) => (
            <option key={value} value={value}>{label}</option>
          ))}
        </select>
        <FieldError state={state} name="reason" id={`${reasonId}-error`} />
      </div>
      {chosen === "done_elsewhere" ? (
        <>
          <div className="field">
            <label htmlFor={`close-done-on-${flagId}`}>Done on <span className="muted">(optional, YYYY-MM-DD)</span></label>
            <input id={`close-done-on-${flagId}`} name="doneOn" inputMode="numeric" placeholder="YYYY-MM-DD" maxLength={10} defaultValue={state?.values?.doneOn ?? ""} aria-invalid={Boolean(state?.fieldErrors?.doneOn) || undefined} />
            <FieldError state={state} name="doneOn" id={`close-done-on-${flagId}-error`} />
          </div>
          <div className="field">
            <label htmlFor={`close-done-value-${flagId}`}>Value <span className="muted">(optional)</span></label>
            <input id={`close-done-value-${flagId}`} name="doneValue" maxLength={100} defaultValue={state?.values?.doneValue ?? ""} aria-invalid={Boolean(state?.fieldErrors?.doneValue) || undefined} />
            <FieldError state={state} name="doneValue" id={`close-done-value-${flagId}-error`} />
          </div>
        </>
      ) : null}
      <div className="field grow">
        <label htmlFor={noteId}>Note <span className="muted">{chosen === "other" ? "(required)" : "(optional)"}</span></label>
        <input id={noteId} name="note" maxLength={500} required={chosen === "other"} defaultValue={state?.values?.note ?? ""} aria-invalid={noteError || undefined} aria-describedby={noteError ? `${noteId}-error` : undefined} />
        <FieldError state={state} name="note" id={`${noteId}-error`} />
      </div>
      <p id={returnId} className="small flag-return" aria-live="polite">{returnText(chosen ? returnsOn[chosen] : undefined)}</p>
      <button type="submit" disabled={pending}>Close flag</button>
      <FormMessage state={state} id={`${reasonId}-message`} />
    </form>
  );
}

/** Marks an open flag "ordered — awaiting result", with an optional expected date for the result. */
export function OrderFlagForm({ flagId, version, flagLabel, awaitingDays }: FlagRef & { awaitingDays: number }) {
  const [state, action, pending] = useAnnouncingAction(orderFlagAction, () => ({
    lines: [`${flagLabel}: marked ordered — awaiting the result.`, `It is not overdue while the result is awaited (${awaitingDays} days, or until the expected date if later); a result that arrives closes it.`],
    links: [],
  }));
  const fieldId = `order-expected-${flagId}`;
  const hasError = Boolean(state?.fieldErrors?.expectedOn);
  return (
    <form action={action} className="flag-form" aria-label={`Order: ${flagLabel}`}>
      <Hidden flagId={flagId} version={version} />
      <div className="field">
        <label htmlFor={fieldId}>Result expected <span className="muted">(optional, YYYY-MM-DD)</span></label>
        <input id={fieldId} name="expectedOn" inputMode="numeric" placeholder="YYYY-MM-DD" maxLength={10} defaultValue={state?.values?.expectedOn ?? ""} aria-invalid={hasError || undefined} aria-describedby={hasError ? `${fieldId}-error` : undefined} />
        <FieldError state={state} name="expectedOn" id={`${fieldId}-error`} />
      </div>
      <button type="submit" className="secondary" disabled={pending}>Mark ordered</button>
      <FormMessage state={state} id={`${fieldId}-message`} />
    </form>
  );
}

/** Postpones an open flag until a date. */
export function PostponeFlagForm({ flagId, version, flagLabel }: FlagRef) {
  const [state, action, pending] = useAnnouncingAction(postponeFlagAction, (data) => ({
    lines: [`${flagLabel}: postponed until ${String(data.get("until") ?? "")}.`, "It is due on that day and overdue after it."],
    links: [],
  }));
  const fieldId = `postpone-until-${flagId}`;
  const hasError = Boolean(state?.fieldErrors?.until);
  return (
    <form action={action} className="flag-form" aria-label={`Postpone: ${flagLabel}`}>
      <Hidden flagId={flagId} version={version} />
      <div className="field">
        <label htmlFor={fieldId}>Postpone until <span className="muted">(YYYY-MM-DD)</span></label>
        <input id={fieldId} name="until" inputMode="numeric" placeholder="YYYY-MM-DD" maxLength={10} required defaultValue={state?.values?.until ?? ""} aria-invalid={hasError || undefined} aria-describedby={hasError ? `${fieldId}-error` : undefined} />
        <FieldError state={state} name="until" id={`${fieldId}-error`} />
      </div>
      <button type="submit" className="secondary" disabled={pending}>Postpone</button>
      <FormMessage state={state} id={`${fieldId}-message`} />
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
