import type Database from "better-sqlite3";
import type pg from "pg";
import { z } from "zod";
import { patientSearchKey } from "@/lib/domain/search-key";
import { chunks, ROWS_PER_STATEMENT } from "./batches";

/**
 * Data changes that SQL cannot make, run once per database by `db migrate` after the SQL
 * migrations (lib/data/db/migrate.ts) and recorded in `_app_backfills`, like a migration. Each runs in
 * one transaction. On a new database there is nothing to change and the step is only recorded.
 */
export interface Backfill {
  name: string;
  sqlite(db: Database.Database): number;
  postgresql(client: pg.Client): Promise<number>;
}

const patientNames = z.array(z.object({ id: z.string(), mrn: z.string(), familyName: z.string(), givenName: z.string(), searchText: z.string() }));
type PatientNames = z.infer<typeof patientNames>[number];

/** Patients whose stored search key differs from the key the code writes today. */
function staleKeys(patients: readonly PatientNames[]): { id: string; key: string }[] {
  return patients.map((p) => ({ id: p.id, key: patientSearchKey(p) })).filter((p, i) => p.key !== patients[i]!.searchText);
}

/**
 * Search keys written before they were normalised (lower case only: "müller" did not match
 * "muller", "jackson, jan" was not split into words) are rebuilt by lib/domain/search-key.ts.
 */
const SEARCH_KEYS: Backfill = {
  name: "20261206_normalised_search_keys",
  sqlite(db) {
    const patients = patientNames.parse(db.prepare(`SELECT "id", "mrn", "familyName", "givenName", "searchText" FROM "Patient"`).all());
    const update = db.prepare(`UPDATE "Patient" SET "searchText" = ? WHERE "id" = ?`);
    const stale = staleKeys(patients);
    for (const { id, key } of stale) update.run(key, id);
    return stale.length;
  },
  async postgresql(client) {
    const { rows } = await client.query(`SELECT "id", "mrn", "familyName", "givenName", "searchText" FROM "Patient"`);
    const stale = staleKeys(patientNames.parse(rows));
    for (const batch of chunks(stale, ROWS_PER_STATEMENT)) {
      await client.query(
        `UPDATE "Patient" AS p SET "searchText" = v."key" FROM unnest($1::text[], $2::text[]) AS v("id", "key") WHERE p."id" = v."id"`,
        [batch.map((s) => s.id), batch.map((s) => s.key)],
      );
    }
    return stale.length;
  },
};

export const BACKFILLS: readonly Backfill[] = [SEARCH_KEYS];
