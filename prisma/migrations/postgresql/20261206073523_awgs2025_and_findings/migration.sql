-- AlterTable
ALTER TABLE "RiskSnapshot" ADD COLUMN     "awgs2025" TEXT;

-- CreateTable
CREATE TABLE "PatientFinding" (
    "id" TEXT NOT NULL,
    "clinicId" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL,
    "source" TEXT NOT NULL,
    "sourceRef" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PatientFinding_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PatientFinding_patientId_kind_recordedAt_idx" ON "PatientFinding"("patientId", "kind", "recordedAt");

-- AddForeignKey
ALTER TABLE "PatientFinding" ADD CONSTRAINT "PatientFinding_patientId_fkey" FOREIGN KEY ("patientId") REFERENCES "Patient"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateIndex
CREATE INDEX "RiskSnapshot_clinicId_awgs2025_idx" ON "RiskSnapshot"("clinicId", "awgs2025");
