import path from "node:path";

/**
 * The test data the suite reads: tests/fixtures/ (its README.md gives each folder's source and
 * licence). Tests run from the repository root, as vitest and Playwright are started there.
 */
export const FIXTURES = path.resolve(process.cwd(), "tests", "fixtures");

/** A path inside tests/fixtures/, e.g. `fixturePath("contract", "sample-assessments.csv")`. */
export function fixturePath(...parts: string[]): string {
  return path.join(FIXTURES, ...parts);
}
