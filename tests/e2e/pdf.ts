import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import type { TextItem } from "pdfjs-dist/types/src/display/api";

/** One piece of text as the PDF places it: its page, its box in PDF points (origin bottom left). */
export interface PlacedText {
  page: number;
  text: string;
  left: number;
  right: number;
  bottom: number;
  top: number;
}

export interface ReadPdf {
  pages: number;
  /** Each page's box [x0, y0, x1, y1] in points (A4: 595 × 842). */
  boxes: [number, number, number, number][];
  texts: PlacedText[];
}

/**
 * The box a text item covers on its page: its run along the baseline (`width`) and its height
 * across it, turned as the item is (chart labels read upwards), from its origin.
 */
function textBox(item: TextItem): Pick<PlacedText, "left" | "right" | "bottom" | "top"> {
  const [a = 1, b = 0, c = 0, d = 1, x = 0, y = 0] = item.transform;
  const along = Math.hypot(a, b) || 1;
  const across = Math.hypot(c, d) || 1;
  const corners = [
    [x, y],
    [x + (a / along) * item.width, y + (b / along) * item.width],
    [x + (c / across) * item.height, y + (d / across) * item.height],
    [x + (a / along) * item.width + (c / across) * item.height, y + (b / along) * item.width + (d / across) * item.height],
  ];
  const xs = corners.map(([cx = 0]) => cx);
  const ys = corners.map(([, cy = 0]) => cy);
  return { left: Math.min(...xs), right: Math.max(...xs), bottom: Math.min(...ys), top: Math.max(...ys) };
}

/** A page's text run together, without spaces (PDF.js splits words at ligatures such as "fl"). */
export function pageText(pdf: ReadPdf, page: number): string {
  return pdf.texts
    .filter((t) => t.page === page)
    .map((t) => t.text)
    .join("")
    .replace(/\s+/g, "");
}

/**
 * Reads a PDF back with PDF.js (Mozilla's parser): the page count, each page's box, and every
 * non-blank text item with its box, so a test can check what a printout shows and where.
 */
export async function readPdf(data: Buffer): Promise<ReadPdf> {
  const doc = await getDocument({ data: new Uint8Array(data), useSystemFonts: false, disableFontFace: true, isEvalSupported: false }).promise;
  const boxes: ReadPdf["boxes"] = [];
  const texts: PlacedText[] = [];
  for (let n = 1; n <= doc.numPages; n += 1) {
    const page = await doc.getPage(n);
    const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = page.view;
    boxes.push([x0, y0, x1, y1]);
    const content = await page.getTextContent();
    for (const item of content.items) {
      if (!("str" in item) || item.str.trim() === "") continue;
      const text = item as TextItem;
      texts.push({ page: n, text: text.str, ...textBox(text) });
    }
  }
  await doc.destroy();
  return { pages: doc.numPages, boxes, texts };
}

/** Text items that reach outside their page's box (by more than `tolerance` points). */
export function textOutsidePage(pdf: ReadPdf, tolerance = 0.5): PlacedText[] {
  return pdf.texts.filter((t) => {
    const [x0, y0, x1, y1] = pdf.boxes[t.page - 1]!;
    return t.left < x0 - tolerance || t.right > x1 + tolerance || t.bottom < y0 - tolerance || t.top > y1 + tolerance;
  });
}

/**
 * Pairs of text items on one page whose boxes overlap by more than half of the smaller one's
 * height and a few points across: text printed over other text.
 */
export function overprintedText(pdf: ReadPdf): [PlacedText, PlacedText][] {
  const found: [PlacedText, PlacedText][] = [];
  for (let page = 1; page <= pdf.pages; page += 1) {
    const items = pdf.texts.filter((t) => t.page === page);
    for (let i = 0; i < items.length; i += 1) {
      for (let j = i + 1; j < items.length; j += 1) {
        const a = items[i]!;
        const b = items[j]!;
        const across = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const down = Math.min(a.top, b.top) - Math.max(a.bottom, b.bottom);
        if (across > 2 && down > 0.5 * Math.min(a.top - a.bottom, b.top - b.bottom)) found.push([a, b]);
      }
    }
  }
  return found;
}

/**
 * Renders the PDF's pages to PNG with poppler's pdftoppm (Debian poppler-utils), beside it in the
 * test's output folder, and returns their paths: kept with the test results to look at.
 */
export function renderPages(pdfPath: string, outDir: string, prefix: string): string[] {
  execFileSync("pdftoppm", ["-r", "60", "-png", pdfPath, join(outDir, prefix)]);
  return readdirSync(outDir).filter((f) => f.startsWith(prefix) && f.endsWith(".png")).sort().map((f) => join(outDir, f));
}
