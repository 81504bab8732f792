import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { importAssessments } from "@/lib/data/import/assessments";
import { assertConfirmsPreview, listRecentImports, uploadSha256 } from "@/lib/data/import/upload-preview";
import { AppError } from "@/lib/errors";
import { spreadsheetFileProblem, spreadsheetUploadFieldsSchema } from "@/lib/validation/upload";
import { parseUploadFields, readUploadForm, streamImport } from "../upload-request";

/** GET /api/import/assessments → the clinic's latest spreadsheet imports and previews. */
export const GET = guardedRoute("import:run", async (_request, actor) => {
  const imports = await listRecentImports(getDb(), actor, { format: "csv" });
  return Response.json({ imports }, { headers: { "Cache-Control": "no-store" } });
});

/**
 * POST /api/import/assessments (multipart: `file`, `mode` = preview | import, `skipInvalid`,
 * `previewJobId` when importing) → NDJSON progress events, then the importer's result. The
 * preview is importAssessments' dry run (it writes only its ImportJob and audit record); "import"
 * runs the real import of the file the preview read, checked by sha256 (lib/data/import/upload-preview.ts).
 * The importer stays the authority: an import without skipInvalid of a file with bad rows still
 * writes nothing.
 */
export const POST = guardedRoute("import:run", async (request, actor) => {
  const form = await readUploadForm(request, "file");
  if (form instanceof Response) return form;
  const fields = parseUploadFields(spreadsheetUploadFieldsSchema, form.fields);
  const [file] = form.files;
  if (!file || form.files.length !== 1) throw new AppError("invalid", "Choose one CSV file to upload.");
  const problem = spreadsheetFileProblem(file);
  if (problem) throw new AppError("invalid", problem);
  const db = getDb();
  const now = new Date();
  const upload = { name: file.name, content: file.content };
  if (fields.mode === "import") {
    await assertConfirmsPreview(db, actor, { previewJobId: fields.previewJobId ?? "", format: "csv", sha256: uploadSha256("csv", [file]), now });
    return streamImport((onProgress) => importAssessments(db, actor, upload, { now, skipInvalid: fields.skipInvalid, onProgress }));
  }
  // The preview always counts what the valid rows would bring (a dry run that skips invalid
  // rows), so a file with one bad row still shows its new patients and changes; `blocked` then
  // says whether the import, with the option as chosen, would stop on the problems.
  return streamImport(async (onProgress) => {
    const preview = await importAssessments(db, actor, upload, { now, dryRun: true, skipInvalid: true, onProgress });
    return { ...preview, blocked: preview.blocked || (!fields.skipInvalid && preview.errors.length > 0) };
  });
});
