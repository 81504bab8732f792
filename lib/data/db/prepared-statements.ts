import { createHash } from "node:crypto";

/** Distinct statements a process names (so each pooled connection prepares at most this many). */
export const NAMED_STATEMENTS_LIMIT = 256;
/** Longer statements (bulk inserts, long id lists) are sent unnamed: rarely repeated, costly to keep. */
const NAMED_STATEMENT_MAX_CHARS = 3000;

/**
 * Names for the PostgreSQL statements Prisma sends (the `statementNameGenerator` of
 * `@prisma/adapter-pg`). A named statement is parsed once per connection, and after a few runs
 * PostgreSQL plans it once too (its generic plan); an unnamed one is parsed and planned on every
 * call. On a panel call that planning was most of the database's work for the page's rows (1.5 ms
 * planned against 1.7 ms run, `EXPLAIN ANALYZE`), and naming cut PostgreSQL's CPU for the search
 * bench by 18 % (docs/benchmarks.md, "Prepared statements on PostgreSQL").
 *
 * The name is a hash of the statement's text, so one text has one name on every connection and in
 * every app instance. Both the driver and each PostgreSQL session keep every statement prepared
 * on them for the connection's life, so only the first NAMED_STATEMENTS_LIMIT distinct texts up to
 * NAMED_STATEMENT_MAX_CHARS long are named; the rest run unnamed, as before.
 */
export function statementNamer(limit = NAMED_STATEMENTS_LIMIT): (query: { sql: string }) => string | undefined {
  const names = new Map<string, string>();
  return ({ sql }) => {
    const known = names.get(sql);
    if (known !== undefined) return known;
    if (names.size >= limit || sql.length > NAMED_STATEMENT_MAX_CHARS) return undefined;
    const name = `p_${createHash("sha256").update(sql).digest("base64url").slice(0, 32)}`;
    names.set(sql, name);
    return name;
  };
}
