import { describe, expect, it } from "vitest";
import { buildSummaryModel, publishSummary, type ClinicAggregates, type PublishedTable } from "@/lib/domain/summary-tables";
import { chartsForTable, describeValue, hasWithheldValues, WITHHELD_SERIES } from "@/components/charts/summary-chart-data";

/** 60 patients: 3 in the high tier (withheld, "<5"), 7 not yet evaluated (withheld with them). */
const AGGREGATES: ClinicAggregates = {
  patients: 60,
  snapshots: [
    { tier: "high", ewgsop2: "confirmed", awgs2019: "sarcopenia", b12Status: "deficient", count: 3 },
    { tier: "elevated", ewgsop2: "probable", awgs2019: "possible", b12Status: "indeterminate", count: 20 },
    { tier: "low", ewgsop2: "none", awgs2019: "none", b12Status: "adequate", count: 30 },
  ],
  demographics: [
    { band: "70-79", sex: "female", patients: 30, high: 3, sarcopenia: 15 },
    { band: "70-79", sex: "male", patients: 20, high: 0, sarcopenia: 8 },
    { band: "90+", sex: "female", patients: 10, high: 0, sarcopenia: 0 },
  ],
  flags: [{ code: "b12_follow_up", due: 2, overdue: 1 }, { code: "reassessment_due", due: 12, overdue: 30 }],
  b12ByMedicines: [
    { medicationClasses: ";metformin;ppi;", b12Status: "deficient", count: 3 },
    { medicationClasses: ";metformin;", b12Status: "adequate", count: 9 },
    { medicationClasses: ";statin;", b12Status: "adequate", count: 21 },
    { medicationClasses: ";statin;ppi;", b12Status: "indeterminate", count: 20 },
    { medicationClasses: "", b12Status: null, count: 7 },
  ],
};

function table(id: string, suppress = true): PublishedTable {
  return publishSummary(buildSummaryModel(AGGREGATES), { suppress }).tables.find((t) => t.id === id)!;
}

describe("summary charts draw withheld numbers as withheld", () => {
  it("draws a withheld share as the range of shares the published numbers allow, never as nothing", () => {
    const [chart] = chartsForTable(table("tier"));
    const high = chart!.data.find((d) => d.label === "High")!.values.patients;
    // "<5" of 60 patients: 1/60 to 4/60.
    expect(high).toEqual({ lo: 100 / 60, hi: 400 / 60 });
    expect(chart!.description).toContain("High: withheld (1.7–6.7 %)");
    expect(hasWithheldValues([chart!])).toBe(true);
  });

  it("draws the withheld statuses of a stacked bar as one withheld part making the bar whole", () => {
    const [chart] = chartsForTable(table("b12_by_medicine"));
    expect(chart!.series.at(-1)).toEqual(WITHHELD_SERIES);
    // Metformin: 12 patients, 3 deficient ("<5") and 9 adequate (withheld with them): 100 % withheld.
    const metformin = chart!.data.find((d) => d.label === "Metformin")!.values;
    expect(metformin.deficient).toBeNull();
    expect(metformin[WITHHELD_SERIES.key]).toEqual({ lo: 100, hi: 100 });
  });

  it("draws a withheld flag count up to the most its published total allows", () => {
    const [chart] = chartsForTable(table("flags"));
    // 2 due and 1 overdue of 3 open: all "<5"; open is at least 1 + 1 and at most 4.
    const row = chart!.data.find((d) => d.label.startsWith("B12 deficiency"))!.values;
    expect(row[WITHHELD_SERIES.key]).toEqual({ lo: 2, hi: 4 });
  });

  it("draws exact numbers for clinicians, with nothing withheld", () => {
    const charts = (["tier", "prevalence", "flags", "b12_by_medicine"] as const).flatMap((id) => chartsForTable(table(id, false)));
    expect(hasWithheldValues(charts)).toBe(false);
    expect(charts.every((c) => c.data.every((d) => d.values[WITHHELD_SERIES.key] === undefined))).toBe(true);
  });

  it("says a withheld value in words", () => {
    expect(describeValue({ lo: 0.1, hi: 0.4 }, "%")).toBe("withheld (0.1–0.4 %)");
    expect(describeValue({ lo: 12, hi: 12 }, "count")).toBe("withheld (12)");
    expect(describeValue(7, "count")).toBe("7");
  });
});
