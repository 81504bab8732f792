-- CreateTable
CREATE TABLE "PanelMember" (
    "patientId" TEXT NOT NULL,
    "clinicId" TEXT NOT NULL,
    "tierRank" INTEGER NOT NULL,
    "hasDue" INTEGER NOT NULL,
    "slices" TEXT NOT NULL,

    CONSTRAINT "PanelMember_pkey" PRIMARY KEY ("patientId")
);

-- CreateTable
CREATE TABLE "PanelCount" (
    "clinicId" TEXT NOT NULL,
    "slice" TEXT NOT NULL,
    "tierRank" INTEGER NOT NULL,
    "writer" BIGINT NOT NULL DEFAULT 0,
    "patients" INTEGER NOT NULL,
    "withDue" INTEGER NOT NULL,

    CONSTRAINT "PanelCount_pkey" PRIMARY KEY ("clinicId","slice","tierRank","writer")
);

-- AddForeignKey
ALTER TABLE "PanelMember" ADD CONSTRAINT "PanelMember_patientId_fkey" FOREIGN KEY ("patientId") REFERENCES "Patient"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written (Prisma cannot express triggers), issue 19: the panel's per-tier counts maintained
-- as writes happen instead of recounted after every write. Nothing here alters Patient,
-- RiskSnapshot or Flag: only new tables, functions and triggers.
--
-- Two steps, as on SQLite (see that migration for the slice keys):
-- 1. Statement-level triggers with transition tables on Patient, RiskSnapshot and Flag recompute
--    the PanelMember rows of the patients a statement changed in a way that matters, from the
--    current rows, in one set-based statement (an import of 100,000 rows refreshes once per
--    statement, not once per row). The refresh is idempotent, so trigger order and cascades do
--    not matter; a patient that no longer exists gets no row.
-- 2. Statement-level triggers on PanelMember add the old rows' slices at −1 and the new rows' at
--    +1 to PanelCount, aggregated, in rows of the writing transaction's own (writer =
--    txid_current()). Two transactions never update the same counter row, so concurrent writers
--    neither wait for each other nor deadlock (an in-place counter would be locked by the first
--    writer until it commits, in an order that depends on the data). A slice's count is the sum of
--    its rows; readers fold committed writers' rows into writer 0 now and then
--    (lib/data/patients/panel-counts.ts `compactPanelCounts`). A transaction that rolls back takes
--    its rows with it.

CREATE FUNCTION "panel_members_refresh"(ids text[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO "PanelMember" ("patientId", "clinicId", "tierRank", "hasDue", "slices")
  SELECT p."id", p."clinicId", coalesce(s."tierRank", -1), (s."nextDueAt" IS NOT NULL)::int,
    (SELECT jsonb_agg(c."part" || f."part" ORDER BY c."part" || f."part")::text
       FROM (SELECT '' AS "part"
             UNION ALL SELECT 'clinician=' || p."attributedClinicianId" || ';' WHERE p."attributedClinicianId" IS NOT NULL) AS c,
            (SELECT '' AS "part"
             UNION SELECT 'flag=' || fl."code" || ';' FROM "Flag" fl WHERE fl."patientId" = p."id" AND fl."status" = 'open'
             UNION SELECT 'outreach=' || fl."outreach" || ';' FROM "Flag" fl WHERE fl."patientId" = p."id" AND fl."status" = 'open'
             UNION SELECT 'flag=' || fl."code" || ';outreach=' || fl."outreach" || ';' FROM "Flag" fl WHERE fl."patientId" = p."id" AND fl."status" = 'open') AS f)
  FROM "Patient" p LEFT JOIN "RiskSnapshot" s ON s."patientId" = p."id"
  WHERE p."id" = ANY(ids)
  ON CONFLICT ("patientId") DO UPDATE SET
    "clinicId" = EXCLUDED."clinicId", "tierRank" = EXCLUDED."tierRank", "hasDue" = EXCLUDED."hasDue", "slices" = EXCLUDED."slices"
  WHERE ("PanelMember"."clinicId", "PanelMember"."tierRank", "PanelMember"."hasDue", "PanelMember"."slices")
    IS DISTINCT FROM (EXCLUDED."clinicId", EXCLUDED."tierRank", EXCLUDED."hasDue", EXCLUDED."slices");
$$;

CREATE FUNCTION "panel_member_patient_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "panel_members_refresh"(ARRAY(SELECT "id" FROM new_rows));
  RETURN NULL;
END;
$$;
CREATE FUNCTION "panel_member_patient_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "panel_members_refresh"(ARRAY(
    SELECT n."id" FROM new_rows n JOIN old_rows o ON o."id" = n."id"
    WHERE n."attributedClinicianId" IS DISTINCT FROM o."attributedClinicianId" OR n."clinicId" IS DISTINCT FROM o."clinicId"));
  RETURN NULL;
END;
$$;
CREATE FUNCTION "panel_member_snapshot_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "panel_members_refresh"(ARRAY(SELECT "patientId" FROM new_rows));
  RETURN NULL;
END;
$$;
CREATE FUNCTION "panel_member_snapshot_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "panel_members_refresh"(ARRAY(
    SELECT unnest(ARRAY[o."patientId", n."patientId"]) FROM new_rows n JOIN old_rows o ON o."id" = n."id"
    WHERE n."tierRank" IS DISTINCT FROM o."tierRank" OR (n."nextDueAt" IS NULL) <> (o."nextDueAt" IS NULL) OR n."patientId" IS DISTINCT FROM o."patientId"));
  RETURN NULL;
END;
$$;
CREATE FUNCTION "panel_member_snapshot_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "panel_members_refresh"(ARRAY(SELECT "patientId" FROM old_rows));
  RETURN NULL;
END;
$$;
CREATE FUNCTION "panel_member_flag_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "panel_members_refresh"(ARRAY(SELECT DISTINCT "patientId" FROM new_rows WHERE "status" = 'open'));
  RETURN NULL;
END;
$$;
CREATE FUNCTION "panel_member_flag_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "panel_members_refresh"(ARRAY(
    SELECT DISTINCT unnest(ARRAY[o."patientId", n."patientId"]) FROM new_rows n JOIN old_rows o ON o."id" = n."id"
    WHERE (o."status" = 'open' OR n."status" = 'open')
      AND (n."status" IS DISTINCT FROM o."status" OR n."code" IS DISTINCT FROM o."code" OR n."outreach" IS DISTINCT FROM o."outreach" OR n."patientId" IS DISTINCT FROM o."patientId")));
  RETURN NULL;
END;
$$;
CREATE FUNCTION "panel_member_flag_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "panel_members_refresh"(ARRAY(SELECT DISTINCT "patientId" FROM old_rows WHERE "status" = 'open'));
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Patient_panel_member_insert" AFTER INSERT ON "Patient" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "panel_member_patient_insert"();
CREATE TRIGGER "Patient_panel_member_update" AFTER UPDATE ON "Patient" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "panel_member_patient_update"();
CREATE TRIGGER "RiskSnapshot_panel_member_insert" AFTER INSERT ON "RiskSnapshot" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "panel_member_snapshot_insert"();
CREATE TRIGGER "RiskSnapshot_panel_member_update" AFTER UPDATE ON "RiskSnapshot" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "panel_member_snapshot_update"();
CREATE TRIGGER "RiskSnapshot_panel_member_delete" AFTER DELETE ON "RiskSnapshot" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "panel_member_snapshot_delete"();
CREATE TRIGGER "Flag_panel_member_insert" AFTER INSERT ON "Flag" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "panel_member_flag_insert"();
CREATE TRIGGER "Flag_panel_member_update" AFTER UPDATE ON "Flag" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "panel_member_flag_update"();
CREATE TRIGGER "Flag_panel_member_delete" AFTER DELETE ON "Flag" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "panel_member_flag_delete"();

-- Step 2: PanelMember rows → PanelCount, in the writing transaction's own rows (one function per
-- event: a trigger function can read only the transition tables its event has).
CREATE FUNCTION "panel_counts_member_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "PanelCount" ("clinicId", "slice", "tierRank", "writer", "patients", "withDue")
  SELECT d."clinicId", d."slice", d."tierRank", txid_current(), sum(d."n"), sum(d."n" * d."hasDue")
  FROM (
    SELECT m."clinicId", j."slice", m."tierRank", m."hasDue", 1 AS "n"
      FROM new_rows m, jsonb_array_elements_text(m."slices"::jsonb) AS j("slice")
  ) AS d
  GROUP BY d."clinicId", d."slice", d."tierRank"
  HAVING sum(d."n") <> 0 OR sum(d."n" * d."hasDue") <> 0
  ON CONFLICT ("clinicId", "slice", "tierRank", "writer") DO UPDATE SET
    "patients" = "PanelCount"."patients" + EXCLUDED."patients", "withDue" = "PanelCount"."withDue" + EXCLUDED."withDue";
  RETURN NULL;
END;
$$;
CREATE FUNCTION "panel_counts_member_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "PanelCount" ("clinicId", "slice", "tierRank", "writer", "patients", "withDue")
  SELECT d."clinicId", d."slice", d."tierRank", txid_current(), sum(d."n"), sum(d."n" * d."hasDue")
  FROM (
    SELECT m."clinicId", j."slice", m."tierRank", m."hasDue", 1 AS "n"
      FROM new_rows m, jsonb_array_elements_text(m."slices"::jsonb) AS j("slice")
    UNION ALL
    SELECT m."clinicId", j."slice", m."tierRank", m."hasDue", -1 AS "n"
      FROM old_rows m, jsonb_array_elements_text(m."slices"::jsonb) AS j("slice")
  ) AS d
  GROUP BY d."clinicId", d."slice", d."tierRank"
  HAVING sum(d."n") <> 0 OR sum(d."n" * d."hasDue") <> 0
  ON CONFLICT ("clinicId", "slice", "tierRank", "writer") DO UPDATE SET
    "patients" = "PanelCount"."patients" + EXCLUDED."patients", "withDue" = "PanelCount"."withDue" + EXCLUDED."withDue";
  RETURN NULL;
END;
$$;
CREATE FUNCTION "panel_counts_member_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "PanelCount" ("clinicId", "slice", "tierRank", "writer", "patients", "withDue")
  SELECT d."clinicId", d."slice", d."tierRank", txid_current(), sum(d."n"), sum(d."n" * d."hasDue")
  FROM (
    SELECT m."clinicId", j."slice", m."tierRank", m."hasDue", -1 AS "n"
      FROM old_rows m, jsonb_array_elements_text(m."slices"::jsonb) AS j("slice")
  ) AS d
  GROUP BY d."clinicId", d."slice", d."tierRank"
  HAVING sum(d."n") <> 0 OR sum(d."n" * d."hasDue") <> 0
  ON CONFLICT ("clinicId", "slice", "tierRank", "writer") DO UPDATE SET
    "patients" = "PanelCount"."patients" + EXCLUDED."patients", "withDue" = "PanelCount"."withDue" + EXCLUDED."withDue";
  RETURN NULL;
END;
$$;
CREATE TRIGGER "PanelMember_counts_insert" AFTER INSERT ON "PanelMember" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "panel_counts_member_insert"();
CREATE TRIGGER "PanelMember_counts_update" AFTER UPDATE ON "PanelMember" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "panel_counts_member_update"();
CREATE TRIGGER "PanelMember_counts_delete" AFTER DELETE ON "PanelMember" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "panel_counts_member_delete"();

-- The patients already stored (counted into writer 0: nothing else is writing during a migration).
SELECT "panel_members_refresh"(ARRAY(SELECT "id" FROM "Patient"));
UPDATE "PanelCount" SET "writer" = 0;
