import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSmallCount, readerRanges, suppressSmallCells, type AdditiveRelation, type Suppression } from "@/lib/domain/suppression";

/** A row of cells a, b, c… adding up to the total "t". */
function row(values: number[]): { counts: Map<string, number>; relations: AdditiveRelation[] } {
  const ids = values.map((_, i) => String.fromCharCode(97 + i));
  const counts = new Map<string, number>(ids.map((id, i) => [id, values[i]!]));
  counts.set("t", values.reduce((a, b) => a + b, 0));
  return { counts, relations: [{ total: "t", members: ids }] };
}

function marksOf(values: number[]): Record<string, Suppression> {
  const { counts, relations } = row(values);
  return Object.fromEntries(suppressSmallCells(counts, relations));
}

describe("primary suppression (threshold rule: 1–4 shown as <5)", () => {
  it.each([
    [0, false],
    [1, true],
    [4, true],
    [5, false],
    [6, false],
  ])("count %i is small: %s", (count, expected) => {
    expect(isSmallCount(count)).toBe(expected);
    const marks = suppressSmallCells(new Map([["x", count]]), []);
    expect(marks.get("x")).toBe(expected ? "small" : undefined);
  });
});

describe("secondary (complementary) suppression", () => {
  it("withholds the smallest other non-zero cell when a row total would give the small cell away", () => {
    expect(marksOf([3, 10, 20])).toEqual({ a: "small", b: "complementary" });
  });

  it("never picks a zero as the complement", () => {
    expect(marksOf([3, 0, 20])).toEqual({ a: "small", c: "complementary" });
  });

  it("leaves two small cells alone when their sum still leaves each one open", () => {
    // a + b = 5 with each in 1..4: a is 1, 2, 3 or 4.
    expect(marksOf([2, 3, 40])).toEqual({ a: "small", b: "small" });
  });

  it("adds a complement when two small cells would be pinned by their sum", () => {
    // a + b = 2 with each at least 1: both are exactly 1.
    expect(marksOf([1, 1, 40])).toEqual({ a: "small", b: "small", c: "complementary" });
  });

  it("withholds a larger cell at once when the smallest, being exactly 5, would still pin the small cell", () => {
    // Withholding b alone: a + b = 6, a in 1..4, b ≥ 5 gives a = 1, and c would be needed too.
    // Withholding c alone: a + c = 31, c ≥ 5 leaves a anything from 1 to 4 — one cell of 30 instead of two of 35.
    expect(marksOf([1, 5, 30])).toEqual({ a: "small", c: "complementary" });
  });

  it("withholds the total when no published cell can complement", () => {
    // a + b = 8 with each in 1..4: both are 4.
    expect(marksOf([4, 4])).toEqual({ a: "small", b: "small", t: "complementary" });
  });

  it("needs nothing more when the total is itself small", () => {
    expect(marksOf([3, 0, 0])).toEqual({ a: "small", t: "small" });
  });

  it("refuses to publish when a pinned relation has nothing left to withhold", () => {
    // Four cells of 1 and their total of 4: each "<5", yet Σ ≥ 4 and total ≤ 4 leave only 1 each.
    expect(() => marksOf([1, 1, 1, 1])).toThrow(/cannot protect relation with total "t"/);
  });

  it("carries a withheld total into the other tables that share it", () => {
    const counts = new Map([["a", 4], ["b", 4], ["t", 8], ["x", 2], ["y", 6]]);
    const relations = [
      { total: "t", members: ["a", "b"] },
      { total: "t", members: ["x", "y"] },
    ];
    const marks = Object.fromEntries(suppressSmallCells(counts, relations));
    // t is withheld for the first row; the second row then shows y alone beside a withheld t and a
    // small x — x + y = t with t ≥ 5 leaves x open, so nothing more is needed.
    expect(marks).toEqual({ a: "small", b: "small", t: "complementary", x: "small" });
  });

  it("never leaves a suppressed cell recoverable from its row (exhaustive check of small rows)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }), (values) => {
        const { counts } = row(values);
        const marks = marksOf(values);
        const ids = [...counts.keys()];
        const total = counts.get("t")!;
        // Every assignment a reader cannot rule out: published cells exact, "<5" cells 1..4, "*" cells ≥ 5.
        const range = (id: string): number[] => {
          const mark = marks[id];
          if (mark === "small") return [1, 2, 3, 4];
          if (mark === "complementary") return Array.from({ length: 4 * total + 10 }, (_, i) => i + 5);
          return [counts.get(id)!];
        };
        const possible = new Map<string, Set<number>>(ids.map((id) => [id, new Set()]));
        const members = ids.filter((id) => id !== "t");
        const walk = (i: number, chosen: number[]): void => {
          if (i === members.length) {
            const sum = chosen.reduce((a, b) => a + b, 0);
            if (!range("t").includes(sum)) return;
            members.forEach((id, k) => possible.get(id)!.add(chosen[k]!));
            possible.get("t")!.add(sum);
            return;
          }
          for (const v of range(members[i]!)) if (v <= 4 * total + 14) walk(i + 1, [...chosen, v]);
        };
        walk(0, []);
        for (const id of Object.keys(marks)) expect(possible.get(id)!.size, `${id} in ${JSON.stringify(values)}`).toBeGreaterThan(1);
      }),
      { numRuns: 300 },
    );
  });
});

/** total t = none + the patients in the union of the other rows (m, p…; a patient may be in several). */
function overlapping(values: { t: number; none: number } & Record<string, number>): Record<string, Suppression> {
  const counts = new Map(Object.entries(values));
  const rows = Object.keys(values).filter((id) => id !== "t" && id !== "none");
  return Object.fromEntries(suppressSmallCells(counts, [{ total: "t", members: ["none"], overlapping: rows }]));
}

describe("overlapping rows (a patient may be counted in two of them)", () => {
  it("protects a lone non-zero row, which equals the union", () => {
    // 43 − 40 = 3 patients in m or p; p is 0, so m is 3.
    expect(overlapping({ t: 43, none: 40, m: 3, p: 0 })).toEqual({ m: "small", none: "complementary" });
  });

  it("checks rows nobody is in twice as a plain sum, which a reader may assume", () => {
    // The tables say only that p is 3 or 4 (the union of 13 less m's 10, at most); guessing that
    // nobody takes both gives 53 − 40 − 10 = 3, and the guess would be right.
    expect(overlapping({ t: 53, none: 40, m: 10, p: 3 })).toEqual({ p: "small", m: "complementary" });
  });

  it("needs no complement when the overlap leaves the small row open", () => {
    // The 3 in p are all in m as well: the union is 10, so p is anything from 1 to 4 (not 50 − 40 − 10 = 0).
    expect(overlapping({ t: 50, none: 40, m: 10, p: 3 })).toEqual({ p: "small" });
  });

  it("protects rows that a union of one patient pins to 1", () => {
    // One patient in both rows: 41 − 40 = 1 in the union, so m ≤ 1 and p ≤ 1.
    expect(overlapping({ t: 41, none: 40, m: 1, p: 1 })).toEqual({ m: "small", p: "small", none: "complementary" });
  });

  it("publishes when only a guess of no overlap would pin cells and nothing is left to withhold", () => {
    // All "<5": if nobody were in two rows, t ≥ 1 + 1 + 1 + 1 would make t = 4; a reader cannot know
    // that, and knows only t ≥ none + max(rows) = 2.
    expect(overlapping({ t: 4, none: 1, m: 1, p: 1, h: 1 })).toEqual({ t: "small", none: "small", m: "small", p: "small", h: "small" });
  });

  it("still refuses to publish what the tables alone would pin", () => {
    // t = a + b + c + |m|, all "<5": t ≥ 1 + 1 + 1 + 1 whatever the overlap, so t = 4 and each is 1.
    const counts = new Map([["t", 4], ["a", 1], ["b", 1], ["c", 1], ["m", 1]]);
    expect(() => suppressSmallCells(counts, [{ total: "t", members: ["a", "b", "c"], overlapping: ["m"] }])).toThrow(/cannot protect relation with total "t"/);
  });

  it("protects a small union as it would a small cell", () => {
    // One of 3 patients in both rows: m = p = 2 stay open (1–3), but 43 − 40 = 3 would say how many take either.
    expect(overlapping({ t: 43, none: 40, m: 2, p: 2 })).toEqual({ m: "small", p: "small", none: "complementary" });
  });
});

/** Every value each cell of a row (and its total "t") can take given what is published: published cells exact, "<5" 1..4, "*" ≥ 5. */
function possibleValues(values: number[], marks: Record<string, Suppression>): Map<string, Set<number>> {
  const { counts } = row(values);
  const total = counts.get("t")!;
  const ceiling = 4 * total + 14;
  const range = (id: string): number[] => {
    const mark = marks[id];
    if (mark === "small") return [1, 2, 3, 4];
    if (mark === "complementary") return Array.from({ length: ceiling - 4 }, (_, i) => i + 5);
    return [counts.get(id)!];
  };
  const ids = [...counts.keys()];
  const members = ids.filter((id) => id !== "t");
  const possible = new Map<string, Set<number>>(ids.map((id) => [id, new Set()]));
  const walk = (i: number, chosen: number[]): void => {
    const sum = chosen.reduce((a, b) => a + b, 0);
    if (sum > ceiling) return;
    if (i === members.length) {
      if (!range("t").includes(sum)) return;
      members.forEach((id, k) => possible.get(id)!.add(chosen[k]!));
      possible.get("t")!.add(sum);
      return;
    }
    for (const v of range(members[i]!)) walk(i + 1, [...chosen, v]);
  };
  walk(0, []);
  return possible;
}

describe("the range a reader can already work out for a withheld cell", () => {
  it("is the total less the published cells, less what the small cell may be", () => {
    // 566 women, 430 men and 4 of unknown sex: the men's total must go (4 = 1000 − 566 − 430), but
    // the table still says they are 1000 − 566 − (1 to 4).
    const { counts, relations } = row([566, 430, 4]);
    const marks = suppressSmallCells(counts, relations);
    expect(Object.fromEntries(marks)).toEqual({ b: "complementary", c: "small" });
    expect(Object.fromEntries(readerRanges(counts, marks, relations))).toEqual({ b: { lo: 430, hi: 433 }, c: { lo: 1, hi: 4 } });
  });

  it("bounds a withheld total by the small cells it adds up", () => {
    const counts = new Map([["a", 4], ["b", 4], ["t", 8]]);
    const relations = [{ total: "t", members: ["a", "b"] }];
    const marks = suppressSmallCells(counts, relations);
    expect(readerRanges(counts, marks, relations).get("t")).toEqual({ lo: 5, hi: 8 });
  });

  it("never tells a reader more than the published row does (exhaustive check of small rows)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }), (values) => {
        const { counts, relations } = row(values);
        const marks = suppressSmallCells(counts, relations);
        const possible = possibleValues(values, Object.fromEntries(marks));
        for (const [id, range] of readerRanges(counts, marks, relations)) {
          // Every value the row leaves open lies in the range, and the range holds more than one.
          for (const v of possible.get(id)!) expect(v >= range.lo && v <= range.hi, `${id} = ${v} outside ${range.lo}–${range.hi} in ${JSON.stringify(values)}`).toBe(true);
          expect(range.hi).toBeGreaterThan(range.lo);
        }
      }),
      { numRuns: 300 },
    );
  });
});
