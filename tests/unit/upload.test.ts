import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { ASSESSMENT_COLUMNS, parseAssessmentRow, validateHeaders } from "@/lib/validation/assessment-row";
import { fhirFilesProblem, MAX_FHIR_FILES, MAX_UPLOAD_BYTES, spreadsheetFileProblem, spreadsheetUploadFieldsSchema } from "@/lib/validation/upload";
import { buildAssessmentTemplateCsv, buildProblemsCsv } from "@/lib/validation/upload-csv";

const csv = (name: string, size = 100, type = "text/csv") => ({ name, size, type });

describe("spreadsheetFileProblem", () => {
  it("accepts a CSV however the browser labels it", () => {
    for (const type of ["text/csv", "application/vnd.ms-excel", "", "text/plain"]) expect(spreadsheetFileProblem(csv("visits.CSV", 100, type))).toBeNull();
  });
  it("sends a workbook back to be saved as CSV", () => {
    expect(spreadsheetFileProblem(csv("visits.xlsx", 100, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))).toMatch(/Save as… CSV UTF-8/);
  });
  it("refuses other files, naming them", () => {
    expect(spreadsheetFileProblem(csv("scan.pdf", 100, "application/pdf"))).toMatch(/"scan.pdf" is not a CSV file/);
    expect(spreadsheetFileProblem(csv("visits.csv", 100, "image/png"))).toMatch(/not a CSV file/);
  });
  it("allows exactly the size limit and refuses one byte more, or an empty file", () => {
    expect(spreadsheetFileProblem(csv("a.csv", MAX_UPLOAD_BYTES))).toBeNull();
    expect(spreadsheetFileProblem(csv("a.csv", MAX_UPLOAD_BYTES + 1))).toMatch(/the limit is 50.0 MB per upload.*npm run cli -- import/);
    expect(spreadsheetFileProblem(csv("a.csv", 0))).toMatch(/"a.csv" is empty/);
  });
});

describe("fhirFilesProblem", () => {
  it("accepts Bundles and NDJSON", () => {
    expect(fhirFilesProblem([csv("a.json", 10, "application/json"), csv("Observation.ndjson", 10, "")])).toBeNull();
  });
  it("refuses no files, too many, other types and too much in all", () => {
    expect(fhirFilesProblem([])).toMatch(/Choose one or more/);
    expect(fhirFilesProblem(Array.from({ length: MAX_FHIR_FILES + 1 }, (_, i) => csv(`${i}.json`, 1, "application/json")))).toMatch(/at most 100/);
    expect(fhirFilesProblem([csv("a.xml", 10, "application/xml")])).toMatch(/"a.xml" is not a FHIR JSON or NDJSON file/);
    expect(fhirFilesProblem([csv("a.json", MAX_UPLOAD_BYTES, ""), csv("b.json", 1, "")])).toMatch(/These 2 files are .* import-fhir/);
  });
});

describe("upload fields", () => {
  it("needs a preview before an import", () => {
    expect(spreadsheetUploadFieldsSchema.safeParse({ mode: "import" }).success).toBe(false);
    expect(spreadsheetUploadFieldsSchema.parse({ mode: "import", previewJobId: "j1", skipInvalid: "true" })).toEqual({ mode: "import", previewJobId: "j1", skipInvalid: true });
    expect(spreadsheetUploadFieldsSchema.parse({ mode: "preview" }).skipInvalid).toBe(false);
    expect(spreadsheetUploadFieldsSchema.safeParse({ mode: "delete" }).success).toBe(false);
  });
});

describe("assessment template", () => {
  const records = parse(buildAssessmentTemplateCsv()) as string[][];
  it("has the columns of docs/design.md#assessment-spreadsheet-csv-import in order, then example visits the importer accepts", () => {
    expect(records[0]).toEqual([...ASSESSMENT_COLUMNS]);
    expect(validateHeaders(records[0]!)).toEqual([]);
    expect(records.length).toBe(3);
    for (const cells of records.slice(1)) {
      const record = Object.fromEntries(records[0]!.map((h, i) => [h, cells[i]]));
      expect(parseAssessmentRow(record)).toMatchObject({ ok: true });
    }
  });
});

describe("problems CSV", () => {
  it("lists errors then warnings and neutralises formulas", () => {
    const text = buildProblemsCsv({
      errors: [{ row: 3, column: "grip_strength_kg", message: '=HYPERLINK("http://evil.example")' }],
      warnings: [{ row: 4, column: "medications", message: "kept as free text, \"x\"" }],
    });
    const rows = parse(text) as string[][];
    expect(rows).toEqual([
      ["severity", "row", "column", "message"],
      ["error", "3", "grip_strength_kg", `'=HYPERLINK("http://evil.example")`],
      ["warning", "4", "medications", 'kept as free text, "x"'],
    ]);
  });
});
