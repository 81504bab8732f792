import "server-only";
import type { Db } from "@/lib/data/db/client";
import type { Actor } from "@/lib/data/access/actor";

/** The id of the actor's clinic's patient with this MRN (a SMART launch opens that patient's page), or null. */
export async function findClinicPatientIdByMrn(db: Db, actor: Actor, mrn: string): Promise<string | null> {
  const row = await db.patient.findUnique({ where: { clinicId_mrn: { clinicId: actor.clinicId, mrn } }, select: { id: true } });
  return row?.id ?? null;
}
