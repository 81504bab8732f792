"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { restoreThresholdsAction } from "./actions";

/** The confirmation of a restore: a reason for the audit trail, and one button. */
export function RestoreForm({ version, newVersion }: { version: number; newVersion: number }) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(restoreThresholdsAction, undefined);
  const noteError = state?.fieldErrors?.note?.[0];
  return (
    <form action={action} className="stack card" noValidate>
      {state?.message ? <div className="form-error" role="alert">{state.message}</div> : null}
      <input type="hidden" name="version" value={version} />
      <div className="field">
        <label htmlFor="note">Reason for restoring version {version}</label>
        <input id="note" name="note" maxLength={500} defaultValue={state?.values?.note ?? ""} aria-invalid={noteError ? true : undefined} aria-describedby={noteError ? "note-error" : undefined} />
        {noteError ? <span className="field-error" id="note-error">{noteError}</span> : null}
      </div>
      <div>
        <button type="submit" disabled={pending}>{pending ? "Restoring…" : `Restore version ${version} as version ${newVersion} and re-evaluate everyone`}</button>
      </div>
    </form>
  );
}
