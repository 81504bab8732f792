/**
 * Builds a clinic with users and deterministic patients in a test database, through the same
 * bulk writer and factories the demo seed uses.
 */
import type { Db } from "@/lib/data/db/client";
import { insertNewPatients } from "@/lib/data/import/write";
import { createDefaultThresholds, getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { generateDemoPatients } from "@/prisma/factories";
import type { UserActor } from "@/lib/data/access/actor";
import type { Role } from "@/lib/data/access/roles";

export const TEST_NOW = new Date("2026-11-21T00:00:00Z");

export interface TestClinic {
  clinicId: string;
  slug: string;
  actors: Record<Role, UserActor>;
  patientIds: string[];
}

export async function createTestClinic(db: Db, options: { slug: string; patients: number; seed?: number; mrnPrefix?: string }): Promise<TestClinic> {
  const clinic = await db.clinic.create({ data: { name: `Clinic ${options.slug}`, slug: options.slug } });
  const actors = {} as Record<Role, UserActor>;
  for (const role of ["admin", "clinician", "analyst"] as const) {
    const email = `${role}@${options.slug}.test`;
    const user = await db.user.create({ data: { clinicId: clinic.id, email, name: `${role} of ${options.slug}`, role, passwordHash: "not-used" } });
    actors[role] = { kind: "user", userId: user.id, clinicId: clinic.id, role, name: user.name, email };
  }
  await db.$transaction((tx) => createDefaultThresholds(tx, clinic.id, null));
  const thresholds = await getActiveThresholds(db, clinic.id, TEST_NOW);
  const patients = [...generateDemoPatients({ count: options.patients, seed: options.seed ?? 7, asOf: TEST_NOW, mrnPrefix: options.mrnPrefix ?? `${options.slug.toUpperCase()}-` })];
  const patientIds = await db.$transaction((tx) =>
    insertNewPatients(tx, patients, { clinicId: clinic.id, attributedClinicianId: actors.clinician.userId, source: "seed", enteredById: null, now: TEST_NOW, thresholds }),
  );
  return { clinicId: clinic.id, slug: options.slug, actors, patientIds };
}
