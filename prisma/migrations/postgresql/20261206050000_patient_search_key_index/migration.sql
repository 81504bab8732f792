-- CreateIndex
CREATE INDEX "Patient_clinicId_searchText_idx" ON "Patient"("clinicId", "searchText");
