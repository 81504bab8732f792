-- CreateTable
CREATE TABLE "FlagOutreach" (
    "id" TEXT NOT NULL,
    "clinicId" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,
    "flagId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "note" TEXT,
    "nextAttemptAt" TIMESTAMP(3),
    "isLatest" BOOLEAN NOT NULL DEFAULT true,
    "recordedAt" TIMESTAMP(3) NOT NULL,
    "recordedById" TEXT,

    CONSTRAINT "FlagOutreach_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FlagOutreach_clinicId_nextAttemptAt_idx" ON "FlagOutreach"("clinicId", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "FlagOutreach_flagId_attempt_key" ON "FlagOutreach"("flagId", "attempt");

-- AddForeignKey
ALTER TABLE "FlagOutreach" ADD CONSTRAINT "FlagOutreach_flagId_fkey" FOREIGN KEY ("flagId") REFERENCES "Flag"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written (Prisma cannot express triggers), as for Patient, RiskSnapshot and Flag in
-- 20261121192628_panel_order_and_version (whose "bump_panel_version" it reuses): the panel's
-- "outreach due today" filter reads this table, so every change to a clinic's attempts bumps its
-- PanelVersion once per transaction.
CREATE CONSTRAINT TRIGGER "FlagOutreach_panel_version" AFTER INSERT OR UPDATE OR DELETE ON "FlagOutreach"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "bump_panel_version"();
