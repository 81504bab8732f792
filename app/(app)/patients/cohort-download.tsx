"use client";

import { useState, type MouseEvent } from "react";

type Progress =
  | { state: "idle" }
  | { state: "running"; rows: number; bytes: number }
  | { state: "done"; rows: number }
  | { state: "failed"; message: string };

const LF = 10;

function countLines(chunk: Uint8Array): number {
  let lines = 0;
  for (const byte of chunk) if (byte === LF) lines++;
  return lines;
}

function fileName(disposition: string | null): string {
  return /filename="([^"]+)"/.exec(disposition ?? "")?.[1] ?? "cohort.csv";
}

const formatBytes = (bytes: number) => (bytes < 1_000_000 ? `${Math.ceil(bytes / 1000).toLocaleString("en")} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`);

/**
 * The cohort CSV download. A plain link (works without JavaScript: the browser saves the
 * streamed response); with JavaScript the stream is read here so a large cohort shows rows
 * received out of `expectedRows` in a <progress> bar, then saved as one file. Rows are counted
 * by line ends, which is exact for the export's cells (names and codes carry no line breaks).
 */
export function CohortDownload({ href, expectedRows }: { href: string; expectedRows: number }) {
  const [progress, setProgress] = useState<Progress>({ state: "idle" });

  async function download(event: MouseEvent<HTMLAnchorElement>) {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || typeof ReadableStream === "undefined") return;
    event.preventDefault();
    if (progress.state === "running") return;
    setProgress({ state: "running", rows: 0, bytes: 0 });
    try {
      const response = await fetch(href, { headers: { Accept: "text/csv" } });
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => null)) as { message?: string } | null;
        setProgress({ state: "failed", message: body?.message ?? `The export failed (HTTP ${response.status}). Try again, or use the link with JavaScript off.` });
        return;
      }
      const reader = response.body.getReader();
      const chunks: Uint8Array<ArrayBuffer>[] = [];
      let lines = 0;
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        lines += countLines(value);
        bytes += value.byteLength;
        setProgress({ state: "running", rows: Math.max(0, lines - 1), bytes });
      }
      const url = URL.createObjectURL(new Blob(chunks, { type: "text/csv;charset=utf-8" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = fileName(response.headers.get("Content-Disposition"));
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setProgress({ state: "done", rows: Math.max(0, lines - 1) });
    } catch {
      setProgress({ state: "failed", message: "The download was interrupted. Check the connection and try again." });
    }
  }

  return (
    <>
      <a className="button secondary" href={href} download onClick={download} aria-describedby="cohort-download-status">
        Download cohort CSV
      </a>{" "}
      <span id="cohort-download-status" role="status" aria-live="polite" className="small">
        {progress.state === "running" ? (
          <>
            <progress max={Math.max(1, expectedRows)} value={Math.min(progress.rows, expectedRows)} aria-label="Cohort CSV download progress" />{" "}
            {progress.rows.toLocaleString("en")} of {expectedRows.toLocaleString("en")} rows ({formatBytes(progress.bytes)})
          </>
        ) : progress.state === "done" ? (
          `Downloaded ${progress.rows.toLocaleString("en")} rows.`
        ) : progress.state === "failed" ? (
          <span className="field-error">{progress.message}</span>
        ) : null}
      </span>
    </>
  );
}
