-- DropIndex
DROP INDEX "Observation_clinicId_kind_observedAt_idx";

-- DropIndex
DROP INDEX "Observation_patientId_sourceRef_idx";

-- DropIndex
DROP INDEX "PatientMedication_clinicId_catalogueId_idx";
