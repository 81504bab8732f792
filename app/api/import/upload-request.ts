import "server-only";
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { withBoundedBody } from "@/lib/http/bounded-body";
import { formatMegabytes, MAX_UPLOAD_BYTES, type UploadEvent } from "@/lib/validation/upload";
import type { UploadedFile } from "@/lib/data/import/upload-preview";

/**
 * Request and response plumbing shared by the upload route handlers (/api/import/*): reading a
 * multipart upload within the size limit, and answering with an NDJSON stream of progress events
 * and the importer's result.
 */

/** Multipart framing around the files: boundaries, part headers and the few text fields. */
const MULTIPART_OVERHEAD_BYTES = 256 * 1024;

export interface UploadForm {
  fields: Record<string, string>;
  files: (UploadedFile & { size: number; type: string })[];
}

/** The most a request body may hold: the files' limit plus the multipart framing around them. */
export const MAX_UPLOAD_BODY_BYTES = MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES;

/**
 * The upload's text fields and files. A body over the limit is refused with 413: at once when
 * the client declares a length over it, otherwise as soon as the bytes read pass it (a chunked
 * upload declares none), so no more than the limit is ever read into memory.
 */
export async function readUploadForm(request: Request, fileField: string): Promise<UploadForm | Response> {
  const tooLarge = () =>
    Response.json(
      { error: "too_large", message: `The upload is larger than ${formatMegabytes(MAX_UPLOAD_BYTES)}. Split the file, or import it with the command line.` },
      { status: 413, headers: { "Cache-Control": "no-store" } },
    );
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_UPLOAD_BODY_BYTES) return tooLarge();
  const bounded = withBoundedBody(request, MAX_UPLOAD_BODY_BYTES);
  let form: FormData;
  try {
    form = await bounded.request.formData();
  } catch {
    if (bounded.exceeded()) return tooLarge();
    throw new AppError("invalid", "Send the upload as a form (multipart/form-data) with the file in the field \"" + fileField + "\".");
  }
  const fields: Record<string, string> = {};
  const files: UploadForm["files"] = [];
  for (const [key, value] of form) {
    if (typeof value === "string") fields[key] = value;
    else if (key === fileField) files.push({ name: value.name, size: value.size, type: value.type, content: Buffer.from(await value.arrayBuffer()) });
  }
  if (files.reduce((sum, f) => sum + f.size, 0) > MAX_UPLOAD_BYTES) return tooLarge();
  return { fields, files };
}

/** Parses the upload's text fields; a refusal names what to fix (422). */
export function parseUploadFields<S extends z.ZodType>(schema: S, fields: Record<string, string>): z.infer<S> {
  const parsed = schema.safeParse(fields);
  if (!parsed.success) throw new AppError("invalid", parsed.error.issues.map((issue) => issue.message).join(" "));
  return parsed.data;
}

/** Emit at most this often, and on every whole percent, so a large import does not flood the stream. */
const PROGRESS_INTERVAL_MS = 200;

/** An importer's `onProgress` that turns its calls into throttled progress events. */
function progressEvents<R>(emit: (event: UploadEvent<R>) => void): (done: number, total: number) => void {
  let lastAt = 0;
  let lastPercent = -1;
  let lastDone = -1;
  return (done, total) => {
    const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
    const now = Date.now();
    if (done === lastDone) return;
    if (done < total && percent === lastPercent && now - lastAt < PROGRESS_INTERVAL_MS) return;
    lastAt = now;
    lastPercent = percent;
    lastDone = done;
    emit({ type: "progress", phase: "writing", done, total });
  };
}

/**
 * Runs an importer and streams its progress as NDJSON (one UploadEvent a line), ending with the
 * result, or with an error that says what happened to the data. The importers write in one
 * transaction, so a failure means nothing was written.
 */
export function streamImport<R>(run: (onProgress: (done: number, total: number) => void) => Promise<R>): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const emit = (event: UploadEvent<R>) => {
        if (!open) return;
        try {
          controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
        } catch {
          // The browser went away; the import still finishes (or rolls back) on its own.
          open = false;
        }
      };
      emit({ type: "progress", phase: "reading", done: 0, total: 0 });
      void run(progressEvents(emit))
        .then((result) => emit({ type: "result", result }))
        .catch((error: unknown) => {
          if (!(error instanceof AppError)) console.error("upload import failed", error);
          const reason = error instanceof AppError ? error.message : "an unexpected error on the server";
          emit({ type: "error", message: `The import stopped and nothing was written: ${reason}. Try again; if it fails again, tell your administrator the time it happened.` });
        })
        .finally(() => {
          if (open) controller.close();
          open = false;
        });
    },
  });
  return new Response(body, {
    headers: { "Content-Type": "application/x-ndjson; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" },
  });
}
