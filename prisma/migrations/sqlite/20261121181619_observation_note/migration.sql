-- AlterTable
ALTER TABLE "Observation" ADD COLUMN "note" TEXT;
