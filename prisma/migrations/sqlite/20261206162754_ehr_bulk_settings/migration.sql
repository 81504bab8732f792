-- AlterTable
ALTER TABLE "EhrConnection" ADD COLUMN "bulkClientId" TEXT;
ALTER TABLE "EhrConnection" ADD COLUMN "bulkFhirBaseUrl" TEXT;
ALTER TABLE "EhrConnection" ADD COLUMN "bulkGroupId" TEXT;
ALTER TABLE "EhrConnection" ADD COLUMN "bulkPrivateJwkEnc" TEXT;
