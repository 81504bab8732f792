-- AlterTable
ALTER TABLE "Flag" ADD COLUMN     "actionDueAt" TIMESTAMP(3),
ADD COLUMN     "doneOn" TIMESTAMP(3),
ADD COLUMN     "doneValue" TEXT,
ADD COLUMN     "expectedAt" TIMESTAMP(3),
ADD COLUMN     "orderedAt" TIMESTAMP(3),
ADD COLUMN     "orderedById" TEXT,
ADD COLUMN     "postponedUntil" TIMESTAMP(3),
ADD COLUMN     "returnsAt" TIMESTAMP(3),
ADD COLUMN     "stage" TEXT NOT NULL DEFAULT 'none';

-- CreateIndex
CREATE INDEX "Flag_clinicId_status_actionDueAt_idx" ON "Flag"("clinicId", "status", "actionDueAt");

-- Existing flags: the action day is the due date; a flag a person closed keeps its reason and
-- returns when the old silent suppression (90 days after the close) would have let it back, now
-- stored and shown.
UPDATE "Flag" SET "actionDueAt" = "dueAt";
UPDATE "Flag" SET "returnsAt" = "closedAt" + INTERVAL '90 days'
  WHERE "status" <> 'open' AND "closedAt" IS NOT NULL AND "closeReason" IN ('done', 'not_applicable', 'patient_declined');
