-- CreateTable
CREATE TABLE "CdsTokenUse" (
    "issuer" TEXT NOT NULL,
    "jti" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,

    PRIMARY KEY ("issuer", "jti")
);

-- CreateIndex
CREATE INDEX "CdsTokenUse_expiresAt_idx" ON "CdsTokenUse"("expiresAt");
