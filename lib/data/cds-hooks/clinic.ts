import "server-only";
import type { Db } from "@/lib/data/db/client";
import { auditRead } from "@/lib/data/audit/log";
import { getActiveThresholds, type ActiveThresholds } from "@/lib/data/evaluation/thresholds";
import type { SystemActor } from "@/lib/data/access/actor";

/**
 * What the CDS Hooks service (lib/cds-hooks/) reads and writes in the database: the thresholds of
 * the clinic a CDS client is configured for, and the client's feedback on cards, in that clinic's
 * audit log. The service stores nothing else: patients are evaluated from the request.
 */

export interface CdsClinic {
  clinicId: string;
  thresholds: ActiveThresholds;
}

/** The clinic with this slug and its thresholds in force at `at`, or null when there is no such clinic. */
export async function cdsClinic(db: Db, slug: string, at: Date): Promise<CdsClinic | null> {
  const clinic = await db.clinic.findUnique({ where: { slug }, select: { id: true } });
  if (!clinic) return null;
  return { clinicId: clinic.id, thresholds: await getActiveThresholds(db, clinic.id, at) };
}

/** The CDS client as the audit log names it: the system actor `system:cds-client <issuer>`. */
export function cdsClientActor(clinicId: string, issuer: string): SystemActor {
  return { kind: "system", clinicId, label: `cds-client ${issuer}` };
}

export interface CdsFeedbackItem {
  card: string;
  outcome: "accepted" | "overridden";
  outcomeTimestamp: string;
  acceptedSuggestions?: { id: string }[];
  overrideReason?: { reason?: { code?: string; system?: string; display?: string }; userComment?: string };
}

/** Records a client's feedback on cards (CDS Hooks 2.0 "Feedback") as one audit event per call. */
export async function recordCdsFeedback(
  db: Db,
  input: { clinicId: string; issuer: string; service: string; feedback: readonly CdsFeedbackItem[] },
  at: Date,
): Promise<void> {
  const actor = cdsClientActor(input.clinicId, input.issuer);
  await auditRead(db, actor, [{ action: "cds.feedback", entityType: "cds_service", entityId: input.service, detail: { issuer: input.issuer, service: input.service, feedback: input.feedback } }], at);
}
