import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";

/**
 * The audit anchor file: the heads of the audit log's chains, written outside the database so
 * that deleting the newest events (which the key alone cannot reveal: the remaining chain still
 * verifies) or re-signing events with a stolen key shows (docs/operations.md "Audit anchors").
 *
 * One JSON object a line (JSON Lines), appended, never rewritten:
 *
 *   {"v":1,"at":"2026-11-21T10:00:00.000Z","scope":"clinic","clinicId":"ck…","chainSeq":1042,
 *    "seq":88123,"hash":"<64 hex>","keyId":"<16 hex>","source":"cli"}
 *
 * says: at `at`, clinic `clinicId`'s chain ended at its event no. `chainSeq` (the log's event
 * `seq`), whose hash was `hash`, signed with key `keyId`. A line that cannot be read is reported
 * with its number, never skipped: a damaged anchor file must not quietly weaken the check.
 */

export const ANCHOR_FILE_NAME = "audit-anchors.jsonl";

export const ANCHOR_SOURCES = ["cli", "backup", "app"] as const;

export interface AuditAnchor {
  at: Date;
  clinicId: string;
  /** Position of the clinic chain's newest event at `at`. */
  chainSeq: number;
  /** That event's `seq` in the whole log (the number on the audit page). */
  seq: number;
  hash: string;
  keyId: string;
  /** What wrote the anchor: `audit anchor`, a backup, or the app. */
  source: (typeof ANCHOR_SOURCES)[number];
}

const anchorLine = z
  .object({
    v: z.literal(1),
    at: z.iso.datetime({ offset: false }),
    scope: z.literal("clinic"),
    clinicId: z.string().min(1),
    chainSeq: z.number().int().positive(),
    seq: z.number().int().positive(),
    hash: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 hex digits"),
    keyId: z.string().regex(/^[0-9a-f]{16}$/, "must be 16 hex digits"),
    source: z.enum(ANCHOR_SOURCES),
  })
  .strict();

/** An anchor file line that could not be read. */
export interface AnchorLineProblem {
  /** 1-based line number in the file. */
  line: number;
  problem: string;
}

export interface AnchorFileContents {
  /** The file read (absolute path). */
  path: string;
  /** False when there is no file at `path` (nothing anchored there yet). */
  exists: boolean;
  anchors: AuditAnchor[];
  problems: AnchorLineProblem[];
  /** Why the file could not be read at all (permissions, a directory in its place…), if so. */
  unreadable?: string;
}

/** The anchors as file lines, each ending in a newline. */
export function formatAnchorLines(anchors: readonly AuditAnchor[]): string {
  return anchors
    .map((a) =>
      JSON.stringify({ v: 1, at: a.at.toISOString(), scope: "clinic", clinicId: a.clinicId, chainSeq: a.chainSeq, seq: a.seq, hash: a.hash, keyId: a.keyId, source: a.source }),
    )
    .map((line) => `${line}\n`)
    .join("");
}

/** Parses an anchor file's text; every line that is not a whole, valid anchor is reported. */
export function parseAnchorText(text: string): { anchors: AuditAnchor[]; problems: AnchorLineProblem[] } {
  const anchors: AuditAnchor[] = [];
  const problems: AnchorLineProblem[] = [];
  const lines = text.split("\n");
  const endsWithNewline = text.endsWith("\n");
  if (endsWithNewline || text === "") lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    const unfinished = !endsWithNewline && index === lines.length - 1;
    if (raw.trim() === "") {
      problems.push({ line, problem: "is empty (anchor lines are never blank: the file was edited or damaged)" });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      problems.push({
        line,
        problem: unfinished
          ? "is cut off: the file ends in the middle of it (a write was interrupted, or the file was truncated)"
          : "is not valid JSON (cut off or damaged)",
      });
      return;
    }
    const parsed = anchorLine.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "line"} ${issue.message}`).join("; ");
      problems.push({ line, problem: `is not a valid anchor: ${issues}` });
      return;
    }
    if (unfinished) {
      // Complete JSON without its newline: a write that stopped just short. Usable, but say so.
      problems.push({ line, problem: "has no newline at its end (a write was interrupted just before finishing)" });
    }
    const { v: _v, scope: _scope, at, ...rest } = parsed.data;
    anchors.push({ ...rest, at: new Date(at) });
  });
  return { anchors, problems };
}

/**
 * Reads an anchor file. A missing file is no anchors (`exists: false`), not an error; a file that
 * cannot be read says why in `unreadable`, for the verification to report.
 */
export function readAnchorFile(path: string): AnchorFileContents {
  const absolute = resolve(path);
  if (!existsSync(absolute)) return { path: absolute, exists: false, anchors: [], problems: [] };
  let text: string;
  try {
    text = readFileSync(absolute, "utf8");
  } catch (error) {
    return { path: absolute, exists: true, anchors: [], problems: [], unreadable: error instanceof Error ? error.message : String(error) };
  }
  return { path: absolute, exists: true, ...parseAnchorText(text) };
}

/** The anchor file of a directory (AUDIT_ANCHOR_DIR). */
export function anchorFileIn(dir: string): string {
  return join(resolve(dir), ANCHOR_FILE_NAME);
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Does the file end in a newline (or is it empty)? Reads only its last byte. */
function endsCleanly(fd: number, size: number): boolean {
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

/**
 * Appends the anchors to `<dir>/audit-anchors.jsonl` with one write on a file opened for appending
 * (so a second writer's lines never interleave with these), then fsyncs the file, and the
 * directory when the file is new, before returning: an anchor reported written survives a crash.
 * If a previous write was cut off, a newline first closes that damaged line, so it stays one
 * reported line and these anchors remain readable. The file may be made append-only
 * (`chattr +a`): nothing here rewrites or renames it.
 */
export function appendAnchorFile(dir: string, anchors: readonly AuditAnchor[]): string {
  const path = anchorFileIn(dir);
  mkdirSync(dirname(path), { recursive: true });
  const existed = existsSync(path);
  const fd = openSync(path, "a+");
  try {
    const prefix = endsCleanly(fd, fstatSync(fd).size) ? "" : "\n";
    writeSync(fd, prefix + formatAnchorLines(anchors));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (!existed) fsyncDirectory(dirname(path));
  return path;
}

/**
 * Writes a whole anchor file at `path` atomically (the one beside a backup): under a temporary
 * name, fsynced, renamed into place, directory fsynced. A reader sees the old file or the
 * complete new one, never a part.
 */
export function writeAnchorFile(path: string, anchors: readonly AuditAnchor[]): string {
  const absolute = resolve(path);
  mkdirSync(dirname(absolute), { recursive: true });
  const partial = `${absolute}.partial-${randomBytes(4).toString("hex")}`;
  try {
    const fd = openSync(partial, "wx");
    try {
      writeSync(fd, formatAnchorLines(anchors));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(partial, absolute);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  fsyncDirectory(dirname(absolute));
  return absolute;
}
