"use client";

import { useActionState, useEffect, useState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { FieldError, invalid } from "@/components/patient-details-fields";
import { saveBulkSettingsAction, startBulkSyncAction } from "./bulk-actions";

export interface BulkSettingsView {
  clientId: string | null;
  hasKey: boolean;
  fhirBaseUrl: string;
  fhirBaseUrlSet: boolean;
  groupId: string | null;
}

interface Sync {
  status: string;
  running: boolean;
  filesDone: number;
  filesTotal: number;
  since: string | null;
  transactionTime: string | null;
  message: string | null;
  startedAt: string;
  finishedAt: string | null;
}

const STEP: Record<string, string> = {
  exporting: "The EHR is preparing the export",
  downloading: "Downloading files",
  importing: "Importing",
  completed: "Finished",
  failed: "Abandoned",
};

function Outcome({ state }: { state: ActionState | undefined }) {
  if (!state?.message) return null;
  return state.ok ? <p role="status" className="form-ok small">{state.message}</p> : <p role="alert" className="form-error small">{state.message}</p>;
}

const when = (iso: string | null) => (iso ? iso.replace("T", " ").slice(0, 16) + " UTC" : "");

/**
 * Bulk Data sync from one EHR (docs/ehr-integration.md#fhir-bulk-data-sync): its settings (the
 * backend-services client id and the app's private key, stored encrypted), a "Sync now" button, and
 * the latest sync's progress, polled while it runs.
 */
export function BulkSyncPanel({ ehrId, ehrName, settings }: { ehrId: string; ehrName: string; settings: BulkSettingsView }) {
  const [saved, saveAction, saving] = useActionState<ActionState | undefined, FormData>(saveBulkSettingsAction, undefined);
  const [started, startAction, starting] = useActionState<ActionState | undefined, FormData>(startBulkSyncAction, undefined);
  const [sync, setSync] = useState<Sync | null>(null);
  const configured = settings.clientId !== null && settings.hasKey;

  useEffect(() => {
    if (!configured) return;
    let stopped = false;
    let timer: number | undefined;
    const poll = async () => {
      const response = await fetch(`/api/jobs/bulk-sync?ehr=${encodeURIComponent(ehrId)}`, { cache: "no-store" });
      if (!response.ok || stopped) return;
      const body = (await response.json()) as { sync: Sync | null };
      setSync(body.sync);
      if (body.sync?.running) timer = window.setTimeout(poll, 1000);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [configured, ehrId, started]);

  const errors = saved?.fieldErrors ?? {};
  const values = saved && !saved.ok ? (saved.values ?? {}) : {};
  const p = `bulk-${ehrId}`;
  const running = sync?.running === true;
  const unfinished = sync !== null && !running && sync.status !== "completed" && sync.status !== "failed";
  return (
    <section className="card stack" aria-labelledby={`${p}-title`}>
      <h3 id={`${p}-title`}>Bulk Data sync</h3>
      <p className="small muted flush">
        Reads the clinic&apos;s patients from {ehrName} (FHIR Bulk Data, signed in as the app with its own key) and imports them; each sync after the first reads only what
        changed. An interrupted sync is resumed by the next one.
      </p>
      {configured ? (
        <div className="stack">
          <form action={startAction} className="row">
            <input type="hidden" name="ehrId" value={ehrId} />
            <button type="submit" disabled={starting || running}>{running ? "Syncing…" : unfinished ? "Resume sync" : "Sync now"}</button>
          </form>
          <Outcome state={started} />
          {sync ? (
            <div className="stack" style={{ gap: "0.25rem" }}>
              <label htmlFor={`${p}-progress`}>
                {running ? `${STEP[sync.status] ?? sync.status}` : sync.status === "completed" ? `Last sync finished ${when(sync.finishedAt)}` : `Last sync stopped while: ${(STEP[sync.status] ?? sync.status).toLowerCase()}`}
                {sync.filesTotal > 0 ? `: ${sync.filesDone} of ${sync.filesTotal} files` : ""}
                {sync.status === "completed" ? (sync.since ? ` (changes since ${when(sync.since)})` : " (everything: first sync)") : ""}
              </label>
              {running && sync.status === "exporting" ? <progress id={`${p}-progress`} style={{ width: "100%" }} /> : <progress id={`${p}-progress`} max={Math.max(1, sync.filesTotal)} value={sync.status === "completed" ? Math.max(1, sync.filesTotal) : sync.filesDone} style={{ width: "100%" }} />}
              {!running && sync.status !== "completed" && sync.message ? <p role="alert" className="form-error small">{sync.message}</p> : null}
            </div>
          ) : (
            <p className="small muted flush">No sync yet.</p>
          )}
        </div>
      ) : null}
      <details open={!configured}>
        <summary>{configured ? "Bulk Data settings…" : "Set up Bulk Data sync"}</summary>
        <form action={saveAction} className="stack" noValidate aria-label={`Bulk Data settings: ${ehrName}`}>
          <input type="hidden" name="ehrId" value={ehrId} />
          <div className="row">
            <div className="field">
              <label htmlFor={`${p}-client`}>Backend-services client id</label>
              <input id={`${p}-client`} name="clientId" defaultValue={values.clientId ?? settings.clientId ?? ""} autoComplete="off" {...invalid(`${p}-client`, errors.clientId?.[0])} />
              <FieldError id={`${p}-client-error`} message={errors.clientId?.[0]} />
            </div>
            <div className="field">
              <label htmlFor={`${p}-base`}>Export from (FHIR base URL)</label>
              <input id={`${p}-base`} name="fhirBaseUrl" type="url" defaultValue={values.fhirBaseUrl ?? (settings.fhirBaseUrlSet ? settings.fhirBaseUrl : "")} placeholder={settings.fhirBaseUrl} autoComplete="off" {...invalid(`${p}-base`, errors.fhirBaseUrl?.[0])} />
              <FieldError id={`${p}-base-error`} message={errors.fhirBaseUrl?.[0]} />
            </div>
            <div className="field">
              <label htmlFor={`${p}-group`}>Group id (empty: every patient)</label>
              <input id={`${p}-group`} name="groupId" defaultValue={values.groupId ?? settings.groupId ?? ""} autoComplete="off" {...invalid(`${p}-group`, errors.groupId?.[0])} />
              <FieldError id={`${p}-group-error`} message={errors.groupId?.[0]} />
            </div>
          </div>
          <div className="field">
            <label htmlFor={`${p}-key`}>Private key (JWK){settings.hasKey ? " — leave empty to keep the stored one" : ""}</label>
            <textarea id={`${p}-key`} name="privateJwk" rows={3} spellCheck={false} autoComplete="off" aria-invalid={errors.privateJwk?.[0] ? true : undefined} aria-describedby={errors.privateJwk?.[0] ? `${p}-key-error ${p}-key-hint` : `${p}-key-hint`} />
            <FieldError id={`${p}-key-error`} message={errors.privateJwk?.[0]} />
            <p id={`${p}-key-hint`} className="small muted flush">
              The EHR holds its public half (docs/ehr-integration.md says how to make the pair). Stored encrypted, never shown again. An empty client id turns sync off.
            </p>
          </div>
          <div className="row">
            <button type="submit" className="secondary" disabled={saving}>{saving ? "Saving…" : "Save Bulk Data settings"}</button>
          </div>
          <Outcome state={saved} />
        </form>
      </details>
    </section>
  );
}
