import "server-only";
import type { Db, Tx } from "./db";
import { DEFAULT_THRESHOLDS, type ThresholdValues } from "@/lib/domain/thresholds";
import { thresholdValuesSchema } from "@/lib/validation/thresholds";

export interface ActiveThresholds {
  id: string;
  version: number;
  values: ThresholdValues;
}

/** The clinic's threshold set in force at `at`: the highest version effective on or before it. */
export async function getActiveThresholds(db: Db | Tx, clinicId: string, at: Date): Promise<ActiveThresholds> {
  const row = await db.thresholdSet.findFirst({
    where: { clinicId, effectiveFrom: { lte: at } },
    orderBy: { version: "desc" },
    select: { id: true, version: true, valuesJson: true },
  });
  if (!row) throw new Error(`Clinic ${clinicId} has no threshold set in force; run the seed or create version 1.`);
  return { id: row.id, version: row.version, values: thresholdValuesSchema.parse(JSON.parse(row.valuesJson)) as ThresholdValues };
}

/** Version 1 = the CLINICAL.md defaults, effective from the beginning of time. */
export async function createDefaultThresholds(tx: Tx, clinicId: string, createdById: string | null): Promise<void> {
  await tx.thresholdSet.create({
    data: {
      clinicId,
      version: 1,
      effectiveFrom: new Date(0),
      valuesJson: JSON.stringify(DEFAULT_THRESHOLDS),
      note: "Defaults from CLINICAL.md (EWGSOP2, AWGS 2019, NICE NG239, BSH 2014)",
      createdById,
    },
  });
}
