import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testProvider, type TestDatabase } from "../support/test-db";
import { databaseKind, type Db, type Tx } from "@/lib/data/db/client";
import { transactionConnection } from "@/lib/data/db/sqlite-connection";
import { pgTransactionConnection } from "@/lib/data/db/pg-connection";

/**
 * lib/data/db/sqlite-connection.ts and lib/data/db/pg-connection.ts hand the bulk paths the driver's
 * connection under a Prisma transaction client (better-sqlite3's, pg's). That is safe only because a
 * statement run on that connection belongs to the Prisma transaction: it commits with it and rolls
 * back with it, two PostgreSQL transactions at once get their own connections, and the base client
 * (outside any transaction) is refused.
 */
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  await t?.drop();
});

const INSERT_CLINIC = 'INSERT INTO "Clinic" ("id", "name", "slug") VALUES (?, ?, ?)';
const INSERT_CLINIC_PG = 'INSERT INTO "Clinic" ("id", "name", "slug") VALUES ($1, $2, $3)';
const clinicSlugs = async () => (await t.db.clinic.findMany({ select: { slug: true }, orderBy: { slug: "asc" } })).map((c) => c.slug);

/** Inserts a clinic with a statement sent on the transaction's own driver connection, not through Prisma. */
async function insertDirect(tx: Tx, id: string, slug: string): Promise<void> {
  if (testProvider() === "sqlite") {
    const direct = transactionConnection(tx);
    expect(direct).not.toBeNull();
    direct!.prepare(INSERT_CLINIC).run(id, "Direct", slug);
  } else {
    const direct = await pgTransactionConnection(tx);
    expect(direct).not.toBeNull();
    await direct!.query(INSERT_CLINIC_PG, [id, "Direct", slug]);
  }
}

describe(`the driver connection of a Prisma transaction (${testProvider()})`, () => {
  it("commits a direct statement together with the transaction's Prisma writes", async () => {
    await t.db.$transaction(async (tx) => {
      await tx.clinic.create({ data: { name: "Through Prisma", slug: "commit-prisma" } });
      await insertDirect(tx, "commit-direct-id", "commit-direct");
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
        await insertDirect(tx, "rollback-direct-id", "rollback-direct");
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await clinicSlugs()).toEqual(["commit-direct", "commit-prisma"]);
  });

  it("rolls it back when the database refuses a later statement of the same transaction", async () => {
    await expect(
      t.db.$transaction(async (tx) => {
        await insertDirect(tx, "unique-1", "unique-direct");
        // The same slug again violates the unique index: the whole transaction is undone.
        await tx.clinic.create({ data: { name: "Duplicate", slug: "unique-direct" } });
      }),
    ).rejects.toThrow();
    expect(await clinicSlugs()).toEqual(["commit-direct", "commit-prisma"]);
  });
});

describe.runIf(testProvider() === "sqlite")("the SQLite connection", () => {
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

  it("is the only one: a SQLite client has no pg connection", async () => {
    await t.db.$transaction(async (tx) => {
      expect(await pgTransactionConnection(tx)).toBeNull();
      await tx.clinic.count();
    });
    expect(await pgTransactionConnection(t.db)).toBeNull();
  });
});

describe.runIf(testProvider() === "postgresql")("the pg connection", () => {
  it("is not visible outside the transaction before it commits", async () => {
    await expect(
      t.db.$transaction(async (tx) => {
        await insertDirect(tx, "uncommitted-id", "uncommitted");
        expect(await tx.clinic.count({ where: { slug: "uncommitted" } })).toBe(1);
        expect(await t.db.clinic.count({ where: { slug: "uncommitted" } })).toBe(0);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await t.db.clinic.count({ where: { slug: "uncommitted" } })).toBe(0);
  });

  it("refuses a statement once its transaction has committed (the connection is back in the pool)", async () => {
    let kept: Awaited<ReturnType<typeof pgTransactionConnection>> = null;
    await t.db.$transaction(async (tx) => {
      kept = await pgTransactionConnection(tx);
      await tx.clinic.count();
    });
    await expect(kept!.query(INSERT_CLINIC_PG, ["after-commit-id", "Direct", "after-commit"])).rejects.toThrow(/transaction has ended/);
    expect(await t.db.clinic.count({ where: { slug: "after-commit" } })).toBe(0);
  });

  it("refuses a statement after Prisma's timeout rolled the transaction back, while its callback still runs", async () => {
    let late: unknown = null;
    await expect(
      t.db.$transaction(
        async (tx) => {
          const direct = (await pgTransactionConnection(tx))!;
          await new Promise((resolve) => setTimeout(resolve, 600));
          late = await direct.query(INSERT_CLINIC_PG, ["after-timeout-id", "Direct", "after-timeout"]).catch((error: unknown) => error);
        },
        { timeout: 200 },
      ),
    ).rejects.toThrow();
    expect(late).toBeInstanceOf(Error);
    expect(String(late)).toMatch(/transaction has ended/);
    expect(await t.db.clinic.count({ where: { slug: "after-timeout" } })).toBe(0);
  });

  it("gives two transactions running at once their own connections", async () => {
    let release!: () => void;
    const bothInside = new Promise<void>((resolve) => (release = resolve));
    let inside = 0;
    const pidOf = (slug: string) =>
      t.db.$transaction(async (tx) => {
        await insertDirect(tx, `${slug}-id`, slug);
        inside += 1;
        if (inside === 2) release();
        await bothInside;
        const rows = await tx.$queryRawUnsafe<{ pid: number }[]>("SELECT pg_backend_pid() AS pid");
        const own = await (await pgTransactionConnection(tx))!.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        expect(own.rows[0]!.pid).toBe(rows[0]!.pid);
        return rows[0]!.pid;
      });
    const [first, second] = await Promise.all([pidOf("concurrent-a"), pidOf("concurrent-b")]);
    expect(first).not.toBe(second);
    expect(await clinicSlugs()).toEqual(["commit-direct", "commit-prisma", "concurrent-a", "concurrent-b"]);
  });

  it("refuses the base client, whose statements go to whichever connection is free", async () => {
    await expect(pgTransactionConnection(t.db)).rejects.toThrow(/need a transaction client/);
  });

  it("is the only one: a PostgreSQL client has no SQLite connection", async () => {
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

/**
 * Writes in flight (lib/data/db/pg-connection.ts): a bulk write sent with `send` returns before the
 * server has run it, so the import can plan its next batch meanwhile. The statements still run in
 * the order asked for, and a failure is never lost: the transaction rejects with it.
 */
describe.runIf(testProvider() === "postgresql")("writes in flight on the pg connection", () => {
  /** Inserts a clinic after the server has slept `seconds`: a write that is still running when `send` returns. */
  const slowInsert = (id: string, slug: string, seconds: number) =>
    `INSERT INTO "Clinic" ("id", "name", "slug") SELECT '${id}', 'Sent', '${slug}' FROM pg_sleep(${seconds})`;
  /** A write the server refuses: the slug of a committed clinic again. */
  const duplicateInsert = `INSERT INTO "Clinic" ("id", "name", "slug") VALUES ('duplicate-sent-id', 'Sent', 'commit-direct')`;
  const countSlug = (slug: string) => t.db.clinic.count({ where: { slug } });

  it("returns before the server has run the write; a statement asked for after it runs after it and sees its row", async () => {
    await t.db.$transaction(async (tx) => {
      const direct = (await pgTransactionConnection(tx))!;
      await direct.send(slowInsert("sent-slow-id", "sent-slow", 0.3), []);
      const first = await Promise.race([direct.settle().then(() => "written"), new Promise((resolve) => setImmediate(() => resolve("still running")))]);
      expect(first).toBe("still running");
      expect(await tx.clinic.count({ where: { slug: "sent-slow" } })).toBe(1);
    });
    expect(await countSlug("sent-slow")).toBe(1);
  });

  it("fails the transaction with the write's own error when the callback never waited for it, and commits nothing", async () => {
    await expect(
      t.db.$transaction(async (tx) => {
        await tx.clinic.create({ data: { name: "Through Prisma", slug: "unsettled-prisma" } });
        await (await pgTransactionConnection(tx))!.send(duplicateInsert, []);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await countSlug("unsettled-prisma")).toBe(0);
    // The connection went back to the pool usable: the next transaction on it commits.
    await t.db.$transaction(async (tx) => {
      await tx.clinic.create({ data: { name: "After", slug: "after-unsettled" } });
    });
    expect(await countSlug("after-unsettled")).toBe(1);
  });

  it("reports the write's failure, not 'transaction aborted', from the next Prisma statement, send and settle", async () => {
    const seen: Record<string, unknown> = {};
    await expect(
      t.db.$transaction(async (tx) => {
        const direct = (await pgTransactionConnection(tx))!;
        await direct.send(duplicateInsert, []);
        seen.prisma = await tx.clinic.count().catch((error: unknown) => error);
        seen.settle = await direct.settle().catch((error: unknown) => error);
        seen.send = await direct.send(slowInsert("never-id", "never", 0), []).catch((error: unknown) => error);
        throw seen.settle;
      }),
    ).rejects.toThrow(/duplicate key/);
    for (const [step, error] of Object.entries(seen)) {
      expect(String(error), step).toMatch(/duplicate key/);
      expect(String(error), step).not.toMatch(/aborted/);
    }
    expect(await countSlug("never")).toBe(0);
  });

  it("rolls back writes still in flight when the callback fails", async () => {
    const failure = new Error("stop while writing");
    await expect(
      t.db.$transaction(async (tx) => {
        await (await pgTransactionConnection(tx))!.send(slowInsert("rolled-back-sent-id", "rolled-back-sent", 0.2), []);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await countSlug("rolled-back-sent")).toBe(0);
  });
});
