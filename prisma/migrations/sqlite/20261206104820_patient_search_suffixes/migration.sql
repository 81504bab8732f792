-- CreateTable
-- Hand-edited: WITHOUT ROWID, so the primary key is the table (the rows are nothing but the key)
-- instead of a rowid table beside an index holding the same three columns again.
CREATE TABLE "PatientSearchSuffix" (
    "clinicId" TEXT NOT NULL,
    "suffix" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,

    PRIMARY KEY ("clinicId", "suffix", "patientId")
) WITHOUT ROWID;

-- Hand-written (Prisma cannot express triggers): every suffix of every word of Patient.searchText
-- (words are separated by single spaces: lib/domain/search-key.ts), kept in step with the patient
-- by triggers, whichever code path writes it. The suffixes of a key: the recursive query walks
-- the key with a space appended, one character at a time; each position that starts a word gives
-- the rest of that word ("ab cd" → ab, b, cd, d). A patient's old suffixes are deleted by key
-- (the same expression over OLD), so no index on patientId is needed.
CREATE TRIGGER "Patient_search_suffixes_insert" AFTER INSERT ON "Patient" FOR EACH ROW BEGIN
  INSERT OR IGNORE INTO "PatientSearchSuffix" ("clinicId", "suffix", "patientId")
    SELECT NEW."clinicId", substr(r.s, 1, instr(r.s, ' ') - 1), NEW."id"
    FROM (WITH RECURSIVE w(s) AS (SELECT NEW."searchText" || ' ' UNION ALL SELECT substr(s, 2) FROM w WHERE length(s) > 1) SELECT s FROM w) AS r
    WHERE substr(r.s, 1, 1) <> ' ';
END;

CREATE TRIGGER "Patient_search_suffixes_update" AFTER UPDATE OF "searchText", "clinicId" ON "Patient" FOR EACH ROW
  WHEN OLD."searchText" IS NOT NEW."searchText" OR OLD."clinicId" IS NOT NEW."clinicId" BEGIN
  DELETE FROM "PatientSearchSuffix" WHERE "clinicId" = OLD."clinicId" AND "patientId" = OLD."id" AND "suffix" IN (
    SELECT substr(r.s, 1, instr(r.s, ' ') - 1)
    FROM (WITH RECURSIVE w(s) AS (SELECT OLD."searchText" || ' ' UNION ALL SELECT substr(s, 2) FROM w WHERE length(s) > 1) SELECT s FROM w) AS r
    WHERE substr(r.s, 1, 1) <> ' ');
  INSERT OR IGNORE INTO "PatientSearchSuffix" ("clinicId", "suffix", "patientId")
    SELECT NEW."clinicId", substr(r.s, 1, instr(r.s, ' ') - 1), NEW."id"
    FROM (WITH RECURSIVE w(s) AS (SELECT NEW."searchText" || ' ' UNION ALL SELECT substr(s, 2) FROM w WHERE length(s) > 1) SELECT s FROM w) AS r
    WHERE substr(r.s, 1, 1) <> ' ';
END;

CREATE TRIGGER "Patient_search_suffixes_delete" AFTER DELETE ON "Patient" FOR EACH ROW BEGIN
  DELETE FROM "PatientSearchSuffix" WHERE "clinicId" = OLD."clinicId" AND "patientId" = OLD."id" AND "suffix" IN (
    SELECT substr(r.s, 1, instr(r.s, ' ') - 1)
    FROM (WITH RECURSIVE w(s) AS (SELECT OLD."searchText" || ' ' UNION ALL SELECT substr(s, 2) FROM w WHERE length(s) > 1) SELECT s FROM w) AS r
    WHERE substr(r.s, 1, 1) <> ' ');
END;

-- The patients already stored (keys written before their normalisation are rewritten by the
-- backfill `db migrate` runs next, whose UPDATE the trigger above follows). Inserted in key order,
-- so the table is written front to back.
INSERT OR IGNORE INTO "PatientSearchSuffix" ("clinicId", "suffix", "patientId")
  WITH RECURSIVE w("clinicId", "id", s) AS (
    SELECT "clinicId", "id", "searchText" || ' ' FROM "Patient"
    UNION ALL SELECT "clinicId", "id", substr(s, 2) FROM w WHERE length(s) > 1
  )
  SELECT "clinicId", substr(s, 1, instr(s, ' ') - 1) AS "suffix", "id" FROM w WHERE substr(s, 1, 1) <> ' '
  ORDER BY 1, 2, 3;
