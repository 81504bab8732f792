import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AGE_BANDS,
  B12_LOWERING_CLASSES,
  buildSummaryModel,
  publishSummary,
  summariseGroups,
  type ClinicAggregates,
  type PatientGroup,
  type SummaryModel,
} from "@/lib/domain/summary-tables";
import { SMALL_CELL_THRESHOLD } from "@/lib/domain/suppression";

/**
 * An attacker who knows how the summary is built: every relation that truly holds between the
 * published cells, "<5" = 1–4 and "*" ≥ 5. For each relation on its own it tries every value a
 * withheld cell could take and keeps those the relation still allows; one value left = recovered.
 * Written from the relations' meaning, independently of lib/domain/suppression.ts.
 */

/**
 * `total` = Σ `members` + the number of patients in the union of `overlapping` (who may be in
 * several of them). `isGuess`: true of these counts, but a reader cannot tell from the tables.
 */
interface TrueRelation {
  total: string;
  members: readonly string[];
  overlapping?: readonly string[];
  isGuess?: boolean;
}

type Range = { lo: number; hi: number };

const B12_COLUMNS = ["deficient", "indeterminate", "adequate", "not_tested", "not_evaluated"] as const;

/** Published cells by id: the count, or null when withheld, and the mark. */
function publishedCells(model: SummaryModel): Map<string, { count: number; shown: number | null; text: string }> {
  const published = publishSummary(model, { suppress: true });
  const cells = new Map<string, { count: number; shown: number | null; text: string }>();
  cells.set(model.total.id, { count: model.total.count, shown: published.total.count, text: published.total.text });
  model.tables.forEach((table, t) =>
    table.rows.forEach((row, r) => {
      for (const [key, cell] of Object.entries(row.cells)) {
        const shown = published.tables[t]!.rows[r]!.cells[key]!;
        cells.set(cell.id, { count: cell.count, shown: shown.count, text: shown.text });
      }
    }),
  );
  return cells;
}

/**
 * The relations linking the B12-status table to B12 status by medicine, from what the data layer
 * counts: in each B12-status column (and over all patients), the patients on none of the lowering
 * medicines plus those on at least one. A patient on two classes is in two class rows, so the
 * class rows add up to the second group only when nobody in that column takes two classes; then
 * the plain sum holds too, and a reader may guess it.
 */
function crossTableRelations(model: SummaryModel, counts: ReadonlyMap<string, { count: number }>): TrueRelation[] {
  const relations: TrueRelation[] = [];
  for (const column of [...B12_COLUMNS, "all"]) {
    const total = column === "all" ? model.total.id : `b12_status.${column}`;
    if (!counts.has(total)) continue; // "Not yet evaluated" is only a row when some patients are.
    const none = `b12_by_medicine.none.${column}`;
    const classes = B12_LOWERING_CLASSES.map((c) => `b12_by_medicine.${c}.${column}`);
    const count = (id: string) => counts.get(id)!.count;
    const onAny = count(total) - count(none);
    const sum = classes.reduce((s, id) => s + count(id), 0);
    expect(Math.max(...classes.map(count)), `${column}: a class row exceeds its column`).toBeLessThanOrEqual(onAny);
    expect(sum, `${column}: class rows miss a patient`).toBeGreaterThanOrEqual(onAny);
    relations.push({ total, members: [none], overlapping: classes });
    if (sum === onAny) relations.push({ total, members: [none, ...classes], isGuess: true });
  }
  return relations;
}

/** What each withheld cell (and each union of overlapping cells) a reader can pin down, as "id = value". */
function recoverable(model: SummaryModel, relations: readonly TrueRelation[]): string[] {
  const cells = publishedCells(model);
  // Every count is at most the number of patients (flags: in these clinics, none are open); when
  // that number is withheld too, a bound far above it, which pins nothing.
  const patients = cells.get(model.total.id)!;
  const cap = patients.shown ?? 10 * patients.count + 50;
  const rangeOf = (id: string): Range => {
    const cell = cells.get(id)!;
    if (cell.shown !== null) return { lo: cell.shown, hi: cell.shown };
    return cell.text === `<${SMALL_CELL_THRESHOLD}` ? { lo: 1, hi: SMALL_CELL_THRESHOLD - 1 } : { lo: SMALL_CELL_THRESHOLD, hi: cap };
  };
  const sum = (ranges: Range[]): Range => ranges.reduce((a, b) => ({ lo: a.lo + b.lo, hi: a.hi + b.hi }), { lo: 0, hi: 0 });
  /**
   * The numbers of patients the relation leaves for the union of its overlapping cells, given
   * ranges for every cell: the total less the members, and (a union of groups of sizes o₁…oₖ
   * holds from max oᵢ to Σ oᵢ patients) what the groups can cover. A plain sum must leave 0.
   */
  const unionRange = (relation: TrueRelation, range: (id: string) => Range): Range => {
    const total = range(relation.total);
    const members = sum(relation.members.map(range));
    const groups = (relation.overlapping ?? []).map(range);
    const union = groups.length > 0 ? { lo: Math.max(...groups.map((g) => g.lo)), hi: sum(groups).hi } : { lo: 0, hi: 0 };
    return { lo: Math.max(total.lo - members.hi, union.lo), hi: Math.min(total.hi - members.lo, union.hi) };
  };
  const found: string[] = [];
  for (const relation of relations) {
    const ids = [relation.total, ...relation.members, ...(relation.overlapping ?? [])];
    // A guess is guarded against while some cell of it is left to withhold (suppression.ts).
    if (relation.isGuess && ids.every((id) => cells.get(id)!.shown === null || cells.get(id)!.count === 0)) continue;
    for (const id of ids.filter((i) => cells.get(i)!.shown === null)) {
      const { lo, hi } = rangeOf(id);
      const possible: number[] = [];
      for (let v = lo; v <= hi; v++) {
        const left = unionRange(relation, (i) => (i === id ? { lo: v, hi: v } : rangeOf(i)));
        if (left.lo <= left.hi) possible.push(v);
      }
      if (possible.length === 1) found.push(`${id} = ${possible[0]}`);
    }
    // The union is the count of an "on any of these" row: a small one must stay hidden as well.
    const onAny = unionRange(relation, rangeOf);
    if (relation.overlapping && onAny.lo === onAny.hi && onAny.lo >= 1 && onAny.lo < SMALL_CELL_THRESHOLD) found.push(`union in ${relation.total} = ${onAny.lo}`);
  }
  return [...new Set(found)];
}

/** The true relations: each table's own (as the model declares them) and the cross-table ones. */
function trueRelations(model: SummaryModel): TrueRelation[] {
  const cells = publishedCells(model);
  const withinTables = model.relations.filter((r) => !r.overlapping);
  return [...withinTables, ...crossTableRelations(model, cells)];
}

interface Patients {
  classes: readonly string[];
  b12Status: string | null;
  count: number;
  tier?: string;
  sex?: string;
  band?: PatientGroup["band"];
}

/** Consistent aggregates for a clinic made of groups of alike patients (never evaluated: b12Status null). */
function clinic(groups: readonly Patients[]): ClinicAggregates {
  const patientGroups: PatientGroup[] = groups.map((g) => ({
    sex: g.sex ?? "female",
    band: g.band ?? "70-79",
    tier: g.b12Status === null ? null : (g.tier ?? "low"),
    ewgsop2: g.b12Status === null ? null : "none",
    awgs2019: g.b12Status === null ? null : "none",
    b12Status: g.b12Status,
    count: g.count,
  }));
  const medicines = groups.map((g) => ({ medicationClasses: g.classes.length ? `;${g.classes.join(";")};` : "", b12Status: g.b12Status, count: g.count }));
  return summariseGroups(patientGroups, medicines, []);
}

/** A clinic of 100: most patients on no B12-lowering medicine, spread over every status. */
const BACKGROUND: Patients[] = [
  { classes: [], b12Status: "deficient", count: 12 },
  { classes: ["statin"], b12Status: "indeterminate", count: 15 },
  { classes: [], b12Status: "adequate", count: 40 },
  { classes: [], b12Status: "not_tested", count: 8 },
  { classes: [], b12Status: null, count: 10 },
];

describe("B12 status by medicine, suppressed together with the B12-status table", () => {
  it("hides a lone B12-lowering class's small count that the B12-status column would give away", () => {
    // Deficient: 3 on metformin and nothing else lowering, 12 on none: 15 in the B12-status table.
    const model = buildSummaryModel(clinic([...BACKGROUND, { classes: ["metformin"], b12Status: "deficient", count: 3 }, { classes: ["metformin"], b12Status: "adequate", count: 12 }]));
    const cells = publishedCells(model);
    expect(cells.get("b12_by_medicine.metformin.deficient")!.text).toBe("<5");
    expect(recoverable(model, trueRelations(model))).toEqual([]);
  });

  it("hides the small none-row count that a lone class's published count would give away", () => {
    // Adequate: 20 on ppi alone, 2 on none: the B12-status table's 22 − 20 would be the 2.
    const groups: Patients[] = [...BACKGROUND.filter((g) => g.b12Status !== "adequate"), { classes: [], b12Status: "adequate", count: 2 }, { classes: ["ppi"], b12Status: "adequate", count: 20 }];
    const model = buildSummaryModel(clinic(groups));
    expect(recoverable(model, trueRelations(model))).toEqual([]);
  });

  it("counts a patient on two classes in both rows without declaring a false sum", () => {
    // Deficient: 2 patients on metformin and a PPI, 1 on metformin only: rows 3 and 2, 3 patients.
    const model = buildSummaryModel(
      clinic([...BACKGROUND, { classes: ["metformin", "ppi"], b12Status: "deficient", count: 2 }, { classes: ["metformin"], b12Status: "deficient", count: 1 }, { classes: ["metformin"], b12Status: "adequate", count: 30 }]),
    );
    const cells = publishedCells(model);
    expect(cells.get("b12_by_medicine.metformin.deficient")).toMatchObject({ count: 3, text: "<5" });
    expect(cells.get("b12_by_medicine.ppi.deficient")).toMatchObject({ count: 2, text: "<5" });
    const relations = trueRelations(model);
    expect(relations).toContainEqual({ total: "b12_status.deficient", members: ["b12_by_medicine.none.deficient"], overlapping: B12_LOWERING_CLASSES.map((c) => `b12_by_medicine.${c}.deficient`) });
    expect(relations.filter((r) => r.total === "b12_status.deficient" && r.isGuess)).toEqual([]);
    // 15 − 12 would say 3 deficient patients take a B12-lowering medicine.
    expect(recoverable(model, relations)).toEqual([]);
  });

  it("hides a class's count that one patient on two classes would pin to 1", () => {
    // Deficient: one patient on metformin and a PPI; a reader who knew "1 on any" would know both rows are 1.
    const model = buildSummaryModel(clinic([...BACKGROUND, { classes: ["metformin", "ppi"], b12Status: "deficient", count: 1 }, { classes: ["ppi"], b12Status: "adequate", count: 9 }, { classes: ["metformin"], b12Status: "adequate", count: 9 }]));
    expect(recoverable(model, trueRelations(model))).toEqual([]);
  });

  it("still publishes a small column that only a guess of no overlap would pin", () => {
    // Indeterminate: 4 patients, one each on none, metformin, a PPI and an H2-receptor antagonist.
    // Guessing nobody takes two, 1 + 1 + 1 + 1 ≤ "<5" pins all four; the tables only say ≥ 2.
    const column = ["", "metformin", "ppi", "h2ra"].map((c) => ({ classes: c ? [c] : [], b12Status: "indeterminate", count: 1 }));
    const model = buildSummaryModel(clinic([...BACKGROUND.filter((g) => g.b12Status !== "indeterminate"), ...column, { classes: ["statin"], b12Status: "adequate", count: 20 }]));
    const cells = publishedCells(model);
    expect(["b12_status.indeterminate", ...column.map((g) => `b12_by_medicine.${g.classes[0] ?? "none"}.indeterminate`)].map((id) => cells.get(id)!.text)).toEqual(["<5", "<5", "<5", "<5", "<5"]);
    expect(recoverable(model, trueRelations(model))).toEqual([]);
  });

  it("does not leave a small count recoverable from any single true relation (random clinics)", () => {
    const classes = [...B12_LOWERING_CLASSES, "statin"];
    const group = fc.record({
      classes: fc.subarray(classes, { maxLength: 3 }),
      b12Status: fc.constantFrom<string | null>(...B12_COLUMNS.filter((s) => s !== "not_evaluated"), null),
      count: fc.integer({ min: 1, max: 9 }),
      tier: fc.constantFrom("low", "elevated", "high"),
      sex: fc.constantFrom("female", "male", "unknown"),
      band: fc.constantFrom(...AGE_BANDS.map((b) => b.key)),
    });
    let unprotectable = 0;
    fc.assert(
      fc.property(fc.array(group, { minLength: 1, maxLength: 14 }), (groups) => {
        const aggregates = clinic(groups);
        fc.pre(aggregates.patients >= SMALL_CELL_THRESHOLD);
        const model = buildSummaryModel(aggregates);
        try {
          publishSummary(model, { suppress: true });
        } catch (error) {
          // Refusing to publish is safe; count it so that it stays the exception.
          expect(String(error)).toMatch(/cannot protect/);
          unprotectable++;
          return;
        }
        expect(recoverable(model, trueRelations(model)), JSON.stringify(groups)).toEqual([]);
      }),
      { numRuns: 300, seed: 20261121 },
    );
    expect(unprotectable).toBeLessThan(30);
    // 300 clinics, each suppressed and then attacked relation by relation: seconds on a busy machine.
  }, 30_000);
});

/** A clinic by sex and age band only (everyone evaluated, low tier, nothing found, B12 adequate). */
function byAgeAndSex(cells: readonly { sex: string; band: PatientGroup["band"]; count: number }[]): SummaryModel {
  return buildSummaryModel(clinic(cells.map((c) => ({ classes: [], b12Status: "adequate", count: c.count, sex: c.sex, band: c.band }))));
}

function prevalenceText(model: SummaryModel, band: string, sex: string): string {
  return publishedCells(model).get(`prevalence.patients.${band}.${sex}`)!.text;
}

const WOMEN_1000: { sex: string; band: PatientGroup["band"]; count: number }[] = [
  { sex: "female", band: "under-60", count: 50 },
  { sex: "female", band: "60-69", count: 200 },
  { sex: "female", band: "70-79", count: 300 },
  { sex: "female", band: "80-89", count: 200 },
  { sex: "female", band: "90+", count: 100 },
];

describe("large totals are kept when smaller cells can protect the small ones", () => {
  it("keeps all men of a clinic of 1,000 when the women of an age band can stand in for them", () => {
    // 145 men, all aged 70–79, beside 2 patients of unknown sex of that age. Withholding the men of
    // 70–79 (the smaller cell of the row) would withhold every man, the men's total with them; the
    // women of 70–79 and of another band protect the 2 as well and keep the big numbers.
    const model = byAgeAndSex([
      ...WOMEN_1000,
      { sex: "male", band: "70-79", count: 145 },
      { sex: "unknown", band: "70-79", count: 2 },
      { sex: "unknown", band: "80-89", count: 3 },
    ]);
    expect(prevalenceText(model, "all", "male")).toBe("145");
    expect(prevalenceText(model, "all", "female")).toBe("850");
    expect(prevalenceText(model, "all", "all")).toBe("1,000");
    expect(prevalenceText(model, "70-79", "unknown")).toBe("<5");
    expect(recoverable(model, trueRelations(model))).toEqual([]);
  });

  it("withholds no total of a clinic of 1,000 whose few patients of unknown sex are spread over age bands", () => {
    const model = byAgeAndSex([
      ...WOMEN_1000,
      { sex: "male", band: "60-69", count: 100 },
      { sex: "male", band: "70-79", count: 60 },
      { sex: "male", band: "80-89", count: 40 },
      { sex: "unknown", band: "70-79", count: 2 },
      { sex: "unknown", band: "80-89", count: 4 },
    ]);
    for (const [band, sex] of [["all", "female"], ["all", "male"], ["all", "unknown"], ["all", "all"], ...AGE_BANDS.map((b) => [b.key, "all"])] as const) {
      expect(prevalenceText(model, band, sex), `${band}/${sex}`).toMatch(/^[\d,]+$/);
    }
    expect(recoverable(model, trueRelations(model))).toEqual([]);
  });

  it("shows the men's total as the range the table implies when 4 patients of unknown sex leave no other way", () => {
    // 1000 − 566 − 430 would be the 4: one of the sexes' totals must go, the smaller. What the
    // table still says of it — 1000 − 566 − (1 to 4) — is shown instead of "*".
    const model = byAgeAndSex([
      ...WOMEN_1000.map((c) => (c.band === "70-79" ? { ...c, count: 16 } : c)),
      { sex: "male", band: "60-69", count: 150 },
      { sex: "male", band: "70-79", count: 150 },
      { sex: "male", band: "80-89", count: 130 },
      { sex: "unknown", band: "70-79", count: 1 },
      { sex: "unknown", band: "80-89", count: 3 },
    ]);
    expect(prevalenceText(model, "all", "female")).toBe("566");
    expect(prevalenceText(model, "all", "male")).toBe("430–433");
    expect(prevalenceText(model, "all", "unknown")).toBe("<5");
    expect(prevalenceText(model, "all", "all")).toBe("1,000");
    expect(recoverable(model, trueRelations(model))).toEqual([]);
  });
});
