-- Written by scripts/make-migration.sh, then the generated table rebuild ("RedefineTables")
-- replaced by ADD COLUMN: rebuilding "Flag" would drop its PanelVersion triggers (migration
-- 20261121192628_panel_order_and_version) and rewrite every flag, where adding columns changes
-- nothing else. The columns, defaults and index are the generated ones.
ALTER TABLE "Flag" ADD COLUMN "stage" TEXT NOT NULL DEFAULT 'none';
ALTER TABLE "Flag" ADD COLUMN "actionDueAt" DATETIME;
ALTER TABLE "Flag" ADD COLUMN "orderedAt" DATETIME;
ALTER TABLE "Flag" ADD COLUMN "orderedById" TEXT;
ALTER TABLE "Flag" ADD COLUMN "expectedAt" DATETIME;
ALTER TABLE "Flag" ADD COLUMN "postponedUntil" DATETIME;
ALTER TABLE "Flag" ADD COLUMN "returnsAt" DATETIME;
ALTER TABLE "Flag" ADD COLUMN "doneOn" DATETIME;
ALTER TABLE "Flag" ADD COLUMN "doneValue" TEXT;
CREATE INDEX "Flag_clinicId_status_actionDueAt_idx" ON "Flag"("clinicId", "status", "actionDueAt");

-- Existing flags: the action day is the due date; a flag a person closed keeps its reason and
-- returns when the old silent suppression (90 days after the close) would have let it back, now
-- stored and shown.
UPDATE "Flag" SET "actionDueAt" = "dueAt";
UPDATE "Flag" SET "returnsAt" = strftime('%Y-%m-%dT%H:%M:%f+00:00', "closedAt", '+90 days')
  WHERE "status" <> 'open' AND "closedAt" IS NOT NULL AND "closeReason" IN ('done', 'not_applicable', 'patient_declined');
