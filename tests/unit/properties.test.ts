import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifySerumB12 } from "@/lib/domain/b12";
import { MEDICINE_CATALOGUE } from "@/lib/domain/medicine-catalogue";
import { UNABLE_IS_RESULT } from "@/lib/domain/measures";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/thresholds";
import {
  CONDITION_CODES,
  FLAG_CODES,
  MEASURE_KINDS,
  type Awgs2019Category,
  type Ewgsop2Category,
  type MedicationInput,
  type ObservationInput,
  type PatientHistory,
} from "@/lib/domain/types";
import { PG_ML_PER_PMOL_L } from "@/lib/domain/units";
import { PLAUSIBLE_RANGES } from "@/lib/domain/plausibility";
import { evaluate, NOW, obs } from "./helpers";

const EWGSOP2_SEVERITY: Record<Ewgsop2Category, number> = { insufficient_data: -1, none: 0, probable: 1, confirmed: 2, severe: 3 };
const AWGS_SEVERITY: Record<Awgs2019Category, number> = { insufficient_data: -1, none: 0, possible: 1, sarcopenia: 2, severe: 3 };

const DAY = 86_400_000;
const dateAround = fc.integer({ min: -3 * 365, max: 30 }).map((offset) => new Date(NOW.getTime() + offset * DAY));

const observationArb: fc.Arbitrary<ObservationInput> = fc
  .constantFrom(...MEASURE_KINDS)
  .chain((kind) => {
    const { min, max, isInteger } = PLAUSIBLE_RANGES[kind];
    const value = isInteger ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true });
    return fc.record({
      kind: fc.constant(kind),
      value,
      isUnable: UNABLE_IS_RESULT[kind] ? fc.boolean() : fc.constant(false),
      observedAt: dateAround,
      method: kind === "asm" ? fc.constantFrom("dxa" as const, "bia" as const, null) : fc.constant(undefined),
    });
  })
  .map(({ method, isUnable, value, ...rest }) => ({
    ...rest,
    isUnable,
    value: isUnable ? null : value,
    ...(method === undefined ? {} : { method }),
  }));

const medicationArb: fc.Arbitrary<MedicationInput> = fc.record({
  name: fc.string(),
  catalogueId: fc.option(fc.constantFrom(...MEDICINE_CATALOGUE.map((e) => e.id), "unknown_id")),
  startedOn: fc.option(dateAround),
  stoppedOn: fc.option(dateAround),
});

const historyArb: fc.Arbitrary<PatientHistory> = fc.record({
  birthDate: fc.integer({ min: 1920, max: 2000 }).map((year) => new Date(Date.UTC(year, 5, 15))),
  sex: fc.constantFrom("female" as const, "male" as const, "unknown" as const),
  diet: fc.constantFrom("omnivore" as const, "vegetarian" as const, "vegan" as const, null),
  conditions: fc.subarray([...CONDITION_CODES]),
  observations: fc.array(observationArb, { maxLength: 25 }),
  medications: fc.array(medicationArb, { maxLength: 5 }),
});

describe("properties", () => {
  it("evaluatePatient never throws and returns a well-formed, serialisable result for plausible histories", () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const e = evaluate(h);
        expect(JSON.parse(JSON.stringify(e))).toEqual(e);
        const codes = e.flags.map((f) => f.code);
        expect(codes).toEqual([...codes].sort());
        expect(new Set(codes).size).toBe(codes.length);
        for (const code of codes) expect(FLAG_CODES).toContain(code);
        expect(["high", "elevated", "low", "unassessed"]).toContain(e.tier);
        expect(e.tierReasons.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });

  it("lowering grip strength never improves the EWGSOP2 or AWGS category", () => {
    const gripPair = fc
      .tuple(fc.double({ min: 0, max: 150, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
      .map(([grip, fraction]) => [grip, grip * fraction] as const);
    fc.assert(
      fc.property(historyArb, gripPair, dateAround, (h, [higher, lower], at) => {
        const others = h.observations.filter((o) => o.kind !== "grip_strength");
        const sex = h.sex === "unknown" ? "female" : h.sex;
        const withGrip = (grip: number) => evaluate({ ...h, sex, observations: [...others, obs("grip_strength", grip, at)] });
        const before = withGrip(higher);
        const after = withGrip(lower);
        expect(EWGSOP2_SEVERITY[after.ewgsop2.category]).toBeGreaterThanOrEqual(EWGSOP2_SEVERITY[before.ewgsop2.category]);
        expect(AWGS_SEVERITY[after.awgs2019.category]).toBeGreaterThanOrEqual(AWGS_SEVERITY[before.awgs2019.category]);
      }),
      { numRuns: 300 },
    );
  });

  // Labs report B12 as whole numbers; a value converted to the other unit is reported rounded.
  // The source's pmol/L and ng/L edges are each rounded from the other, so this is the
  // property that holds: the same specimen gets the same status in either unit.
  it("converting a B12 result between units (as a lab reports it) never changes its status", () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 3000 }), (pmol) => {
        const ngL = Math.round(pmol * PG_ML_PER_PMOL_L);
        expect(classifySerumB12(ngL, "ng/L", DEFAULT_THRESHOLDS).band).toBe(classifySerumB12(pmol, "pmol/L", DEFAULT_THRESHOLDS).band);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 4000 }), (ngL) => {
        const pmol = Math.round(ngL / PG_ML_PER_PMOL_L);
        expect(classifySerumB12(pmol, "pmol/L", DEFAULT_THRESHOLDS).band).toBe(classifySerumB12(ngL, "pg/mL", DEFAULT_THRESHOLDS).band);
      }),
      { numRuns: 1000 },
    );
  });

  it("every integer lab value near the band edges keeps its status across units (exhaustive)", () => {
    for (let pmol = 100; pmol <= 300; pmol += 1) {
      const ngL = Math.round(pmol * PG_ML_PER_PMOL_L);
      expect(classifySerumB12(ngL, "ng/L", DEFAULT_THRESHOLDS).band).toBe(classifySerumB12(pmol, "pmol/L", DEFAULT_THRESHOLDS).band);
    }
    for (let ngL = 150; ngL <= 400; ngL += 1) {
      const pmol = Math.round(ngL / PG_ML_PER_PMOL_L);
      expect(classifySerumB12(pmol, "pmol/L", DEFAULT_THRESHOLDS).band).toBe(classifySerumB12(ngL, "ng/L", DEFAULT_THRESHOLDS).band);
    }
  });

  it("the B12 status of a patient does not depend on whether the lab reported ng/L or pg/mL", () => {
    fc.assert(
      fc.property(fc.double({ min: 10, max: 3000, noNaN: true }), (value) => {
        const asUnit = (unit: string) =>
          evaluate({
            birthDate: new Date("1950-01-01T00:00:00Z"),
            sex: "female",
            diet: null,
            conditions: [],
            medications: [],
            observations: [obs("b12_total", value / PG_ML_PER_PMOL_L, undefined, { reportedValue: String(value), reportedUnit: unit })],
          }).b12.status;
        expect(asUnit("ng/L")).toBe(asUnit("pg/mL"));
      }),
    );
  });
});
