import "server-only";
import { databaseKind, type Db } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import { insertNewPatients } from "@/lib/data/import/write";
import { createDefaultThresholds, getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { hashPassword } from "@/lib/data/auth/password";
import type { SystemActor } from "@/lib/data/access/actor";
import { generateDemoPatients } from "@/prisma/factories";
import type { NewPatient } from "@/lib/data/patients/new-patient";
import { PATIENTS_PER_BATCH } from "@/lib/data/db/batches";

import { DEMO_CLINIC_SLUG, DEMO_PASSWORD, seedUsers } from "./demo-logins";
import { refreshPlannerStatistics } from "@/lib/data/db/sqlite-connection";

// The sign-in details live apart so that the CLI can show them and its --help without loading this module.
export { DEMO_CLINIC_SLUG, DEMO_PASSWORD, DEMO_USERS, seedUsers } from "./demo-logins";

export interface SeedOptions {
  /** The clinic's slug (default "demo"); its users are role@<slug>.clinic. */
  slug?: string;
  patients: number;
  seed: number;
  asOf: Date;
  /** Delete an existing demo clinic first. */
  reset: boolean;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * A large clinic takes longer to delete than Prisma's default 5 s for an interactive transaction:
 * `seed --reset` of a 100,000-patient clinic on PostgreSQL failed with "expired transaction" after
 * 8.4 s, and now takes 36 s (SQLite: 34 s; docs/benchmarks.md, tenth session). Still one
 * transaction, so a reset that fails leaves the clinic as it was.
 */
const DELETE_CLINIC_TRANSACTION = { maxWait: 30_000, timeout: 60 * 60_000 };

/**
 * Deletes one clinic and everything in it (patients cascade to their records), keeping its audit
 * events and job runs: the record of what was done.
 */
export async function deleteClinic(db: Db, clinicId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.flag.deleteMany({ where: { clinicId } });
    await tx.riskSnapshot.deleteMany({ where: { clinicId } });
    await tx.observation.deleteMany({ where: { clinicId } });
    await tx.patientMedication.deleteMany({ where: { clinicId } });
    await tx.patientCondition.deleteMany({ where: { patient: { clinicId } } });
    await tx.patient.deleteMany({ where: { clinicId } });
    await tx.savedView.deleteMany({ where: { clinicId } });
    await tx.importJob.deleteMany({ where: { clinicId } });
    await tx.thresholdSet.deleteMany({ where: { clinicId } });
    await tx.user.deleteMany({ where: { clinicId } });
    // The panel's cached version and counts have no foreign key to the clinic, and triggers write
    // them as the rows above go. On PostgreSQL the version's trigger is deferred to COMMIT: run
    // the deferred triggers now, so the rows they write are deleted in this transaction too.
    if (databaseKind(tx) === "postgresql") await tx.$executeRawUnsafe("SET CONSTRAINTS ALL IMMEDIATE");
    await tx.panelCount.deleteMany({ where: { clinicId } });
    await tx.panelVersion.deleteMany({ where: { clinicId } });
    await tx.clinic.delete({ where: { id: clinicId } });
  }, DELETE_CLINIC_TRANSACTION);
}

/**
 * Creates the demo clinic: one user per role (password {@link DEMO_PASSWORD}), threshold set
 * version 1, and `patients` deterministic patients evaluated as of `asOf`. Fails loudly if the
 * demo clinic already exists and `reset` is not set.
 */
export async function seedDemoClinic(db: Db, options: SeedOptions) {
  const slug = options.slug ?? DEMO_CLINIC_SLUG;
  const users = seedUsers(slug);
  const existing = await db.clinic.findUnique({ where: { slug }, select: { id: true } });
  if (existing && !options.reset) {
    throw new Error(`The clinic "${slug}" already exists. Run "npm run cli -- seed --reset" to replace it.`);
  }
  if (existing) await deleteClinic(db, existing.id);

  // One hash per user, each with its own salt (argon2 draws one per call), so no two stored
  // hashes are alike even though the demo password is; hashed in parallel on libuv's pool.
  const passwordHashes = await Promise.all(users.map(() => hashPassword(DEMO_PASSWORD)));
  const clinic = await db.$transaction(async (tx) => {
    const created = await tx.clinic.create({ data: { name: slug === DEMO_CLINIC_SLUG ? "Demo Geriatric Clinic" : `Clinic ${slug}`, slug } });
    await tx.user.createMany({ data: users.map((u, i) => ({ ...u, clinicId: created.id, passwordHash: passwordHashes[i]! })) });
    await createDefaultThresholds(tx, created.id, null);
    return created;
  });
  const clinician = await db.user.findFirstOrThrow({ where: { clinicId: clinic.id, role: "clinician" }, select: { id: true } });
  const thresholds = await getActiveThresholds(db, clinic.id, options.asOf);
  const actor: SystemActor = { kind: "system", clinicId: clinic.id, label: "seed" };

  const batchSize = options.batchSize ?? PATIENTS_PER_BATCH;
  let batch: NewPatient[] = [];
  let done = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    await db.$transaction(
      (tx) =>
        insertNewPatients(tx, current, { clinicId: clinic.id, attributedClinicianId: clinician.id, source: "seed", enteredById: null, now: options.asOf, thresholds }),
      { timeout: 120_000 },
    );
    done += current.length;
    options.onProgress?.(done, options.patients);
  };
  try {
    for (const patient of generateDemoPatients({ count: options.patients, seed: options.seed, asOf: options.asOf })) {
      batch.push(patient);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } catch (error) {
    // Leave no half-seeded clinic behind: the next run starts clean.
    await deleteClinic(db, clinic.id);
    throw error;
  }
  await db.$transaction((tx) =>
    appendAudit(tx, actor, [{ action: "seed.run", entityType: "clinic", entityId: clinic.id, detail: { patients: options.patients, seed: options.seed, asOf: options.asOf.toISOString() } }]),
  );
  refreshPlannerStatistics(db);
  return { clinicId: clinic.id, slug, patients: done, users: users.map((u) => ({ ...u, password: DEMO_PASSWORD })) };
}
