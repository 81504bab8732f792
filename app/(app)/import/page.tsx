import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { listRecentImports } from "@/lib/data/import/upload-preview";
import { formatMegabytes, MAX_UPLOAD_BYTES } from "@/lib/validation/upload";
import { UploadFhir } from "@/components/upload-fhir";
import { UploadSpreadsheet } from "@/components/upload-spreadsheet";
import { TableScroll } from "@/components/table-scroll";

export const metadata = { title: "Import data" };

function describeJob(job: { dryRun: boolean; status: string }): string {
  if (job.dryRun) return job.status === "failed" ? "preview: problems found" : "preview";
  return job.status === "completed" ? "imported" : job.status === "failed" ? "stopped (nothing written)" : job.status;
}

export default async function ImportPage() {
  const actor = await requirePageActor("import:run");
  const recent = await listRecentImports(getDb(), actor, { limit: 10 });
  return (
    <div className="stack">
      <h1>Import data</h1>
      <p>
        Every upload is checked first: the preview shows what would change and every problem, and writes nothing. Import then writes the
        previewed file in one step (all or nothing) and re-evaluates the patients it touches. Uploads are limited to{" "}
        {formatMegabytes(MAX_UPLOAD_BYTES)}; for larger files use the command line (<code>npm run cli -- import</code>).
      </p>

      <section aria-labelledby="spreadsheet-title" className="card stack">
        <h2 id="spreadsheet-title">Assessment spreadsheet (CSV)</h2>
        <p>
          One row per patient visit. Columns may be in any order and only <code>mrn</code> is required; new patients also need name, birth
          date and sex. Leave a cell empty when it was not measured.{" "}
          <a href="/api/import/template" download>
            Download the template (CSV)
          </a>{" "}
          for every column with two example visits.
        </p>
        <UploadSpreadsheet />
      </section>

      <section aria-labelledby="fhir-title" className="card stack">
        <h2 id="fhir-title">FHIR R4 files</h2>
        <p>
          Transaction or collection Bundles, or bulk-data NDJSON: Patient, Observation, MedicationRequest, MedicationStatement and Condition
          are read. The preview keeps two lists apart: <strong>rejected</strong> — an observation with a wrong unit, a code that does not
          belong to its code system, an implausible value — each with its reason, never guessed; and <strong>ignored</strong> — ordinary
          results screening does not use (blood pressure, HbA1c…), counted by code. The other resources are still imported.
        </p>
        <UploadFhir />
      </section>

      <section aria-labelledby="recent-title" className="stack">
        <h2 id="recent-title">Recent imports and previews</h2>
        {recent.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <TableScroll label="Recent imports and previews: table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Started (UTC)</th>
                  <th scope="col">Format</th>
                  <th scope="col">File</th>
                  <th scope="col">What</th>
                  <th scope="col">Rows or resources</th>
                  <th scope="col">Invalid or rejected</th>
                </tr>
              </thead>
              <tbody>
                {recent.map((job) => (
                  <tr key={job.id}>
                    <td className="nowrap">{job.startedAt.toISOString().slice(0, 16).replace("T", " ")}</td>
                    <td>{job.format === "csv" ? "Spreadsheet" : "FHIR"}</td>
                    <td>{job.fileName}</td>
                    <td>{describeJob(job)}</td>
                    <td>{job.rowsTotal.toLocaleString("en")}</td>
                    <td>{job.rowsInvalid.toLocaleString("en")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>
    </div>
  );
}
