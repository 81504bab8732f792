-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "chainSeq" INTEGER,
ADD COLUMN     "keyId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "AuditEvent_clinicId_chainSeq_key" ON "AuditEvent"("clinicId", "chainSeq");

-- Hand-written (Prisma cannot express triggers): from this migration on every audit event belongs
-- to its clinic's keyed chain (lib/data/audit.ts). An unkeyed insert, which is what an instance
-- of the previous version would write during a rolling upgrade, is refused rather than left to
-- break the chains: every instance and the CLI must run this version (docs/deployment.md). The
-- WHEN clause keeps the function off the path of every valid insert.
CREATE FUNCTION "refuse_unkeyed_audit_event"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'unkeyed audit event refused: the audit log is keyed since migration audit_keyed_chains; stop every app instance and CLI of an older version (docs/deployment.md)';
END;
$$;
CREATE TRIGGER "AuditEvent_keyed_only" BEFORE INSERT ON "AuditEvent" FOR EACH ROW
  WHEN (NEW."chainSeq" IS NULL OR NEW."keyId" IS NULL OR NEW."clinicId" IS NULL)
  EXECUTE FUNCTION "refuse_unkeyed_audit_event"();
