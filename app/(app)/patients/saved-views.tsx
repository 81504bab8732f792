"use client";

import Link from "next/link";
import { useActionState, type ReactNode } from "react";
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
 * reproduces it: at the top of the panel, beside the search, so a clinician's usual list is one
 * click away.
 */
export function SavedViewLinks({ views, openViewId }: { views: SavedViewItem[]; openViewId: string | undefined }) {
  const mine = views.filter((v) => v.isMine);
  const shared = views.filter((v) => !v.isMine);
  return (
    <nav aria-label="Saved views" className="saved-view-links small">
      <span className="saved-views-title">Saved views</span>
      <ViewList title="Yours" views={mine} openViewId={openViewId} />
      <ViewList title="Shared in the clinic" views={shared} openViewId={openViewId} />
      <a href="#saved-views-heading">Save or edit views</a>
    </nav>
  );
}

/**
 * Saving the cohort on screen, and the owner's edits of each view: rename, share or unshare,
 * point it at the cohort on screen, or delete it. Below the worklist.
 */
export function ManageSavedViews({ views, openViewId, currentQuery, children }: { views: SavedViewItem[]; openViewId: string | undefined; currentQuery: string; children?: ReactNode }) {
  const mine = views.filter((v) => v.isMine);
  // Held here, not in the view's own form, so "Deleted …" stays on screen after the view is gone.
  const [deleteState, deleteAction, deleting] = useActionState<ActionState | undefined, FormData>(deleteViewAction, undefined);
  return (
    <section aria-labelledby="saved-views-heading" className="card stack">
      <h2 id="saved-views-heading" tabIndex={-1}>Saved views</h2>
      {children}
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
    <span className="view-list">
      {title}:{" "}
      {views.length === 0 ? <span className="muted">none</span> : views.map((view, i) => (
        <span key={view.id}>
          {i > 0 ? " · " : ""}
          <Link href={savedViewHref(view)} aria-current={view.id === openViewId ? "page" : undefined}>{view.name}</Link>
          {view.isShared && view.isMine ? <span className="muted"> (shared)</span> : null}
          {!view.isMine ? <span className="muted"> ({view.ownerName})</span> : null}
        </span>
      ))}
    </span>
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
