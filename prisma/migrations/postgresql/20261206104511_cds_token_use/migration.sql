-- CreateTable
CREATE TABLE "CdsTokenUse" (
    "issuer" TEXT NOT NULL,
    "jti" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CdsTokenUse_pkey" PRIMARY KEY ("issuer","jti")
);

-- CreateIndex
CREATE INDEX "CdsTokenUse_expiresAt_idx" ON "CdsTokenUse"("expiresAt");
