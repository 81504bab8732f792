-- AlterTable
ALTER TABLE "RiskSnapshot" ADD COLUMN "awgs2025" TEXT;

-- CreateTable
CREATE TABLE "PatientFinding" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "clinicId" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "recordedAt" DATETIME NOT NULL,
    "source" TEXT NOT NULL,
    "sourceRef" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PatientFinding_patientId_fkey" FOREIGN KEY ("patientId") REFERENCES "Patient" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "PatientFinding_patientId_kind_recordedAt_idx" ON "PatientFinding"("patientId", "kind", "recordedAt");

-- CreateIndex
CREATE INDEX "RiskSnapshot_clinicId_awgs2025_idx" ON "RiskSnapshot"("clinicId", "awgs2025");
