-- CreateTable
CREATE TABLE "EhrConnection" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "clinicId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "clientSecretEnc" TEXT NOT NULL,
    "mrnSystem" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "EhrConnection_clinicId_fkey" FOREIGN KEY ("clinicId") REFERENCES "Clinic" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "EhrUserLink" (
    "ehrConnectionId" TEXT NOT NULL,
    "fhirUser" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("ehrConnectionId", "fhirUser"),
    CONSTRAINT "EhrUserLink_ehrConnectionId_fkey" FOREIGN KEY ("ehrConnectionId") REFERENCES "EhrConnection" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "EhrUserLink_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SmartLaunchState" (
    "stateHash" TEXT NOT NULL PRIMARY KEY,
    "ehrConnectionId" TEXT NOT NULL,
    "browserHash" TEXT NOT NULL,
    "codeVerifier" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    CONSTRAINT "SmartLaunchState_ehrConnectionId_fkey" FOREIGN KEY ("ehrConnectionId") REFERENCES "EhrConnection" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SmartSignInTicket" (
    "ticketHash" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "ehrConnectionId" TEXT NOT NULL,
    "fhirUser" TEXT NOT NULL,
    "patientId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    CONSTRAINT "SmartSignInTicket_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "SmartSignInTicket_ehrConnectionId_fkey" FOREIGN KEY ("ehrConnectionId") REFERENCES "EhrConnection" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "EhrConnection_issuer_key" ON "EhrConnection"("issuer");

-- CreateIndex
CREATE INDEX "EhrConnection_clinicId_idx" ON "EhrConnection"("clinicId");

-- CreateIndex
CREATE INDEX "EhrUserLink_userId_idx" ON "EhrUserLink"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "EhrUserLink_ehrConnectionId_userId_key" ON "EhrUserLink"("ehrConnectionId", "userId");

-- CreateIndex
CREATE INDEX "SmartLaunchState_expiresAt_idx" ON "SmartLaunchState"("expiresAt");

-- CreateIndex
CREATE INDEX "SmartSignInTicket_expiresAt_idx" ON "SmartSignInTicket"("expiresAt");
