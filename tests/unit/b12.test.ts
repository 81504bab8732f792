import { describe, expect, it } from "vitest";
import { classifyHolotc, classifyMma, classifySerumB12, type SerumB12Unit } from "@/lib/domain/b12";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/thresholds";
import type { B12Status, ObservationInput } from "@/lib/domain/types";
import { toCanonical } from "@/lib/domain/units";
import { day, evaluate, history, med, obs } from "./helpers";

/** A serum B12 as an importer stores it: canonical pmol/L plus the lab's value and unit. */
function serum(value: number, unit: SerumB12Unit, observedAt = day("2026-10-01")): ObservationInput {
  return obs("b12_total", toCanonical("b12_total", value, unit), observedAt, { reportedValue: String(value), reportedUnit: unit });
}

const b12 = (observations: ObservationInput[]) => evaluate(history({ observations })).b12;

describe("serum total B12 bands (NICE NG239), each unit against its own edges", () => {
  const table: [number, SerumB12Unit, B12Status][] = [
    [132.9, "pmol/L", "deficient"],
    [133, "pmol/L", "indeterminate"],
    [133.1, "pmol/L", "indeterminate"],
    [257.9, "pmol/L", "indeterminate"],
    [258, "pmol/L", "indeterminate"],
    [258.1, "pmol/L", "adequate"],
    [179.9, "ng/L", "deficient"],
    [180, "ng/L", "indeterminate"],
    [180.1, "ng/L", "indeterminate"],
    [349.9, "ng/L", "indeterminate"],
    [350, "ng/L", "indeterminate"],
    [350.1, "ng/L", "adequate"],
    [179.9, "pg/mL", "deficient"],
    [180, "pg/mL", "indeterminate"],
    [180.1, "pg/mL", "indeterminate"],
    [349.9, "pg/mL", "indeterminate"],
    [350, "pg/mL", "indeterminate"],
    [350.1, "pg/mL", "adequate"],
  ];
  it.each(table)("%s %s → %s (classifier)", (value, unit, expected) => {
    expect(classifySerumB12(value, unit, DEFAULT_THRESHOLDS).band).toBe(expected);
  });
  it.each(table)("%s %s → %s (evaluatePatient)", (value, unit, expected) => {
    expect(b12([serum(value, unit)]).status).toBe(expected);
  });

  it("180 ng/L is indeterminate although 180 × 0.738 = 132.8 < 133 pmol/L (docs/clinical-reference.md#b12-units)", () => {
    const observation = serum(180, "ng/L");
    expect(observation.value).toBeLessThan(133);
    expect(b12([observation]).status).toBe("indeterminate");
  });

  it.each<[number, B12Status]>([
    [132.9, "deficient"],
    [133, "indeterminate"],
    [258, "indeterminate"],
    [258.1, "adequate"],
  ])("without a reported unit the canonical %s pmol/L is compared in pmol/L → %s", (value, expected) => {
    expect(b12([obs("b12_total", value)]).status).toBe(expected);
  });

  it("reason sentences use the reported unit", () => {
    expect(b12([serum(160, "pg/mL")]).reasons[0]?.text).toBe("Serum B12 160 pg/mL < 180 pg/mL (NICE NG239) → deficiency likely");
    expect(b12([serum(240, "pmol/L")]).reasons[0]?.text).toBe("Serum B12 240 pmol/L is within 133–258 pmol/L (NICE NG239) → indeterminate");
  });
});

describe("active B12 (holotranscobalamin) bands", () => {
  it.each<[number, B12Status]>([
    [24.9, "deficient"],
    [25, "indeterminate"],
    [25.1, "indeterminate"],
    [69.9, "indeterminate"],
    [70, "indeterminate"],
    [70.1, "adequate"],
  ])("%s pmol/L alone → %s", (value, expected) => {
    expect(classifyHolotc(value, DEFAULT_THRESHOLDS).band).toBe(expected);
    expect(b12([obs("holotc", value)]).status).toBe(expected);
  });
});

describe("MMA resolves an indeterminate serum B12 (unconfirmed cut-offs 0.27 / 0.45 µmol/L)", () => {
  it.each<[number, B12Status]>([
    [0.269, "adequate"],
    [0.27, "adequate"],
    [0.271, "indeterminate"],
    [0.449, "indeterminate"],
    [0.45, "indeterminate"],
    [0.451, "deficient"],
  ])("MMA %s µmol/L → %s", (value, expected) => {
    expect(classifyMma(value, DEFAULT_THRESHOLDS).band).toBe(expected);
    expect(b12([serum(200, "pmol/L"), obs("mma", value)]).status).toBe(expected);
  });
});

describe("homocysteine > 15 µmol/L supports deficiency but never changes the status", () => {
  it.each<[number, boolean]>([
    [14.9, false],
    [15, false],
    [15.1, true],
  ])("homocysteine %s → supportive %s", (value, supportive) => {
    const result = b12([serum(200, "pmol/L"), obs("homocysteine", value)]);
    expect(result.status).toBe("indeterminate");
    expect(result.reasons.some((r) => r.code === "b12.homocysteine.met")).toBe(supportive);
  });
});

describe("B12 status rule", () => {
  it.each<[string, ObservationInput[], B12Status]>([
    ["nothing tested", [], "not_tested"],
    ["MMA alone is not a B12 result", [obs("mma", 0.9)], "not_tested"],
    ["MMA never overturns a clearly low serum value", [serum(100, "pmol/L"), obs("mma", 0.1)], "deficient"],
    ["MMA never overturns a clearly normal serum value", [serum(400, "pmol/L"), obs("mma", 0.9)], "adequate"],
    ["MMA before the indeterminate serum does not resolve it",
      [serum(200, "pmol/L", day("2026-10-01")), obs("mma", 0.9, day("2026-09-30"))], "indeterminate"],
    ["MMA later than the indeterminate serum resolves it",
      [serum(200, "pmol/L", day("2026-10-01")), obs("mma", 0.9, day("2026-10-20"))], "deficient"],
    ["active B12 at the same visit resolves an indeterminate serum (low)", [serum(200, "pmol/L"), obs("holotc", 20)], "deficient"],
    ["active B12 at the same visit resolves an indeterminate serum (high)", [serum(200, "pmol/L"), obs("holotc", 90)], "adequate"],
    ["indeterminate active B12 leaves it indeterminate", [serum(200, "pmol/L"), obs("holotc", 50)], "indeterminate"],
    ["a decisive MMA is preferred over active B12", [serum(200, "pmol/L"), obs("mma", 0.9), obs("holotc", 90)], "deficient"],
    ["serum comes first even when active B12 disagrees", [serum(100, "pmol/L"), obs("holotc", 90)], "deficient"],
    ["MMA resolves an indeterminate active B12 when there is no serum", [obs("holotc", 50), obs("mma", 0.2)], "adequate"],
    ["the latest serum result counts",
      [serum(100, "pmol/L", day("2026-05-01")), serum(400, "pmol/L", day("2026-10-01"))], "adequate"],
  ])("%s → %s", (_label, observations, expected) => {
    expect(b12(observations).status).toBe(expected);
  });

  it.each<[number, boolean]>([
    [59.9, true],
    [60, false],
    [60.1, false],
  ])("eGFR %s with an MMA on file → renal caveat %s", (egfr, expected) => {
    expect(b12([serum(200, "pmol/L"), obs("mma", 0.5), obs("egfr", egfr)]).renalCaveat).toBe(expected);
  });

  it("no renal caveat without an MMA", () => {
    expect(b12([serum(200, "pmol/L"), obs("egfr", 30)]).renalCaveat).toBe(false);
  });

  it.each<[string, ReturnType<typeof med>, boolean]>([
    ["current cyanocobalamin", med("cyanocobalamin"), true],
    ["hydroxocobalamin started before now", med("hydroxocobalamin", { startedOn: day("2026-01-01") }), true],
    ["B12 replacement stopped before now", med("cyanocobalamin", { stoppedOn: day("2026-11-01") }), false],
    ["B12 replacement starting after now", med("cyanocobalamin", { startedOn: day("2026-12-01") }), false],
    ["an unrelated medicine", med("metformin"), false],
  ])("on treatment: %s → %s", (_label, medication, expected) => {
    expect(evaluate(history({ medications: [medication] })).b12.onTreatment).toBe(expected);
  });

  it("nitrous oxide adds the 'B12 can look normal' caveat", () => {
    const result = evaluate(history({ observations: [serum(400, "pmol/L")], medications: [med("nitrous_oxide")] })).b12;
    expect(result.reasons.some((r) => r.code === "b12.nitrous_oxide")).toBe(true);
  });
});
