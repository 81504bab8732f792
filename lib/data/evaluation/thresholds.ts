import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { DEFAULT_THRESHOLDS, type ThresholdValues } from "@/lib/domain/thresholds";
import type { FlagLifecycleSettings } from "@/lib/domain/flag-lifecycle";
import { guidelineDeviations, thresholdChanges, type GuidelineDeviation } from "@/lib/domain/threshold-governance";
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

/**
 * The flag lifecycle settings of the clinic's threshold set in force at `at` (the panel's flag
 * states and filters): the same row as {@link getActiveThresholds}, but its JSON is decoded once per
 * stored text rather than on every call — a threshold set is never changed in place (a change is a
 * new version), and the text read is compared with the one decoded, so a row changed behind the
 * app's back is decoded (and checked) again. The settings are frozen: every caller shares them.
 */
export async function getActiveFlagLifecycle(db: Db | Tx, clinicId: string, at: Date): Promise<FlagLifecycleSettings> {
  const row = await db.thresholdSet.findFirst({
    where: { clinicId, effectiveFrom: { lte: at } },
    orderBy: { version: "desc" },
    select: { id: true, valuesJson: true },
  });
  if (!row) throw new Error(`Clinic ${clinicId} has no threshold set in force; run the seed or create version 1.`);
  const known = decodedLifecycles.get(row.id);
  if (known?.valuesJson === row.valuesJson) return known.lifecycle;
  const lifecycle = Object.freeze({ ...decodeThresholdValues(row.valuesJson, row.id).flagLifecycle });
  decodedLifecycles.set(row.id, { valuesJson: row.valuesJson, lifecycle });
  if (decodedLifecycles.size > DECODED_LIFECYCLES) decodedLifecycles.delete(decodedLifecycles.keys().next().value!);
  return lifecycle;
}

/** Threshold sets whose lifecycle settings are kept decoded (a clinic has one in force; a few per clinic over time). */
const DECODED_LIFECYCLES = 1000;
const decodedLifecycles = new Map<string, { valuesJson: string; lifecycle: FlagLifecycleSettings }>();

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

/** One stored version of the clinic's thresholds, decoded; null when the clinic has no such version. */
export async function getThresholdVersion(db: Db, actor: Actor, version: number): Promise<(ActiveThresholds & { effectiveFrom: Date; note: string | null }) | null> {
  const row = await db.thresholdSet.findUnique({
    where: { clinicId_version: { clinicId: actor.clinicId, version } },
    select: { id: true, version: true, valuesJson: true, effectiveFrom: true, note: true },
  });
  return row ? { id: row.id, version: row.version, values: decodeThresholdValues(row.valuesJson, row.id), effectiveFrom: row.effectiveFrom, note: row.note } : null;
}

export interface NewThresholdVersion {
  values: ThresholdValues;
  effectiveFrom: Date;
  note: string;
  /** The values more than 10 % from their guideline that the admin confirmed (lib/domain/threshold-governance.ts). */
  confirmedDeviations?: readonly GuidelineDeviation[];
  /** Set when the values are those of an earlier version, restored. */
  restoredFromVersion?: number;
}

/**
 * Saves a threshold set as the next version, effective from `effectiveFrom`, audited with every
 * value that changed (old → new), the far-from-guideline values the admin confirmed and, for a
 * restore, the version restored. Existing snapshots keep the version they used until a recompute.
 */
export async function createThresholdVersion(db: Db, actor: Actor, input: NewThresholdVersion, at: Date = new Date()) {
  if (!can(actorRole(actor), "thresholds:edit")) throw new AppError("forbidden", "Only an admin can change thresholds.");
  return db.$transaction(async (tx) => {
    const latest = await tx.thresholdSet.findFirst({ where: { clinicId: actor.clinicId }, orderBy: { version: "desc" }, select: { id: true, version: true, valuesJson: true } });
    const version = (latest?.version ?? 0) + 1;
    const values: ThresholdValues = { ...input.values, version };
    const changes = thresholdChanges(latest ? decodeThresholdValues(latest.valuesJson, latest.id) : null, values);
    const created = await tx.thresholdSet.create({
      data: { clinicId: actor.clinicId, version, effectiveFrom: input.effectiveFrom, valuesJson: JSON.stringify(values), note: input.note, createdById: actorId(actor) },
      select: { id: true, version: true },
    });
    const confirmedDeviations = (input.confirmedDeviations ?? []).map(({ key, value, guideline }) => ({ key, value, guideline }));
    const detail = {
      version,
      effectiveFrom: input.effectiveFrom.toISOString(),
      note: input.note,
      changes,
      ...(confirmedDeviations.length > 0 ? { confirmedDeviations } : {}),
      ...(input.restoredFromVersion !== undefined ? { restoredFromVersion: input.restoredFromVersion } : {}),
    };
    await appendAudit(tx, actor, [{ action: "thresholds.update", entityType: "threshold_set", entityId: created.id, detail }], at);
    return created;
  });
}

/**
 * Restores an earlier version as a new one (history is never rewritten), effective from `at`.
 * Refused when the version does not exist or its values are those in force already. The caller
 * re-evaluates everyone (lib/data/jobs/restore-thresholds.ts).
 */
export async function restoreThresholdVersion(db: Db, actor: Actor, input: { version: number; note: string }, at: Date) {
  if (!can(actorRole(actor), "thresholds:edit")) throw new AppError("forbidden", "Only an admin can change thresholds.");
  const restored = await getThresholdVersion(db, actor, input.version);
  if (!restored) throw new AppError("not_found", `This clinic has no threshold version ${input.version}.`);
  const current = await getActiveThresholds(db, actor.clinicId, at);
  if (thresholdChanges(current.values, { ...restored.values, version: current.version }).length === 0) {
    throw new AppError("conflict", `Version ${input.version} has the same values as version ${current.version}, which is in force: nothing to restore.`);
  }
  return createThresholdVersion(
    db,
    actor,
    { values: restored.values, effectiveFrom: at, note: input.note, confirmedDeviations: guidelineDeviations(restored.values), restoredFromVersion: input.version },
    at,
  );
}
