-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Clinic" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Clinic_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "clinicId" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "sessionVersion" INTEGER NOT NULL DEFAULT 0,
    "disabledAt" TIMESTAMP(3),
    "lastLoginAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Patient" (
    "id" TEXT NOT NULL,
    "clinicId" TEXT NOT NULL,
    "mrn" TEXT NOT NULL,
    "familyName" TEXT NOT NULL,
    "givenName" TEXT NOT NULL,
    "birthDate" TIMESTAMP(3) NOT NULL,
    "sex" TEXT NOT NULL,
    "diet" TEXT,
    "attributedClinicianId" TEXT,
    "deceasedAt" TIMESTAMP(3),
    "searchText" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "lastAssessedAt" TIMESTAMP(3),
    "latestGripKg" DOUBLE PRECISION,
    "latestGripAt" TIMESTAMP(3),
    "latestGaitMs" DOUBLE PRECISION,
    "latestGaitAt" TIMESTAMP(3),
    "latestB12Pmol" DOUBLE PRECISION,
    "latestB12At" TIMESTAMP(3),
    "medicationClasses" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "Patient_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PatientCondition" (
    "id" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),
    "source" TEXT NOT NULL DEFAULT 'manual',
    "sourceRef" TEXT,

    CONSTRAINT "PatientCondition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Observation" (
    "id" TEXT NOT NULL,
    "clinicId" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "value" DOUBLE PRECISION,
    "isUnable" BOOLEAN NOT NULL DEFAULT false,
    "reportedValue" TEXT NOT NULL,
    "reportedUnit" TEXT NOT NULL,
    "observedAt" TIMESTAMP(3) NOT NULL,
    "method" TEXT,
    "source" TEXT NOT NULL,
    "sourceRef" TEXT,
    "enteredById" TEXT,
    "status" TEXT NOT NULL DEFAULT 'final',
    "erroredAt" TIMESTAMP(3),
    "erroredById" TEXT,
    "erroredReason" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Observation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PatientMedication" (
    "id" TEXT NOT NULL,
    "clinicId" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,
    "catalogueId" TEXT,
    "name" TEXT NOT NULL,
    "atcCode" TEXT,
    "rxnormCode" TEXT,
    "startedOn" TIMESTAMP(3),
    "stoppedOn" TIMESTAMP(3),
    "source" TEXT NOT NULL,
    "sourceRef" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PatientMedication_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RiskSnapshot" (
    "id" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,
    "clinicId" TEXT NOT NULL,
    "tier" TEXT NOT NULL,
    "tierRank" INTEGER NOT NULL,
    "ewgsop2" TEXT NOT NULL,
    "awgs2019" TEXT NOT NULL,
    "b12Status" TEXT NOT NULL,
    "b12OnTreatment" BOOLEAN NOT NULL,
    "flagCodes" TEXT NOT NULL,
    "nextDueAt" TIMESTAMP(3),
    "ruleSetVersion" INTEGER NOT NULL,
    "evaluatedAt" TIMESTAMP(3) NOT NULL,
    "detailJson" TEXT NOT NULL,

    CONSTRAINT "RiskSnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Flag" (
    "id" TEXT NOT NULL,
    "clinicId" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "outreach" TEXT NOT NULL DEFAULT 'none',
    "dueAt" TIMESTAMP(3) NOT NULL,
    "openedAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),
    "closedById" TEXT,
    "closeReason" TEXT,
    "closeNote" TEXT,
    "reasonText" TEXT NOT NULL,
    "detailJson" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Flag_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ThresholdSet" (
    "id" TEXT NOT NULL,
    "clinicId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "effectiveFrom" TIMESTAMP(3) NOT NULL,
    "valuesJson" TEXT NOT NULL,
    "note" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ThresholdSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SavedView" (
    "id" TEXT NOT NULL,
    "clinicId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "isShared" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SavedView_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "seq" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "clinicId" TEXT,
    "actorId" TEXT,
    "actorLabel" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "patientId" TEXT,
    "entityType" TEXT,
    "entityId" TEXT,
    "detailJson" TEXT NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "ImportJob" (
    "id" TEXT NOT NULL,
    "clinicId" TEXT NOT NULL,
    "actorId" TEXT,
    "format" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "fileSha256" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "rowsTotal" INTEGER NOT NULL DEFAULT 0,
    "rowsValid" INTEGER NOT NULL DEFAULT 0,
    "rowsInvalid" INTEGER NOT NULL DEFAULT 0,
    "summaryJson" TEXT NOT NULL DEFAULT '{}',
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ImportJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobRun" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "clinicId" TEXT,
    "lockKey" TEXT,
    "status" TEXT NOT NULL,
    "total" INTEGER NOT NULL DEFAULT 0,
    "done" INTEGER NOT NULL DEFAULT 0,
    "message" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "JobRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LoginThrottle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "lockedUntil" TIMESTAMP(3),

    CONSTRAINT "LoginThrottle_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "Clinic_slug_key" ON "Clinic"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "User_clinicId_role_idx" ON "User"("clinicId", "role");

-- CreateIndex
CREATE INDEX "Patient_clinicId_familyName_givenName_id_idx" ON "Patient"("clinicId", "familyName", "givenName", "id");

-- CreateIndex
CREATE INDEX "Patient_clinicId_birthDate_id_idx" ON "Patient"("clinicId", "birthDate", "id");

-- CreateIndex
CREATE INDEX "Patient_clinicId_lastAssessedAt_id_idx" ON "Patient"("clinicId", "lastAssessedAt", "id");

-- CreateIndex
CREATE INDEX "Patient_clinicId_attributedClinicianId_idx" ON "Patient"("clinicId", "attributedClinicianId");

-- CreateIndex
CREATE INDEX "Patient_clinicId_sex_idx" ON "Patient"("clinicId", "sex");

-- CreateIndex
CREATE INDEX "Patient_clinicId_diet_idx" ON "Patient"("clinicId", "diet");

-- CreateIndex
CREATE UNIQUE INDEX "Patient_clinicId_mrn_key" ON "Patient"("clinicId", "mrn");

-- CreateIndex
CREATE UNIQUE INDEX "PatientCondition_patientId_code_key" ON "PatientCondition"("patientId", "code");

-- CreateIndex
CREATE INDEX "Observation_patientId_kind_observedAt_idx" ON "Observation"("patientId", "kind", "observedAt");

-- CreateIndex
CREATE INDEX "Observation_clinicId_kind_observedAt_idx" ON "Observation"("clinicId", "kind", "observedAt");

-- CreateIndex
CREATE INDEX "Observation_patientId_sourceRef_idx" ON "Observation"("patientId", "sourceRef");

-- CreateIndex
CREATE INDEX "PatientMedication_patientId_stoppedOn_idx" ON "PatientMedication"("patientId", "stoppedOn");

-- CreateIndex
CREATE INDEX "PatientMedication_clinicId_catalogueId_idx" ON "PatientMedication"("clinicId", "catalogueId");

-- CreateIndex
CREATE UNIQUE INDEX "RiskSnapshot_patientId_key" ON "RiskSnapshot"("patientId");

-- CreateIndex
CREATE INDEX "RiskSnapshot_clinicId_tierRank_nextDueAt_idx" ON "RiskSnapshot"("clinicId", "tierRank", "nextDueAt");

-- CreateIndex
CREATE INDEX "RiskSnapshot_clinicId_ewgsop2_idx" ON "RiskSnapshot"("clinicId", "ewgsop2");

-- CreateIndex
CREATE INDEX "RiskSnapshot_clinicId_awgs2019_idx" ON "RiskSnapshot"("clinicId", "awgs2019");

-- CreateIndex
CREATE INDEX "RiskSnapshot_clinicId_b12Status_idx" ON "RiskSnapshot"("clinicId", "b12Status");

-- CreateIndex
CREATE INDEX "Flag_clinicId_code_status_dueAt_idx" ON "Flag"("clinicId", "code", "status", "dueAt");

-- CreateIndex
CREATE INDEX "Flag_clinicId_status_dueAt_idx" ON "Flag"("clinicId", "status", "dueAt");

-- CreateIndex
CREATE INDEX "Flag_patientId_status_idx" ON "Flag"("patientId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "ThresholdSet_clinicId_version_key" ON "ThresholdSet"("clinicId", "version");

-- CreateIndex
CREATE INDEX "SavedView_clinicId_ownerId_idx" ON "SavedView"("clinicId", "ownerId");

-- CreateIndex
CREATE INDEX "AuditEvent_clinicId_at_idx" ON "AuditEvent"("clinicId", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_patientId_at_idx" ON "AuditEvent"("patientId", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_actorId_at_idx" ON "AuditEvent"("actorId", "at");

-- CreateIndex
CREATE INDEX "ImportJob_clinicId_startedAt_idx" ON "ImportJob"("clinicId", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "JobRun_lockKey_key" ON "JobRun"("lockKey");

-- AddForeignKey
ALTER TABLE "User" ADD CONSTRAINT "User_clinicId_fkey" FOREIGN KEY ("clinicId") REFERENCES "Clinic"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Patient" ADD CONSTRAINT "Patient_clinicId_fkey" FOREIGN KEY ("clinicId") REFERENCES "Clinic"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Patient" ADD CONSTRAINT "Patient_attributedClinicianId_fkey" FOREIGN KEY ("attributedClinicianId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PatientCondition" ADD CONSTRAINT "PatientCondition_patientId_fkey" FOREIGN KEY ("patientId") REFERENCES "Patient"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Observation" ADD CONSTRAINT "Observation_patientId_fkey" FOREIGN KEY ("patientId") REFERENCES "Patient"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Observation" ADD CONSTRAINT "Observation_enteredById_fkey" FOREIGN KEY ("enteredById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PatientMedication" ADD CONSTRAINT "PatientMedication_patientId_fkey" FOREIGN KEY ("patientId") REFERENCES "Patient"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RiskSnapshot" ADD CONSTRAINT "RiskSnapshot_patientId_fkey" FOREIGN KEY ("patientId") REFERENCES "Patient"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Flag" ADD CONSTRAINT "Flag_patientId_fkey" FOREIGN KEY ("patientId") REFERENCES "Patient"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ThresholdSet" ADD CONSTRAINT "ThresholdSet_clinicId_fkey" FOREIGN KEY ("clinicId") REFERENCES "Clinic"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SavedView" ADD CONSTRAINT "SavedView_clinicId_fkey" FOREIGN KEY ("clinicId") REFERENCES "Clinic"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SavedView" ADD CONSTRAINT "SavedView_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ImportJob" ADD CONSTRAINT "ImportJob_clinicId_fkey" FOREIGN KEY ("clinicId") REFERENCES "Clinic"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
