-- CreateTable
CREATE TABLE "FlagOutreach" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "clinicId" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,
    "flagId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "note" TEXT,
    "nextAttemptAt" DATETIME,
    "isLatest" BOOLEAN NOT NULL DEFAULT true,
    "recordedAt" DATETIME NOT NULL,
    "recordedById" TEXT,
    CONSTRAINT "FlagOutreach_flagId_fkey" FOREIGN KEY ("flagId") REFERENCES "Flag" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "FlagOutreach_clinicId_nextAttemptAt_idx" ON "FlagOutreach"("clinicId", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "FlagOutreach_flagId_attempt_key" ON "FlagOutreach"("flagId", "attempt");

-- Hand-written (Prisma cannot express triggers), as for Patient, RiskSnapshot and Flag in
-- 20261121192628_panel_order_and_version: the panel's "outreach due today" filter reads this table,
-- so every change to a clinic's attempts bumps its PanelVersion in the same transaction.
CREATE TRIGGER "FlagOutreach_panel_version_insert" AFTER INSERT ON "FlagOutreach" FOR EACH ROW BEGIN
  INSERT INTO "PanelVersion" ("clinicId", "version") VALUES (NEW."clinicId", 1)
    ON CONFLICT ("clinicId") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "FlagOutreach_panel_version_update" AFTER UPDATE ON "FlagOutreach" FOR EACH ROW BEGIN
  INSERT INTO "PanelVersion" ("clinicId", "version") VALUES (NEW."clinicId", 1)
    ON CONFLICT ("clinicId") DO UPDATE SET "version" = "version" + 1;
END;
CREATE TRIGGER "FlagOutreach_panel_version_delete" AFTER DELETE ON "FlagOutreach" FOR EACH ROW BEGIN
  INSERT INTO "PanelVersion" ("clinicId", "version") VALUES (OLD."clinicId", 1)
    ON CONFLICT ("clinicId") DO UPDATE SET "version" = "version" + 1;
END;
