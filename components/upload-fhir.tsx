"use client";

import Link from "next/link";
import { useId, useRef, useState, type FormEvent } from "react";
import type { FhirFileError, FhirIgnoredCode, FhirImportResult, FhirRejection } from "@/lib/data/import/fhir";
import { fhirFilesProblem, formatMegabytes, MAX_FHIR_FILES, MAX_UPLOAD_BYTES } from "@/lib/validation/upload";
import { ProgressStream, useUploadFlow } from "./progress-stream";
import { UploadTable, type UploadTableColumn } from "./upload-table";

const REJECTION_COLUMNS: readonly UploadTableColumn<FhirRejection>[] = [
  { header: "File", cell: (r) => r.file },
  { header: "Resource", cell: (r) => `${r.resourceType}${r.id ? `/${r.id}` : ""}` },
  { header: "Code", cell: (r) => (r.code ? `${r.code}${r.system ? ` (${r.system})` : ""}` : "—") },
  { header: "Reason", cell: (r) => r.reason },
];

const IGNORED_COLUMNS: readonly UploadTableColumn<FhirIgnoredCode>[] = [
  { header: "Code", cell: (i) => (i.code ? `${i.code}${i.system ? ` (${i.system})` : ""}` : "—") },
  { header: "Name", cell: (i) => i.display ?? "—" },
  { header: "Observations", cell: (i) => i.count.toLocaleString("en") },
];

const FILE_ERROR_COLUMNS: readonly UploadTableColumn<FhirFileError>[] = [
  { header: "File", cell: (e) => e.file },
  { header: "Line", cell: (e) => e.line ?? "—" },
  { header: "Problem", cell: (e) => e.message },
];

const count = (n: number) => n.toLocaleString("en");

/**
 * FHIR upload: Bundles (.json) or bulk NDJSON files, previewed with importFhir's dry run (what
 * would be created, and every resource it rejects with the reason: wrong unit, a code that does
 * not belong to its system…), then imported as previewed.
 */
export function UploadFhir() {
  const ids = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [files, setFiles] = useState<File[]>([]);
  const [fileError, setFileError] = useState<string | null>(null);
  const { stage, preview, result, progress, failure, busy, reset, send } = useUploadFlow<FhirImportResult>("/api/import/fhir");

  const upload = (mode: "preview" | "import") => {
    const body = new FormData();
    for (const file of files) body.append("files", file);
    void send(mode, body);
  };

  const onPreview = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (files.length === 0) {
      setFileError("Choose one or more FHIR files first.");
      fileInput.current?.focus();
      return;
    }
    if (!fileError) upload("preview");
  };

  return (
    <div className="stack">
      <form onSubmit={onPreview} className="stack" noValidate>
        <div className="field">
          <label htmlFor={`${ids}-files`}>
            FHIR files (Bundle .json or bulk .ndjson; up to {MAX_FHIR_FILES} files, {formatMegabytes(MAX_UPLOAD_BYTES)} in all)
          </label>
          <input
            ref={fileInput}
            id={`${ids}-files`}
            type="file"
            multiple
            accept=".json,.ndjson,.jsonl,application/json,application/fhir+json,application/x-ndjson"
            disabled={busy}
            aria-invalid={fileError ? true : undefined}
            aria-describedby={fileError ? `${ids}-files-error` : undefined}
            onChange={(event) => {
              const chosen = [...(event.currentTarget.files ?? [])];
              setFiles(chosen);
              setFileError(chosen.length > 0 ? fhirFilesProblem(chosen) : null);
              reset();
            }}
          />
          {fileError ? (
            <p id={`${ids}-files-error`} className="field-error" role="alert">
              {fileError}
            </p>
          ) : null}
        </div>
        <div>
          <button type="submit" disabled={busy || files.length === 0 || fileError !== null}>
            {stage === "previewing" ? "Checking…" : "Preview FHIR import"}
          </button>
        </div>
      </form>
      {busy ? <ProgressStream id={`${ids}-progress`} label={stage === "previewing" ? "Checking the files" : "Importing"} progress={progress} /> : null}
      {failure ? (
        <p className="form-error" role="alert">
          {failure}
        </p>
      ) : null}
      {preview ? <FhirSummary title="Preview (nothing has been written)" result={preview} headingId="fhir-preview-title" /> : null}
      {preview && !preview.blocked && stage !== "imported" ? (
        <div>
          <button type="button" onClick={() => upload("import")} disabled={busy}>
            {stage === "importing" ? "Importing…" : `Import ${count(preview.resources - preview.rejected.length)} resources`}
          </button>
        </div>
      ) : null}
      {result ? (
        <>
          <FhirSummary title="Import finished" result={result} headingId="fhir-result-title" />
          <p>
            <Link href="/patients">Open the patient panel</Link> to see the re-evaluated patients.
          </p>
        </>
      ) : null}
    </div>
  );
}

/**
 * What an import did or would do. Two lists, kept apart so the real problems are not buried:
 * "rejected" — wrong unit, mislabelled code, implausible value… each with its reason, shown open —
 * and "ignored — not used by screening" — ordinary observations (blood pressure, HbA1c…) counted
 * by code, with the resource types and statuses not read, collapsed.
 */
function FhirSummary({ title, result, headingId }: { title: string; result: FhirImportResult; headingId: string }) {
  const verb = result.dryRun ? "would be" : "were";
  const ignoredCount = result.ignored.reduce((n, i) => n + i.count, 0);
  const facts: [string, string][] = [
    ["Files", count(result.files)],
    ["Resources read", count(result.resources)],
    ["Patients", `${count(result.patients.created)} new, ${count(result.patients.updated)} changed, ${count(result.patients.unchanged)} unchanged`],
    ["Observations", `${count(result.observations.created)} new, ${count(result.observations.existing)} already there`],
    ["Medicines", `${count(result.medications.created)} new (${count(result.medications.freeText)} as free text), ${count(result.medications.existing)} already there`],
    ["Conditions", `${count(result.conditions.created)} new, ${count(result.conditions.existing)} already there, ${count(result.conditions.ignored)} not used by screening`],
    ["Symptoms and Yubi-wakka results", `${count(result.findings.created)} new, ${count(result.findings.existing)} already there`],
    ["Rejected (problems)", count(result.rejected.length)],
    ["Ignored (not used by screening)", `${count(ignoredCount)} observations`],
  ];
  const skipped = [...Object.entries(result.skippedByType), ...Object.entries(result.skippedByStatus)];
  return (
    <section aria-labelledby={headingId} className="stack">
      <h3 id={headingId}>{title}</h3>
      <dl className="facts" aria-label={title}>
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {result.blocked ? (
        <p className="form-error" role="alert">
          {count(result.errors.length)} {result.errors.length === 1 ? "file could" : "files could"} not be read, so nothing {verb} imported. Fix or remove{" "}
          {result.errors.length === 1 ? "it" : "them"} and preview again.
        </p>
      ) : null}
      {result.errors.length > 0 ? (
        <>
          <h4>Files that could not be read</h4>
          <UploadTable caption="Files that could not be read" items={result.errors} columns={FILE_ERROR_COLUMNS} rowKey={(e, i) => `${e.file}-${e.line}-${i}`} />
        </>
      ) : null}
      {result.rejected.length > 0 ? (
        <>
          <h4>
            Rejected — {count(result.rejected.length)} {result.rejected.length === 1 ? "resource" : "resources"} with a problem (wrong unit, mislabelled code,
            implausible value…; not imported, the rest {verb})
          </h4>
          <UploadTable caption="Rejected resources" items={result.rejected} columns={REJECTION_COLUMNS} rowKey={(r, i) => `${r.file}-${r.id}-${i}`} />
        </>
      ) : (
        <p>Rejected: none — no resource has a wrong unit, a mislabelled code or an implausible value.</p>
      )}
      {ignoredCount > 0 || skipped.length > 0 ? (
        <details className="import-ignored">
          <summary>
            Ignored — not used by screening: {count(ignoredCount)} {ignoredCount === 1 ? "observation" : "observations"}
            {result.ignored.length > 0 ? ` of ${count(result.ignored.length)} ${result.ignored.length === 1 ? "code" : "codes"}` : ""}
            {skipped.length > 0 ? `, and ${count(skipped.reduce((n, [, k]) => n + k, 0))} other resources` : ""}
          </summary>
          <div className="stack">
            <p className="small">
              Ordinary results the screening does not read (blood pressure, HbA1c, blood counts…). They are not problems and are not imported.
            </p>
            {result.ignored.length > 0 ? (
              <UploadTable caption="Ignored observations by code" items={result.ignored} columns={IGNORED_COLUMNS} rowKey={(i) => `${i.system ?? ""}|${i.code ?? ""}`} />
            ) : null}
            {skipped.length > 0 ? (
              <p className="small muted">
                Not read by screening: {skipped.map(([what, n]) => `${what} ${count(n)}`).join(", ")}.
              </p>
            ) : null}
          </div>
        </details>
      ) : null}
    </section>
  );
}
