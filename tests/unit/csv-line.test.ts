import { stringify } from "csv-stringify/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvLine, type CsvCell } from "@/lib/domain/csv-export";

/** Text that exercises quoting: separators, quotes, line ends, formula starts, non-ASCII. */
const text = fc.string({ unit: fc.constantFrom("a", "Z", " ", ",", '"', "\n", "\r", "\t", "=", "-", "+", "@", "'", ";", "é", "中", "1", ".") });
const cell: fc.Arbitrary<CsvCell> = fc.oneof(text, fc.double(), fc.integer(), fc.constant(null), fc.constant(""), fc.constant(0), fc.constant(-0));

describe("csvLine", () => {
  it("writes what csv-stringify writes for one record", () => {
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 30 }), (cells) => {
        expect(csvLine(cells)).toBe(stringify([cells]));
      }),
      { numRuns: 2000 },
    );
  });

  it("quotes only cells that need it", () => {
    expect(csvLine(["a", 1.5, null, "", 'say "hi"', "x,y", "two\nlines", "cr\r", "unable"])).toBe('a,1.5,,,"say ""hi""","x,y","two\nlines","cr\r",unable\n');
  });
});
