import { describe, expect, it } from "vitest";
import { measureCells } from "@/lib/domain/csv-export";
import { cutOffsFor, displayMeasure, displayText, displayValue, type DisplayQuantity } from "@/lib/domain/display-precision";
import { compare } from "@/lib/domain/reasons";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/thresholds";
import { toCanonical } from "@/lib/domain/units";
import { evaluate, history, NOW, obs, withThresholds } from "./helpers";

/** The precision each export column prints at (docs/design.md#cohort-export-csv). */
const DECIMALS: [DisplayQuantity, number][] = [
  ["grip_strength", 1],
  ["gait_speed", 2],
  ["chair_stand_5x", 1],
  ["asm", 1],
  ["asmi", 2],
  ["asm_bmi", 3],
  ["b12_total", 1],
  ["mma", 2],
];

describe("a printed value is never on the other side of a cut-off from the value that produced the label", () => {
  it("a grip of 26.99 kg is printed 26.99, not 27, beside EWGSOP2 'probable' (men < 27 kg)", () => {
    const h = history({ sex: "male", observations: [obs("grip_strength", 26.99)] });
    expect(evaluate(h).ewgsop2.category).toBe("probable");
    expect(measureCells(h.observations, NOW).grip_strength_kg).toBe(26.99);
  });

  it("a grip of 59.5 lb (26.989 kg) is printed 26.99 kg beside 'probable'", () => {
    const kg = toCanonical("grip_strength", 59.5, "lb");
    const h = history({ sex: "male", observations: [obs("grip_strength", kg, undefined, { reportedValue: "59.5", reportedUnit: "lb" })] });
    expect(evaluate(h).ewgsop2.category).toBe("probable");
    expect(measureCells(h.observations, NOW).grip_strength_kg).toBe(26.99);
  });

  it("an ASM/height² of 5.495 kg/m² is printed 5.495, not 5.5, beside EWGSOP2 'confirmed' (women < 5.5)", () => {
    // 21.98 kg at 200 cm: 5.495 kg/m².
    const h = history({ sex: "female", observations: [obs("grip_strength", 10), obs("asm", 21.98), obs("height", 200)] });
    expect(evaluate(h).ewgsop2.category).toBe("confirmed");
    expect(measureCells(h.observations, NOW).asmi_kg_m2).toBe(5.495);
  });

  it.each(DECIMALS.map(([q, d]) => [q, d] as const))("%s: at, just below and just above every cut-off, printed on the value's side", (quantity, decimals) => {
    const cutOffs = cutOffsFor(quantity, DEFAULT_THRESHOLDS);
    expect(cutOffs.length).toBeGreaterThan(0);
    const step = 10 ** -decimals;
    for (const cut of cutOffs) {
      for (const offset of [0, -0.4, -0.5, -0.6, -0.04, -0.001, 0.001, 0.04, 0.4, 0.5, 0.6, -1e-9, 1e-9]) {
        const value = cut.value + offset * step;
        const printed = displayMeasure(quantity, value, decimals, DEFAULT_THRESHOLDS);
        for (const other of cutOffs) {
          expect(compare(printed, other.comparison, other.value), `${quantity} ${value} printed ${printed} vs ${other.comparison} ${other.value}`).toBe(
            compare(value, other.comparison, other.value),
          );
        }
        expect(Math.abs(printed - value)).toBeLessThanOrEqual(step / 2 + 1e-12);
      }
      expect(displayMeasure(quantity, cut.value, decimals, DEFAULT_THRESHOLDS)).toBe(cut.value);
    }
  });

  it.each<[string, DisplayQuantity, number, number, number]>([
    ["grip just below 27, far enough to round below", "grip_strength", 26.94, 1, 26.9],
    ["grip just below 27, rounding to 27", "grip_strength", 26.96, 1, 26.96],
    ["grip at 27", "grip_strength", 27, 1, 27],
    ["grip just above 27", "grip_strength", 27.04, 1, 27],
    ["grip just above 27, rounding up", "grip_strength", 27.06, 1, 27.1],
    ["gait just above ≤ 0.8 (EWGSOP2)", "gait_speed", 0.804, 2, 0.804],
    ["gait just below < 0.8 (SDOC)", "gait_speed", 0.7996, 2, 0.7996],
    ["MMA just above > 0.45", "mma", 0.4504, 2, 0.4504],
    ["MMA just above ≤ 0.27", "mma", 0.2704, 2, 0.2704],
    ["B12 just below < 133 pmol/L", "b12_total", 132.96, 1, 132.96],
    ["chair stand just below ≥ 12 s (AWGS 2019)", "chair_stand_5x", 11.96, 1, 11.96],
    ["chair stand just above > 15 s (EWGSOP2)", "chair_stand_5x", 15.04, 1, 15.04],
  ])("%s: %s %s → %s", (_label, quantity, value, decimals, expected) => {
    expect(displayMeasure(quantity, value, decimals, DEFAULT_THRESHOLDS)).toBe(expected);
  });

  it("SARC-F, a whole-number score, prints as it always did", () => {
    expect(cutOffsFor("sarc_f", DEFAULT_THRESHOLDS)).toEqual([]);
    for (const score of [0, 3, 4, 10]) expect(displayMeasure("sarc_f", score, 0, DEFAULT_THRESHOLDS)).toBe(score);
  });

  it("far from every cut-off it prints what plain rounding printed", () => {
    for (const [quantity, decimals] of DECIMALS) {
      for (const value of [0.123456, 3.14159, 22.2222, 44.4444, 99.99]) {
        const plain = Number(value.toFixed(decimals));
        const near = cutOffsFor(quantity, DEFAULT_THRESHOLDS).some((c) => Math.abs(c.value - value) <= 10 ** -decimals);
        if (!near) expect(displayMeasure(quantity, value, decimals, DEFAULT_THRESHOLDS)).toBe(plain);
      }
    }
  });

  it("within 10⁻⁴ of a cut-off beyond the extra decimals, it rounds toward the value's side", () => {
    const cutOffs = [{ value: 27, comparison: "<" as const }];
    expect(displayValue(26.9999999, 1, cutOffs)).toBe(26.99999);
    expect(displayValue(27.0000001, 1, [{ value: 27, comparison: "<=" as const }])).toBe(27.00001);
    expect(displayValue(Number.NaN, 1, cutOffs)).toBeNaN();
  });

  it("uses the clinic's cut-offs when given", () => {
    const t = withThresholds((v) => void (v.ewgsop2.gripKg.male = 30));
    expect(measureCells([obs("grip_strength", 29.98)], NOW).grip_strength_kg).toBe(30);
    expect(measureCells([obs("grip_strength", 29.98)], NOW, t).grip_strength_kg).toBe(29.98);
  });
});

describe("the panel table's cells (displayText): the column's decimals, more only where a cut-off needs them", () => {
  it("a grip of 26.99 kg prints 26.99 beside 'probable' (men < 27 kg), where the panel printed 27.0", () => {
    const h = history({ sex: "male", observations: [obs("grip_strength", 26.99)] });
    expect(evaluate(h).ewgsop2.category).toBe("probable");
    expect(displayText("grip_strength", 26.99, 1, DEFAULT_THRESHOLDS)).toBe("26.99");
    expect((26.99).toFixed(1)).toBe("27.0"); // what the panel printed before
  });

  it("just above the cut-off, 27.01 kg prints 27.0 beside 'none': rounding stays on the value's side", () => {
    const h = history({ sex: "male", observations: [obs("grip_strength", 27.01)] });
    expect(evaluate(h).ewgsop2.category).toBe("none");
    expect(displayText("grip_strength", 27.01, 1, DEFAULT_THRESHOLDS)).toBe("27.0");
    expect(displayText("grip_strength", 27, 1, DEFAULT_THRESHOLDS)).toBe("27.0");
  });

  it("keeps the column's decimals far from a cut-off, for gait speed and B12 too", () => {
    expect(displayText("grip_strength", 25, 1, DEFAULT_THRESHOLDS)).toBe("25.0");
    expect(displayText("grip_strength", 31.26, 1, DEFAULT_THRESHOLDS)).toBe("31.3");
    expect(displayText("gait_speed", 1.1, 2, DEFAULT_THRESHOLDS)).toBe("1.10");
    expect(displayText("b12_total", 250.4, 0, DEFAULT_THRESHOLDS)).toBe("250");
  });

  it("follows the clinic's cut-offs", () => {
    const t = withThresholds((v) => void (v.ewgsop2.gripKg.male = 30));
    expect(displayText("grip_strength", 29.98, 1, DEFAULT_THRESHOLDS)).toBe("30.0");
    expect(displayText("grip_strength", 29.98, 1, t)).toBe("29.98");
  });
});
