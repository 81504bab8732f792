/**
 * k-anonymity for a patient-level file by local suppression (Sweeney, "k-anonymity: a model for
 * protecting privacy", 2002; Hundepool et al., "Statistical Disclosure Control", Wiley 2012, ch. 3,
 * local suppression of quasi-identifiers as μ-ARGUS does it): a row is published only when at
 * least k published rows are identical in every column, so that any count a reader makes from the
 * file is 0 or at least k.
 *
 * Withholding every row of a rare combination throws away whole patients for one rare value — in
 * a clinic of 1,000 a rare list of open flags or of medicines is enough. So a row first gives up
 * its least needed cells, one column at a time in a fixed order, and is withheld only when even
 * then fewer than k rows share what is left:
 *
 *   step 0: rows whose full combination at least k rows share are published as they are;
 *   step s: the rows left have the first s columns of `suppressionOrder` replaced by
 *           {@link SUPPRESSED_CELL}; those sharing the rest with at least k − 1 others are published;
 *   rows left after the last step are withheld.
 *
 * Rows published at different steps never look alike (they differ in which cells are suppressed),
 * so every published combination is shared by at least k rows. The order is fixed and public. A
 * reader who knows it learns from a suppressed cell only that the row's value was one that fewer
 * than k rows shared with the rest of the row — and a published group of k rows holds at least two
 * different such values in its last suppressed column (had they all been one value, the rows would
 * have been published a step earlier), so no row's value can be read back from its group.
 */

/** What a cell withheld by local suppression reads. */
export const SUPPRESSED_CELL = "*";

export interface KAnonymised<Cell> {
  /** Each input row as published (some cells {@link SUPPRESSED_CELL}), or null when withheld. */
  rows: (Cell[] | null)[];
  /** Rows published after suppressing cells, by how many columns they lost (index 0: none). */
  publishedBySteps: number[];
  withheld: number;
}

/**
 * @param rows the quasi-identifying columns of each row (no pseudonym), in file order
 * @param patterns the sets of columns (by index) a row may lose, tried in this order after
 *   losing none; usually each a superset of the one before, cheapest first
 */
export function kAnonymise<Cell>(rows: readonly (readonly Cell[])[], k: number, patterns: readonly (readonly number[])[]): KAnonymised<Cell | typeof SUPPRESSED_CELL> {
  const published: ((Cell | typeof SUPPRESSED_CELL)[] | null)[] = rows.map(() => null);
  const publishedBySteps: number[] = [];
  let left = rows.map((_, index) => index);
  for (const pattern of [[], ...patterns]) {
    if (left.length === 0) break;
    const suppressed = new Set(pattern);
    const asPublished = (index: number) => rows[index]!.map((cell, column) => (suppressed.has(column) ? SUPPRESSED_CELL : cell));
    const groups = new Map<string, number[]>();
    for (const index of left) {
      const key = JSON.stringify(asPublished(index));
      const group = groups.get(key);
      if (group) group.push(index);
      else groups.set(key, [index]);
    }
    const stillLeft: number[] = [];
    let count = 0;
    for (const group of groups.values()) {
      if (group.length >= k) {
        for (const index of group) published[index] = asPublished(index);
        count += group.length;
      } else {
        stillLeft.push(...group);
      }
    }
    publishedBySteps.push(count);
    left = stillLeft;
  }
  return { rows: published, publishedBySteps, withheld: left.length };
}
