import "server-only";
import { databaseKind, type Tx } from "@/lib/data/db/client";

/**
 * An import fills the Patient table while each of its batches looks up its MRNs there
 * (lib/data/import/plan.ts `findStoredPatients`). On PostgreSQL, this keeps that look-up planned
 * for the table as it is, not as it was when the import began. SQLite needs nothing: it plans a
 * statement when it is prepared, from the statistics ANALYZE left after the last import or seed
 * (lib/data/db/sqlite-connection.ts `refreshPlannerStatistics`).
 *
 * What went wrong without it, in a new installation (the Patient table empty, never analysed):
 * - the look-up's cached generic plan (a named statement, lib/data/db/prepared-statements.ts) was
 *   made while the table was empty, and kept: it read the clinic's patients through the
 *   (clinicId, searchText) index and filtered on MRN, so each batch read every patient written
 *   before it;
 * - a plan made afresh did the same, through the (clinicId, diet) index: with no statistics,
 *   PostgreSQL takes an MRN list of 134 to match about half the table.
 * The look-ups took 1.9–2.6 s of the server's time in a 100,000-row import, and 1,011 s of a
 * 1,000,000-row import's 1,491 s; with this, 85–93 ms and 0.47 s, and the 1,000,000-row import took
 * 409 s (docs/benchmarks.md, fourteenth session).
 *
 * So, each time the patients the import has created reach {@link FIRST_CHECK_AT}, twice that, four
 * times…, it runs `ANALYZE` of the Patient table's clinicId and mrn columns. ANALYZE counts the
 * transaction's own new rows, so the planner then knows an MRN list matches that many patients; and
 * new statistics make PostgreSQL drop the plans it cached for the table, the look-up's among them.
 * No plan is kept past the table doubling from the size it was made for, and a file of N new
 * patients analyses about log2(N / 1,000) times, each on a sample of at most 30,000 rows: about
 * 1 ms at 1,000 patients, 0.2–0.3 s at 267,000. Also dropping every cached plan of the connection (`DISCARD PLANS`, its triggers'
 * plans on the other tables the import fills included) changed nothing measurable: three pairs run
 * in turn, 100,000 rows.
 *
 * `SKIP_LOCKED`: if another session is vacuuming or analysing the table, this check is skipped
 * rather than waited for. The ANALYZE's lock (SHARE UPDATE EXCLUSIVE, which reads and writes do not
 * wait for) is held until the import ends, so meanwhile a manual VACUUM or ANALYZE of the Patient
 * table waits, and autovacuum passes it by (docs/operations.md).
 */
const FIRST_CHECK_AT = 1_000;

/** Called with the number of patients the import has created so far (see the file comment). */
export type GrowthCheck = (patientsCreated: number) => Promise<void>;

export function analyzeAsPatientsGrow(tx: Tx): GrowthCheck {
  if (databaseKind(tx) !== "postgresql") return async () => undefined;
  let next = FIRST_CHECK_AT;
  return async (patientsCreated) => {
    if (patientsCreated < next) return;
    while (next <= patientsCreated) next *= 2;
    await tx.$executeRawUnsafe('ANALYZE (SKIP_LOCKED) "Patient" ("clinicId", "mrn")');
  };
}
