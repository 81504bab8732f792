import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { DEFAULT_THRESHOLDS, describeThresholds, type ThresholdValues } from "@/lib/domain/thresholds";
import { actorId, actorRole, type Actor } from "@/lib/data/access/actor";
import { can } from "@/lib/data/access/roles";
import { AppError } from "@/lib/errors";
import { decodeThresholdValues } from "@/lib/data/stored/values";

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
  return { id: row.id, version: row.version, values: decodeThresholdValues(row.valuesJson, row.id) };
}

/** Version 1 = the defaults of docs/clinical-reference.md, effective from the beginning of time. */
export async function createDefaultThresholds(tx: Tx, clinicId: string, createdById: string | null): Promise<void> {
  await tx.thresholdSet.create({
    data: {
      clinicId,
      version: 1,
      effectiveFrom: new Date(0),
      valuesJson: JSON.stringify(DEFAULT_THRESHOLDS),
      note: "Defaults of the clinical reference (EWGSOP2, AWGS 2019, NICE NG239, BSH 2014)",
      createdById,
    },
  });
}

/** Every version of the clinic's thresholds, newest first. */
export async function listThresholdVersions(db: Db, actor: Actor) {
  return db.thresholdSet.findMany({
    where: { clinicId: actor.clinicId },
    orderBy: { version: "desc" },
    select: { id: true, version: true, effectiveFrom: true, note: true, createdAt: true, createdById: true },
  });
}

/**
 * Saves an edited threshold set as the next version, effective from `effectiveFrom`, audited with
 * every value that changed. Existing snapshots keep the version they used until a recompute.
 */
export async function createThresholdVersion(db: Db, actor: Actor, input: { values: ThresholdValues; effectiveFrom: Date; note: string }, at: Date = new Date()) {
  if (!can(actorRole(actor), "thresholds:edit")) throw new AppError("forbidden", "Only an admin can change thresholds.");
  return db.$transaction(async (tx) => {
    const latest = await tx.thresholdSet.findFirst({ where: { clinicId: actor.clinicId }, orderBy: { version: "desc" }, select: { id: true, version: true, valuesJson: true } });
    const version = (latest?.version ?? 0) + 1;
    const values: ThresholdValues = { ...input.values, version };
    const before = latest ? decodeThresholdValues(latest.valuesJson, latest.id) : null;
    const previous = new Map(before ? describeThresholds(before).map((entry) => [entry.key, entry.value]) : []);
    const changes = describeThresholds(values)
      .map((entry) => ({ key: entry.key, from: previous.get(entry.key) ?? null, to: entry.value }))
      .filter((change) => change.from !== change.to);
    const created = await tx.thresholdSet.create({
      data: { clinicId: actor.clinicId, version, effectiveFrom: input.effectiveFrom, valuesJson: JSON.stringify(values), note: input.note, createdById: actorId(actor) },
      select: { id: true, version: true },
    });
    await appendAudit(tx, actor, [{ action: "thresholds.update", entityType: "threshold_set", entityId: created.id, detail: { version, effectiveFrom: input.effectiveFrom.toISOString(), note: input.note, changes } }], at);
    return created;
  });
}
