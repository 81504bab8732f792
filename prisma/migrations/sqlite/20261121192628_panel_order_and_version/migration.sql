-- DropIndex
DROP INDEX "RiskSnapshot_clinicId_tierRank_nextDueAt_idx";

-- DropIndex
DROP INDEX "Flag_patientId_status_idx";

-- CreateTable
CREATE TABLE "PanelVersion" (
    "clinicId" TEXT NOT NULL PRIMARY KEY,
    "version" INTEGER NOT NULL DEFAULT 0
);

-- CreateIndex
CREATE INDEX "RiskSnapshot_clinicId_tierRank_nextDueAt_patientId_idx" ON "RiskSnapshot"("clinicId", "tierRank", "nextDueAt", "patientId");

-- CreateIndex
CREATE INDEX "Flag_patientId_status_code_idx" ON "Flag"("patientId", "status", "code");

-- Hand-written (Prisma cannot express triggers): every change to a clinic's Patient, RiskSnapshot
-- or Flag rows bumps PanelVersion.version for that clinic in the same transaction, so a cache keyed
-- by the version (the panel's per-tier counts) can never outlive the data it was computed from,
-- whichever code path wrote it.
CREATE TRIGGER "Patient_panel_version_insert" AFTER INSERT ON "Patient" FOR EACH ROW BEGIN
  INSERT INTO "PanelVersion" ("clinicId", "version") VALUES (NEW."clinicId", 1)
    ON CONFLICT ("clinicId") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "Patient_panel_version_update" AFTER UPDATE ON "Patient" FOR EACH ROW BEGIN
  INSERT INTO "PanelVersion" ("clinicId", "version") VALUES (NEW."clinicId", 1)
    ON CONFLICT ("clinicId") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "Patient_panel_version_delete" AFTER DELETE ON "Patient" FOR EACH ROW BEGIN
  INSERT INTO "PanelVersion" ("clinicId", "version") VALUES (OLD."clinicId", 1)
    ON CONFLICT ("clinicId") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "RiskSnapshot_panel_version_insert" AFTER INSERT ON "RiskSnapshot" FOR EACH ROW BEGIN
  INSERT INTO "PanelVersion" ("clinicId", "version") VALUES (NEW."clinicId", 1)
    ON CONFLICT ("clinicId") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "RiskSnapshot_panel_version_update" AFTER UPDATE ON "RiskSnapshot" FOR EACH ROW BEGIN
  INSERT INTO "PanelVersion" ("clinicId", "version") VALUES (NEW."clinicId", 1)
    ON CONFLICT ("clinicId") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "RiskSnapshot_panel_version_delete" AFTER DELETE ON "RiskSnapshot" FOR EACH ROW BEGIN
  INSERT INTO "PanelVersion" ("clinicId", "version") VALUES (OLD."clinicId", 1)
    ON CONFLICT ("clinicId") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "Flag_panel_version_insert" AFTER INSERT ON "Flag" FOR EACH ROW BEGIN
  INSERT INTO "PanelVersion" ("clinicId", "version") VALUES (NEW."clinicId", 1)
    ON CONFLICT ("clinicId") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "Flag_panel_version_update" AFTER UPDATE ON "Flag" FOR EACH ROW BEGIN
  INSERT INTO "PanelVersion" ("clinicId", "version") VALUES (NEW."clinicId", 1)
    ON CONFLICT ("clinicId") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "Flag_panel_version_delete" AFTER DELETE ON "Flag" FOR EACH ROW BEGIN
  INSERT INTO "PanelVersion" ("clinicId", "version") VALUES (OLD."clinicId", 1)
    ON CONFLICT ("clinicId") DO UPDATE SET "version" = "version" + 1;
END;
