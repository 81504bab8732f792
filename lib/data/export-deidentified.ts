import "server-only";
import { createHmac, randomBytes } from "node:crypto";
import { stringify } from "csv-stringify/sync";
import type { Db } from "./db";
import { appendAudit } from "./audit";
import { actorRole, type Actor } from "@/lib/auth/actor";
import { can } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { DEIDENTIFIED_COLUMNS, toDeidentifiedRow } from "@/lib/domain/deidentified-row";

export interface DeidentifiedExportOptions {
  /** Age bands are as of this time. */
  now: Date;
  /** Patients per query; memory is bounded by one batch whatever the clinic's size. */
  batchSize?: number;
}

const DEFAULT_BATCH = 1_000;

/**
 * The actor's whole clinic as de-identified CSV (lib/domain/deidentified-row.ts), streamed in
 * batches by keyset pagination on the patient id. There are deliberately no filters: a filter on
 * a name, an MRN or an exact age would let the reader single out one patient's row.
 *
 * Pseudonyms are an HMAC of the patient id under a key drawn for this export and then forgotten:
 * stable within the file, unrelated between files, and not reversible. Rows are sorted by
 * pseudonym within each batch, so the file's order does not follow record creation order.
 * One "export.run" audit event records the export, also when it stops early.
 */
export async function* streamDeidentifiedCsv(db: Db, actor: Actor, options: DeidentifiedExportOptions): AsyncGenerator<string, { rows: number }> {
  if (!can(actorRole(actor), "export:deidentified")) throw new AppError("forbidden", "You may not export patient data.");
  const clinicId = actor.clinicId;
  if (!clinicId) throw new AppError("forbidden", "Exporting needs a clinic.");
  const key = randomBytes(32);
  const pseudonym = (id: string) => `P${createHmac("sha256", key).update(id).digest("hex").slice(0, 16)}`;
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let rows = 0;
  let completed = false;
  try {
    yield stringify([[...DEIDENTIFIED_COLUMNS]]);
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
      if (patients.length === 0) break;
      const lines = patients
        .map((p) => ({ ...p, pseudonym: pseudonym(p.id) }))
        .sort((a, b) => a.pseudonym.localeCompare(b.pseudonym))
        .map((p) => toDeidentifiedRow(p, options.now));
      yield stringify(lines);
      rows += patients.length;
      afterId = patients.at(-1)!.id;
      if (patients.length < batchSize) break;
    }
    completed = true;
  } finally {
    await db.$transaction((tx) =>
      appendAudit(tx, actor, [{ action: "export.run", entityType: "deidentified", detail: { format: "csv", rows, completed, asOf: options.now.toISOString() } }]),
    );
  }
  return { rows };
}
