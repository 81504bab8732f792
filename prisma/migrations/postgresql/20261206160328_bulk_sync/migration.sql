-- CreateTable
CREATE TABLE "BulkSync" (
    "id" TEXT NOT NULL,
    "clinicId" TEXT NOT NULL,
    "fhirBaseUrl" TEXT NOT NULL,
    "groupId" TEXT,
    "since" TIMESTAMP(3),
    "status" TEXT NOT NULL,
    "activeKey" TEXT,
    "runnerId" TEXT,
    "statusUrl" TEXT,
    "manifestJson" TEXT,
    "transactionTime" TIMESTAMP(3),
    "filesTotal" INTEGER NOT NULL DEFAULT 0,
    "filesDone" INTEGER NOT NULL DEFAULT 0,
    "importJobId" TEXT,
    "message" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "BulkSync_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "BulkSync_activeKey_key" ON "BulkSync"("activeKey");

-- CreateIndex
CREATE INDEX "BulkSync_clinicId_startedAt_idx" ON "BulkSync"("clinicId", "startedAt");

-- CreateIndex
CREATE INDEX "BulkSync_clinicId_fhirBaseUrl_status_transactionTime_idx" ON "BulkSync"("clinicId", "fhirBaseUrl", "status", "transactionTime");
