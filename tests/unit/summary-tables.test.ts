import { describe, expect, it } from "vitest";
import { ageBandOf, buildSummaryModel, publishSummary, summaryCsvRows, type ClinicAggregates, type PublishedTable } from "@/lib/domain/summary-tables";

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

function table(summary: ReturnType<typeof publishSummary>, id: string): PublishedTable {
  return summary.tables.find((t) => t.id === id)!;
}

function cell(t: PublishedTable, row: string, column: string, subkey?: string) {
  return t.rows.find((r) => r.key === row && r.subkey === subkey)!.cells[column]!;
}

describe("summary tables", () => {
  it("puts ages into ten-year bands with 90 and over top-coded", () => {
    expect([0, 59, 60, 69, 70, 89, 90, 104].map(ageBandOf)).toEqual(["under-60", "under-60", "60-69", "60-69", "70-79", "80-89", "90+", "90+"]);
  });

  it("publishes exact counts and percentages for clinicians", () => {
    const summary = publishSummary(buildSummaryModel(AGGREGATES), { suppress: false });
    const tiers = table(summary, "tier");
    expect(cell(tiers, "high", "patients")).toMatchObject({ count: 3, text: "3", percentText: "5.0 %" });
    expect(cell(tiers, "not_evaluated", "patients").count).toBe(7);
    expect(cell(tiers, "all", "patients").count).toBe(60);
  });

  it("counts AWGS 2025 categories; a snapshot stored before AWGS 2025 counts as not yet evaluated by it", () => {
    const aggregates: ClinicAggregates = {
      ...AGGREGATES,
      snapshots: [
        { tier: "high", ewgsop2: "confirmed", awgs2019: "sarcopenia", awgs2025: "sarcopenia", b12Status: "deficient", count: 3 },
        { tier: "elevated", ewgsop2: "probable", awgs2019: "possible", awgs2025: "at_risk", b12Status: "indeterminate", count: 20 },
        { tier: "low", ewgsop2: "none", awgs2019: "none", awgs2025: null, b12Status: "adequate", count: 30 },
      ],
    };
    const summary = publishSummary(buildSummaryModel(aggregates), { suppress: false });
    const awgs2025 = table(summary, "awgs2025");
    expect(summary.tables.map((t) => t.id).slice(0, 5)).toEqual(["tier", "ewgsop2", "awgs2019", "awgs2025", "b12_status"]);
    expect(cell(awgs2025, "at_risk", "patients")).toMatchObject({ count: 20, percentText: "33.3 %" });
    expect(cell(awgs2025, "sarcopenia", "patients").count).toBe(3);
    expect(cell(awgs2025, "none", "patients").count).toBe(0);
    expect(cell(awgs2025, "not_evaluated", "patients").count).toBe(37);
  });

  it("suppresses small cells, their percentages and a complement for analysts", () => {
    const summary = publishSummary(buildSummaryModel(AGGREGATES), { suppress: true });
    const tiers = table(summary, "tier");
    expect(cell(tiers, "high", "patients")).toMatchObject({ count: null, text: "<5", percent: null, percentText: "" });
    // 60 − 20 − 30 − 7 would give the high tier's 3 away: the smallest other cell is withheld too,
    // shown as what the table still tells of it: 60 − 20 − 30 − (1 to 4).
    expect(cell(tiers, "not_evaluated", "patients")).toMatchObject({ count: null, suppression: "complementary", text: "6–9", range: { lo: 6, hi: 9 }, percent: null });
    expect(cell(tiers, "not_evaluated", "patients").percentRange).toEqual({ lo: 10, hi: 15 });
    expect(cell(tiers, "high", "patients")).toMatchObject({ range: { lo: 1, hi: 4 } });
    expect(cell(tiers, "elevated", "patients")).toMatchObject({ count: 20, percentText: "33.3 %" });
    const flags = table(summary, "flags");
    expect(cell(flags, "b12_follow_up", "open").text).toBe("<5");
    expect(cell(flags, "reassessment_due", "overdue")).toMatchObject({ count: 30, percentText: "71.4 %" });
  });

  it("counts a patient on two B12-lowering medicines in both rows, and no other medicine as one", () => {
    const summary = publishSummary(buildSummaryModel(AGGREGATES), { suppress: false });
    const byMedicine = table(summary, "b12_by_medicine");
    expect(cell(byMedicine, "metformin", "all").count).toBe(12);
    expect(cell(byMedicine, "metformin", "deficient")).toMatchObject({ count: 3, percentText: "25.0 %" });
    expect(cell(byMedicine, "ppi", "deficient").count).toBe(3);
    expect(cell(byMedicine, "none", "adequate").count).toBe(21);
    expect(cell(byMedicine, "none", "not_evaluated").count).toBe(7);
  });

  it("links each column of B12 status by medicine to the B12-status table, the class rows as a union", () => {
    const relations = buildSummaryModel(AGGREGATES).relations.filter((r) => r.overlapping);
    const classes = (column: string) => ["metformin", "ppi", "h2ra", "colchicine", "nitrous_oxide", "antiepileptic"].map((c) => `b12_by_medicine.${c}.${column}`);
    expect(relations).toEqual(
      [["deficient", "b12_status.deficient"], ["indeterminate", "b12_status.indeterminate"], ["adequate", "b12_status.adequate"], ["not_tested", "b12_status.not_tested"], ["not_evaluated", "b12_status.not_evaluated"], ["all", "patients"]].map(
        ([column, total]) => ({ total, members: [`b12_by_medicine.none.${column}`], overlapping: classes(column!) }),
      ),
    );
  });

  it("adds up prevalence margins and withholds a small prevalence cell in the CSV as well", () => {
    const exact = publishSummary(buildSummaryModel(AGGREGATES), { suppress: false });
    const prevalence = table(exact, "prevalence");
    expect(cell(prevalence, "all", "patients", "all").count).toBe(60);
    expect(cell(prevalence, "70-79", "sarcopenia", "all")).toMatchObject({ count: 23, percentText: "46.0 %" });
    const suppressed = publishSummary(buildSummaryModel(AGGREGATES), { suppress: true });
    const rows = summaryCsvRows(suppressed);
    expect(rows[0]).toEqual(["table", "group", "subgroup", "measure", "count", "percent"]);
    expect(rows).toContainEqual(["prevalence", "70-79", "female", "high", "<5", ""]);
    expect(rows).toContainEqual(["tier", "elevated", "", "patients", 20, "33.3"]);
  });
});
