-- DropIndex
DROP INDEX "RiskSnapshot_clinicId_tierRank_nextDueAt_idx";

-- DropIndex
DROP INDEX "Flag_patientId_status_idx";

-- CreateTable
CREATE TABLE "PanelVersion" (
    "clinicId" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "PanelVersion_pkey" PRIMARY KEY ("clinicId")
);

-- CreateIndex
CREATE INDEX "RiskSnapshot_clinicId_tierRank_nextDueAt_patientId_idx" ON "RiskSnapshot"("clinicId", "tierRank", "nextDueAt", "patientId");

-- CreateIndex
CREATE INDEX "Flag_patientId_status_code_idx" ON "Flag"("patientId", "status", "code");

-- Hand-written (Prisma cannot express triggers): every change to a clinic's Patient, RiskSnapshot
-- or Flag rows bumps PanelVersion.version for that clinic in the same transaction, so a cache keyed
-- by the version (the panel's per-tier counts) can never outlive the data it was computed from,
-- whichever code path wrote it.
-- The triggers are deferred to commit time: the version row is the last lock a writing transaction
-- takes, so it cannot deadlock with locks taken in the transaction's body (such as the audit
-- chain's advisory lock). A transaction-local setting remembers which clinics it has bumped, so a
-- 100,000-row import updates the row once, not once per row.
CREATE FUNCTION "bump_panel_version"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  clinic text := CASE WHEN TG_OP = 'DELETE' THEN OLD."clinicId" ELSE NEW."clinicId" END;
  bumped text := coalesce(current_setting('sarcopenia.panel_bumped', true), '');
BEGIN
  IF position(';' || clinic || ';' IN bumped) = 0 THEN
    INSERT INTO "PanelVersion" ("clinicId", "version") VALUES (clinic, 1)
      ON CONFLICT ("clinicId") DO UPDATE SET "version" = "PanelVersion"."version" + 1;
    PERFORM set_config('sarcopenia.panel_bumped', bumped || ';' || clinic || ';', true);
  END IF;
  RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER "Patient_panel_version" AFTER INSERT OR UPDATE OR DELETE ON "Patient"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "bump_panel_version"();
CREATE CONSTRAINT TRIGGER "RiskSnapshot_panel_version" AFTER INSERT OR UPDATE OR DELETE ON "RiskSnapshot"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "bump_panel_version"();
CREATE CONSTRAINT TRIGGER "Flag_panel_version" AFTER INSERT OR UPDATE OR DELETE ON "Flag"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "bump_panel_version"();
