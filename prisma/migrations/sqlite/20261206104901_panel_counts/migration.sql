-- CreateTable
CREATE TABLE "PanelMember" (
    "patientId" TEXT NOT NULL PRIMARY KEY,
    "clinicId" TEXT NOT NULL,
    "tierRank" INTEGER NOT NULL,
    "hasDue" INTEGER NOT NULL,
    "slices" TEXT NOT NULL,
    CONSTRAINT "PanelMember_patientId_fkey" FOREIGN KEY ("patientId") REFERENCES "Patient" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PanelCount" (
    "clinicId" TEXT NOT NULL,
    "slice" TEXT NOT NULL,
    "tierRank" INTEGER NOT NULL,
    "writer" BIGINT NOT NULL DEFAULT 0,
    "patients" INTEGER NOT NULL,
    "withDue" INTEGER NOT NULL,

    PRIMARY KEY ("clinicId", "slice", "tierRank", "writer")
);

-- Hand-written (Prisma cannot express triggers or views), issue 19: the panel's per-tier counts
-- maintained as writes happen instead of recounted after every write. Nothing here rebuilds
-- Patient, RiskSnapshot or Flag (that would drop their PanelVersion triggers): only new tables,
-- a view and triggers.
--
-- Two steps, each a trigger:
-- 1. Any change to what a patient contributes — its snapshot's tier rank or due date, its open
--    flags' codes and outreach, its attributed clinician — recomputes the patient's PanelMember
--    row from the current rows (idempotent, so the order triggers fire in, cascades included,
--    does not matter). A slice is a filter the panel offers, as a key (panel-counts.ts
--    `countSlice`): "" (none), then optionally "clinician=<id>;", then "flag=<code>;" and/or
--    "outreach=<status>;" of one open flag.
-- 2. Every insert, update or delete of a PanelMember row moves one patient between PanelCount
--    rows: minus the old row's slices at its old tier, plus the new row's at its new tier. SQLite
--    has one writer at a time, so one row per (clinic, slice, tier) — writer 0 — is updated in place.

-- A stored procedure in SQLite's terms: inserting a patient id into this view runs the refresh.
-- The slices are sorted so an unchanged patient compares equal (and is left alone); the sort is in
-- a subquery, not json_group_array(… ORDER BY …), which SQLite shells before 3.44 cannot parse —
-- a schema they cannot parse makes them refuse the whole database.
CREATE VIEW "PanelMemberRefresh" AS SELECT CAST(NULL AS TEXT) AS "patientId";

CREATE TRIGGER "PanelMemberRefresh_run" INSTEAD OF INSERT ON "PanelMemberRefresh" FOR EACH ROW BEGIN
  INSERT INTO "PanelMember" ("patientId", "clinicId", "tierRank", "hasDue", "slices")
  SELECT p."id", p."clinicId", coalesce(s."tierRank", -1), s."nextDueAt" IS NOT NULL,
    (SELECT json_group_array("slice") FROM (SELECT c."part" || f."part" AS "slice"
       FROM (SELECT '' AS "part"
             UNION ALL SELECT 'clinician=' || "attributedClinicianId" || ';' FROM "Patient" WHERE "id" = NEW."patientId" AND "attributedClinicianId" IS NOT NULL) AS c,
            (SELECT '' AS "part"
             UNION SELECT 'flag=' || "code" || ';' FROM "Flag" WHERE "patientId" = NEW."patientId" AND "status" = 'open'
             UNION SELECT 'outreach=' || "outreach" || ';' FROM "Flag" WHERE "patientId" = NEW."patientId" AND "status" = 'open'
             UNION SELECT 'flag=' || "code" || ';outreach=' || "outreach" || ';' FROM "Flag" WHERE "patientId" = NEW."patientId" AND "status" = 'open') AS f
       ORDER BY 1))
  FROM "Patient" p LEFT JOIN "RiskSnapshot" s ON s."patientId" = p."id"
  WHERE p."id" = NEW."patientId"
  ON CONFLICT ("patientId") DO UPDATE SET
    "clinicId" = excluded."clinicId", "tierRank" = excluded."tierRank", "hasDue" = excluded."hasDue", "slices" = excluded."slices"
  WHERE "clinicId" IS NOT excluded."clinicId" OR "tierRank" IS NOT excluded."tierRank" OR "hasDue" IS NOT excluded."hasDue" OR "slices" IS NOT excluded."slices";
END;

CREATE TRIGGER "PanelMember_counts_insert" AFTER INSERT ON "PanelMember" FOR EACH ROW BEGIN
  INSERT INTO "PanelCount" ("clinicId", "slice", "tierRank", "writer", "patients", "withDue")
    SELECT NEW."clinicId", j."value", NEW."tierRank", 0, 1, NEW."hasDue" FROM json_each(NEW."slices") AS j WHERE true
    ON CONFLICT ("clinicId", "slice", "tierRank", "writer") DO UPDATE SET "patients" = "patients" + excluded."patients", "withDue" = "withDue" + excluded."withDue";
END;
CREATE TRIGGER "PanelMember_counts_update" AFTER UPDATE ON "PanelMember" FOR EACH ROW BEGIN
  INSERT INTO "PanelCount" ("clinicId", "slice", "tierRank", "writer", "patients", "withDue")
    SELECT OLD."clinicId", j."value", OLD."tierRank", 0, -1, -OLD."hasDue" FROM json_each(OLD."slices") AS j WHERE true
    ON CONFLICT ("clinicId", "slice", "tierRank", "writer") DO UPDATE SET "patients" = "patients" + excluded."patients", "withDue" = "withDue" + excluded."withDue";
  INSERT INTO "PanelCount" ("clinicId", "slice", "tierRank", "writer", "patients", "withDue")
    SELECT NEW."clinicId", j."value", NEW."tierRank", 0, 1, NEW."hasDue" FROM json_each(NEW."slices") AS j WHERE true
    ON CONFLICT ("clinicId", "slice", "tierRank", "writer") DO UPDATE SET "patients" = "patients" + excluded."patients", "withDue" = "withDue" + excluded."withDue";
END;
CREATE TRIGGER "PanelMember_counts_delete" AFTER DELETE ON "PanelMember" FOR EACH ROW BEGIN
  INSERT INTO "PanelCount" ("clinicId", "slice", "tierRank", "writer", "patients", "withDue")
    SELECT OLD."clinicId", j."value", OLD."tierRank", 0, -1, -OLD."hasDue" FROM json_each(OLD."slices") AS j WHERE true
    ON CONFLICT ("clinicId", "slice", "tierRank", "writer") DO UPDATE SET "patients" = "patients" + excluded."patients", "withDue" = "withDue" + excluded."withDue";
END;

-- What changes a patient's contribution. A deleted patient's row goes with it (the foreign key's
-- cascade, and the delete trigger below where foreign keys are off); a refresh for a patient that
-- no longer exists writes nothing.
CREATE TRIGGER "Patient_panel_member_insert" AFTER INSERT ON "Patient" FOR EACH ROW BEGIN
  INSERT INTO "PanelMemberRefresh" ("patientId") VALUES (NEW."id");
END;
CREATE TRIGGER "Patient_panel_member_update" AFTER UPDATE OF "attributedClinicianId", "clinicId" ON "Patient" FOR EACH ROW
  WHEN OLD."attributedClinicianId" IS NOT NEW."attributedClinicianId" OR OLD."clinicId" IS NOT NEW."clinicId" BEGIN
  INSERT INTO "PanelMemberRefresh" ("patientId") VALUES (NEW."id");
END;
CREATE TRIGGER "Patient_panel_member_delete" AFTER DELETE ON "Patient" FOR EACH ROW BEGIN
  DELETE FROM "PanelMember" WHERE "patientId" = OLD."id";
END;
CREATE TRIGGER "RiskSnapshot_panel_member_insert" AFTER INSERT ON "RiskSnapshot" FOR EACH ROW BEGIN
  INSERT INTO "PanelMemberRefresh" ("patientId") VALUES (NEW."patientId");
END;
CREATE TRIGGER "RiskSnapshot_panel_member_update" AFTER UPDATE OF "tierRank", "nextDueAt", "patientId" ON "RiskSnapshot" FOR EACH ROW
  WHEN OLD."tierRank" IS NOT NEW."tierRank" OR (OLD."nextDueAt" IS NULL) <> (NEW."nextDueAt" IS NULL) OR OLD."patientId" IS NOT NEW."patientId" BEGIN
  INSERT INTO "PanelMemberRefresh" ("patientId") VALUES (OLD."patientId");
  INSERT INTO "PanelMemberRefresh" ("patientId") SELECT NEW."patientId" WHERE NEW."patientId" IS NOT OLD."patientId";
END;
CREATE TRIGGER "RiskSnapshot_panel_member_delete" AFTER DELETE ON "RiskSnapshot" FOR EACH ROW BEGIN
  INSERT INTO "PanelMemberRefresh" ("patientId") VALUES (OLD."patientId");
END;
CREATE TRIGGER "Flag_panel_member_insert" AFTER INSERT ON "Flag" FOR EACH ROW WHEN NEW."status" = 'open' BEGIN
  INSERT INTO "PanelMemberRefresh" ("patientId") VALUES (NEW."patientId");
END;
CREATE TRIGGER "Flag_panel_member_update" AFTER UPDATE OF "status", "code", "outreach", "patientId" ON "Flag" FOR EACH ROW
  WHEN (OLD."status" = 'open' OR NEW."status" = 'open')
   AND (OLD."status" IS NOT NEW."status" OR OLD."code" IS NOT NEW."code" OR OLD."outreach" IS NOT NEW."outreach" OR OLD."patientId" IS NOT NEW."patientId") BEGIN
  INSERT INTO "PanelMemberRefresh" ("patientId") VALUES (OLD."patientId");
  INSERT INTO "PanelMemberRefresh" ("patientId") SELECT NEW."patientId" WHERE NEW."patientId" IS NOT OLD."patientId";
END;
CREATE TRIGGER "Flag_panel_member_delete" AFTER DELETE ON "Flag" FOR EACH ROW WHEN OLD."status" = 'open' BEGIN
  INSERT INTO "PanelMemberRefresh" ("patientId") VALUES (OLD."patientId");
END;

-- The patients already stored.
INSERT INTO "PanelMemberRefresh" ("patientId") SELECT "id" FROM "Patient";
