import { stringify } from "csv-stringify/sync";
import type { SystemActor } from "@/lib/data/access/actor";
import type { Db } from "@/lib/data/db/client";
import { createDefaultThresholds } from "@/lib/data/evaluation/thresholds";

/**
 * What the import tests build their data from: an empty clinic with the default threshold set and
 * a system actor for it (no users, no patients: the file under test brings them), and an
 * assessment spreadsheet from rows given as column → value.
 */
export async function createSystemClinic(db: Db, slug: string): Promise<SystemActor> {
  const clinic = await db.clinic.create({ data: { name: `Clinic ${slug}`, slug } });
  await db.$transaction((tx) => createDefaultThresholds(tx, clinic.id, null));
  return { kind: "system", clinicId: clinic.id, label: "test" };
}

/** A CSV file of `rows`: the header is every column any row names, in first-seen order; a column a row lacks is empty. */
export function assessmentCsv(rows: Record<string, string>[]): Buffer {
  const headers = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return Buffer.from(stringify([headers, ...rows.map((r) => headers.map((h) => r[h] ?? ""))]));
}
