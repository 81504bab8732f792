import { describe, expect, it } from "vitest";
import { MEASURE_KINDS } from "@/lib/domain/types";
import { CANONICAL_UNIT, normaliseUnit, toCanonical, UnitError, UNITS_BY_KIND, walkTimeToSpeed } from "@/lib/domain/units";

describe("units", () => {
  it("every kind accepts its canonical unit first", () => {
    for (const kind of MEASURE_KINDS) expect(UNITS_BY_KIND[kind][0]).toBe(CANONICAL_UNIT[kind]);
  });

  it.each<[Parameters<typeof toCanonical>[0], number, string, number]>([
    ["grip_strength", 52, "lb", 23.58680324],
    ["grip_strength", 1, "lb", 0.45359237],
    ["grip_strength", 25, "kg", 25],
    ["weight", 100, "lb", 45.359237],
    ["b12_total", 1.355, "pg/mL", 1],
    ["b12_total", 180, "ng/L", 180 / 1.355],
    ["b12_total", 133, "pmol/L", 133],
    ["gait_speed", 5, "s/4m", 0.8],
    ["gait_speed", 4, "s/4m", 1],
    ["walk_400m", 6, "min", 360],
    ["height", 1.7, "m", 170],
    ["height", 10, "in", 25.4],
    ["mma", 450, "nmol/L", 0.45],
  ])("%s %s %s → %s canonical", (kind, value, unit, expected) => {
    expect(toCanonical(kind, value, unit)).toBeCloseTo(expected, 10);
  });

  it("units match case-insensitively and µ/u interchangeably", () => {
    expect(normaliseUnit("b12_total", "PG/ML")).toBe("pg/mL");
    expect(normaliseUnit("mma", "µmol/L")).toBe("umol/L");
    expect(normaliseUnit("mma", "\u03bcmol/l")).toBe("umol/L");
  });

  it.each<[Parameters<typeof toCanonical>[0], string]>([
    ["grip_strength", "lbs"],
    ["grip_strength", "N"],
    ["b12_total", "nmol/L"],
    ["sppb", "s"],
  ])("rejects %s in %s, never guessing", (kind, unit) => {
    expect(normaliseUnit(kind, unit)).toBeNull();
    expect(() => toCanonical(kind, 1, unit)).toThrow(UnitError);
  });

  it("walk time must be positive", () => {
    expect(walkTimeToSpeed(5.4)).toBeCloseTo(0.7407, 4);
    expect(() => walkTimeToSpeed(0)).toThrow(UnitError);
    expect(() => walkTimeToSpeed(-1)).toThrow(UnitError);
  });
});
