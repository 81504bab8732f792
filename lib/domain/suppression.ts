/**
 * Small-cell suppression for counts shown to analysts (docs/design.md#de-identified-export:
 * analysts see only de-identified data). Two steps, the standard pair for frequency tables (Hundepool et al.,
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
 * 3. Overlapping cells: rows that may count one patient twice (a patient on two medicines is in
 *    both rows) do not add up to a total; the total holds the patients in none of them plus those
 *    in at least one, the union. A reader then knows only max(rows) ≤ union ≤ Σ rows, which still
 *    pins a cell when the bounds meet (a lone non-zero row equals the union; a union of 1 makes
 *    every non-zero row 1). The union is itself the count of an "any of these" row a table could
 *    show, so a union of 1–4 is protected as a small cell would be. When no patient is in two rows
 *    the plain sum holds, and a reader may guess it: it is checked as a sum as well, and withheld
 *    against, except where every cell of the relation is withheld already — there only the guess,
 *    which the tables cannot confirm, would pin anything, and refusing to publish would hide a
 *    small clinic's whole summary for it.
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

/**
 * `total` = the sum of `members` + the number of patients in the union of `overlapping`, all
 * published cells named by id. `overlapping` are cells that may count one patient more than once;
 * without them the relation is a plain sum.
 */
export interface AdditiveRelation {
  total: string;
  members: readonly string[];
  overlapping?: readonly string[];
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

function sumOf(bounds: readonly Bounds[]): Bounds {
  return bounds.reduce((a, b) => ({ lo: a.lo + b.lo, hi: a.hi + b.hi }), { lo: 0, hi: 0 });
}

/** What the overlapping rows alone tell of their union: at least the largest, at most their sum. */
function unionFromGroups(groups: readonly Bounds[]): Bounds {
  return { lo: Math.max(0, ...groups.map((g) => g.lo)), hi: sumOf(groups).hi };
}

/** One value left: the bounds meet (clipped by what the mark already tells). */
function isPinned(own: Bounds, lo: number, hi: number): boolean {
  return Math.max(own.lo, lo) === Math.min(own.hi, hi);
}

/**
 * True when the relation (Σ members − total = 0), with the published cells substituted, leaves
 * some suppressed cell exactly one possible value.
 */
function pinsInSum(relation: AdditiveRelation, bounds: (id: string) => Bounds, isMarked: (id: string) => boolean): boolean {
  const terms = [...relation.members.map((id) => ({ id, sign: 1 })), { id: relation.total, sign: -1 }].map(({ id, sign }) => ({ id, sign, ...bounds(id) }));
  for (const [i, term] of terms.entries()) {
    if (!isMarked(term.id)) continue;
    // sign·x = −Σ_{j≠i} sign_j·x_j: its range from the others' bounds.
    let othersMin = 0;
    let othersMax = 0;
    for (const [j, other] of terms.entries()) {
      if (j === i) continue;
      othersMin += other.sign > 0 ? other.lo : -other.hi;
      othersMax += other.sign > 0 ? other.hi : -other.lo;
    }
    if (isPinned(term, term.sign > 0 ? -othersMax : othersMin, term.sign > 0 ? -othersMin : othersMax)) return true;
  }
  return false;
}

/**
 * True when total = Σ members + |∪ overlapping| leaves some suppressed cell one possible value,
 * where a reader knows of the union u only max(overlapping) ≤ u ≤ Σ overlapping.
 */
function pinsInUnion(relation: Required<AdditiveRelation>, bounds: (id: string) => Bounds, isMarked: (id: string) => boolean): boolean {
  const total = bounds(relation.total);
  const members = relation.members.map(bounds);
  const groups = relation.overlapping.map(bounds);
  // The union from the groups alone, and from the total less the members.
  const byGroups = unionFromGroups(groups);
  const allMembers = sumOf(members);
  const union = { lo: Math.max(byGroups.lo, total.lo - allMembers.hi), hi: Math.min(byGroups.hi, total.hi - allMembers.lo) };
  if (isMarked(relation.total) && isPinned(total, byGroups.lo + allMembers.lo, byGroups.hi + allMembers.hi)) return true;
  for (const [i, member] of members.entries()) {
    if (!isMarked(relation.members[i]!)) continue;
    const others = sumOf(members.filter((_, j) => j !== i));
    if (isPinned(member, total.lo - others.hi - byGroups.hi, total.hi - others.lo - byGroups.lo)) return true;
  }
  for (const [i, group] of groups.entries()) {
    if (!isMarked(relation.overlapping[i]!)) continue;
    // A group is at most the union, and at least what the union holds beyond all other groups.
    const others = sumOf(groups.filter((_, j) => j !== i));
    if (isPinned(group, union.lo - others.hi, union.hi)) return true;
  }
  return false;
}

/**
 * How a reader could work out, from the relation, a suppressed cell or a union of 1–4 patients:
 * from what the tables say ("known"), or only by assuming, rightly, that no patient is in two of
 * the overlapping rows ("assumed"); undefined when the relation pins nothing.
 */
function pinOf(relation: AdditiveRelation, counts: ReadonlyMap<string, number>, marks: ReadonlyMap<string, Suppression>): "known" | "assumed" | undefined {
  const bounds = (id: string) => boundsOf(countOf(counts, id), marks.get(id));
  const isMarked = (id: string) => marks.has(id);
  const overlapping = relation.overlapping ?? [];
  if (overlapping.length === 0) return pinsInSum(relation, bounds, isMarked) ? "known" : undefined;
  const union = countOf(counts, relation.total) - relation.members.reduce((sum, id) => sum + countOf(counts, id), 0);
  const total = bounds(relation.total);
  const members = sumOf(relation.members.map(bounds));
  const groups = overlapping.map(bounds);
  // The union as a "<5" cell of its own: pinned if what the total and the groups allow meet.
  const pinsSmallUnion = (byGroups: Bounds) =>
    isSmallCount(union) && isPinned(boundsOf(union, "small"), Math.max(byGroups.lo, total.lo - members.hi), Math.min(byGroups.hi, total.hi - members.lo));
  if (pinsInUnion({ ...relation, overlapping }, bounds, isMarked) || pinsSmallUnion(unionFromGroups(groups))) return "known";
  const isDisjoint = overlapping.reduce((sum, id) => sum + countOf(counts, id), 0) === union;
  if (isDisjoint && (pinsInSum({ total: relation.total, members: [...relation.members, ...overlapping] }, bounds, isMarked) || pinsSmallUnion(sumOf(groups)))) return "assumed";
  return undefined;
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
      const pin = pinOf(relation, counts, marks);
      if (!pin) continue;
      const candidates = [...relation.members, ...(relation.overlapping ?? [])]
        .filter((id) => !marks.has(id) && countOf(counts, id) > 0)
        .sort((a, b) => countOf(counts, a) - countOf(counts, b) || a.localeCompare(b));
      const withheld = candidates[0] ?? relation.total;
      if (marks.has(withheld)) {
        // Every cell is withheld already: the tables alone leave the cells open, only the guess of no overlap pins them.
        if (pin === "assumed") continue;
        throw new Error(`suppression: cannot protect relation with total "${relation.total}"`);
      }
      marks.set(withheld, "complementary");
      changed = true;
    }
  }
  return marks;
}
