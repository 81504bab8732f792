"use client";

import Link from "next/link";
import { useId, useRef, useState, type FormEvent } from "react";
import type { ImportProblem, ImportResult } from "@/lib/data/import/assessments";
import { buildProblemsCsv } from "@/lib/validation/upload-csv";
import { formatMegabytes, MAX_UPLOAD_BYTES, spreadsheetFileProblem } from "@/lib/validation/upload";
import { ProgressStream, useUploadFlow } from "./progress-stream";
import { downloadText, UploadTable, type UploadTableColumn } from "./upload-table";

const PROBLEM_COLUMNS: readonly UploadTableColumn<ImportProblem>[] = [
  { header: "Row", cell: (p) => p.row },
  { header: "Column", cell: (p) => p.column || "(whole row)" },
  { header: "Problem", cell: (p) => p.message },
];

const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

/**
 * Assessment spreadsheet upload: choose a CSV, preview (the importer's dry run: counts and every
 * problem with its row and column), then import exactly that file with a live progress bar.
 */
export function UploadSpreadsheet() {
  const ids = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [skipInvalid, setSkipInvalid] = useState(false);
  const { stage, preview, result, progress, failure, busy, reset, send } = useUploadFlow<ImportResult>("/api/import/assessments");

  const upload = (mode: "preview" | "import") => {
    if (!file) return;
    const body = new FormData();
    body.set("file", file);
    body.set("skipInvalid", String(skipInvalid));
    void send(mode, body);
  };

  const onPreview = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!file) {
      setFileError("Choose a CSV file first.");
      fileInput.current?.focus();
      return;
    }
    if (!fileError) upload("preview");
  };

  return (
    <div className="stack">
      <form onSubmit={onPreview} className="stack" noValidate>
        <div className="field">
          <label htmlFor={`${ids}-file`}>Spreadsheet (CSV, UTF-8, up to {formatMegabytes(MAX_UPLOAD_BYTES)})</label>
          <input
            ref={fileInput}
            id={`${ids}-file`}
            type="file"
            accept=".csv,text/csv"
            disabled={busy}
            aria-invalid={fileError ? true : undefined}
            aria-describedby={fileError ? `${ids}-file-error` : undefined}
            onChange={(event) => {
              const chosen = event.currentTarget.files?.[0] ?? null;
              setFile(chosen);
              setFileError(chosen ? spreadsheetFileProblem(chosen) : null);
              reset();
            }}
          />
          {fileError ? (
            <p id={`${ids}-file-error`} className="field-error" role="alert">
              {fileError}
            </p>
          ) : null}
        </div>
        <label>
          <input
            type="checkbox"
            checked={skipInvalid}
            disabled={busy}
            onChange={(event) => {
              setSkipInvalid(event.currentTarget.checked);
              reset();
            }}
          />{" "}
          Skip invalid rows (import the valid rows and list the others)
        </label>
        <div>
          <button type="submit" disabled={busy || !file || fileError !== null}>
            {stage === "previewing" ? "Checking…" : "Preview"}
          </button>
        </div>
      </form>

      {stage === "previewing" ? <ProgressStream id={`${ids}-preview-progress`} label="Checking the file" progress={progress} /> : null}
      {failure ? (
        <p className="form-error" role="alert">
          {failure}
        </p>
      ) : null}

      {preview ? <SpreadsheetPreview preview={preview} skipInvalid={skipInvalid} fileName={file?.name ?? "file"} /> : null}

      {preview && !preview.blocked && preview.rowsValid > 0 && stage !== "imported" ? (
        <div>
          <button type="button" onClick={() => upload("import")} disabled={busy}>
            {stage === "importing" ? "Importing…" : `Import ${plural(preview.rowsValid, "row", "rows")}`}
          </button>
        </div>
      ) : null}
      {stage === "importing" || stage === "imported" ? <ProgressStream id={`${ids}-import-progress`} label="Importing" progress={progress} /> : null}
      {result ? <SpreadsheetResult result={result} /> : null}
    </div>
  );
}

function SpreadsheetPreview({ preview, skipInvalid, fileName }: { preview: ImportResult; skipInvalid: boolean; fileName: string }) {
  const invalid = preview.rowsTotal - preview.rowsValid;
  const facts: [string, number][] = [
    ["Rows read", preview.rowsTotal],
    ["Valid rows", preview.rowsValid],
    ["Invalid rows", invalid],
    ["New patients", preview.created.patients],
    ["New observations", preview.created.observations],
    ["New medicines", preview.created.medications],
    ["Patients that change", preview.updatedPatients],
    ["Unchanged rows (already imported)", preview.unchanged],
  ];
  const problemCount = preview.errors.length + preview.warnings.length;
  return (
    <section aria-labelledby="spreadsheet-preview-title" className="stack">
      <h3 id="spreadsheet-preview-title">Preview of {fileName} (nothing has been written)</h3>
      <dl className="facts" aria-label="What the import would do">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value.toLocaleString("en")}</dd>
          </div>
        ))}
      </dl>
      {preview.blocked ? (
        <p className="form-error" role="alert">
          {preview.rowsTotal === 0 && preview.errors.length > 0
            ? "The file cannot be read as an assessment spreadsheet; see the problem below, fix the file and preview it again."
            : `${plural(invalid || preview.errors.length, "row has", "rows have")} problems, so nothing would be imported. Fix them in your spreadsheet and preview again${
                skipInvalid || preview.rowsValid === 0 ? "" : `, or tick "Skip invalid rows" to import the other ${plural(preview.rowsValid, "row", "rows")}`
              }.`}
        </p>
      ) : preview.rowsValid === 0 ? (
        <p className="form-error" role="alert">No row can be imported. Fix the problems below and preview again.</p>
      ) : (
        <p className="form-ok" role="status">
          Ready to import {plural(preview.rowsValid, "row", "rows")}
          {invalid > 0 ? ` (the ${plural(invalid, "invalid row", "invalid rows")} will be skipped)` : ""}.
        </p>
      )}
      {preview.errors.length > 0 ? (
        <>
          <h4>{plural(preview.errors.length, "problem", "problems")} to fix</h4>
          <UploadTable caption="Problems to fix" items={preview.errors} columns={PROBLEM_COLUMNS} rowKey={(p, i) => `${p.row}-${p.column}-${i}`} />
        </>
      ) : null}
      {preview.warnings.length > 0 ? (
        <>
          <h4>{plural(preview.warnings.length, "note", "notes")} (imported as they are)</h4>
          <UploadTable caption="Notes" items={preview.warnings} columns={PROBLEM_COLUMNS} rowKey={(p, i) => `${p.row}-${p.column}-${i}`} />
        </>
      ) : null}
      {problemCount > 0 ? (
        <div>
          <button type="button" onClick={() => downloadText(`${fileName.replace(/\.csv$/i, "")}-problems.csv`, buildProblemsCsv(preview))}>
            Download all {plural(problemCount, "problem and note", "problems and notes")} (CSV)
          </button>
        </div>
      ) : null}
    </section>
  );
}

function SpreadsheetResult({ result }: { result: ImportResult }) {
  if (result.blocked) {
    return (
      <p className="form-error" role="alert">
        Nothing was imported: the file has {plural(result.errors.length, "problem", "problems")}. Preview it again to see them.
      </p>
    );
  }
  return (
    <section aria-labelledby="spreadsheet-result-title" className="stack">
      <h3 id="spreadsheet-result-title">Import finished</h3>
      <p className="form-ok" role="status">
        Imported {plural(result.rowsValid, "row", "rows")}: {plural(result.created.patients, "new patient", "new patients")},{" "}
        {plural(result.created.observations, "new observation", "new observations")}, {plural(result.created.medications, "new medicine", "new medicines")};{" "}
        {plural(result.updatedPatients, "patient", "patients")} changed, {plural(result.unchanged, "row was", "rows were")} already there
        {result.rowsTotal > result.rowsValid ? `; ${plural(result.rowsTotal - result.rowsValid, "invalid row was", "invalid rows were")} skipped` : ""}.
      </p>
      <p>
        <Link href="/patients">Open the patient panel</Link> to see the re-evaluated patients.
      </p>
    </section>
  );
}
