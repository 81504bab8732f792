import "server-only";
import { subYears } from "date-fns";
import type { Db } from "./db";
import type { Actor } from "@/lib/auth/actor";
import { TIER_RANK, type Tier } from "@/lib/domain/types";

export const AGE_BANDS = [
  { label: "60–69", min: 60, max: 69 },
  { label: "70–79", min: 70, max: 79 },
  { label: "80–89", min: 80, max: 89 },
  { label: "90+", min: 90, max: 130 },
] as const;

/** Counts only, no identifiers: what an analyst may see of the clinic. */
export async function getClinicSummary(db: Db, actor: Actor, now: Date = new Date()) {
  const clinicId = actor.clinicId;
  const [total, byTier, bySex, byAge] = await Promise.all([
    db.patient.count({ where: { clinicId } }),
    db.riskSnapshot.groupBy({ by: ["tier"], where: { clinicId }, _count: { _all: true } }),
    db.patient.groupBy({ by: ["sex"], where: { clinicId }, _count: { _all: true } }),
    Promise.all(
      AGE_BANDS.map((band) =>
        db.patient.count({ where: { clinicId, birthDate: { lte: subYears(now, band.min), gt: subYears(now, band.max + 1) } } }),
      ),
    ),
  ]);
  const tiers = (Object.keys(TIER_RANK) as Tier[]).map((tier) => ({ tier, count: byTier.find((row) => row.tier === tier)?._count._all ?? 0 }));
  return {
    total,
    tiers,
    sexes: bySex.map((row) => ({ sex: row.sex, count: row._count._all })).sort((a, b) => a.sex.localeCompare(b.sex)),
    ageBands: AGE_BANDS.map((band, i) => ({ label: band.label, count: byAge[i] ?? 0 })),
  };
}
