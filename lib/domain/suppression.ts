/**
 * Small-cell suppression for counts shown to analysts (DESIGN.md "Security": analysts see only
 * de-identified data). Two steps, the standard pair for frequency tables (Hundepool et al.,
 * "Statistical Disclosure Control", Wiley 2012, ch. 5 "Frequency tables": the threshold rule and
 * secondary cell suppression; the same pair as the ESSnet "Handbook on Statistical Disclosure
 * Control" 2010, §5.2–5.4):
 *
 * 1. Primary suppression (threshold rule): a count of 1–4 patients is shown as "<5". Zero is shown:
 *    it is published in every health statistics table and protecting it would hide almost nothing.
 * 2. Secondary (complementary) suppression: a published table is a set of additive relations
 *    (the cells of a row add up to the row total, a column to its column total, and linked tables
 *    share totals). Within each relation, if subtraction from the published total would pin a
 *    suppressed cell to one value, the smallest other published non-zero cell of that relation is
 *    withheld as well ("*"); if none is left, the total is withheld. This repeats until no relation
 *    pins any suppressed cell — the row-by-row and column-by-column heuristic of the hypercube
 *    method (Hundepool et al. §5.5), not a full linear-programming audit across relations.
 *
 * A reader who knows this rule knows a "<5" cell holds 1–4 and a "*" cell at least 5; the check in
 * step 2 uses exactly those bounds. Percentages derived from a suppressed count, or from a
 * suppressed denominator, are withheld too (a percentage and its numerator give the denominator).
 */

/** Counts from 1 up to this value minus one are primary-suppressed. */
export const SMALL_CELL_THRESHOLD = 5;

/** "small": primary, a count of 1–4; "complementary": withheld so that a small cell cannot be recovered. */
export type Suppression = "small" | "complementary";

export const SUPPRESSION_MARK: Record<Suppression, string> = {
  small: `<${SMALL_CELL_THRESHOLD}`,
  complementary: "*",
};

export const SUPPRESSION_NOTE =
  `“<${SMALL_CELL_THRESHOLD}”: 1 to ${SMALL_CELL_THRESHOLD - 1} patients. “*”: withheld so that a small count cannot be worked out by subtraction from a total.`;

/** `total` = the sum of `members`, all published cells named by id. */
export interface AdditiveRelation {
  total: string;
  members: readonly string[];
}

export function isSmallCount(count: number): boolean {
  return count >= 1 && count < SMALL_CELL_THRESHOLD;
}

interface Bounds {
  lo: number;
  hi: number;
}

/** What a reader can infer about a cell from its mark alone. */
function boundsOf(count: number, mark: Suppression | undefined): Bounds {
  if (mark === "small") return { lo: 1, hi: SMALL_CELL_THRESHOLD - 1 };
  if (mark === "complementary") return { lo: SMALL_CELL_THRESHOLD, hi: Number.POSITIVE_INFINITY };
  return { lo: count, hi: count };
}

/**
 * True when the relation (Σ members − total = 0), with the published cells substituted, leaves
 * some suppressed cell exactly one possible value.
 */
function pinsASuppressedCell(relation: AdditiveRelation, counts: ReadonlyMap<string, number>, marks: ReadonlyMap<string, Suppression>): boolean {
  const terms = [
    ...relation.members.map((id) => ({ id, sign: 1 })),
    { id: relation.total, sign: -1 },
  ].map(({ id, sign }) => ({ id, sign, ...boundsOf(countOf(counts, id), marks.get(id)) }));
  for (const [i, term] of terms.entries()) {
    if (!marks.has(term.id)) continue;
    // sign·x = −Σ_{j≠i} sign_j·x_j: its range from the others' bounds.
    let othersMin = 0;
    let othersMax = 0;
    for (const [j, other] of terms.entries()) {
      if (j === i) continue;
      othersMin += other.sign > 0 ? other.lo : -other.hi;
      othersMax += other.sign > 0 ? other.hi : -other.lo;
    }
    const lo = Math.max(term.lo, term.sign > 0 ? -othersMax : othersMin);
    const hi = Math.min(term.hi, term.sign > 0 ? -othersMin : othersMax);
    if (lo === hi) return true;
  }
  return false;
}

function countOf(counts: ReadonlyMap<string, number>, id: string): number {
  const count = counts.get(id);
  if (count === undefined) throw new Error(`suppression: relation names an unknown cell "${id}"`);
  return count;
}

/**
 * The cells to withhold from a set of published counts (by id) linked by additive relations.
 * Returns only the suppressed cells; every other cell is published exactly.
 */
export function suppressSmallCells(counts: ReadonlyMap<string, number>, relations: readonly AdditiveRelation[]): Map<string, Suppression> {
  const marks = new Map<string, Suppression>();
  for (const [id, count] of counts) if (isSmallCount(count)) marks.set(id, "small");
  for (let changed = true; changed; ) {
    changed = false;
    for (const relation of relations) {
      if (!pinsASuppressedCell(relation, counts, marks)) continue;
      const candidates = relation.members
        .filter((id) => !marks.has(id) && countOf(counts, id) > 0)
        .sort((a, b) => countOf(counts, a) - countOf(counts, b) || a.localeCompare(b));
      const withheld = candidates[0] ?? relation.total;
      if (marks.has(withheld)) throw new Error(`suppression: cannot protect relation with total "${relation.total}"`);
      marks.set(withheld, "complementary");
      changed = true;
    }
  }
  return marks;
}
