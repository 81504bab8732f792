"use client";

import Link from "next/link";
import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { deleteViewAction, updateViewAction } from "./actions";

export interface SavedViewItem {
  id: string;
  name: string;
  /** The view's canonical URL search string ("" or "?…"). */
  query: string;
  isShared: boolean;
  isMine: boolean;
  ownerName: string;
}

/** The view's URL: its query plus `view=<id>`, so the page knows which view is open and can offer to update it. */
export function savedViewHref(view: { id: string; query: string }): string {
  const params = new URLSearchParams(view.query);
  params.set("view", view.id);
  return `/patients?${params.toString()}`;
}

/**
 * The saved views the user may open (their own and the clinic's shared ones), each a link that
 * reproduces it. The owner edits a view in place: rename, share or unshare, point it at the
 * cohort on screen, or delete it.
 */
export function SavedViews({ views, openViewId, currentQuery }: { views: SavedViewItem[]; openViewId: string | undefined; currentQuery: string }) {
  const mine = views.filter((v) => v.isMine);
  const shared = views.filter((v) => !v.isMine);
  // Held here, not in the view's own form, so "Deleted …" stays on screen after the view is gone.
  const [deleteState, deleteAction, deleting] = useActionState<ActionState | undefined, FormData>(deleteViewAction, undefined);
  return (
    <section aria-labelledby="saved-views-heading" className="card stack">
      <h2 id="saved-views-heading">Saved views</h2>
      <nav aria-label="Saved views" className="small">
        <ViewList title="Yours" views={mine} openViewId={openViewId} />
        <ViewList title="Shared in the clinic" views={shared} openViewId={openViewId} />
      </nav>
      {mine.map((view) => (
        <details key={view.id} open={view.id === openViewId}>
          <summary>Edit “{view.name}”</summary>
          <EditViewForm view={view} currentQuery={currentQuery} deleteAction={deleteAction} deleting={deleting} />
        </details>
      ))}
      {deleteState?.message ? <p role="status" className="small">{deleteState.message}</p> : null}
    </section>
  );
}

function ViewList({ title, views, openViewId }: { title: string; views: SavedViewItem[]; openViewId: string | undefined }) {
  return (
    <p>
      {title}:{" "}
      {views.length === 0 ? <span className="muted">none</span> : views.map((view, i) => (
        <span key={view.id}>
          {i > 0 ? " · " : ""}
          <Link href={savedViewHref(view)} aria-current={view.id === openViewId ? "page" : undefined}>{view.name}</Link>
          {view.isShared && view.isMine ? <span className="muted"> (shared)</span> : null}
          {!view.isMine ? <span className="muted"> ({view.ownerName})</span> : null}
        </span>
      ))}
    </p>
  );
}

function EditViewForm({ view, currentQuery, deleteAction, deleting }: { view: SavedViewItem; currentQuery: string; deleteAction: (formData: FormData) => void; deleting: boolean }) {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(updateViewAction, undefined);
  const id = `view-${view.id}`;
  const nameError = state?.fieldErrors?.name?.[0];
  const queryError = state?.fieldErrors?.query?.[0];
  const differs = currentQuery !== view.query;
  return (
    <div className="stack">
      <form action={action} className="filters" aria-label={`Edit view ${view.name}`}>
        <input type="hidden" name="id" value={view.id} />
        <input type="hidden" name="query" value={currentQuery} />
        <div className="field">
          <label htmlFor={`${id}-name`}>View name</label>
          <input id={`${id}-name`} name="name" maxLength={80} defaultValue={state?.values?.name ?? view.name} aria-invalid={nameError ? true : undefined} aria-describedby={nameError ? `${id}-name-error` : undefined} />
          {nameError ? <span className="field-error" id={`${id}-name-error`}>{nameError}</span> : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-shared`}>
            <input id={`${id}-shared`} name="shared" type="checkbox" defaultChecked={view.isShared} /> Shared with the clinic
          </label>
        </div>
        <div className="field">
          <label htmlFor={`${id}-replace`}>
            <input id={`${id}-replace`} name="replaceQuery" type="checkbox" defaultChecked={differs} disabled={!differs} /> Replace its filters and criteria with the ones on screen
          </label>
          {queryError ? <span className="field-error">{queryError}</span> : null}
          {!differs ? <span className="muted small">The screen shows this view unchanged.</span> : null}
        </div>
        <button type="submit" disabled={pending}>Update view</button>
        {state?.message ? <span role="status" className="small">{state.message}</span> : null}
      </form>
      <form action={deleteAction} aria-label={`Delete view ${view.name}`}>
        <input type="hidden" name="id" value={view.id} />
        <input type="hidden" name="name" value={view.name} />
        <button type="submit" className="secondary" disabled={deleting}>Delete view “{view.name}”</button>
      </form>
    </div>
  );
}
