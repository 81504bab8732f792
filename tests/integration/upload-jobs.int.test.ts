import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../support/fixtures";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { importAssessments } from "@/lib/data/import/assessments";
import { importFhir } from "@/lib/data/import/fhir";
import { assertConfirmsPreview, listRecentImports, uploadSha256, type UploadedFile } from "@/lib/data/import/upload-preview";
import { buildAssessmentTemplateCsv } from "@/lib/validation/upload-csv";
import { PREVIEW_VALID_HOURS } from "@/lib/validation/upload";

/**
 * The upload page's glue (lib/data/import/upload-preview.ts) against the importers' own ImportJob records:
 * the sha256 it computes is the one they store, and "import" is allowed only for a clean, recent
 * preview of the same bytes by the same user in the same clinic.
 */
const SAMPLE: UploadedFile = { name: "sample-assessments.csv", content: readFileSync(fixturePath("contract", "sample-assessments.csv")) };
const SYNTHEA: UploadedFile[] = ["Andy_Schaden_d630c6ca-046c-470a-8f3a-4dbc3850e7ae.json", "Loma_Johns_0f30cacb-3348-4baf-8946-cd2175a750b3.json"].map((name) => ({
  name,
  content: readFileSync(fixturePath("synthea", name)),
}));

let t: TestDatabase;
let clinic: TestClinic;
let other: TestClinic;

beforeAll(async () => {
  t = await createTestDatabase();
  clinic = await createTestClinic(t.db, { slug: "upload", patients: 3 });
  other = await createTestClinic(t.db, { slug: "elsewhere", patients: 3, seed: 9 });
}, 120_000);

afterAll(async () => {
  await t?.drop();
});

const patientCount = () => t.db.patient.count({ where: { clinicId: clinic.clinicId } });

describe("upload jobs", () => {
  it("computes the sha256 the spreadsheet and FHIR importers record", async () => {
    const csv = await importAssessments(t.db, clinic.actors.clinician, SAMPLE, { now: TEST_NOW, dryRun: true });
    const fhir = await importFhir(t.db, clinic.actors.clinician, SYNTHEA, { now: TEST_NOW, dryRun: true });
    const jobs = await t.db.importJob.findMany({ where: { id: { in: [csv.importJobId, fhir.importJobId] } }, select: { id: true, fileSha256: true } });
    const sha = new Map(jobs.map((j) => [j.id, j.fileSha256]));
    expect(uploadSha256("csv", [SAMPLE])).toBe(sha.get(csv.importJobId));
    expect(uploadSha256("fhir", SYNTHEA)).toBe(sha.get(fhir.importJobId));
    expect(uploadSha256("fhir", [...SYNTHEA].reverse())).not.toBe(sha.get(fhir.importJobId));
  });

  it("confirms a clean preview of the same file, by the same user, and nothing else", async () => {
    const actor = clinic.actors.clinician;
    const before = await patientCount();
    const preview = await importAssessments(t.db, actor, SAMPLE, { now: TEST_NOW, dryRun: true });
    expect(preview.created.patients).toBe(6);
    expect(await patientCount()).toBe(before);
    const sha256 = uploadSha256("csv", [SAMPLE]);
    const confirm = (overrides: Partial<Parameters<typeof assertConfirmsPreview>[2]>, who = actor) =>
      assertConfirmsPreview(t.db, who, { previewJobId: preview.importJobId, format: "csv", sha256, now: TEST_NOW, ...overrides });

    await expect(confirm({})).resolves.toBeUndefined();
    const edited = uploadSha256("csv", [{ name: SAMPLE.name, content: Buffer.concat([SAMPLE.content, Buffer.from("\n")]) }]);
    await expect(confirm({ sha256: edited })).rejects.toMatchObject({ code: "conflict", message: expect.stringMatching(/not the one you previewed/) });
    await expect(confirm({}, clinic.actors.admin)).rejects.toMatchObject({ code: "not_found" });
    await expect(confirm({}, other.actors.clinician)).rejects.toMatchObject({ code: "not_found" });
    await expect(confirm({ format: "fhir" })).rejects.toMatchObject({ code: "not_found" });
    await expect(confirm({ previewJobId: "no-such-job" })).rejects.toMatchObject({ code: "not_found" });
    // The preview's startedAt is the wall clock; measure its age from there.
    const job = await t.db.importJob.findUniqueOrThrow({ where: { id: preview.importJobId }, select: { startedAt: true } });
    await expect(confirm({ now: new Date(job.startedAt.getTime() + (PREVIEW_VALID_HOURS + 1) * 3_600_000) })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/more than 24 hours old/),
    });

    // A real import's own job is not a preview.
    const real = await importAssessments(t.db, actor, SAMPLE, { now: TEST_NOW });
    expect(await patientCount()).toBe(before + 6);
    await expect(confirm({ previewJobId: real.importJobId })).rejects.toMatchObject({ code: "not_found" });
  });

  it("refuses to confirm a preview whose problems stopped it", async () => {
    const bad: UploadedFile = { name: "bad.csv", content: Buffer.from("mrn,grip_strength_kg,assessed_on\nNEW-1,250,2026-10-01\n") };
    const preview = await importAssessments(t.db, clinic.actors.clinician, bad, { now: TEST_NOW, dryRun: true });
    expect(preview.blocked).toBe(true);
    await expect(
      assertConfirmsPreview(t.db, clinic.actors.clinician, { previewJobId: preview.importJobId, format: "csv", sha256: uploadSha256("csv", [bad]), now: TEST_NOW }),
    ).rejects.toMatchObject({ code: "conflict", message: expect.stringMatching(/found problems/) });
  });

  it("hands out a template that imports without a problem", async () => {
    const template = { name: "assessment-template.csv", content: Buffer.from(buildAssessmentTemplateCsv()) };
    const preview = await importAssessments(t.db, clinic.actors.clinician, template, { now: TEST_NOW, dryRun: true });
    expect(preview).toMatchObject({ blocked: false, rowsTotal: 2, rowsValid: 2, errors: [], created: { patients: 2 } });
    expect(preview.created.observations).toBeGreaterThan(10);
    // metformin and omeprazole, and prednisolone recorded as stopped (medications_stopped; not otherwise on record).
    expect(preview.created.medications).toBe(3);
  });

  it("lists only the clinic's own imports, newest first", async () => {
    await importAssessments(t.db, other.actors.clinician, SAMPLE, { now: TEST_NOW, dryRun: true });
    const ours = await listRecentImports(t.db, clinic.actors.clinician, { limit: 100 });
    const theirs = await listRecentImports(t.db, other.actors.clinician, { limit: 100 });
    expect(ours.length).toBeGreaterThanOrEqual(5);
    expect(theirs).toHaveLength(1);
    expect(new Set(ours.map((j) => j.id)).has(theirs[0]!.id)).toBe(false);
    expect(ours.map((j) => j.startedAt.getTime())).toEqual([...ours.map((j) => j.startedAt.getTime())].sort((a, b) => b - a));
    expect((await listRecentImports(t.db, clinic.actors.clinician, { format: "fhir" })).every((j) => j.format === "fhir")).toBe(true);
  });
});
