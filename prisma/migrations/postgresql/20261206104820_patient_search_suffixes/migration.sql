-- CreateTable
-- Hand-edited: "suffix" COLLATE "C", so that comparison is byte by byte as on SQLite and the
-- search's prefix ranges (suffix >= 'jack' AND suffix < 'jack' || U+10FFFF) hold whatever the
-- database's default collation is.
CREATE TABLE "PatientSearchSuffix" (
    "clinicId" TEXT NOT NULL,
    "suffix" TEXT COLLATE "C" NOT NULL,
    "patientId" TEXT NOT NULL,

    CONSTRAINT "PatientSearchSuffix_pkey" PRIMARY KEY ("clinicId","suffix","patientId")
);

-- Hand-written (Prisma cannot express triggers): every suffix of every word of Patient.searchText
-- (words are separated by single spaces: lib/domain/search-key.ts), kept in step with the patient
-- by triggers, whichever code path writes it. A patient's old suffixes are deleted by key (the
-- same function over OLD), so no index on patientId is needed.
CREATE FUNCTION "patient_search_suffixes"("key" text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $$
  SELECT DISTINCT substr(w, i) FROM regexp_split_to_table("key", ' ') AS w, generate_series(1, length(w)) AS i
$$;

CREATE FUNCTION "maintain_patient_search_suffixes"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM "PatientSearchSuffix"
      WHERE "clinicId" = OLD."clinicId" AND "patientId" = OLD."id" AND "suffix" IN (SELECT "patient_search_suffixes"(OLD."searchText"));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO "PatientSearchSuffix" ("clinicId", "suffix", "patientId")
      SELECT NEW."clinicId", s, NEW."id" FROM "patient_search_suffixes"(NEW."searchText") AS s
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Patient_search_suffixes_insert" AFTER INSERT ON "Patient"
  FOR EACH ROW EXECUTE FUNCTION "maintain_patient_search_suffixes"();
CREATE TRIGGER "Patient_search_suffixes_update" AFTER UPDATE OF "searchText", "clinicId" ON "Patient"
  FOR EACH ROW WHEN (OLD."searchText" IS DISTINCT FROM NEW."searchText" OR OLD."clinicId" IS DISTINCT FROM NEW."clinicId")
  EXECUTE FUNCTION "maintain_patient_search_suffixes"();
CREATE TRIGGER "Patient_search_suffixes_delete" AFTER DELETE ON "Patient"
  FOR EACH ROW EXECUTE FUNCTION "maintain_patient_search_suffixes"();

-- The patients already stored (keys written before their normalisation are rewritten by the
-- backfill `db migrate` runs next, whose UPDATE the trigger above follows).
INSERT INTO "PatientSearchSuffix" ("clinicId", "suffix", "patientId")
  SELECT DISTINCT p."clinicId", s, p."id" FROM "Patient" AS p, "patient_search_suffixes"(p."searchText") AS s
  ORDER BY 1, 2, 3;
