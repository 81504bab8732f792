import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { ESLint } from "eslint";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The floor plan is checked by ESLint (eslint.config.mjs), not by memory: each rule is run here,
 * through ESLint's own API with the project's configuration, on a deliberately wrong import — and
 * on a right one, so a rule that refuses everything would fail too.
 */
const ROOT = process.cwd();
/** Linting with the type-aware import resolver takes seconds, more on a loaded machine. */
const LINT_TIMEOUT = 120_000;
const eslint = new ESLint({ cwd: ROOT });

const PROBE = `lint-probe-${randomBytes(4).toString("hex")}`;

/**
 * The messages of the rule `ruleId` for `code` as the file `file` (its name made unique): written
 * there for the moment it is linted, since the import rules read the files they resolve.
 */
async function problems(file: string, code: string, ruleId: string): Promise<string[]> {
  const probe = path.join(ROOT, path.dirname(file), `${PROBE}-${path.basename(file)}`);
  writeFileSync(probe, code);
  try {
    const [result] = await eslint.lintFiles([probe]);
    return (result?.messages ?? []).filter((m) => m.ruleId === ruleId).map((m) => m.message);
  } finally {
    rmSync(probe, { force: true });
  }
}

describe("layer boundaries (import/no-restricted-paths)", () => {
  const rule = "import/no-restricted-paths";

  it("lib/domain imports nothing from the rest of the project, by alias or by relative path", async () => {
    expect(await problems("lib/domain/probe.ts", 'import { checkPlausibility } from "@/lib/validation/measurement";\nexport const x = checkPlausibility;\n', rule)).toEqual([
      expect.stringContaining("lib/domain is the pure clinical core"),
    ]);
    expect(await problems("lib/domain/probe.ts", 'import { AppError } from "../errors";\nexport const x = AppError;\n', rule)).toHaveLength(1);
    expect(await problems("lib/domain/probe.ts", 'import { getDb } from "@/lib/data/db/client";\nexport const x = getDb;\n', rule)).toHaveLength(1);
    // Its own files are fine.
    expect(await problems("lib/domain/probe.ts", 'import { TIERS } from "./types";\nimport { toIsoDate } from "@/lib/domain/dates";\nexport const x = [TIERS, toIsoDate];\n', rule)).toEqual([]);
  }, LINT_TIMEOUT);

  it("lib/data never imports lib/auth; lib/auth may import lib/data", async () => {
    expect(await problems("lib/data/patients/probe.ts", 'import { getActor } from "@/lib/auth/session";\nexport const x = getActor;\n', rule)).toEqual([
      expect.stringContaining("lib/data never imports lib/auth"),
    ]);
    expect(await problems("lib/auth/probe.ts", 'import { getDb } from "@/lib/data/db/client";\nexport const x = getDb;\n', rule)).toEqual([]);
  }, LINT_TIMEOUT);

  it("only lib/data imports the Prisma client, generated or from its packages", async () => {
    const generated = 'import { PrismaClient } from "@/lib/generated/prisma-sqlite/client";\nexport const x = PrismaClient;\n';
    const adapter = 'import { PrismaPg } from "@prisma/adapter-pg";\nexport const x = PrismaPg;\n';
    for (const file of ["app/probe.ts", "lib/auth/probe.ts", "lib/domain/probe.ts", "scripts/probe.ts", "tests/integration/probe.int.test.ts"]) {
      // lib/domain also hears that it imports nothing from outside itself.
      expect(await problems(file, generated, rule), file).toEqual(expect.arrayContaining([expect.stringContaining("Only lib/data talks to the database")]));
      expect(await problems(file, adapter, rule), file).toEqual(expect.arrayContaining([expect.stringContaining("Only lib/data talks to the database")]));
    }
    expect(await problems("lib/data/db/probe.ts", generated, rule)).toEqual([]);
    expect(await problems("lib/data/db/probe.ts", adapter, rule)).toEqual([]);
  }, LINT_TIMEOUT);
});

describe("import cycles (import/no-cycle)", () => {
  const dir = path.join(ROOT, "lib", "data", PROBE);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses two files that import each other, and not a one-way import", async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "a.ts"), 'import { b } from "./b";\nexport const a = () => b;\n');
    writeFileSync(path.join(dir, "b.ts"), 'import { a } from "./a";\nexport const b = () => a;\n');
    writeFileSync(path.join(dir, "c.ts"), 'import { d } from "./d";\nexport const c = () => d;\n');
    writeFileSync(path.join(dir, "d.ts"), "export const d = 1;\n");
    const results = await eslint.lintFiles([path.join(dir, "*.ts")]);
    const cycles = Object.fromEntries(results.map((r) => [path.basename(r.filePath), r.messages.filter((m) => m.ruleId === "import/no-cycle").length]));
    expect(cycles).toEqual({ "a.ts": 1, "b.ts": 1, "c.ts": 0, "d.ts": 0 });
  }, LINT_TIMEOUT);
});
