"use client";

import { useState } from "react";
import type { UploadEvent, UploadMode } from "@/lib/validation/upload";

export type StreamProgress = Extract<UploadEvent<unknown>, { type: "progress" }>;

/**
 * Posts an upload and reads the route handler's NDJSON answer (app/api/import/upload-request.ts):
 * progress events go to `onProgress`; the result is returned; a refusal (non-2xx JSON
 * `{ message }`) or an error event is thrown as an Error carrying the server's message.
 */
export async function postUploadStream<R>(url: string, body: FormData, onProgress: (progress: StreamProgress) => void): Promise<R> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", body, cache: "no-store" });
  } catch {
    throw new Error("The upload did not reach the server. Check your connection and try again.");
  }
  if (!response.ok || !response.body) {
    const refusal = (await response.json().catch(() => null)) as { message?: string } | null;
    if (response.status === 401) throw new Error("Your session has ended. Sign in again, then upload the file again.");
    throw new Error(refusal?.message ?? `The server refused the upload (HTTP ${response.status}). Try again.`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffered += value;
    const lines = buffered.split("\n");
    buffered = done ? "" : (lines.pop() ?? "");
    for (const line of lines) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as UploadEvent<R>;
      if (event.type === "progress") onProgress(event);
      else if (event.type === "result") return event.result;
      else throw new Error(event.message);
    }
    if (done) break;
  }
  throw new Error("The connection closed before the server answered. Check the recent imports below before trying again.");
}

/**
 * A progress bar with a spoken summary. While the file is read and checked the total is unknown,
 * so the bar is indeterminate; while rows are written it counts them.
 */
export function ProgressStream({ id, label, progress }: { id: string; label: string; progress: StreamProgress | null }) {
  if (!progress) return null;
  const counting = progress.phase === "writing" && progress.total > 0;
  const percent = counting ? Math.round((progress.done / progress.total) * 100) : null;
  const text = counting
    ? `${label}: ${percent}% (${progress.done.toLocaleString("en")} of ${progress.total.toLocaleString("en")} steps)`
    : `${label}: reading and checking the file…`;
  return (
    <div className="stack" style={{ gap: "0.25rem" }}>
      <label htmlFor={id}>{label}</label>
      {counting ? <progress id={id} max={progress.total} value={progress.done} style={{ width: "100%" }} /> : <progress id={id} style={{ width: "100%" }} />}
      <p className="small muted" aria-live="polite" role="status" data-testid={`${id}-text`}>
        {text}
      </p>
    </div>
  );
}

export type UploadStage = "choose" | "previewing" | "previewed" | "importing" | "imported";

/**
 * The two steps of an upload form: preview (a dry run), then import of the same file(s) naming
 * the preview's ImportJob. Keeps the stage, the preview and import results, the live progress and
 * a failure message; the import's final progress stays shown so the finished bar remains.
 */
export function useUploadFlow<R extends { importJobId: string }>(url: string) {
  const [stage, setStage] = useState<UploadStage>("choose");
  const [preview, setPreview] = useState<R | null>(null);
  const [result, setResult] = useState<R | null>(null);
  const [progress, setProgress] = useState<StreamProgress | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const reset = () => {
    setStage("choose");
    setPreview(null);
    setResult(null);
    setProgress(null);
    setFailure(null);
  };

  const send = async (mode: UploadMode, body: FormData) => {
    body.set("mode", mode);
    if (mode === "import" && preview) body.set("previewJobId", preview.importJobId);
    setFailure(null);
    setStage(mode === "preview" ? "previewing" : "importing");
    setProgress({ type: "progress", phase: "reading", done: 0, total: 0 });
    try {
      const answer = await postUploadStream<R>(url, body, setProgress);
      if (mode === "preview") {
        setPreview(answer);
        setProgress(null);
        setStage("previewed");
      } else {
        setResult(answer);
        setStage("imported");
      }
    } catch (error) {
      setFailure(error instanceof Error ? error.message : String(error));
      setProgress(null);
      setStage(mode === "preview" ? "choose" : "previewed");
    }
  };

  return { stage, preview, result, progress, failure, busy: stage === "previewing" || stage === "importing", reset, send };
}
