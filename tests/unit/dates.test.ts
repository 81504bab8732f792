import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ageInYears, bornBeforeForAge, parseIsoDate, toIsoDate } from "@/lib/domain/dates";

const day = (iso: string): Date => parseIsoDate(iso) ?? (() => { throw new Error(`bad date ${iso}`); })();

describe("ageInYears and bornBeforeForAge agree (the panel's age filter and the age it shows)", () => {
  // Evaluated late in the UTC day, when most time zones west of Greenwich are still on the 5th.
  const at = new Date("2026-12-06T23:30:00Z");

  it.each([
    ["born 80 years ago yesterday", "1946-12-05", 80],
    ["born 80 years ago today", "1946-12-06", 80],
    ["turns 80 tomorrow", "1946-12-07", 79],
  ])("%s → %i", (_label, birth, age) => {
    expect(ageInYears(day(birth), at)).toBe(age);
    expect(day(birth) < bornBeforeForAge(80, at)).toBe(age >= 80);
  });

  it("the cut-off is midnight UTC after the latest qualifying birthday", () => {
    expect(bornBeforeForAge(80, at).toISOString()).toBe("1946-12-07T00:00:00.000Z");
    expect(bornBeforeForAge(0, new Date("2026-12-31T12:00:00Z")).toISOString()).toBe("2027-01-01T00:00:00.000Z");
  });

  it("a 29 February birthday is reached on 1 March in a common year and on 29 February in a leap year", () => {
    const birth = day("1944-02-29");
    expect(ageInYears(birth, day("2027-02-28"))).toBe(82);
    expect(birth < bornBeforeForAge(83, day("2027-02-28"))).toBe(false);
    expect(ageInYears(birth, day("2027-03-01"))).toBe(83);
    expect(birth < bornBeforeForAge(83, day("2027-03-01"))).toBe(true);
    expect(ageInYears(birth, day("2028-02-29"))).toBe(84);
    expect(birth < bornBeforeForAge(84, day("2028-02-29"))).toBe(true);
    // Evaluated on 29 February, someone born on 28 February of a common year has had a birthday.
    expect(ageInYears(day("2027-02-28"), day("2028-02-29"))).toBe(1);
    expect(day("2027-02-28") < bornBeforeForAge(1, day("2028-02-29"))).toBe(true);
  });

  it("agree for any birth date, evaluation instant and age", () => {
    const instant = (min: string, max: string) => fc.date({ min: new Date(min), max: new Date(max), noInvalidDate: true });
    fc.assert(
      fc.property(instant("1900-01-01", "2030-12-31"), instant("1950-01-01", "2080-12-31"), fc.integer({ min: 0, max: 120 }), (bornAt, at, age) => {
        const birth = new Date(Date.UTC(bornAt.getUTCFullYear(), bornAt.getUTCMonth(), bornAt.getUTCDate()));
        expect(birth < bornBeforeForAge(age, at)).toBe(ageInYears(birth, at) >= age);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe("toIsoDate", () => {
  it("is toISOString's first ten characters for every instant, also at the ends of days and odd years", () => {
    // From year -271821 to +275760: the whole range of Date, so the padded and signed years are drawn too.
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        const date = new Date(ms);
        expect(toIsoDate(date)).toBe(date.toISOString().slice(0, 10));
      }),
      { numRuns: 20_000 },
    );
    for (const iso of ["0999-12-31T23:59:59.999Z", "1000-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z", "+010000-01-01T00:00:00.000Z", "-000001-06-15T12:00:00.000Z", "2024-02-29T23:59:59.999Z", "1970-01-01T00:00:00.000Z"]) {
      const date = new Date(iso);
      expect(toIsoDate(date), iso).toBe(iso.slice(0, 10));
    }
  });

  it("throws for an invalid date, as toISOString does", () => {
    expect(() => toIsoDate(new Date(Number.NaN))).toThrow(RangeError);
  });
});
