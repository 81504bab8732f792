import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/data/db/client";
import { appendAnchorFile, type AuditAnchor } from "./anchor-file";

/**
 * Anchoring the audit log: reading the head (newest event) of every clinic's chain and writing it
 * to the anchor file outside the database (anchor-file.ts). `npm run cli -- audit anchor`
 * does it on a schedule, every backup does it too (lib/data/jobs/backup.ts), and `verifyAuditChain` checks the
 * log against every anchor written.
 */

/** The newest event of one clinic's keyed chain. */
export interface ChainHead {
  clinicId: string;
  chainSeq: number;
  seq: number;
  hash: string;
  keyId: string;
}

/**
 * The head of every clinic chain, in SQL both databases run (the backup reads it inside its own
 * snapshot, outside Prisma). The clinics are found by a skip scan of the (clinicId, chainSeq)
 * index, one index probe per clinic, instead of reading the whole log as DISTINCT would; each
 * head is one more probe.
 */
const CHAINS_CTE = `
WITH RECURSIVE chains(clinic) AS (
  SELECT MIN("clinicId") FROM "AuditEvent" WHERE "chainSeq" IS NOT NULL
  UNION ALL
  SELECT (SELECT MIN(e."clinicId") FROM "AuditEvent" e WHERE e."chainSeq" IS NOT NULL AND e."clinicId" > chains.clinic)
  FROM chains WHERE chains.clinic IS NOT NULL
)`;

/** The clinics that have a keyed chain, by the same skip scan. */
export const CHAIN_CLINICS_SQL = `${CHAINS_CTE}
SELECT clinic AS "clinicId" FROM chains WHERE clinic IS NOT NULL ORDER BY clinic`;

export const CHAIN_HEADS_SQL = `${CHAINS_CTE}
SELECT h."clinicId" AS "clinicId", h."chainSeq" AS "chainSeq", h."seq" AS "seq", h."hash" AS "hash", h."keyId" AS "keyId"
FROM chains
JOIN "AuditEvent" h ON h."clinicId" = chains.clinic
  AND h."chainSeq" = (SELECT MAX(m."chainSeq") FROM "AuditEvent" m WHERE m."clinicId" = chains.clinic)
ORDER BY h."clinicId"`;

const headRow = z.object({
  clinicId: z.string().min(1),
  // Drivers return integers as number or bigint.
  chainSeq: z.union([z.number(), z.bigint()]).transform(Number),
  seq: z.union([z.number(), z.bigint()]).transform(Number),
  hash: z.string(),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
});

/** Checks the rows CHAIN_HEADS_SQL returned; a head without a proper key id means the log was tampered with. */
export function parseChainHeads(rows: unknown[]): ChainHead[] {
  return rows.map((row) => {
    const parsed = headRow.safeParse(row);
    if (!parsed.success) {
      throw new Error(`The newest event of a clinic's audit chain is malformed (${parsed.error.issues[0]?.message ?? "unreadable"}): the log was altered. Run "npm run cli -- audit verify".`);
    }
    return parsed.data;
  });
}

export async function readChainHeads(db: Db): Promise<ChainHead[]> {
  return parseChainHeads(await db.$queryRawUnsafe<unknown[]>(CHAIN_HEADS_SQL));
}

export function anchorsOf(heads: readonly ChainHead[], at: Date, source: AuditAnchor["source"]): AuditAnchor[] {
  return heads.map((head) => ({ ...head, at, source }));
}

/** Appends the current head of every clinic chain to the anchor file in `dir`. */
export async function anchorAuditLog(db: Db, dir: string, at: Date, source: AuditAnchor["source"] = "cli"): Promise<{ file: string; anchors: AuditAnchor[] }> {
  const anchors = anchorsOf(await readChainHeads(db), at, source);
  const file = appendAnchorFile(dir, anchors);
  return { file, anchors };
}
