-- AlterTable
ALTER TABLE "RiskSnapshot" ADD COLUMN     "cohortJson" TEXT;
