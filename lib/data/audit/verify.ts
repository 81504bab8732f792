import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/data/db/client";
import { GENESIS_HASH, keyedAuditHash, unkeyedAuditHash } from "./hash";
import { auditKeyring, type AuditKeyring } from "./key";
import { anchorFileIn, readAnchorFile, type AnchorFileContents, type AuditAnchor } from "./anchor-file";
import { CHAIN_CLINICS_SQL } from "./anchor";
import { unkeyedLogEnd } from "./unkeyed";
import { env } from "@/lib/config/env";
import { ROWS_PER_STATEMENT } from "@/lib/data/db/batches";

/**
 * Verifying the audit log (docs/operations.md "Audit verification"): every event against the key
 * that signed it, every link to the event before, and every clinic chain against every anchor
 * written outside the database. It reports, per chain, the first event that is missing or
 * forged, with what that means and what to do.
 *
 * What each check catches:
 * - an edited event, or one re-signed without the key (the old unkeyed algorithm, a guessed or
 *   wrong key): its HMAC does not match;
 * - a deleted event in the middle: a gap in the chain's positions;
 * - deleted newest events: an anchor recorded a later position than the chain now reaches;
 * - events rewritten by someone holding the key: an anchor recorded a different hash;
 * - the log from before the upgrade rewritten: the first keyed event of a chain commits to its
 *   last hash.
 *
 * A clinic's scope (what a clinic admin runs) reads that clinic's chain and, only to check what
 * that chain commits to, the unkeyed log from before the upgrade; it counts and reports only the
 * clinic's own events, and never another clinic's count or sequence numbers.
 */

export type AuditProblemKind = "forged" | "missing" | "unknown_key" | "anchor_file";

export interface AuditProblem {
  kind: AuditProblemKind;
  /** The clinic whose chain it is; null for the unkeyed log from before the upgrade and for the anchor file. */
  clinicId: string | null;
  /**
   * The `seq` (the number on the audit page) of the event where the problem shows: the forged
   * event, or the first event after a gap; absent when the missing events were the newest.
   */
  seq?: number;
  /** The position in the clinic's chain of the first forged or missing event. */
  chainSeq?: number;
  /** What was found and what it means. */
  message: string;
  /** What to do about it. */
  action: string;
}

export interface AnchorSummary {
  /** The anchor file checked against; null when none is configured (AUDIT_ANCHOR_DIR unset). */
  file: string | null;
  /** Anchors in scope (the clinic's own, or all). */
  count: number;
  /** The newest anchor in scope. */
  latestAt: Date | null;
}

export interface AuditVerification {
  ok: boolean;
  /** Events verified (in a clinic's scope, that clinic's only), up to each chain's first problem. */
  checked: number;
  /** Clinic chains checked. */
  chains: number;
  /** The first problem's event `seq` (see AuditProblem.seq). */
  brokenAtSeq?: number;
  /** The first problem's position in its clinic's chain (the first missing or forged one). */
  brokenAtChainSeq?: number;
  /** The first problem's message. */
  problem?: string;
  /** Every problem: at most one per chain (the first), plus the unkeyed log and the anchor file. */
  problems: AuditProblem[];
  anchors: AnchorSummary;
}

export interface VerifyOptions {
  /** Only this clinic's chain: what the clinic's admin may see. Default: the whole log. */
  clinicId?: string;
  keyring?: AuditKeyring;
  /** The anchors to check against; default the file in AUDIT_ANCHOR_DIR (none when unset); null for none. */
  anchors?: AnchorFileContents | null;
  pageSize?: number;
}

const WALK_SELECT = {
  seq: true,
  at: true,
  clinicId: true,
  actorId: true,
  actorLabel: true,
  action: true,
  patientId: true,
  entityType: true,
  entityId: true,
  detailJson: true,
  prevHash: true,
  hash: true,
  chainSeq: true,
  keyId: true,
} as const;

const INCIDENT =
  'Treat it as a security incident: change nothing in the database, take a backup of it as evidence (npm run cli -- backup <file>), find the original events in the newest backup from before the change, and follow docs/operations.md "When verify reports a problem".';

function when(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Loads the anchors the options ask for: the given ones, none, or AUDIT_ANCHOR_DIR's. */
function loadAnchors(options: VerifyOptions): AnchorFileContents | null {
  if (options.anchors !== undefined) return options.anchors;
  const dir = env().AUDIT_ANCHOR_DIR;
  return dir ? readAnchorFile(anchorFileIn(dir)) : null;
}

interface Scope {
  clinicId: string | undefined;
  /** How a clinic is named in messages. */
  label(clinicId: string): string;
}

/** The unkeyed log from before the upgrade: links and SHA-256 hashes, in `seq` order. */
async function verifyUnkeyed(db: Db, scope: Scope, pageSize: number): Promise<{ checked: number; problem?: AuditProblem }> {
  let prevHash = GENESIS_HASH;
  let afterSeq = 0;
  let checked = 0;
  for (;;) {
    const page = await db.auditEvent.findMany({ where: { chainSeq: null, seq: { gt: afterSeq } }, orderBy: { seq: "asc" }, take: pageSize, select: WALK_SELECT });
    if (page.length === 0) return { checked };
    for (const row of page) {
      const linked = row.prevHash === prevHash;
      if (!linked || unkeyedAuditHash(prevHash, row) !== row.hash) {
        const own = scope.clinicId === undefined || row.clinicId === scope.clinicId;
        return {
          checked,
          problem: own
            ? {
                kind: "forged",
                clinicId: null,
                seq: row.seq,
                message: linked
                  ? `Event seq ${row.seq}, written before the audit key was introduced, does not match its hash: it was edited.`
                  : `Event seq ${row.seq}, written before the audit key was introduced, does not link to the event before it: that event was edited or deleted.`,
                action: INCIDENT,
              }
            : {
                kind: "forged",
                clinicId: null,
                message: "The part of the log written before the audit key was introduced is damaged at an event of another clinic; this clinic's chain starts from that part.",
                action: 'Ask the system operator to run "npm run cli -- audit verify", which names the event.',
              },
        };
      }
      if (scope.clinicId === undefined || row.clinicId === scope.clinicId) checked += 1;
      prevHash = row.hash;
      afterSeq = row.seq;
    }
  }
}

interface ChainResult {
  checked: number;
  problem?: AuditProblem;
}

/** One clinic's keyed chain: positions without gaps, links, HMACs under the known keys, anchored hashes and lengths. */
async function verifyChain(db: Db, clinicId: string, ctx: { scope: Scope; keyring: AuditKeyring; unkeyedHead: string; anchors: AuditAnchor[]; pageSize: number }): Promise<ChainResult> {
  const name = ctx.scope.label(clinicId);
  const anchoredAt = new Map<number, AuditAnchor[]>();
  for (const anchor of ctx.anchors) anchoredAt.set(anchor.chainSeq, [...(anchoredAt.get(anchor.chainSeq) ?? []), anchor]);
  let prevHash = ctx.unkeyedHead;
  let expected = 1;
  let checked = 0;
  /** The newest anchored position the chain was found to match. */
  let lastMatch: AuditAnchor | undefined;
  const forged = (seq: number, chainSeq: number, message: string, action = INCIDENT): ChainResult => ({ checked, problem: { kind: "forged", clinicId, seq, chainSeq, message, action } });
  for (;;) {
    const page = await db.auditEvent.findMany({
      where: { clinicId, chainSeq: { gte: expected } },
      orderBy: { chainSeq: "asc" },
      take: ctx.pageSize,
      select: WALK_SELECT,
    });
    if (page.length === 0) break;
    for (const row of page) {
      const chainSeq = row.chainSeq ?? 0;
      if (chainSeq !== expected) {
        const gap = chainSeq - expected === 1 ? `Event no. ${expected} of ${name} is missing` : `Events no. ${expected}–${chainSeq - 1} of ${name} are missing`;
        return { checked, problem: { kind: "missing", clinicId, seq: row.seq, chainSeq: expected, message: `${gap} (the next one present is no. ${chainSeq}, seq ${row.seq}): they were deleted from the database.`, action: INCIDENT } };
      }
      if (row.prevHash !== prevHash) {
        return forged(
          row.seq,
          chainSeq,
          chainSeq === 1
            ? `The first event of ${name} (seq ${row.seq}) does not continue the log kept before the audit key was introduced: that older log was changed or cut short after the upgrade, or this event was forged.`
            : `Event seq ${row.seq} (no. ${chainSeq} of ${name}) does not link to the event before it: an event was replaced.`,
        );
      }
      const key = row.keyId ? ctx.keyring.byId.get(row.keyId) : undefined;
      if (!key) {
        return {
          checked,
          problem: {
            kind: "unknown_key",
            clinicId,
            seq: row.seq,
            chainSeq,
            message: row.keyId
              ? `Event seq ${row.seq} (no. ${chainSeq} of ${name}) is signed with key id ${row.keyId}, which is not configured: a retired key is missing from AUDIT_HMAC_OLD_KEYS, or the event was forged.`
              : `Event seq ${row.seq} (no. ${chainSeq} of ${name}) names no key: it was forged.`,
            action: `If the audit key was rotated, add the retired key to AUDIT_HMAC_OLD_KEYS and verify again (docs/operations.md "Rotating the audit key"). If no key with id ${row.keyId ?? "(none)"} was ever used here, the event was forged. ${INCIDENT}`,
          },
        };
      }
      if (keyedAuditHash(key.secret, prevHash, { chainSeq, keyId: key.id }, row) !== row.hash) {
        return forged(
          row.seq,
          chainSeq,
          `Event seq ${row.seq} (no. ${chainSeq} of ${name}) does not match its signature under key ${key.id}: it was changed after it was written, or the log from here on was rewritten by someone without the audit key.`,
        );
      }
      const anchoredHere = anchoredAt.get(chainSeq) ?? [];
      const differing = anchoredHere.find((anchor) => anchor.hash !== row.hash);
      if (differing) {
        const since = lastMatch ? `; the chain still matches the anchor of ${when(lastMatch.at)} up to no. ${lastMatch.chainSeq}, so the change lies after that` : "";
        return forged(
          row.seq,
          chainSeq,
          `Event seq ${row.seq} (no. ${chainSeq} of ${name}) is correctly signed but is not the event the anchor of ${when(differing.at)} recorded at that position${since}: events up to this one were deleted and replaced by newer ones, or rewritten and re-signed by someone holding the audit key.`,
          `${INCIDENT} Unless the database was restored from a backup since that anchor (docs/operations.md "After a restore"), rotate the audit key at once: it must be considered stolen (docs/operations.md "Rotating the audit key").`,
        );
      }
      lastMatch = anchoredHere[0] ?? lastMatch;
      checked += 1;
      prevHash = row.hash;
      expected += 1;
    }
  }
  const reach = ctx.anchors.reduce<AuditAnchor | undefined>((best, anchor) => (!best || anchor.chainSeq > best.chainSeq ? anchor : best), undefined);
  if (reach && reach.chainSeq >= expected) {
    const last = expected - 1;
    const range = reach.chainSeq === expected ? `Event no. ${expected} of ${name} is missing` : `Events no. ${expected}–${reach.chainSeq} of ${name} are missing`;
    return {
      checked,
      problem: {
        kind: "missing",
        clinicId,
        chainSeq: expected,
        message: `${range}: the anchor of ${when(reach.at)} recorded the chain up to no. ${reach.chainSeq} (seq ${reach.seq}), but it now ${last === 0 ? "has no events" : `ends at no. ${last}`}. The newest events were deleted.`,
        action: INCIDENT,
      },
    };
  }
  return { checked };
}

const clinicIdRow = z.object({ clinicId: z.string() });

/** Verifies the whole log, or one clinic's chain (`options.clinicId`), against the key and the anchors. */
export async function verifyAuditChain(db: Db, options: VerifyOptions = {}): Promise<AuditVerification> {
  const keyring = options.keyring ?? auditKeyring();
  const pageSize = options.pageSize ?? ROWS_PER_STATEMENT;
  const anchorFile = loadAnchors(options);
  const inScope = (clinicId: string | null) => options.clinicId === undefined || clinicId === options.clinicId;
  const anchors = (anchorFile?.anchors ?? []).filter((anchor) => inScope(anchor.clinicId));

  const problems: AuditProblem[] = (anchorFile?.problems ?? []).map((p) => ({
    kind: "anchor_file",
    clinicId: null,
    message: `Line ${p.line} of the anchor file ${p.problem}.`,
    action: "Compare the anchor file with its copy away from the database host; the anchors on unreadable lines are not checked until it is repaired.",
  }));
  if (anchorFile?.unreadable) {
    problems.push({
      kind: "anchor_file",
      clinicId: null,
      message: `The anchor file could not be read (${anchorFile.unreadable}), so no anchor was checked.`,
      action: "Give this process read access to the anchor file (AUDIT_ANCHOR_DIR), or unset AUDIT_ANCHOR_DIR where the anchors are not meant to be checked.",
    });
  }

  let clinicIds: string[];
  if (options.clinicId !== undefined) clinicIds = [options.clinicId];
  else {
    const rows = (await db.$queryRawUnsafe<unknown[]>(CHAIN_CLINICS_SQL)).map((row) => clinicIdRow.parse(row).clinicId);
    clinicIds = [...new Set([...rows, ...anchors.map((anchor) => anchor.clinicId)])].sort();
  }
  const slugs = new Map(
    options.clinicId === undefined
      ? (await db.clinic.findMany({ where: { id: { in: clinicIds } }, select: { id: true, slug: true } })).map((c) => [c.id, c.slug])
      : [],
  );
  const scope: Scope = {
    clinicId: options.clinicId,
    label: (clinicId) => (options.clinicId !== undefined ? "this clinic's chain" : `the chain of clinic ${slugs.has(clinicId) ? `"${slugs.get(clinicId)}" (${clinicId})` : clinicId}`),
  };

  const unkeyed = await verifyUnkeyed(db, scope, pageSize);
  if (unkeyed.problem) problems.push(unkeyed.problem);
  let checked = unkeyed.checked;
  // What every clinic chain's first event must commit to: the same look-up the append made.
  const end = await unkeyedLogEnd(db);

  for (const clinicId of clinicIds) {
    const result = await verifyChain(db, clinicId, { scope, keyring, unkeyedHead: end.last?.hash ?? GENESIS_HASH, anchors: anchors.filter((a) => a.clinicId === clinicId), pageSize });
    checked += result.checked;
    if (result.problem) problems.push(result.problem);
  }

  // The database refuses unkeyed inserts since the upgrade, so an unkeyed event after a keyed one
  // was written around it (or had its key fields cleared).
  if (end.firstKeyedSeq !== null) {
    const late = await db.auditEvent.findFirst({ where: { chainSeq: null, seq: { gt: end.firstKeyedSeq } }, orderBy: { seq: "asc" }, select: { seq: true, clinicId: true } });
    if (late && inScope(late.clinicId)) {
      problems.push({
        kind: "forged",
        clinicId: late.clinicId,
        seq: late.seq,
        message: `Event seq ${late.seq} carries no key but comes after the log was keyed: the database refuses such events, so it was written around the app, or its key fields were cleared.`,
        action: INCIDENT,
      });
    }
  }
  if (options.clinicId === undefined) {
    const stray = await db.auditEvent.findFirst({ where: { clinicId: null, chainSeq: { not: null } }, orderBy: { seq: "asc" }, select: { seq: true, chainSeq: true } });
    if (stray) {
      problems.push({ kind: "forged", clinicId: null, seq: stray.seq, chainSeq: stray.chainSeq ?? undefined, message: `Event seq ${stray.seq} claims a place in a chain but belongs to no clinic: it was forged.`, action: INCIDENT });
    }
  }

  const first = problems.find((p) => p.seq !== undefined || p.chainSeq !== undefined) ?? problems[0];
  const latest = anchors.reduce<Date | null>((newest, anchor) => (!newest || anchor.at > newest ? anchor.at : newest), null);
  return {
    ok: problems.length === 0,
    checked,
    chains: clinicIds.length,
    ...(first?.seq !== undefined ? { brokenAtSeq: first.seq } : {}),
    ...(first?.chainSeq !== undefined ? { brokenAtChainSeq: first.chainSeq } : {}),
    ...(first ? { problem: first.message } : {}),
    problems,
    anchors: { file: anchorFile?.path ?? null, count: anchors.length, latestAt: latest },
  };
}

/**
 * The verdict in sentences, for the audit page (a clinic's chain) and the command line (the
 * whole log): a headline, then one line per problem with what to do, and what the anchors
 * covered.
 */
export function verificationReport(result: AuditVerification, scope: "clinic" | "log"): { headline: string; lines: string[] } {
  const events = `${result.checked.toLocaleString("en")} event${result.checked === 1 ? "" : "s"}${scope === "clinic" ? " of this clinic" : ""}`;
  const chains = scope === "log" ? ` in ${result.chains} clinic chain${result.chains === 1 ? "" : "s"}` : "";
  const { anchors } = result;
  const anchorLine =
    anchors.file === null
      ? scope === "clinic"
        ? 'No anchor file is configured for this app (AUDIT_ANCHOR_DIR), so deleting the newest events would not show here; the operator\'s "audit verify" checks the anchors.'
        : "No anchor file is configured (AUDIT_ANCHOR_DIR), so deleting the newest events would not show: see docs/operations.md \"Audit anchors\"."
      : anchors.count === 0
        ? `No anchor ${scope === "clinic" ? "of this clinic " : ""}has been written yet${scope === "log" ? ` to ${anchors.file}` : ""}, so deleting the newest events would not show until one is.`
        : `Checked against ${anchors.count.toLocaleString("en")} anchor${anchors.count === 1 ? "" : "s"} kept outside the database${scope === "log" ? ` (${anchors.file})` : ""}, the newest of ${anchors.latestAt ? when(anchors.latestAt) : "unknown time"}.`;
  if (result.ok) {
    return { headline: `The audit chain is intact: ${events} checked against the audit key${chains}.`, lines: [anchorLine] };
  }
  const count = result.problems.length;
  return {
    headline: `The audit chain is broken: ${count} problem${count === 1 ? "" : "s"} found; ${events} before ${count === 1 ? "it" : "them"} verified${chains}.`,
    lines: [...result.problems.map((p) => `${p.message} ${p.action}`), anchorLine],
  };
}
