-- CreateTable
CREATE TABLE "BulkSync" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "clinicId" TEXT NOT NULL,
    "fhirBaseUrl" TEXT NOT NULL,
    "groupId" TEXT,
    "since" DATETIME,
    "status" TEXT NOT NULL,
    "activeKey" TEXT,
    "runnerId" TEXT,
    "statusUrl" TEXT,
    "manifestJson" TEXT,
    "transactionTime" DATETIME,
    "filesTotal" INTEGER NOT NULL DEFAULT 0,
    "filesDone" INTEGER NOT NULL DEFAULT 0,
    "importJobId" TEXT,
    "message" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME
);

-- CreateIndex
CREATE UNIQUE INDEX "BulkSync_activeKey_key" ON "BulkSync"("activeKey");

-- CreateIndex
CREATE INDEX "BulkSync_clinicId_startedAt_idx" ON "BulkSync"("clinicId", "startedAt");

-- CreateIndex
CREATE INDEX "BulkSync_clinicId_fhirBaseUrl_status_transactionTime_idx" ON "BulkSync"("clinicId", "fhirBaseUrl", "status", "transactionTime");
