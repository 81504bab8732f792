import "server-only";
import type { Db } from "./db";

/**
 * Failed sign-in counting per key ("account:<email>" and "address:<ip>"), kept in the database
 * so every app instance sees the same counts. After `maxFailures` failures within `windowMinutes`
 * the key is locked for the rest of the window.
 */
export interface ThrottlePolicy {
  maxFailures: number;
  windowMinutes: number;
}

export async function lockedUntil(db: Db, keys: string[], now: Date): Promise<Date | null> {
  const rows = await db.loginThrottle.findMany({ where: { key: { in: keys }, lockedUntil: { gt: now } }, select: { lockedUntil: true } });
  const times = rows.map((row) => row.lockedUntil).filter((d): d is Date => d !== null);
  return times.length === 0 ? null : new Date(Math.max(...times.map((d) => d.getTime())));
}

export async function recordFailure(db: Db, keys: string[], now: Date, policy: ThrottlePolicy): Promise<void> {
  const windowMs = policy.windowMinutes * 60_000;
  for (const key of keys) {
    await db.$transaction(async (tx) => {
      const row = await tx.loginThrottle.findUnique({ where: { key } });
      const fresh = !row || now.getTime() - row.windowStart.getTime() > windowMs;
      const failures = fresh ? 1 : row.failures + 1;
      const windowStart = fresh ? now : row.windowStart;
      const locked = failures >= policy.maxFailures ? new Date(windowStart.getTime() + windowMs) : null;
      await tx.loginThrottle.upsert({
        where: { key },
        create: { key, failures, windowStart, lockedUntil: locked },
        update: { failures, windowStart, lockedUntil: locked },
      });
    });
  }
}

export async function clearFailures(db: Db, keys: string[]): Promise<void> {
  await db.loginThrottle.deleteMany({ where: { key: { in: keys } } });
}
