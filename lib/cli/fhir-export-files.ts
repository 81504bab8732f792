/** `export-fhir`'s writing: the cohort's <Type>.ndjson files and the Bulk Data manifest in one directory. */
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { once } from "node:events";
import { finished } from "node:stream/promises";
import { join } from "node:path";
import type { Db } from "@/lib/data/db/client";
import { countFhirCohort, streamFhirExport, type FhirExportOptions, type FhirExportSummary } from "@/lib/data/export/fhir";
import type { SystemActor } from "@/lib/data/access/actor";
import { FHIR_EXPORT_TYPES, buildExportManifest, emptyFhirCounts, type FhirExportType } from "@/lib/domain/fhir-export";

async function write(out: WriteStream, text: string): Promise<void> {
  if (text !== "" && !out.write(text)) await once(out, "drain");
}

/**
 * Writes <Type>.ndjson for every export type and manifest.json into `dir` (created if missing);
 * the manifest's urls are the file names, relative to the manifest.
 */
export async function exportFhirToDirectory(
  db: Db,
  actor: SystemActor,
  dir: string,
  options: FhirExportOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<{ counts: Record<FhirExportType, number>; patients: number; request: string }> {
  await mkdir(dir, { recursive: true });
  const total = await countFhirCohort(db, actor, options);
  const outs = Object.fromEntries(FHIR_EXPORT_TYPES.map((type) => [type, createWriteStream(join(dir, `${type}.ndjson`))])) as Record<FhirExportType, WriteStream>;
  const stream = streamFhirExport(db, actor, options);
  let summary: FhirExportSummary;
  try {
    for (;;) {
      const next = await stream.next();
      if (next.done) {
        summary = next.value;
        break;
      }
      for (const type of FHIR_EXPORT_TYPES) await write(outs[type], next.value.ndjson[type] ?? "");
      onProgress?.(next.value.patientsDone, total);
    }
  } catch (error) {
    await stream.return({ patients: 0, counts: emptyFhirCounts() });
    throw error;
  } finally {
    for (const out of Object.values(outs)) out.end();
    await Promise.all(Object.values(outs).map((out) => finished(out)));
  }
  const request = `npm run cli -- export-fhir --out ${dir}${Object.entries(options.filter ?? {}).map(([k, v]) => ` --${k} ${String(v)}`).join("")}`;
  const manifest = buildExportManifest({
    transactionTime: options.now,
    request,
    requiresAccessToken: false,
    counts: summary.counts,
    urlOf: (type) => `${type}.ndjson`,
  });
  await writeFile(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return { counts: summary.counts, patients: summary.patients, request };
}
