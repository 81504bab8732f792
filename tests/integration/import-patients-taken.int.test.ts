import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { createTestClinic, TEST_NOW, type TestClinic } from "../support/clinic-factory";
import { readSpreadsheet, spreadsheetPatients } from "@/lib/data/import/read-csv";
import type { IncomingPatient } from "@/lib/data/import/plan";

/** The next patient taken, or null when there are no more. */
function nextOf(patients: Iterator<IncomingPatient>): IncomingPatient | null {
  const result = patients.next();
  return result.done ? null : result.value;
}

const HEADER = "mrn,family_name,given_name,birth_date,sex,assessed_on,grip_strength_kg";

/**
 * The spreadsheet's patients are made one by one as the import asks for them, and each MRN's
 * parsed rows leave the reading as its patient is made (so an import does not hold the file twice:
 * docs/benchmarks.md, eleventh session).
 */
describe("a spreadsheet's patients, taken", () => {
  let t: TestDatabase;
  let clinic: TestClinic;
  beforeAll(async () => {
    t = await createTestDatabase();
    clinic = await createTestClinic(t.db, { slug: "taken", patients: 0 });
  });
  afterAll(async () => t?.drop());

  it("are counted up front, made in file order, let go of the reading's rows, and can be taken once", async () => {
    const csv = [
      HEADER,
      "T-1,Doe,Jo,1950-01-01,female,2026-01-01,20",
      "T-2,Roe,Al,1948-05-05,male,2026-01-02,31",
      "T-1,,,,,2026-02-01,19",
      // Stopped by its own problem (no demographics for a new MRN): not counted, not taken.
      "T-3,,,,,2026-01-03,25",
    ].join("\n");
    const reading = await readSpreadsheet(t.db, clinic.clinicId, csv, TEST_NOW);
    expect(reading.patients.size).toBe(3);

    const patients = spreadsheetPatients(reading, "00000000-0000-4000-8000-000000000000");
    expect({ count: patients.count, rows: patients.rows }).toEqual({ count: 2, rows: 3 });
    // The stopped MRN's rows are let go at once.
    expect([...reading.patients.keys()].sort()).toEqual(["T-1", "T-2"]);

    const taken = patients.take()[Symbol.iterator]();
    const first = nextOf(taken);
    expect(first).toMatchObject({ mrn: "T-1", rows: [2, 4], size: 2 });
    expect(first?.observations.map((o) => o.sourceRef)).toEqual(["import:00000000-0000-4000-8000-000000000000:row:2", "import:00000000-0000-4000-8000-000000000000:row:4"]);
    // T-1's parsed rows have left the reading; T-2's are still there until it is made.
    expect([...reading.patients.keys()]).toEqual(["T-2"]);
    expect(nextOf(taken)).toMatchObject({ mrn: "T-2", rows: [3], size: 1 });
    expect(nextOf(taken)).toBeNull();
    expect(reading.patients.size).toBe(0);

    expect(() => patients.take()).toThrow(/taken once/);
  });
});

/**
 * The rows are parsed again from their bytes when their patients are made (read-csv.ts
 * `rereadVisits`): every row must come back as the row it was, whatever the line breaks, quoting,
 * blank lines and the 64 kB slices the file is first read in.
 */
describe("a spreadsheet's rows, read again", () => {
  let t: TestDatabase;
  let clinic: TestClinic;
  beforeAll(async () => {
    t = await createTestDatabase();
    clinic = await createTestClinic(t.db, { slug: "reread", patients: 0 });
  });
  afterAll(async () => t?.drop());

  /** 3,001 visits of 300 patients, interleaved, with a BOM, quoted names, blank lines, and the first patient's last visit on the last line, with no line break after it. */
  function interleavedFile(lineBreak: string): { csv: string; expected: Map<string, { row: number; grip: number }[]> } {
    const lines = [HEADER];
    const expected = new Map<string, { row: number; grip: number }[]>();
    for (let i = 0; i <= 3_000; i += 1) {
      if (i % 97 === 0) lines.push("");
      const mrn = `R-${i % 300}`;
      const grip = 10 + (i % 37) + 0.5;
      const day = new Date(Date.UTC(2015, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
      lines.push(`${mrn},"Doe, ""${i % 300}""",Jo,1950-01-01,female,${day},${grip}`);
      expected.set(mrn, [...(expected.get(mrn) ?? []), { row: lines.length, grip }]);
    }
    return { csv: `\uFEFF${lines.join(lineBreak)}`, expected };
  }

  it.each([
    ["CRLF", "\r\n"],
    ["LF", "\n"],
    ["CR", "\r"],
  ])("come back as they were (%s line breaks)", async (_name, lineBreak) => {
    const { csv, expected } = interleavedFile(lineBreak);
    expect(Buffer.byteLength(csv)).toBeGreaterThan(2 * 64 * 1024);
    const reading = await readSpreadsheet(t.db, clinic.clinicId, csv, TEST_NOW);
    expect(reading.errors).toEqual([]);
    const got = new Map<string, { row: number; grip: number }[]>();
    for (const patient of spreadsheetPatients(reading, "00000000-0000-4000-8000-000000000000").take()) {
      expect(patient.demographics?.familyName).toBe(`Doe, "${patient.mrn.slice(2)}"`);
      got.set(patient.mrn, patient.observations.map((o) => ({ row: o.row!, grip: o.value.value! })));
    }
    expect(got).toEqual(expected);
  });

  it("stop the import when a row no longer reads as it did", async () => {
    const reading = await readSpreadsheet(t.db, clinic.clinicId, [HEADER, "S-1,Doe,Jo,1950-01-01,female,2026-01-01,20"].join("\n"), TEST_NOW);
    // The bytes change under the reading: the MRN S-1 becomes S-2.
    reading.file.bytes[reading.file.bytes.indexOf("S-1") + 2] = "2".charCodeAt(0);
    const taken = spreadsheetPatients(reading, "00000000-0000-4000-8000-000000000000").take();
    expect(() => [...taken]).toThrow(/Row 2 of the spreadsheet did not read again as it did at first \(MRN S-1\)/);
  });
});
