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
 *    suppressed cell to one value, another published non-zero cell of that relation is withheld as
 *    well ("*"); if none is left, the total is withheld. This repeats until no relation pins any
 *    suppressed cell — the row-by-row and column-by-column heuristic of the hypercube method
 *    (Hundepool et al. §5.5), not a full linear-programming audit across relations. Which cell:
 *    the one that costs the reader least, the usual choice in secondary suppression (the cost of a
 *    cell is its count — the cell-value cost function of Hundepool et al. 2012 ch. 4 on secondary
 *    cell suppression — so complements are the smallest cells that do the job), with totals ten
 *    times dearer and the cells a choice forces in turn counted with it, so a large total — all men, the clinic — is withheld only when no set of smaller
 *    cells protects the small one. Complements that turn out not to be needed are released.
 *    When a total must go (4 patients of unknown sex beside 566 women and 430 men in a clinic of
 *    1000: one of the sexes' totals), it is shown as the range the other numbers put it in
 *    ("430–433"; {@link readerRanges}), which tells a reader nothing new.
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
 * step 2 uses exactly those bounds (a range shown for a "*" cell follows from them). Percentages derived from a suppressed count, or from a
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

/**
 * A withheld "*" count is shown as the range the published numbers put it in ("430–433") when that
 * range holds fewer values than this; wider ranges say little and are shown as "*".
 */
export const RANGE_SHOWN_BELOW_WIDTH = 2 * SMALL_CELL_THRESHOLD;

export const SUPPRESSION_NOTE =
  `“<${SMALL_CELL_THRESHOLD}”: 1 to ${SMALL_CELL_THRESHOLD - 1} patients. “*” or a range such as “430–433”: withheld so that a small count cannot be worked out by subtraction from a total; a range is what the other published numbers already tell of it.`;

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
 * What withholding a cell costs the reader: its count (the cell-value cost of secondary
 * suppression, so complements are the smallest cells that do the job), ten times over for a cell
 * that is the total of some relation. Totals — a row or column margin, the clinic's patients, all
 * men — are the numbers an analyst reads first and the ones other tables are checked against, so
 * they are kept whenever interior cells can protect the small cell instead. The factor is ours;
 * any factor above 1 keeps a total from being chosen over interior cells of the same size, and 10
 * makes a total of 430 dearer than every interior choice short of 4,300 patients.
 */
export const TOTAL_COST_FACTOR = 10;

type Marks = Map<string, Suppression>;

/**
 * The cells that could be withheld to stop `relation` pinning a cell: undefined when it pins
 * nothing (or only by a guess, with every cell of it withheld already), empty when nothing is left
 * to withhold. Interior cells (members) come first; the relation's own total only when no member
 * is left, as the hypercube method keeps complements inside the table.
 */
function complementsFor(relation: AdditiveRelation, counts: ReadonlyMap<string, number>, marks: Marks): string[] | undefined {
  // A plain sum with nothing withheld pins nothing (the common case, checked without allocating).
  if (!relation.overlapping?.length && !marks.has(relation.total) && !relation.members.some((id) => marks.has(id))) return undefined;
  const pin = pinOf(relation, counts, marks);
  if (!pin) return undefined;
  const members = [...relation.members, ...(relation.overlapping ?? [])].filter((id) => !marks.has(id) && countOf(counts, id) > 0);
  if (members.length > 0) return members;
  if (!marks.has(relation.total)) return [relation.total];
  // Every cell is withheld already: the tables alone leave the cells open, only the guess of no overlap pins them.
  return pin === "assumed" ? undefined : [];
}

class UnprotectableError extends Error {}

interface Suppressor {
  counts: ReadonlyMap<string, number>;
  relations: readonly AdditiveRelation[];
  /** The relations (by index) each cell is in: only these can change when the cell is withheld or released. */
  relationsOf: ReadonlyMap<string, readonly number[]>;
  cost: (id: string) => number;
}

/** Cheapest first: by cost, then by count, then by id (so the result does not depend on input order). */
function byCost(s: Suppressor): (a: string, b: string) => number {
  return (a, b) => s.cost(a) - s.cost(b) || countOf(s.counts, a) - countOf(s.counts, b) || a.localeCompare(b);
}

function costOf(s: Suppressor, marks: Marks): number {
  let cost = 0;
  for (const [id, mark] of marks) if (mark === "complementary") cost += s.cost(id);
  return cost;
}

/** Relations still to check, by index (1 = pending). */
type Pending = Uint8Array<ArrayBuffer>;

type Choose = (candidates: string[], marks: Marks, pending: Pending) => string;

function withRelationsOf(s: Suppressor, pending: Pending, id: string): Pending {
  const next = pending.slice();
  for (const index of s.relationsOf.get(id) ?? []) next[index] = 1;
  return next;
}

/**
 * Adds complements until no relation pins a cell: the pending relations in order, each time the
 * candidate `choose` picks, after which the relations of the withheld cell are checked again.
 * Throws when a relation pins a cell and nothing is left to withhold.
 */
function complete(s: Suppressor, start: Marks, startPending: Pending, choose: Choose): Marks {
  const marks = new Map(start);
  let pending = startPending.slice();
  for (let index = pending.indexOf(1); index !== -1; index = pending.indexOf(1)) {
    const relation = s.relations[index]!;
    const candidates = complementsFor(relation, s.counts, marks);
    if (!candidates) {
      pending[index] = 0;
      continue;
    }
    if (candidates.length === 0) throw new UnprotectableError(`suppression: cannot protect relation with total "${relation.total}"`);
    const id = choose(candidates, marks, pending);
    marks.set(id, "complementary");
    pending = withRelationsOf(s, pending, id);
  }
  return marks;
}

/** The cheapest candidate by its own cost. */
function cheapest(s: Suppressor): Choose {
  return (candidates) => [...candidates].sort(byCost(s))[0]!;
}

/**
 * The candidate whose choice costs least once everything it sets off is withheld too (each
 * candidate is tried and the rest completed cheapest-first): withholding the 150 men aged 70–79
 * to protect 2 patients of unknown sex is cheap on its face, but when they are all the clinic's
 * men it withholds the men's total as well, and the 300 women of that band would have done.
 */
function cheapestWithConsequences(s: Suppressor): Choose {
  return (candidates, marks, pending) => {
    if (candidates.length === 1) return candidates[0]!;
    let best: { id: string; cost: number } | undefined;
    for (const id of [...candidates].sort(byCost(s))) {
      let cost = Number.POSITIVE_INFINITY;
      try {
        cost = costOf(s, complete(s, new Map(marks).set(id, "complementary"), withRelationsOf(s, pending, id), cheapest(s)));
      } catch (error) {
        if (!(error instanceof UnprotectableError)) throw error;
      }
      if (!best || cost < best.cost) best = { id, cost };
    }
    return best!.id;
  };
}

/**
 * The cells to withhold from a set of published counts (by id) linked by additive relations.
 * Returns only the suppressed cells; every other cell is published exactly.
 *
 * Complements are chosen by least cost, looking one choice ahead ({@link TOTAL_COST_FACTOR}); a
 * heuristic choosing one cell at a time can still withhold more than it needs, so at the end every
 * complement is tried for release, dearest first, and released when the table stays protected
 * without it (the clean-up step of suppression heuristics: Hundepool et al. 2012 ch. 4).
 */
export function suppressSmallCells(counts: ReadonlyMap<string, number>, relations: readonly AdditiveRelation[]): Map<string, Suppression> {
  const totals = new Set(relations.map((r) => r.total));
  const relationsOf = new Map<string, number[]>();
  relations.forEach((relation, index) => {
    for (const id of new Set([relation.total, ...relation.members, ...(relation.overlapping ?? [])])) relationsOf.set(id, [...(relationsOf.get(id) ?? []), index]);
  });
  const s: Suppressor = { counts, relations, relationsOf, cost: (id) => countOf(counts, id) * (totals.has(id) ? TOTAL_COST_FACTOR : 1) };
  const primary: Marks = new Map();
  for (const [id, count] of counts) if (isSmallCount(count)) primary.set(id, "small");
  let marks: Marks;
  try {
    marks = complete(s, primary, new Uint8Array(relations.length).fill(1), cheapestWithConsequences(s));
  } catch (error) {
    throw error instanceof UnprotectableError ? new Error(error.message) : error;
  }
  const complements = [...marks].filter(([, mark]) => mark === "complementary").map(([id]) => id);
  for (const id of complements.sort(byCost(s)).reverse()) {
    marks.delete(id);
    // Only the relations of the released cell can start pinning a cell again.
    const isStillProtected = (relationsOf.get(id) ?? []).every((index) => complementsFor(relations[index]!, counts, marks) === undefined);
    if (!isStillProtected) marks.set(id, "complementary");
  }
  return marks;
}

/** The counts a reader can narrow a withheld cell to; `hi` is infinite when nothing bounds it from above. */
export interface ReaderRange {
  lo: number;
  hi: number;
}

/**
 * For every withheld cell, the range of counts a reader can work out from its mark and any one
 * plain-sum relation (the cell = the total less the other members, each at its published value
 * or the bounds of its mark), intersected over the relations it is in — the feasibility interval
 * of Hundepool et al. (2012, ch. 4), here relation by relation. It is computed from published
 * numbers and marks only, so publishing it tells a reader nothing the tables did not already.
 * Overlapping relations are left out: they only ever narrow a range, and a wider range is still
 * true. A range the relations narrow to one value is not returned (it would be a disclosure made
 * plain; the suppression guarantees no single relation does this).
 */
export function readerRanges(counts: ReadonlyMap<string, number>, marks: ReadonlyMap<string, Suppression>, relations: readonly AdditiveRelation[]): Map<string, ReaderRange> {
  const bounds = (id: string) => boundsOf(countOf(counts, id), marks.get(id));
  const ranges = new Map<string, ReaderRange>();
  for (const [id, mark] of marks) ranges.set(id, boundsOf(countOf(counts, id), mark));
  for (const relation of relations) {
    if (relation.overlapping && relation.overlapping.length > 0) continue;
    const members = relation.members.map(bounds);
    const total = bounds(relation.total);
    const narrow = (id: string, lo: number, hi: number) => {
      const range = ranges.get(id);
      if (range) ranges.set(id, { lo: Math.max(range.lo, lo), hi: Math.min(range.hi, hi) });
    };
    const all = sumOf(members);
    narrow(relation.total, all.lo, all.hi);
    relation.members.forEach((id, i) => {
      const others = sumOf(members.filter((_, j) => j !== i));
      narrow(id, total.lo - others.hi, total.hi - others.lo);
    });
  }
  for (const [id, range] of ranges) if (range.lo >= range.hi) ranges.delete(id);
  return ranges;
}
