import "server-only";
import { createHmac, randomBytes } from "node:crypto";
import { stringify } from "csv-stringify/sync";
import type { Db } from "./db";
import { auditRead } from "./audit";
import { actorRole, type Actor } from "@/lib/auth/actor";
import { can } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { DEIDENTIFIED_COLUMNS, toDeidentifiedRow } from "@/lib/domain/deidentified-row";
import { SMALL_CELL_THRESHOLD } from "@/lib/domain/suppression";
import type { CsvCell } from "@/lib/domain/csv-export";

export interface DeidentifiedExportOptions {
  /** Age bands are as of this time. */
  now: Date;
  /** Patients per query; memory is bounded by one batch whatever the clinic's size. */
  batchSize?: number;
}

const DEFAULT_BATCH = 1_000;

/**
 * The actor's whole clinic as de-identified CSV (lib/domain/deidentified-row.ts). There are
 * deliberately no filters: a filter on a name, an MRN or an exact age would let the reader single
 * out one patient's row.
 *
 * Small cells stay suppressed (k-anonymity, k = SMALL_CELL_THRESHOLD): a row is written only when
 * at least k patients share every one of its columns but the pseudonym, so any count an analyst
 * makes from the file is 0 or at least k and cannot undo the "<5" of the summary. The withheld
 * rows are counted (summary line on stderr for the CLI, the audit record, and the return value).
 * This needs every row's columns before the first is written, so the clinic is read first in
 * keyset batches (a few small strings per patient: ~15 MB at 100,000 patients), then written.
 *
 * Pseudonyms are an HMAC of the patient id under a key drawn for this export and then forgotten:
 * stable within the file, unrelated between files, and not reversible. Rows are sorted by
 * pseudonym, so the file's order does not follow record creation order. One "export.run" audit
 * event records the export, also when it stops early.
 */
export async function* streamDeidentifiedCsv(db: Db, actor: Actor, options: DeidentifiedExportOptions): AsyncGenerator<string, { rows: number; withheld: number }> {
  if (!can(actorRole(actor), "export:deidentified")) throw new AppError("forbidden", "You may not export patient data.");
  const clinicId = actor.clinicId;
  if (!clinicId) throw new AppError("forbidden", "Exporting needs a clinic.");
  const key = randomBytes(32);
  const pseudonym = (id: string) => `P${createHmac("sha256", key).update(id).digest("hex").slice(0, 16)}`;
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let rows = 0;
  let withheld = 0;
  let completed = false;
  try {
    const all: CsvCell[][] = [];
    let afterId: string | null = null;
    for (;;) {
      const patients: {
        id: string;
        birthDate: Date;
        sex: string;
        medicationClasses: string;
        snapshot: { tier: string; ewgsop2: string; awgs2019: string; b12Status: string; b12OnTreatment: boolean; flagCodes: string } | null;
      }[] = await db.patient.findMany({
        where: afterId === null ? { clinicId } : { clinicId, id: { gt: afterId } },
        orderBy: { id: "asc" },
        take: batchSize,
        select: {
          id: true, birthDate: true, sex: true, medicationClasses: true,
          snapshot: { select: { tier: true, ewgsop2: true, awgs2019: true, b12Status: true, b12OnTreatment: true, flagCodes: true } },
        },
      });
      for (const p of patients) all.push(toDeidentifiedRow({ ...p, pseudonym: pseudonym(p.id) }, options.now));
      if (patients.length < batchSize) break;
      afterId = patients.at(-1)!.id;
    }
    // Column 0 is the pseudonym; the rest is what a reader could count by.
    const keyOf = (row: CsvCell[]) => JSON.stringify(row.slice(1));
    const sharing = new Map<string, number>();
    for (const row of all) sharing.set(keyOf(row), (sharing.get(keyOf(row)) ?? 0) + 1);
    const kept = all.filter((row) => (sharing.get(keyOf(row)) ?? 0) >= SMALL_CELL_THRESHOLD);
    withheld = all.length - kept.length;
    kept.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    yield stringify([[...DEIDENTIFIED_COLUMNS]]);
    for (let i = 0; i < kept.length; i += batchSize) {
      const lines = kept.slice(i, i + batchSize);
      yield stringify(lines);
      rows += lines.length;
    }
    completed = true;
  } finally {
    await auditRead(db, actor, [{ action: "export.run", entityType: "deidentified", detail: { format: "csv", rows, withheld, k: SMALL_CELL_THRESHOLD, completed, asOf: options.now.toISOString() } }]);
  }
  return { rows, withheld };
}
