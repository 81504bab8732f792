-- Hand-written (PostgreSQL only; Prisma's schema cannot say it for one provider): a trigram index
-- on the patient's normalised search key, for searches with a word of three or more characters
-- (lib/data/patients/search.ts). Every word of a query must be contained in the key; the key's
-- words are separated by spaces and a query word has none, so "contained in the key" is
-- "contained in one of its words", the suffix index's rule, and LIKE '%word%' over this index
-- finds the same patients. For a common pair of names ("Santos, Ernest" at 100,000 patients:
-- 1,986 and 1,704 suffix rows) the suffix index intersects two large ranges (2.9 ms); the
-- trigram index ANDs the two words' trigram lists (0.4 ms). docs/benchmarks.md, "Trigram search".
--
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension, so a database owner can
-- create it. Where it cannot be created the migration still succeeds without the index, and the
-- app keeps using the suffix index (it looks for this index once per connection pool).
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm could not be created (%): searches keep using the suffix index', SQLERRM;
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX IF NOT EXISTS "Patient_searchText_trgm_idx" ON "Patient" USING gin ("searchText" gin_trgm_ops);
  END IF;
END
$$;
