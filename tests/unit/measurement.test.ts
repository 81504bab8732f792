import { describe, expect, it } from "vitest";
import { measurementSchema } from "@/lib/validation/measurement";
import { checkPlausibility, PLAUSIBLE_RANGES } from "@/lib/domain/plausibility";
import { MEASURE_KINDS } from "@/lib/domain/types";

describe("measurementSchema (forms and API)", () => {
  it("coerces FormData strings and converts to the canonical unit, keeping what was entered", () => {
    const result = measurementSchema.parse({ kind: "grip_strength", value: "52", unit: "lb", observedAt: "2026-10-01" });
    expect(result.value).toBeCloseTo(23.587, 3);
    expect(result).toMatchObject({ isUnable: false, reportedValue: "52", reportedUnit: "lb", observedAt: new Date("2026-10-01T00:00:00Z") });
  });

  it("accepts numbers, ISO date-times and the mass method", () => {
    const result = measurementSchema.parse({ kind: "asm", value: 17.9, unit: "kg", observedAt: "2026-10-01T09:30:00Z", method: "dxa" });
    expect(result).toMatchObject({ value: 17.9, method: "dxa", observedAt: new Date("2026-10-01T09:30:00Z") });
  });

  it("accepts 'unable' for the chair stand", () => {
    expect(measurementSchema.parse({ kind: "chair_stand_5x", value: "unable", unit: "s", observedAt: "2026-10-01" })).toMatchObject({
      value: null,
      isUnable: true,
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["decimal comma", { kind: "grip_strength", value: "12,5", unit: "kg", observedAt: "2026-10-01" }, "value"],
    ["exponent", { kind: "grip_strength", value: "1e309", unit: "kg", observedAt: "2026-10-01" }, "value"],
    ["Infinity as a number", { kind: "grip_strength", value: Number.POSITIVE_INFINITY, unit: "kg", observedAt: "2026-10-01" }, "value"],
    ["empty value", { kind: "grip_strength", value: "", unit: "kg", observedAt: "2026-10-01" }, "value"],
    ["implausible lb grip", { kind: "grip_strength", value: "400", unit: "lb", observedAt: "2026-10-01" }, "value"],
    ["wrong unit", { kind: "grip_strength", value: "20", unit: "lbs", observedAt: "2026-10-01" }, "value"],
    ["impossible date", { kind: "grip_strength", value: "20", unit: "kg", observedAt: "2023-02-30" }, "observedAt"],
    ["unknown kind", { kind: "bmi", value: "20", unit: "kg", observedAt: "2026-10-01" }, "kind"],
    ["method on a non-mass kind", { kind: "grip_strength", value: "20", unit: "kg", observedAt: "2026-10-01", method: "dxa" }, "method"],
    ["'unable' for a lab", { kind: "b12_total", value: "unable", unit: "pmol/L", observedAt: "2026-10-01" }, "value"],
  ])("rejects %s (on %s)", (_label, input, path) => {
    const result = measurementSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(path);
    expect(result.error?.issues[0]?.message.length).toBeGreaterThan(10);
  });
});

describe("plausibility limits (canonical values)", () => {
  it.each(MEASURE_KINDS.map((kind) => [kind] as const))("%s: limits accepted, just outside rejected", (kind) => {
    const { min, max } = PLAUSIBLE_RANGES[kind];
    expect(checkPlausibility(kind, min)).toBeNull();
    expect(checkPlausibility(kind, max)).toBeNull();
    expect(checkPlausibility(kind, min - 0.001)).not.toBeNull();
    expect(checkPlausibility(kind, max + 0.001)).not.toBeNull();
  });
});
