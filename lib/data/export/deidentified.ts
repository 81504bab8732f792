import "server-only";
import { createHmac, randomBytes } from "node:crypto";
import { stringify } from "csv-stringify/sync";
import type { Db } from "@/lib/data/db/client";
import { auditRead } from "@/lib/data/audit/log";
import { actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { DEIDENTIFIED_COLUMNS, DEIDENTIFIED_SUPPRESSION_ORDER, toDeidentifiedRow, type DeidentifiedInput } from "@/lib/domain/deidentified-row";
import { kAnonymise } from "@/lib/domain/k-anonymity";
import { SMALL_CELL_THRESHOLD } from "@/lib/domain/suppression";
import type { CsvCell } from "@/lib/domain/csv-export";
import { PATIENTS_PER_BATCH } from "@/lib/data/db/batches";

export interface DeidentifiedExportOptions {
  /** Age bands are as of this time. */
  now: Date;
  /** Patients per query; memory is bounded by one batch whatever the clinic's size. */
  batchSize?: number;
}

/**
 * The actor's whole clinic as de-identified CSV (lib/domain/deidentified-row.ts). There are
 * deliberately no filters: a filter on a name, an MRN or an exact age would let the reader single
 * out one patient's row.
 *
 * Small cells stay suppressed (k-anonymity, k = SMALL_CELL_THRESHOLD): a row is written only when
 * at least k written rows share every one of its columns but the pseudonym, so any count an
 * analyst makes from the file is 0 or at least k and cannot undo the "<5" of the summary. A row
 * whose combination is rare first gives up cells ("*"), in DEIDENTIFIED_SUPPRESSION_ORDER, and is
 * withheld only when even then too few share the rest (lib/domain/k-anonymity.ts): in the demo
 * clinic of 1,000 this keeps 943 patients where withholding whole rows kept 312. The withheld rows
 * and the suppressed cells are counted (the audit record and the return value). This needs every
 * row's columns before the first is written, so the clinic is read first in keyset batches (a few
 * small strings per patient: ~15 MB at 100,000 patients), then written.
 *
 * Pseudonyms are an HMAC of the patient id under a key drawn for this export and then forgotten:
 * stable within the file, unrelated between files, and not reversible. Rows are sorted by
 * pseudonym, so the file's order does not follow record creation order. One "export.run" audit
 * event records the export, also when it stops early.
 */
export async function* streamDeidentifiedCsv(db: Db, actor: Actor, options: DeidentifiedExportOptions): AsyncGenerator<string, { rows: number; withheld: number; suppressedCells: number }> {
  if (!can(actorRole(actor), "export:deidentified")) throw new AppError("forbidden", "You may not export patient data.");
  const clinicId = actor.clinicId;
  if (!clinicId) throw new AppError("forbidden", "Exporting needs a clinic.");
  const key = randomBytes(32);
  const pseudonym = (id: string) => `P${createHmac("sha256", key).update(id).digest("hex").slice(0, 16)}`;
  const batchSize = options.batchSize ?? PATIENTS_PER_BATCH;
  let rows = 0;
  let withheld = 0;
  let suppressedCells = 0;
  let completed = false;
  try {
    const all: CsvCell[][] = [];
    let afterId: string | null = null;
    for (;;) {
      const patients: (Omit<DeidentifiedInput, "pseudonym"> & { id: string })[] = await db.patient.findMany({
        where: afterId === null ? { clinicId } : { clinicId, id: { gt: afterId } },
        orderBy: { id: "asc" },
        take: batchSize,
        select: {
          id: true, birthDate: true, sex: true, medicationClasses: true,
          latestGripKg: true, latestGripAt: true, latestGaitMs: true, latestGaitAt: true, latestB12Pmol: true, latestB12At: true,
          snapshot: { select: { tier: true, ewgsop2: true, awgs2019: true, b12Status: true, b12OnTreatment: true, flagCodes: true } },
        },
      });
      for (const p of patients) all.push(toDeidentifiedRow({ ...p, pseudonym: pseudonym(p.id) }, options.now));
      if (patients.length < batchSize) break;
      afterId = patients.at(-1)!.id;
    }
    // Column 0 is the pseudonym; the rest is what a reader could count by.
    const columns = DEIDENTIFIED_COLUMNS.slice(1);
    const order = DEIDENTIFIED_SUPPRESSION_ORDER.map((column) => columns.indexOf(column));
    const anonymised = kAnonymise(
      all.map((row) => row.slice(1)),
      SMALL_CELL_THRESHOLD,
      order.map((_, i) => order.slice(0, i + 1)),
    );
    const kept: CsvCell[][] = [];
    anonymised.rows.forEach((row, i) => {
      if (row) kept.push([all[i]![0]!, ...row]);
    });
    withheld = anonymised.withheld;
    suppressedCells = anonymised.publishedBySteps.reduce((sum, n, step) => sum + n * step, 0);
    kept.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    yield stringify([[...DEIDENTIFIED_COLUMNS]]);
    for (let i = 0; i < kept.length; i += batchSize) {
      const lines = kept.slice(i, i + batchSize);
      yield stringify(lines);
      rows += lines.length;
    }
    completed = true;
  } finally {
    await auditRead(db, actor, [{ action: "export.run", entityType: "deidentified", detail: { format: "csv", rows, withheld, suppressedCells, k: SMALL_CELL_THRESHOLD, completed, asOf: options.now.toISOString() } }]);
  }
  return { rows, withheld, suppressedCells };
}
