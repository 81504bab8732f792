-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Flag" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "clinicId" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "outreach" TEXT NOT NULL DEFAULT 'none',
    "dueAt" DATETIME NOT NULL,
    "openedAt" DATETIME NOT NULL,
    "closedAt" DATETIME,
    "closedById" TEXT,
    "closeReason" TEXT,
    "closeNote" TEXT,
    "stage" TEXT NOT NULL DEFAULT 'none',
    "actionDueAt" DATETIME,
    "orderedAt" DATETIME,
    "orderedById" TEXT,
    "expectedAt" DATETIME,
    "postponedUntil" DATETIME,
    "returnsAt" DATETIME,
    "doneOn" DATETIME,
    "doneValue" TEXT,
    "reasonText" TEXT NOT NULL,
    "detailJson" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Flag_patientId_fkey" FOREIGN KEY ("patientId") REFERENCES "Patient" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Flag" ("clinicId", "closeNote", "closeReason", "closedAt", "closedById", "code", "detailJson", "dueAt", "id", "openedAt", "outreach", "patientId", "reasonText", "status", "updatedAt", "version") SELECT "clinicId", "closeNote", "closeReason", "closedAt", "closedById", "code", "detailJson", "dueAt", "id", "openedAt", "outreach", "patientId", "reasonText", "status", "updatedAt", "version" FROM "Flag";
DROP TABLE "Flag";
ALTER TABLE "new_Flag" RENAME TO "Flag";
CREATE INDEX "Flag_clinicId_code_status_dueAt_idx" ON "Flag"("clinicId", "code", "status", "dueAt");
CREATE INDEX "Flag_clinicId_status_dueAt_idx" ON "Flag"("clinicId", "status", "dueAt");
CREATE INDEX "Flag_clinicId_status_actionDueAt_idx" ON "Flag"("clinicId", "status", "actionDueAt");
CREATE INDEX "Flag_patientId_status_code_idx" ON "Flag"("patientId", "status", "code");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- Existing flags: the action day is the due date; a flag a person closed keeps its reason and
-- returns when the old silent suppression (90 days after the close) would have let it back, now
-- stored and shown.
UPDATE "Flag" SET "actionDueAt" = "dueAt";
UPDATE "Flag" SET "returnsAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "closedAt", '+90 days')
  WHERE "status" <> 'open' AND "closedAt" IS NOT NULL AND "closeReason" IN ('done', 'not_applicable', 'patient_declined');
