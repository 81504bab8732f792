-- AlterTable
ALTER TABLE "EhrConnection" ADD COLUMN     "bulkClientId" TEXT,
ADD COLUMN     "bulkFhirBaseUrl" TEXT,
ADD COLUMN     "bulkGroupId" TEXT,
ADD COLUMN     "bulkPrivateJwkEnc" TEXT;
