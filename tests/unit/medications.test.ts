import { describe, expect, it } from "vitest";
import { currentMedicines, isCurrentMedication } from "@/lib/domain/medications";
import { day, evaluate, flagCodes, history, med, NOW, obs } from "./helpers";

const MS = 1;

describe("a current medicine honours its stop date (stoppedOn ≤ now is not current)", () => {
  it.each<[string, boolean, Date | null, Date | null]>([
    ["no dates", true, null, null],
    ["started before now", true, day("2020-01-01"), null],
    ["started exactly now", true, NOW, null],
    ["starts after now", false, new Date(NOW.getTime() + MS), null],
    ["stopped the day before", false, null, day("2026-11-20")],
    ["stopped exactly now", false, null, NOW],
    ["stops 1 ms after now", true, null, new Date(NOW.getTime() + MS)],
    ["stops next year", true, day("2020-01-01"), day("2027-01-01")],
    ["started and stopped on the same day, before now", false, day("2026-01-01"), day("2026-01-01")],
  ])("%s → current %s", (_label, expected, startedOn, stoppedOn) => {
    expect(isCurrentMedication({ startedOn, stoppedOn }, NOW)).toBe(expected);
  });

  it("currentMedicines leaves out a medicine stopped today", () => {
    expect(currentMedicines([med("metformin", { stoppedOn: NOW }), med("omeprazole")], NOW).map((c) => c.entry.id)).toEqual(["omeprazole"]);
  });
});

describe("stopped medicines no longer drive the rules", () => {
  const youngWithFinding = { birthDate: day("1976-01-01") };

  it("a B12 replacement stopped today no longer hides b12_test_due nor counts as on treatment", () => {
    const stopped = evaluate(history({ medications: [med("cyanocobalamin", { stoppedOn: NOW })] }));
    expect(stopped.b12.onTreatment).toBe(false);
    expect(stopped.medicines.b12Replacement).toEqual([]);
    expect(flagCodes(stopped)).toContain("b12_test_due");
    const stillTaken = evaluate(history({ medications: [med("cyanocobalamin", { stoppedOn: new Date(NOW.getTime() + MS) })] }));
    expect(stillTaken.b12.onTreatment).toBe(true);
    expect(flagCodes(stillTaken)).not.toContain("b12_test_due");
  });

  it("prednisolone stopped today no longer raises medication_review beside a sarcopenia finding", () => {
    const finding = [obs("grip_strength", 15)];
    const stopped = evaluate(history({ ...youngWithFinding, observations: finding, medications: [med("prednisolone", { stoppedOn: NOW })] }));
    expect(stopped.medicines.muscleOrFalls).toEqual([]);
    expect(flagCodes(stopped)).not.toContain("medication_review");
    const current = evaluate(history({ ...youngWithFinding, observations: finding, medications: [med("prednisolone", { stoppedOn: day("2026-12-01") })] }));
    expect(flagCodes(current)).toContain("medication_review");
  });

  it("a stopped B12-lowering medicine is no longer a risk factor", () => {
    const e = evaluate(history({ ...youngWithFinding, observations: [obs("grip_strength", 30)], medications: [med("metformin", { stoppedOn: NOW })] }));
    expect(e.riskFactors.codes).not.toContain("b12_lowering_medicine");
    expect(e.medicines.b12Lowering).toEqual([]);
  });
});
