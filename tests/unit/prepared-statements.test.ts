import { describe, expect, it } from "vitest";
import { NAMED_STATEMENTS_LIMIT, statementNamer } from "@/lib/data/db/prepared-statements";
import { parseEnv } from "@/lib/config/env";

describe("names for prepared PostgreSQL statements (lib/data/db/prepared-statements.ts)", () => {
  it("one text has one name, in this process and in another (a hash of the text)", () => {
    const sql = 'SELECT "id" FROM "Patient" WHERE "id" = $1';
    const name = statementNamer()({ sql });
    expect(name).toMatch(/^p_[A-Za-z0-9_-]{32}$/);
    expect(statementNamer()({ sql })).toBe(name);
  });

  it("different texts have different names", () => {
    const namer = statementNamer();
    expect(namer({ sql: "SELECT 1" })).not.toBe(namer({ sql: "SELECT 2" }));
  });

  it("a statement longer than 3,000 characters is sent unnamed; one of 3,000 is named", () => {
    const namer = statementNamer();
    expect(namer({ sql: "x".repeat(3000) })).toBeDefined();
    expect(namer({ sql: "x".repeat(3001) })).toBeUndefined();
  });

  it("names at most `limit` distinct texts; those already named keep their names", () => {
    const namer = statementNamer(3);
    const names = ["a", "b", "c"].map((sql) => namer({ sql }));
    expect(names.every((n) => n !== undefined)).toBe(true);
    expect(namer({ sql: "d" })).toBeUndefined();
    expect(namer({ sql: "b" })).toBe(names[1]);
    expect(NAMED_STATEMENTS_LIMIT).toBe(256);
  });

  it("PG_PREPARED_STATEMENTS is on unless set to off, and refuses anything else by name", () => {
    expect(parseEnv({}).PG_PREPARED_STATEMENTS).toBe(true);
    expect(parseEnv({ PG_PREPARED_STATEMENTS: "off" }).PG_PREPARED_STATEMENTS).toBe(false);
    expect(() => parseEnv({ PG_PREPARED_STATEMENTS: "no" })).toThrow(/PG_PREPARED_STATEMENTS/);
  });
});
