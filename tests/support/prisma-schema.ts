/**
 * A small reader of prisma/schema.prisma: models, their scalar columns (with nullability) and
 * their indexes. Enough to check a migrated database against the schema without Prisma's
 * engines (which we cannot download). Relation fields (whose type is another model) are skipped.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface ExpectedModel {
  name: string;
  columns: Map<string, { nullable: boolean }>;
  /** "unique:a,b" / "index:a,b" */
  indexes: Set<string>;
}

const SCALARS = new Set(["String", "Int", "Float", "Boolean", "DateTime", "BigInt", "Decimal", "Json", "Bytes"]);

export function readPrismaSchema(path = join(process.cwd(), "prisma", "schema.prisma")): ExpectedModel[] {
  const text = readFileSync(path, "utf8").replace(/\/\/.*$/gm, "");
  const models: ExpectedModel[] = [];
  for (const match of text.matchAll(/model\s+(\w+)\s*\{([\s\S]*?)\n\}/g)) {
    const [, name, body] = match;
    const model: ExpectedModel = { name: name!, columns: new Map(), indexes: new Set() };
    for (const raw of body!.split("\n")) {
      const line = raw.trim();
      if (!line) continue;
      const block = /^@@(index|unique)\(\[([^\]]+)\]/.exec(line);
      if (block) {
        const columns = block[2]!.split(",").map((c) => c.trim().replace(/\(.*\)$/, ""));
        model.indexes.add(`${block[1] === "unique" ? "unique" : "index"}:${columns.join(",")}`);
        continue;
      }
      const field = /^(\w+)\s+(\w+)(\?|\[\])?/.exec(line);
      if (!field || !SCALARS.has(field[2]!)) continue;
      model.columns.set(field[1]!, { nullable: field[3] === "?" });
      if (/@unique\b/.test(line)) model.indexes.add(`unique:${field[1]}`);
    }
    models.push(model);
  }
  return models;
}
