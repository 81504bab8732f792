import { guardedRoute } from "@/lib/auth/guarded";
import { getDb } from "@/lib/data/db/client";
import { importFhir } from "@/lib/data/import/fhir";
import { assertConfirmsPreview, listRecentImports, uploadSha256 } from "@/lib/data/import/upload-preview";
import { AppError } from "@/lib/errors";
import { fhirFilesProblem, fhirUploadFieldsSchema } from "@/lib/validation/upload";
import { parseUploadFields, readUploadForm, streamImport } from "../upload-request";

/** GET /api/import/fhir → the clinic's latest FHIR imports and previews. */
export const GET = guardedRoute("import:run", async (_request, actor) => {
  const imports = await listRecentImports(getDb(), actor, { format: "fhir" });
  return Response.json({ imports }, { headers: { "Cache-Control": "no-store" } });
});

/**
 * POST /api/import/fhir (multipart: one or more `files`, `mode` = preview | import,
 * `previewJobId` when importing) → NDJSON: the importFhir result (counts, rejections with their
 * reasons, unreadable files). The preview is its dry run; "import" runs the same files, checked
 * by sha256 against the preview's ImportJob.
 */
export const POST = guardedRoute("import:run", async (request, actor) => {
  const form = await readUploadForm(request, "files");
  if (form instanceof Response) return form;
  const fields = parseUploadFields(fhirUploadFieldsSchema, form.fields);
  const problem = fhirFilesProblem(form.files);
  if (problem) throw new AppError("invalid", problem);
  const files = form.files.map(({ name, content }) => ({ name, content }));
  const db = getDb();
  const now = new Date();
  const dryRun = fields.mode === "preview";
  if (!dryRun) {
    await assertConfirmsPreview(db, actor, { previewJobId: fields.previewJobId ?? "", format: "fhir", sha256: uploadSha256("fhir", files), now });
  }
  return streamImport(() => importFhir(db, actor, files, { now, dryRun }));
});
