import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-db";
import { readPrismaSchema } from "../support/prisma-schema";

interface ActualTable {
  columns: Map<string, { nullable: boolean }>;
  indexes: Set<string>;
}

async function introspect(t: TestDatabase): Promise<Map<string, ActualTable>> {
  const tables = new Map<string, ActualTable>();
  if (t.provider === "sqlite") {
    const names = await t.db.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('_app_migrations', '_app_backfills')`);
    for (const { name } of names) {
      const cols = await t.db.$queryRawUnsafe<{ name: string; notnull: number | bigint; pk: number | bigint }[]>(`PRAGMA table_info("${name}")`);
      const indexes = new Set<string>();
      for (const idx of await t.db.$queryRawUnsafe<{ name: string; unique: number | bigint; origin: string }[]>(`PRAGMA index_list("${name}")`)) {
        if (idx.origin === "pk") continue;
        const info = await t.db.$queryRawUnsafe<{ name: string; seqno: number | bigint }[]>(`PRAGMA index_info("${idx.name}")`);
        const columns = info.sort((a, b) => Number(a.seqno) - Number(b.seqno)).map((c) => c.name);
        indexes.add(`${Number(idx.unique) ? "unique" : "index"}:${columns.join(",")}`);
      }
      tables.set(name, { columns: new Map(cols.map((c) => [c.name, { nullable: !Number(c.notnull) && !Number(c.pk) }])), indexes });
    }
  } else {
    const cols = await t.db.$queryRawUnsafe<{ table_name: string; column_name: string; is_nullable: string }[]>(
      `SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT IN ('_app_migrations', '_app_backfills')`,
    );
    for (const c of cols) {
      const table = tables.get(c.table_name) ?? { columns: new Map(), indexes: new Set() };
      table.columns.set(c.column_name, { nullable: c.is_nullable === "YES" });
      tables.set(c.table_name, table);
    }
    const idx = await t.db.$queryRawUnsafe<{ tablename: string; indexname: string; indexdef: string }[]>(
      `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND tablename NOT IN ('_app_migrations', '_app_backfills')`,
    );
    for (const i of idx) {
      const columns = /\((.+)\)/.exec(i.indexdef)![1]!.split(",").map((c) => c.trim().replace(/"/g, "").replace(/\s+(ASC|DESC)$/i, ""));
      tables.get(i.tablename)?.indexes.add(`${/CREATE UNIQUE INDEX/.test(i.indexdef) ? "unique" : "index"}:${columns.join(",")}`);
    }
  }
  return tables;
}

/**
 * Indexes a migration adds by hand because Prisma's schema, shared by both providers, cannot say
 * them for one: the trigram index of PostgreSQL searches (migration `patient_search_trigrams`).
 */
const HAND_WRITTEN_INDEXES: Record<TestDatabase["provider"], Record<string, string[]>> = {
  sqlite: {},
  postgresql: { Patient: ["index:searchText gin_trgm_ops"] },
};

describe("the migrated database matches prisma/schema.prisma", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it(`has every model, column, nullability and index, and nothing else`, async () => {
    const expected = readPrismaSchema();
    const actual = await introspect(t);
    expect([...actual.keys()].sort()).toEqual(expected.map((m) => m.name).sort());
    for (const model of expected) {
      const table = actual.get(model.name)!;
      expect(Object.fromEntries(table.columns), `${t.provider}: columns of ${model.name}`).toEqual(Object.fromEntries(model.columns));
      const handWritten = HAND_WRITTEN_INDEXES[t.provider][model.name] ?? [];
      expect([...table.indexes].filter((i) => !handWritten.includes(i)).sort(), `${t.provider}: indexes of ${model.name}`).toEqual([...model.indexes].sort());
    }
  });
});
