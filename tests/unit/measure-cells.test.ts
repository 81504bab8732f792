import { describe, expect, it } from "vitest";
import { measureCells, measuresUntil, storedMeasureCells, type CohortEvaluation, type MeasureCells } from "@/lib/domain/csv-export";
import { day, NOW, obs } from "./helpers";

const EMPTY: MeasureCells = {
  grip_strength_kg: null, gait_speed_m_s: null, chair_stand_5x_s: null, asm_kg: null, asmi_kg_m2: null, sarc_f_score: null, b12_pmol_l: null, mma_umol_l: null,
};

describe("measureCells", () => {
  it("is empty without results", () => {
    expect(measureCells([], NOW)).toEqual(EMPTY);
  });

  it("rounds each cell to the precision it is measured to", () => {
    const cells = measureCells(
      [obs("grip_strength", 15.04), obs("gait_speed", 0.805), obs("chair_stand_5x", 12.25), obs("sarc_f", 3.5), obs("b12_total", 118.0812), obs("mma", 0.4449)],
      NOW,
    );
    expect(cells).toMatchObject({ grip_strength_kg: 15, gait_speed_m_s: 0.81, chair_stand_5x_s: 12.3, sarc_f_score: 4, b12_pmol_l: 118.1, mma_umol_l: 0.44 });
  });

  it("prints an unable chair stand as 'unable', and ignores an unable gait (not a result)", () => {
    const cells = measureCells([obs("gait_speed", 0.9, day("2026-09-01")), obs("gait_speed", "unable"), obs("chair_stand_5x", "unable")], NOW);
    expect(cells.chair_stand_5x_s).toBe("unable");
    expect(cells.gait_speed_m_s).toBe(0.9);
  });

  it("gives ASMI only with a height: the one at or before the scan, else the latest", () => {
    const asm = obs("asm", 18.5, day("2026-09-15"), { method: "dxa" });
    expect(measureCells([asm], NOW)).toMatchObject({ asm_kg: 18.5, asmi_kg_m2: null });
    expect(measureCells([obs("height", 170, day("2026-09-01")), asm, obs("height", 150, day("2026-10-01"))], NOW).asmi_kg_m2).toBe(6.4);
    expect(measureCells([asm, obs("height", 150, day("2026-10-01"))], NOW).asmi_kg_m2).toBe(8.22);
  });

  it("takes the latest result on or before asOf whatever its age; of two at the same instant, the one listed last", () => {
    const at = day("2026-11-01");
    const list = [obs("grip_strength", 20, day("1990-01-01")), obs("grip_strength", 11.1, at), obs("grip_strength", 22.2, at), obs("grip_strength", 44.4, day("2026-12-10"))];
    expect(measureCells(list, NOW).grip_strength_kg).toBe(22.2);
    // On the boundary: a result observed exactly at asOf counts, one a millisecond later does not.
    expect(measureCells(list, at).grip_strength_kg).toBe(22.2);
    expect(measureCells(list, new Date(at.getTime() - 1)).grip_strength_kg).toBe(20);
    expect(measureCells(list, day("2026-12-10")).grip_strength_kg).toBe(44.4);
  });
});

describe("measuresUntil", () => {
  it("is the earliest export-kind observation strictly after the evaluation", () => {
    const list = [obs("grip_strength", 20, NOW), obs("mma", 0.3, day("2027-02-01")), obs("weight", 70, day("2026-12-01")), obs("height", 160, day("2027-01-01"))];
    // The result at the evaluation instant is already in the cells; weight is not an export kind.
    expect(measuresUntil(list, NOW)).toBe("2027-01-01T00:00:00.000Z");
    expect(measuresUntil(list, day("2027-01-01"))).toBe("2027-02-01T00:00:00.000Z");
    expect(measuresUntil(list, day("2027-02-01"))).toBeNull();
  });
});

describe("storedMeasureCells", () => {
  const cells: MeasureCells = { ...EMPTY, grip_strength_kg: 20 };
  const stored = (measuresUntilIso: string | null): CohortEvaluation => ({
    tier: "low", ewgsop2: { category: "none" }, awgs2019: { category: "none" }, b12: { status: "adequate", onTreatment: false }, flags: [],
    medicines: { b12Lowering: [] }, evaluatedAt: NOW.toISOString(), ruleSetVersion: 1, measures: cells, measuresUntil: measuresUntilIso,
  });

  it("holds from the evaluation up to, not including, measuresUntil", () => {
    const until = day("2026-12-10");
    expect(storedMeasureCells(stored(until.toISOString()), NOW)).toBe(cells);
    expect(storedMeasureCells(stored(until.toISOString()), new Date(until.getTime() - 1))).toBe(cells);
    expect(storedMeasureCells(stored(until.toISOString()), until)).toBeNull();
    expect(storedMeasureCells(stored(null), day("2030-01-01"))).toBe(cells);
    expect(storedMeasureCells(stored(null), new Date(NOW.getTime() - 1))).toBeNull();
  });

  it("is null for a snapshot without the cells and for a patient never evaluated", () => {
    const { measures: _measures, measuresUntil: _until, ...older } = stored(null);
    expect(storedMeasureCells(older, NOW)).toBeNull();
    expect(storedMeasureCells({ ...stored(null), measuresUntil: undefined }, NOW)).toBeNull();
    expect(storedMeasureCells(null, NOW)).toBeNull();
  });
});
