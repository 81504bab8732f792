// Adds up the JSON reports of every test run into one closing line: "N passed, N failed".
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const USAGE = "usage: node scripts/test-summary.mjs <folder of vitest/playwright JSON reports>";
if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const dir = process.argv[2];
if (!dir) {
  console.error(USAGE);
  process.exit(2);
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
  const report = JSON.parse(readFileSync(join(dir, file), "utf8"));
  let p, f, s;
  if ("numPassedTests" in report) {
    p = report.numPassedTests; f = report.numFailedTests; s = report.numPendingTests + (report.numTodoTests ?? 0);
  } else {
    p = report.stats.expected; f = report.stats.unexpected + report.stats.flaky; s = report.stats.skipped;
  }
  console.log(`${file.replace(/\.json$/, "").padEnd(24)} ${p} passed, ${f} failed${s ? `, ${s} skipped` : ""}`);
  passed += p; failed += f; skipped += s;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
