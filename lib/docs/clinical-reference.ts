import "server-only";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { renderMarkdown, type RenderedDocument } from "./markdown";

let rendered: Promise<RenderedDocument> | null = null;

/**
 * docs/clinical-reference.md rendered for /thresholds/reference. Read from the repository's docs/
 * folder (the app runs from the repository root, as `npm start` and `npm run demo` do) once per
 * process: the document changes only with a new release. A failed read is not remembered.
 */
export function getClinicalReference(): Promise<RenderedDocument> {
  if (rendered === null) {
    const reading = readFile(path.join(process.cwd(), "docs", "clinical-reference.md"), "utf8").then(renderMarkdown);
    reading.catch(() => {
      rendered = null;
    });
    rendered = reading;
  }
  return rendered;
}
