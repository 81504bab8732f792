import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/thresholds";
import { asmIndexPoints, b12MedicationMarks, buildTrend, cutOffLines, gripNormBands, measurePoints, timeDomain, valueDomain, type TrendObservation } from "@/lib/domain/trends";
import { day } from "./helpers";

const o = (kind: TrendObservation["kind"], value: number | null, date: string, extra: Partial<TrendObservation> = {}): TrendObservation => ({
  kind, value, isUnable: value === null, observedAt: day(date), ...extra,
});

describe("ASM / height² pairing", () => {
  it("pairs each ASM with the latest height at or before it, never a later one", () => {
    const { points, unpaired } = asmIndexPoints([
      o("height", 160, "2025-01-10"),
      o("asm", 15.36, "2025-01-10", { method: "dxa" }), // same day: 15.36 / 1.6² = 6.0
      o("height", 150, "2025-06-01"),
      o("asm", 13.5, "2025-09-01", { method: "bia" }), // 13.5 / 1.5² = 6.0 (the June height)
      o("height", 200, "2025-12-01"), // after every ASM: never used
    ]);
    expect(unpaired).toBe(0);
    expect(points.map((p) => [p.date, Number(p.value!.toFixed(4))])).toEqual([["2025-01-10", 6], ["2025-09-01", 6]]);
    expect(points[1]!.note).toContain("BIA");
    expect(points[1]!.note).toContain("height 150 cm on 2025-06-01");
  });

  it("leaves out (and counts) an ASM with no earlier height", () => {
    const result = asmIndexPoints([o("asm", 18, "2024-01-01"), o("height", 170, "2024-02-01"), o("asm", 17.34, "2024-03-01")]);
    expect(result.unpaired).toBe(1);
    expect(result.points).toHaveLength(1);
    expect(result.points[0]!.value).toBeCloseTo(6.0, 6);
    const series = buildTrend("asmi", { observations: [o("asm", 18, "2024-01-01")], medications: [], sex: "female", birthDate: day("1950-01-01"), thresholds: DEFAULT_THRESHOLDS });
    expect(series.points).toHaveLength(0);
    expect(series.notes.join(" ")).toMatch(/1 ASM result has no height/);
  });
});

describe("series building", () => {
  it("sorts one kind's results by time and keeps 'unable' as a point without a value", () => {
    const points = measurePoints(
      [o("chair_stand_5x", 14, "2025-05-01"), o("grip_strength", 20, "2025-01-01"), o("chair_stand_5x", null, "2025-01-01"), o("chair_stand_5x", 16.5, "2025-03-01")],
      "chair_stand_5x",
    );
    expect(points.map((p) => [p.date, p.value, p.isUnable])).toEqual([["2025-01-01", null, true], ["2025-03-01", 16.5, false], ["2025-05-01", 14, false]]);
    expect(points[0]!.note).toBe("unable to complete");
  });

  it("notes the value as reported when the unit differs (B12 in pg/mL, grip in lb)", () => {
    const [b12] = measurePoints([o("b12_total", 184.5, "2025-01-01", { reportedValue: "250", reportedUnit: "pg/mL" })], "b12_total");
    expect(b12!.note).toBe("reported 250 pg/mL");
    const [grip] = measurePoints([o("grip_strength", 20, "2025-01-01", { reportedValue: "20", reportedUnit: "kg" })], "grip_strength");
    expect(grip!.note).toBeNull();
  });

  it("draws the guideline lines for the patient's sex, merging lines at the same value", () => {
    expect(cutOffLines("grip_strength", "male", DEFAULT_THRESHOLDS).map((l) => l.label)).toEqual(["EWGSOP2 < 27 kg", "AWGS 2019 < 28 kg", "SDOC < 35.5 kg"]);
    expect(cutOffLines("grip_strength", "female", DEFAULT_THRESHOLDS).map((l) => l.value)).toEqual([16, 18, 20]);
    expect(cutOffLines("grip_strength", "unknown", DEFAULT_THRESHOLDS)).toEqual([]);
    expect(cutOffLines("gait_speed", "unknown", DEFAULT_THRESHOLDS).map((l) => l.label)).toEqual(["EWGSOP2 ≤ 0.8 m/s · SDOC < 0.8 m/s", "AWGS 2019 < 1 m/s"]);
    expect(cutOffLines("chair_stand_5x", "female", DEFAULT_THRESHOLDS).map((l) => l.label)).toEqual(["AWGS 2019 ≥ 12 s", "EWGSOP2 > 15 s"]);
    expect(cutOffLines("asmi", "female", DEFAULT_THRESHOLDS).map((l) => l.label)).toEqual(["AWGS 2019 DXA < 5.4 kg/m²", "EWGSOP2 < 5.5 kg/m²", "AWGS 2019 BIA < 5.7 kg/m²"]);
    expect(cutOffLines("asmi", "male", DEFAULT_THRESHOLDS).map((l) => l.label)).toEqual(["EWGSOP2 < 7 kg/m² · AWGS 2019 < 7 kg/m²"]);
    expect(cutOffLines("b12_total", "female", DEFAULT_THRESHOLDS).map((l) => l.value)).toEqual([133, 258]);
    const custom = { ...DEFAULT_THRESHOLDS, ewgsop2: { ...DEFAULT_THRESHOLDS.ewgsop2, gripKg: { male: 30, female: 16 } } };
    expect(cutOffLines("grip_strength", "male", custom).map((l) => l.label)).toEqual(["AWGS 2019 < 28 kg", "EWGSOP2 < 30 kg", "SDOC < 35.5 kg"]);
  });

  it("splits the SOEP band where the patient moves into the next age band", () => {
    const birth = day("1956-06-15");
    const bands = gripNormBands(birth, "female", [day("2025-01-01").getTime(), day("2026-12-31").getTime()]);
    expect(bands.map((b) => [b.ageBand, new Date(b.x1).toISOString().slice(0, 10), new Date(b.x2).toISOString().slice(0, 10), b.y1, b.y2])).toEqual([
      ["65–69", "2025-01-01", "2026-06-15", 22.4, 32.8],
      ["70–74", "2026-06-15", "2026-12-31", 21.1, 30.9],
    ]);
    expect(gripNormBands(birth, "unknown", [day("2025-01-01").getTime(), day("2026-01-01").getTime()])).toEqual([]);
  });

  it("marks the start and stop of B12-lowering medicines and B12 replacement only, in time order", () => {
    const domain: [number, number] = [day("2024-01-01").getTime(), day("2026-01-01").getTime()];
    const marks = b12MedicationMarks(
      [
        { name: "Glucophage", catalogueId: "metformin", startedOn: day("2024-03-01"), stoppedOn: day("2025-03-01") },
        { name: "atorvastatin", catalogueId: "atorvastatin", startedOn: day("2024-04-01"), stoppedOn: null },
        { name: "hydroxocobalamin", catalogueId: "hydroxocobalamin", startedOn: day("2025-04-01"), stoppedOn: null },
        { name: "something", catalogueId: null, startedOn: day("2024-05-01"), stoppedOn: null },
        { name: "omeprazole", catalogueId: "omeprazole", startedOn: day("2019-01-01"), stoppedOn: null },
      ],
      domain,
    );
    expect(marks.map((m) => [m.date, m.label, m.isInRange])).toEqual([
      ["2019-01-01", "omeprazole (B12-lowering) started", false],
      ["2024-03-01", "metformin (B12-lowering) started", true],
      ["2025-03-01", "metformin (B12-lowering) stopped", true],
      ["2025-04-01", "hydroxocobalamin (B12 replacement) started", true],
    ]);
  });

  it("pads the time range so a single result is not on the edge, and the value range holds every line", () => {
    const single = timeDomain([{ t: day("2025-01-01").getTime(), date: "2025-01-01", value: 1, isUnable: false, note: null }])!;
    expect(single[1] - single[0]).toBe(60 * 86_400_000);
    expect(timeDomain([])).toBeNull();
    const { domain: [lo, hi], ticks } = valueDomain([22, 27, 35.5, 18]);
    expect(lo).toBeLessThanOrEqual(18);
    expect(hi).toBeGreaterThanOrEqual(35.5);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(ticks[0]).toBe(lo);
    expect(ticks.at(-1)).toBe(hi);
    // A near-flat series keeps a readable span instead of magnifying noise.
    const flat = valueDomain([6.97, 7.0]);
    expect(flat.domain[1] - flat.domain[0]).toBeGreaterThanOrEqual(7 * 0.25);
    expect(valueDomain([0.833, 0.8, 1.0]).domain[0]).toBeGreaterThanOrEqual(0);
  });

  it("builds the grip trend with lines, the normative band and its citation", () => {
    const series = buildTrend("grip_strength", {
      observations: [o("grip_strength", 24, "2025-05-01"), o("grip_strength", 22, "2026-05-01")],
      medications: [],
      sex: "male",
      birthDate: day("1945-02-01"),
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(series.points.map((p) => p.value)).toEqual([24, 22]);
    expect(series.cutOffs).toHaveLength(3);
    expect(series.bands.map((b) => b.ageBand)).toEqual(["80–90"]);
    expect(series.notes.join(" ")).toContain("Steiber N, PLoS ONE 2016;11(10):e0163917, CC BY 4.0");
    expect(series.notes.join(" ")).toMatch(/hydraulic and spring dynamometers/i);
    expect(series.yDomain[0]).toBeLessThanOrEqual(22);
    expect(series.yDomain[1]).toBeGreaterThanOrEqual(40.7);
  });
});
