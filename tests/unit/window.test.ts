import { describe, expect, it } from "vitest";
import { addMonthsUtc, ageInYears, parseIsoDate } from "@/lib/domain/dates";
import type { ObservationInput } from "@/lib/domain/types";
import { day, evaluate, history, med, NOW, obs } from "./helpers";

const ewgsop2 = (observations: ObservationInput[], now = NOW) => evaluate(history({ observations }), { now }).ewgsop2.category;

describe("look-back window (12 months before now, inclusive)", () => {
  it.each<[string, string, string]>([
    ["exactly 12 months before now", "2025-11-21", "probable"],
    ["12 months and a day before now", "2025-11-20", "insufficient_data"],
    ["at now", "2026-11-21", "probable"],
    ["a day after now (ignored)", "2026-11-22", "insufficient_data"],
  ])("a low grip %s (%s) → %s", (_label, date, expected) => {
    expect(ewgsop2([obs("grip_strength", 10, day(date))])).toBe(expected);
  });

  it("an observation one millisecond after now is ignored", () => {
    expect(ewgsop2([obs("grip_strength", 10, new Date(NOW.getTime() + 1))])).toBe("insufficient_data");
  });

  it("uses the latest value: a newer normal grip supersedes an older low one", () => {
    expect(ewgsop2([obs("grip_strength", 10, day("2026-03-01")), obs("grip_strength", 30, day("2026-09-01"))])).toBe("none");
    expect(ewgsop2([obs("grip_strength", 30, day("2026-03-01")), obs("grip_strength", 10, day("2026-09-01"))])).toBe("probable");
  });

  it("orders results by date whatever order they are listed in; on the same date the one listed last wins", () => {
    const older = obs("grip_strength", 10, day("2026-03-01"));
    const newer = obs("grip_strength", 30, day("2026-09-01"));
    expect(ewgsop2([newer, older])).toBe("none");
    expect(ewgsop2([older, newer])).toBe("none");
    const sameDayLow = obs("grip_strength", 10, day("2026-09-01"));
    expect(ewgsop2([older, newer, sameDayLow])).toBe("probable");
    expect(ewgsop2([sameDayLow, older, newer])).toBe("none");
    expect(ewgsop2([newer, older, sameDayLow])).toBe("probable");
  });

  it("a later observation after now does not hide the current one", () => {
    expect(ewgsop2([obs("grip_strength", 10, day("2026-09-01")), obs("grip_strength", 30, day("2027-01-01"))])).toBe("probable");
  });

  it("re-evaluating at a past date gives the answer of that date", () => {
    const observations = [obs("grip_strength", 30, day("2025-01-01")), obs("grip_strength", 10, day("2026-09-01"))];
    expect(ewgsop2(observations, day("2025-06-01"))).toBe("none");
    expect(ewgsop2(observations, NOW)).toBe("probable");
  });

  it("B12 in the window: exactly 12 months counts, a day more does not", () => {
    expect(evaluate(history({ observations: [obs("b12_total", 400, day("2025-11-21"))] })).b12.status).toBe("adequate");
    expect(evaluate(history({ observations: [obs("b12_total", 400, day("2025-11-20"))] })).b12.status).toBe("not_tested");
  });

  it("ASM/height² uses the height at or before the scan, not a later one", () => {
    const observations = [
      obs("grip_strength", 10),
      obs("height", 200, day("2026-05-01")),
      obs("asm", 21, day("2026-06-01")),
      obs("height", 150, day("2026-10-01")),
    ];
    expect(evaluate(history({ sex: "male", observations })).ewgsop2.category).toBe("confirmed");
  });

  it("ASM/height² falls back to the latest height in the window", () => {
    const observations = [obs("grip_strength", 10), obs("asm", 21, day("2026-06-01")), obs("height", 200, day("2026-10-01"))];
    expect(evaluate(history({ sex: "male", observations })).ewgsop2.category).toBe("confirmed");
  });

  it("'unable' without a value is ignored for kinds where it is not a result", () => {
    expect(ewgsop2([obs("grip_strength", "unable")])).toBe("insufficient_data");
  });
});

describe("medications current at now", () => {
  it.each<[string, Partial<Parameters<typeof med>[1]>, boolean]>([
    ["no dates", {}, true],
    ["started before now", { startedOn: day("2020-01-01") }, true],
    ["started at now", { startedOn: NOW }, true],
    ["starts after now", { startedOn: day("2026-11-22") }, false],
    ["stopped before now", { stoppedOn: day("2026-11-20") }, false],
    ["stopped at now (the stop date is the first day without it)", { stoppedOn: NOW }, false],
    ["stops after now", { stoppedOn: day("2026-12-01") }, true],
  ])("%s → current %s", (_label, dates, expected) => {
    const e = evaluate(history({ medications: [med("omeprazole", dates)] }));
    expect(e.medicines.b12Lowering.includes("omeprazole")).toBe(expected);
  });

  it("lists catalogue generic names by role, sorted and de-duplicated", () => {
    const e = evaluate(
      history({ medications: [med("omeprazole"), med("metformin"), med("metformin"), med("atorvastatin"), med("cyanocobalamin")] }),
    );
    expect(e.medicines).toEqual({ b12Lowering: ["metformin", "omeprazole"], muscleOrFalls: ["atorvastatin"], b12Replacement: ["cyanocobalamin"] });
  });

  it("ignores an unknown catalogue id", () => {
    expect(evaluate(history({ medications: [med("not_a_medicine")] })).medicines.b12Lowering).toEqual([]);
  });
});

describe("dates (UTC)", () => {
  it.each<[string, string, number]>([
    ["1961-11-21", "2026-11-21", 65],
    ["1961-11-22", "2026-11-21", 64],
    ["1960-02-29", "2025-02-28", 64],
    ["1960-02-29", "2025-03-01", 65],
  ])("born %s, on %s → %s years", (birth, at, expected) => {
    expect(ageInYears(day(birth), day(at))).toBe(expected);
  });

  it.each<[string, number, string]>([
    ["2024-02-29", -12, "2023-02-28"],
    ["2026-03-31", -1, "2026-02-28"],
    ["2026-11-21", -12, "2025-11-21"],
    ["2026-01-31", 1, "2026-02-28"],
  ])("%s %+d months → %s", (from, months, expected) => {
    expect(addMonthsUtc(day(from), months).toISOString().slice(0, 10)).toBe(expected);
  });

  it.each(["2023-02-30", "2023-13-01", "2023-1-01", "20230101", "2024-02-30"])("rejects %s", (text) => {
    expect(parseIsoDate(text)).toBeNull();
  });

  it("accepts 29 February in a leap year", () => {
    expect(parseIsoDate("2024-02-29")?.toISOString()).toBe("2024-02-29T00:00:00.000Z");
  });
});
