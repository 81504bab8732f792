import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLDS, describeThresholds, THRESHOLD_CATALOGUE, type ThresholdKey, type ThresholdValues } from "@/lib/domain/thresholds";
import { THRESHOLD_SECTIONS } from "@/lib/domain/threshold-sections";
import { compareThresholdSets, confirmationToken, guidelineDeviations, thresholdChanges, unconfirmedDeviations } from "@/lib/domain/threshold-governance";
import { describeAuditEvent } from "@/lib/domain/audit-describe";
import { parseThresholdForm } from "@/lib/validation/threshold-form";
import { withThresholds } from "./helpers";

/** The edit form as the browser sends it for `values`, with `typed` replacing some fields. */
function form(typed: Partial<Record<ThresholdKey, string>> = {}, extra: Record<string, string> = {}): Record<string, unknown> {
  const fields: Record<string, unknown> = { effectiveFrom: "2026-12-01", note: "Local calibration", ...extra };
  for (const entry of describeThresholds(DEFAULT_THRESHOLDS)) {
    const value = typed[entry.key] ?? entry.value;
    if (typeof value === "boolean") {
      if (value) fields[`t:${entry.key}`] = "on";
    } else fields[`t:${entry.key}`] = String(value);
  }
  return fields;
}

function problemOf(key: ThresholdKey, typed: string): string | null {
  const result = parseThresholdForm(DEFAULT_THRESHOLDS, form({ [key]: typed }));
  if (result.ok) return null;
  return result.fieldErrors[`t:${key}`]?.[0] ?? `other fields: ${JSON.stringify(result.fieldErrors)}`;
}

describe("a threshold value must be a positive number inside its unit's plausible range", () => {
  it('"-3" is refused as "must be positive", not as "not a number"', () => {
    expect(problemOf("ewgsop2.gripKg.female", "-3")).toMatch(/^Must be positive/);
    expect(problemOf("ewgsop2.gripKg.female", "-3")).not.toMatch(/number/);
    expect(problemOf("ewgsop2.gripKg.female", "sixteen")).toBe("Enter a number in kg (use a point for decimals).");
    expect(problemOf("ewgsop2.gripKg.female", "16,5")).toBe("Use a point for decimals (e.g. 5.5).");
    expect(problemOf("ewgsop2.gripKg.female", "")).toBe("Enter a value in kg.");
  });

  // [key, lowest accepted, highest refused below it, highest accepted, lowest refused above it]
  it.each<[ThresholdKey, string, string, string, string]>([
    ["ewgsop2.gripKg.female", "0.1", "0", "150", "150.1"],
    ["ewgsop2.asmiKgM2.male", "0.1", "0", "50", "50.1"],
    ["fnih.almBmi.male", "0.001", "0", "2", "2.01"],
    ["ewgsop2.walk400mS", "1", "0", "3600", "3600.5"],
    ["ewgsop2.gaitSpeedMS", "0.01", "0", "4", "4.01"],
    ["caseFinding.calfCm.male", "1", "0", "70", "70.5"],
    ["b12.serumDeficientBelow.pmolL", "1", "0", "257", "-1"],
    ["b12.serumAdequateAbove.pmolL", "134", "-5", "1000", "1000.5"],
    ["b12.serumDeficientBelow.ngL", "1", "0", "349", "-1"],
    ["b12.serumAdequateAbove.ngL", "181", "-1", "1500", "1501"],
    ["b12.mmaNormalAtMostUmolL", "0.01", "0", "0.44", "-0.1"],
    ["b12.mmaDeficientAboveUmolL", "0.28", "-0.45", "100", "100.1"],
    ["b12.renalCaveatEgfrBelow", "1", "0", "150", "151"],
    ["screening.ageYears", "18", "17", "120", "121"],
    ["screening.lookBackMonths", "1", "0", "120", "121"],
    ["b12Testing.retestIntervalMonths", "1", "0", "120", "121"],
    ["flags.b12ConfirmDueDays", "0", "-1", "3650", "3651"],
    ["flagLifecycle.awaitingResultDays", "0", "-1", "3650", "3651"],
    ["awgs2025.riskWeightLossWindowDays", "1", "0", "3650", "3651"],
    ["ewgsop2.sppbPoints", "1", "0", "12", "13"],
    ["caseFinding.sarcFPositive", "1", "0", "10", "11"],
    ["caseFinding.sarcCalFPositive", "1", "0", "20", "21"],
    ["caseFinding.sarcCalFCalfPoints", "1", "0", "10", "11"],
  ])("%s: %s accepted, %s refused; %s accepted, %s refused", (key, lowest, below, highest, above) => {
    expect(problemOf(key, lowest)).toBeNull();
    expect(problemOf(key, below)).not.toBeNull();
    expect(problemOf(key, highest)).toBeNull();
    expect(problemOf(key, above)).not.toBeNull();
  });

  it("says the range, with its unit, when a value is outside it", () => {
    expect(problemOf("ewgsop2.gripKg.female", "160")).toBe("160 kg is outside the plausible range (above 0 to 150 kg); check the value and its unit.");
    expect(problemOf("screening.ageYears", "17")).toBe("17 years is outside the plausible range (from 18 to 120 years); check the value and its unit.");
    expect(problemOf("ewgsop2.sppbPoints", "13")).toMatch(/plausible range \(above 0 to 12 points\)/);
  });

  it("zero is positive nowhere but in a count of days, where it means the same day", () => {
    expect(problemOf("ewgsop2.gripKg.female", "0")).toBe("Must be positive: enter a value above 0 to 150 kg.");
    expect(problemOf("flags.b12ConfirmDueDays", "-3")).toBe("Must not be negative (0 means the same day).");
    expect(problemOf("flags.b12ConfirmDueDays", "0")).toBeNull();
  });

  it("counts are whole numbers", () => {
    expect(problemOf("screening.ageYears", "65.5")).toBe("Must be a whole number of years.");
    expect(problemOf("flags.b12ConfirmDueDays", "14.5")).toBe("Must be a whole number of days.");
  });

  it("keeps every problem beside its own field, all at once", () => {
    const result = parseThresholdForm(DEFAULT_THRESHOLDS, form({ "ewgsop2.gripKg.female": "-3", "ewgsop2.gaitSpeedMS": "9" }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.fieldErrors).sort()).toEqual(["t:ewgsop2.gaitSpeedMS", "t:ewgsop2.gripKg.female"]);
  });
});

describe("a value more than 10 % from its cited guideline value asks for confirmation", () => {
  function far(key: ThresholdKey, typed: string) {
    const result = parseThresholdForm(DEFAULT_THRESHOLDS, form({ [key]: typed }));
    if (!result.ok) throw new Error(JSON.stringify(result.fieldErrors));
    return result.unconfirmed.map((d) => d.key);
  }

  // [key, exactly 10 % above, just over, exactly 10 % below, just under]
  it.each<[ThresholdKey, string, string, string, string]>([
    ["ewgsop2.gripKg.female", "17.6", "17.61", "14.4", "14.39"],
    ["ewgsop2.gaitSpeedMS", "0.88", "0.881", "0.72", "0.719"],
    ["awgs2025.asmBmiDxa.age65plus.female", "0.572", "0.5721", "0.468", "0.4679"],
    ["b12.serumDeficientBelow.pmolL", "146.3", "146.31", "119.7", "119.69"],
    ["b12.mmaDeficientAboveUmolL", "0.495", "0.4951", "0.405", "0.4049"],
    ["ewgsop2.walk400mS", "396", "396.1", "324", "323.9"],
  ])("%s: exactly 10 per cent above (%s) does not ask, just over (%s) does; exactly 10 per cent below (%s) does not, just under (%s) does", (key, at, over, atBelow, under) => {
    expect(far(key, at)).toEqual([]);
    expect(far(key, over)).toEqual([key]);
    expect(far(key, atBelow)).toEqual([]);
    expect(far(key, under)).toEqual([key]);
  });

  it("shows the guideline value, the difference and the citation, for every far value", () => {
    const result = parseThresholdForm(DEFAULT_THRESHOLDS, form({ "ewgsop2.gripKg.female": "20", "awgs2019.gripKg.male": "25" }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.unconfirmed).toEqual([
      expect.objectContaining({ key: "ewgsop2.gripKg.female", label: "EWGSOP2 · Low strength: grip, women", value: 20, guideline: 16, percent: 25, unit: "kg", citation: expect.stringContaining("Cruz-Jentoft") }),
      expect.objectContaining({ key: "awgs2019.gripKg.male", value: 25, guideline: 28, percent: -10.7, citation: expect.stringContaining("Chen et al.") }),
    ]);
  });

  it("a local setting has no guideline value and never asks", () => {
    expect(far("flags.b12ConfirmDueDays", "300")).toEqual([]);
    expect(far("screening.lookBackMonths", "24")).toEqual([]);
  });

  it("the guideline value is the clinical reference's default even when the set in force differs", () => {
    const inForce = withThresholds((t) => void (t.ewgsop2.gripKg.female = 20));
    const result = parseThresholdForm(inForce, form({ "ewgsop2.gripKg.female": "20" }));
    expect(result.ok && result.unconfirmed.map((d) => d.guideline)).toEqual([16]);
  });

  it("a confirmation covers the values confirmed; a value changed afterwards asks again", () => {
    const first = parseThresholdForm(DEFAULT_THRESHOLDS, form({ "ewgsop2.gripKg.female": "20" }));
    if (!first.ok) throw new Error("expected a valid form");
    const token = confirmationToken(first.deviations);
    const confirmed = parseThresholdForm(DEFAULT_THRESHOLDS, form({ "ewgsop2.gripKg.female": "20" }, { confirmDeviations: token }));
    expect(confirmed.ok && confirmed.unconfirmed).toEqual([]);
    const changed = parseThresholdForm(DEFAULT_THRESHOLDS, form({ "ewgsop2.gripKg.female": "21" }, { confirmDeviations: token }));
    expect(changed.ok && changed.unconfirmed.map((d) => d.value)).toEqual([21]);
    expect(unconfirmedDeviations(guidelineDeviations(DEFAULT_THRESHOLDS), "")).toEqual([]);
  });
});

describe("sections, differences and the audit line", () => {
  it("every value belongs to a section that says what it implements, with a citation; no section is empty", () => {
    const groups = new Set(THRESHOLD_CATALOGUE.map((e) => e.group));
    expect(THRESHOLD_SECTIONS.map((s) => s.group).sort()).toEqual([...groups].sort());
    for (const section of THRESHOLD_SECTIONS) expect(section.implements.length, section.group).toBeGreaterThan(40);
  });

  it.each<[ThresholdKey, string]>([
    ["awgs2025.drivesTiersAndFlags", "awgs_edition"],
    ["awgs2025.gripKg.age50to64.male", "awgs2025"],
    ["b12Testing.caseFindingOnRiskFactorAlone", "b12_testing"],
    ["b12Testing.retestIntervalMonths", "b12_testing"],
    ["b12Testing.acidSuppressantMinMonths", "b12_testing"],
    ["b12.mmaDeficientAboveUmolL", "b12_second_line"],
    ["b12.mmaNormalAtMostUmolL", "b12_second_line"],
    ["decline.gripDropKg", "decline"],
    ["decline.gaitSpeedDropMS", "decline"],
    ["flagLifecycle.dueSoonDays", "flag_lifecycle"],
    ["flagLifecycle.closedReturnDays", "flag_lifecycle"],
  ])("%s has a section of its own: %s", (key, group) => {
    expect(THRESHOLD_CATALOGUE.find((e) => e.key === key)?.group).toBe(group);
  });

  it("the sections name the policies they implement", () => {
    const policy = (group: string) => THRESHOLD_SECTIONS.find((s) => s.group === group)?.implements ?? "";
    expect(policy("b12_testing")).toMatch(/NICE NG239/);
    expect(policy("b12_testing")).toMatch(/local case-finding policy/i);
    expect(policy("awgs2025")).toMatch(/Nature Aging 2025/);
    expect(policy("awgs_edition")).toMatch(/supersedes AWGS 2019/);
    expect(policy("decline")).toMatch(/Bohannon/);
    expect(policy("b12_second_line")).toMatch(/BSH 2014/);
  });

  it("lists every changed value old → new, and only those", () => {
    const after = withThresholds((t) => {
      t.ewgsop2.gripKg.female = 20;
      t.awgs2025.drivesTiersAndFlags = true;
    });
    expect(thresholdChanges(DEFAULT_THRESHOLDS, after)).toEqual([
      { key: "ewgsop2.gripKg.female", from: 16, to: 20 },
      { key: "awgs2025.drivesTiersAndFlags", from: false, to: true },
    ]);
    expect(thresholdChanges(DEFAULT_THRESHOLDS, { ...DEFAULT_THRESHOLDS, version: 7 })).toEqual([]);
  });

  it("compares two sets section by section, every value with its unit, marking only the differences", () => {
    const right: ThresholdValues = withThresholds((t) => void (t.b12Testing.retestIntervalMonths = 24));
    const sections = compareThresholdSets(DEFAULT_THRESHOLDS, right);
    expect(sections.map((s) => s.group)).toEqual(THRESHOLD_SECTIONS.map((s) => s.group));
    const rows = sections.flatMap((s) => s.rows);
    expect(rows.filter((r) => r.differs)).toEqual([expect.objectContaining({ key: "b12Testing.retestIntervalMonths", left: "12 months", right: "24 months" })]);
    expect(rows.find((r) => r.key === "ewgsop2.gripKg.female")).toMatchObject({ left: "16 kg", right: "16 kg", differs: false });
  });

  it("the audit page describes a threshold change with every value old → new", () => {
    const line = describeAuditEvent("thresholds.update", {
      version: 3,
      effectiveFrom: "2026-12-01T00:00:00.000Z",
      note: "Local calibration",
      changes: [
        { key: "ewgsop2.gripKg.female", from: 16, to: 20 },
        { key: "awgs2025.drivesTiersAndFlags", from: false, to: true },
        { key: "caseFinding.sarcCalFCalfComparison", from: "<", to: "<=" },
      ],
      confirmedDeviations: [{ key: "ewgsop2.gripKg.female", value: 20, guideline: 16 }],
    });
    expect(line).toBe(
      "Saved threshold set version 3 effective 2026-12-01 (Local calibration). Changed: EWGSOP2 · Low strength: grip, women: 16 → 20 kg; " +
        "AWGS edition · AWGS edition for tiers and flags: the 2025 edition (otherwise 2019): no → yes; case finding · SARC-CalF: calf 'below the cut-off' means: < → ≤. " +
        "1 value more than 10 % from the guideline confirmed.",
    );
    expect(describeAuditEvent("thresholds.update", { version: 4, restoredFromVersion: 2, changes: [{ key: "no.such.key", from: 1, to: 2 }] })).toBe(
      "Restored threshold version 2 as version 4. Changed: no.such.key: 1 → 2.",
    );
  });
});
