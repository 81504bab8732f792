import "server-only";
import type { Db } from "@/lib/data/db/client";

/**
 * Replay protection for the CDS Hooks service (CDS Hooks 2.0, "Trusting CDS Clients": every call
 * carries a JWT with a unique `jti`). A token is remembered in the database until it expires, so a
 * captured token is refused by every app instance, not only by the one that accepted it first.
 * The primary key (issuer, jti) makes the check one atomic insert on SQLite and PostgreSQL: of two
 * instances that receive the same token at once, exactly one inserts it.
 */

export interface CdsToken {
  issuer: string;
  jti: string;
  expiresAt: Date;
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "P2002";
}

/**
 * True the first time a token is presented; false when it was accepted before. Tokens that have
 * expired are forgotten first: the JWT check already refuses them, and the table stays as small as
 * the tokens of the last few minutes (a token lives at most five).
 */
export async function rememberCdsToken(db: Db, token: CdsToken, now: Date): Promise<boolean> {
  await db.cdsTokenUse.deleteMany({ where: { expiresAt: { lt: now } } });
  try {
    await db.cdsTokenUse.create({ data: token });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}
