import "server-only";
import { createHash } from "node:crypto";
import type { Db } from "@/lib/data/db/client";
import { actorId, type Actor } from "@/lib/data/access/actor";
import { AppError } from "@/lib/errors";
import { PREVIEW_VALID_HOURS } from "@/lib/validation/upload";

/**
 * The glue between the upload page's two steps and the importers' ImportJob records: "Import"
 * runs only a file that was previewed — by the same user, in the same clinic, without problems
 * that stop it, recently, and byte for byte the same (its sha256 is the one the preview's
 * ImportJob recorded).
 */

export type UploadFormat = "csv" | "fhir";

export interface UploadedFile {
  name: string;
  content: Buffer;
}

/**
 * The sha256 an importer records for these files: of the content for a spreadsheet (as
 * importAssessments does); of each name and content, NUL-separated, for FHIR (as importFhir
 * does). tests/integration/upload-jobs.int.test.ts pins both to the importers' records.
 */
export function uploadSha256(format: UploadFormat, files: readonly UploadedFile[]): string {
  const hash = createHash("sha256");
  if (format === "csv") {
    const [file] = files;
    if (!file || files.length !== 1) throw new AppError("invalid", "A spreadsheet upload is exactly one file.");
    return hash.update(file.content).digest("hex");
  }
  for (const file of files) hash.update(file.name).update("\0").update(file.content).update("\0");
  return hash.digest("hex");
}

/**
 * Throws AppError unless `previewJobId` names a dry run of `format` by this actor in their clinic,
 * which found nothing that stops the import, finished within PREVIEW_VALID_HOURS of `now`, and
 * read exactly the file(s) with this `sha256`. Every refusal says what to do next.
 */
export async function assertConfirmsPreview(
  db: Db,
  actor: Actor,
  input: { previewJobId: string; format: UploadFormat; sha256: string; now: Date },
): Promise<void> {
  const preview = await db.importJob.findFirst({
    where: { id: input.previewJobId, clinicId: actor.clinicId, actorId: actorId(actor), format: input.format, dryRun: true },
    select: { fileSha256: true, status: true, startedAt: true },
  });
  if (!preview) throw new AppError("not_found", "That preview was not found. Preview the file again, then import it.");
  if (preview.status !== "validated") {
    throw new AppError("conflict", "That preview found problems that stop the import. Fix them (or choose to skip invalid rows) and preview again.");
  }
  if (input.now.getTime() - preview.startedAt.getTime() > PREVIEW_VALID_HOURS * 3_600_000) {
    throw new AppError("conflict", `That preview is more than ${PREVIEW_VALID_HOURS} hours old. Preview the file again, then import it.`);
  }
  if (preview.fileSha256 !== input.sha256) {
    throw new AppError("conflict", "This file is not the one you previewed (it differs byte for byte). Preview it again, then import it.");
  }
}

export interface RecentImport {
  id: string;
  format: string;
  fileName: string;
  status: string;
  dryRun: boolean;
  rowsTotal: number;
  rowsValid: number;
  rowsInvalid: number;
  startedAt: Date;
  finishedAt: Date | null;
}

/** The clinic's latest imports and previews, newest first. */
export async function listRecentImports(db: Db, actor: Actor, options: { format?: UploadFormat; limit?: number } = {}): Promise<RecentImport[]> {
  return db.importJob.findMany({
    where: { clinicId: actor.clinicId, ...(options.format ? { format: options.format } : {}) },
    orderBy: { startedAt: "desc" },
    take: Math.min(Math.max(options.limit ?? 10, 1), 100),
    select: { id: true, format: true, fileName: true, status: true, dryRun: true, rowsTotal: true, rowsValid: true, rowsInvalid: true, startedAt: true, finishedAt: true },
  });
}
