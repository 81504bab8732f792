import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSmallCount, suppressSmallCells, type AdditiveRelation, type Suppression } from "@/lib/domain/suppression";

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

  it("adds a second complement when the first is exactly 5 and would pin the small cell", () => {
    // a + b = 6, a in 1..4, b ≥ 5: a = 1. Withholding c as well leaves a open.
    expect(marksOf([1, 5, 30])).toEqual({ a: "small", b: "complementary", c: "complementary" });
  });

  it("withholds the total when no published cell can complement", () => {
    // a + b = 8 with each in 1..4: both are 4.
    expect(marksOf([4, 4])).toEqual({ a: "small", b: "small", t: "complementary" });
  });

  it("needs nothing more when the total is itself small", () => {
    expect(marksOf([3, 0, 0])).toEqual({ a: "small", t: "small" });
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
