import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorFileIn, appendAnchorFile, formatAnchorLines, parseAnchorText, readAnchorFile, writeAnchorFile, type AuditAnchor } from "@/lib/data/audit/anchor-file";

/** The anchor file outside the database: every line written reads back, and every line that does not is reported. */
describe("audit anchor file", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sarc-anchor-unit-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const anchor = (chainSeq: number, clinicId = "clinic-a"): AuditAnchor => ({
    at: new Date("2026-11-21T10:00:00.000Z"),
    clinicId,
    chainSeq,
    seq: 1000 + chainSeq,
    hash: chainSeq.toString(16).padStart(64, "0"),
    keyId: "0123456789abcdef",
    source: "cli",
  });

  it("reads back what it wrote, one JSON object a line", () => {
    const text = formatAnchorLines([anchor(1), anchor(7, "clinic-b")]);
    expect(text.split("\n")).toHaveLength(3);
    expect(JSON.parse(text.split("\n")[0]!)).toEqual({ v: 1, at: "2026-11-21T10:00:00.000Z", scope: "clinic", clinicId: "clinic-a", chainSeq: 1, seq: 1001, hash: anchor(1).hash, keyId: "0123456789abcdef", source: "cli" });
    expect(parseAnchorText(text)).toEqual({ anchors: [anchor(1), anchor(7, "clinic-b")], problems: [] });
    expect(parseAnchorText("")).toEqual({ anchors: [], problems: [] });
  });

  it("reports a last line cut off by an interrupted write, with its number", () => {
    const whole = formatAnchorLines([anchor(1), anchor(2)]);
    const cut = whole.slice(0, whole.length - 40);
    expect(parseAnchorText(cut)).toEqual({ anchors: [anchor(1)], problems: [{ line: 2, problem: expect.stringMatching(/^is cut off: the file ends in the middle of it/) }] });
    // Whole JSON but no newline: still read, but said.
    expect(parseAnchorText(whole.slice(0, -1))).toEqual({ anchors: [anchor(1), anchor(2)], problems: [{ line: 2, problem: expect.stringMatching(/no newline at its end/) }] });
  });

  it("reports garbled, blank and invalid lines in the middle and still reads the others", () => {
    const good = formatAnchorLines([anchor(1)]);
    const text = [
      good.trim(),
      "{not json",
      "",
      JSON.stringify({ ...JSON.parse(good), hash: "abc" }),
      JSON.stringify({ ...JSON.parse(good), chainSeq: 0 }),
      JSON.stringify({ ...JSON.parse(good), extra: true }),
      JSON.stringify({ ...JSON.parse(good), v: 2 }),
      JSON.stringify({ ...JSON.parse(good), at: "yesterday" }),
      formatAnchorLines([anchor(9)]).trim(),
      "",
    ].join("\n");
    const { anchors, problems } = parseAnchorText(text);
    expect(anchors).toEqual([anchor(1), anchor(9)]);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(problems[0]!.problem).toBe("is not valid JSON (cut off or damaged)");
    expect(problems[1]!.problem).toMatch(/is empty/);
    expect(problems[2]!.problem).toMatch(/hash must be 64 hex digits/);
    expect(problems[3]!.problem).toMatch(/chainSeq/);
    expect(problems[4]!.problem).toMatch(/extra/);
  });

  it("appends to the directory's file, creating it, and keeps earlier lines", () => {
    const anchorDir = join(dir, "appended", "deeper");
    const path = appendAnchorFile(anchorDir, [anchor(1)]);
    expect(path).toBe(anchorFileIn(anchorDir));
    appendAnchorFile(anchorDir, [anchor(2), anchor(3)]);
    expect(readAnchorFile(path)).toEqual({ path, exists: true, anchors: [anchor(1), anchor(2), anchor(3)], problems: [] });
  });

  it("after a cut-off line, starts the next anchors on a line of their own: the damaged line stays reported, the new ones read", () => {
    const anchorDir = join(dir, "cut");
    const path = appendAnchorFile(anchorDir, [anchor(1)]);
    writeFileSync(path, formatAnchorLines([anchor(2)]).slice(0, 30), { flag: "a" });
    appendAnchorFile(anchorDir, [anchor(3)]);
    const read = readAnchorFile(path);
    expect(read.anchors).toEqual([anchor(1), anchor(3)]);
    expect(read.problems).toEqual([{ line: 2, problem: "is not valid JSON (cut off or damaged)" }]);
  });

  it("writes a whole file atomically, leaving no temporary file behind", () => {
    const path = join(dir, "beside", "backup.db.anchor.jsonl");
    writeAnchorFile(path, [anchor(4)]);
    writeAnchorFile(path, [anchor(5)]);
    expect(readFileSync(path, "utf8")).toBe(formatAnchorLines([anchor(5)]));
    expect(readdirSync(join(dir, "beside"))).toEqual(["backup.db.anchor.jsonl"]);
  });

  it("a missing file is no anchors yet, not an error; one that cannot be read says why", () => {
    expect(readAnchorFile(join(dir, "nothing-here.jsonl"))).toMatchObject({ exists: false, anchors: [], problems: [] });
    expect(readAnchorFile(dir)).toMatchObject({ exists: true, anchors: [], unreadable: expect.stringMatching(/EISDIR/) });
  });
});
