"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { saveViewAction } from "./actions";

export function SaveViewForm({ query }: { query: string }) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(saveViewAction, undefined);
  const nameError = state?.fieldErrors?.name?.[0];
  return (
    <form action={action} className="filters" aria-label="Save this view">
      <input type="hidden" name="query" value={query} />
      <div className="field">
        <label htmlFor="view-name">Save this view as</label>
        <input id="view-name" name="name" maxLength={80} defaultValue={state?.values?.name ?? ""} aria-invalid={nameError ? true : undefined} aria-describedby={nameError ? "view-name-error" : undefined} />
        {nameError ? <span className="field-error" id="view-name-error">{nameError}</span> : null}
      </div>
      <div className="field">
        <label htmlFor="view-shared">
          <input id="view-shared" name="shared" type="checkbox" /> Share with the clinic
        </label>
      </div>
      <button type="submit" className="secondary" disabled={pending}>Save view</button>
      {state?.message ? <span role="status" className="small">{state.message}</span> : null}
    </form>
  );
}
