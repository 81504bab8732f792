import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProvider, type TestDatabase } from "../support/test-db";
import { databaseKind, type Db } from "@/lib/data/db/client";
import { transactionConnection } from "@/lib/data/db/sqlite-connection";

/**
 * lib/data/db/sqlite-connection.ts hands the bulk paths the better-sqlite3 connection under a Prisma
 * transaction client. It is safe only because a statement run on that connection belongs to the
 * Prisma transaction: it commits with it and rolls back with it, and the base client (outside any
 * transaction) is refused. On PostgreSQL there is no such connection.
 */
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  await t?.drop();
});

const INSERT_CLINIC = 'INSERT INTO "Clinic" ("id", "name", "slug") VALUES (?, ?, ?)';
const clinicSlugs = async () => (await t.db.clinic.findMany({ select: { slug: true }, orderBy: { slug: "asc" } })).map((c) => c.slug);

describe.runIf(testProvider() === "sqlite")("the SQLite connection of a Prisma transaction", () => {
  it("commits a direct statement together with the transaction's Prisma writes", async () => {
    await t.db.$transaction(async (tx) => {
      await tx.clinic.create({ data: { name: "Through Prisma", slug: "commit-prisma" } });
      const direct = transactionConnection(tx);
      expect(direct).not.toBeNull();
      direct!.prepare(INSERT_CLINIC).run("commit-direct-id", "Direct", "commit-direct");
      // The Prisma client inside the transaction sees the direct row: one connection, one transaction.
      expect(await tx.clinic.count({ where: { slug: "commit-direct" } })).toBe(1);
    });
    expect(await clinicSlugs()).toEqual(["commit-direct", "commit-prisma"]);
  });

  it("rolls a direct statement back with the transaction when the callback fails", async () => {
    const failure = new Error("stop after writing");
    await expect(
      t.db.$transaction(async (tx) => {
        await tx.clinic.create({ data: { name: "Through Prisma", slug: "rollback-prisma" } });
        transactionConnection(tx)!.prepare(INSERT_CLINIC).run("rollback-direct-id", "Direct", "rollback-direct");
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await clinicSlugs()).toEqual(["commit-direct", "commit-prisma"]);
  });

  it("rolls it back when the database refuses a later statement of the same transaction", async () => {
    await expect(
      t.db.$transaction(async (tx) => {
        const direct = transactionConnection(tx)!;
        direct.prepare(INSERT_CLINIC).run("unique-1", "Direct", "unique-direct");
        // The same slug again violates the unique index: the whole transaction is undone.
        await tx.clinic.create({ data: { name: "Duplicate", slug: "unique-direct" } });
      }),
    ).rejects.toThrow();
    expect(await clinicSlugs()).toEqual(["commit-direct", "commit-prisma"]);
  });

  it("refuses the base client, whose statements could land in another caller's transaction", () => {
    expect(() => transactionConnection(t.db)).toThrow(/need a transaction client/);
  });

  it("reuses one prepared statement per SQL text within the connection", async () => {
    await t.db.$transaction(async (tx) => {
      const direct = transactionConnection(tx)!;
      expect(direct.prepare(INSERT_CLINIC)).toBe(direct.prepare(INSERT_CLINIC));
      await tx.clinic.count();
    });
  });
});

describe.runIf(testProvider() === "postgresql")("a PostgreSQL transaction", () => {
  it("has no direct connection: the bulk paths use their PostgreSQL statements", async () => {
    await t.db.$transaction(async (tx) => {
      expect(transactionConnection(tx)).toBeNull();
      await tx.clinic.count();
    });
    expect(transactionConnection(t.db)).toBeNull();
  });
});

describe("the database kind (lib/data/db/client.ts databaseKind)", () => {
  it("is the test's provider, for the client and for a transaction client alike", async () => {
    expect(databaseKind(t.db)).toBe(testProvider());
    await t.db.$transaction(async (tx) => {
      expect(databaseKind(tx)).toBe(testProvider());
      await tx.clinic.count();
    });
  });

  it("is refused for a client the data layer did not make, instead of guessed", () => {
    expect(() => databaseKind({} as Db)).toThrow(/not made by createDb/);
  });
});
