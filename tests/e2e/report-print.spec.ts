import { writeFileSync } from "node:fs";
import { expect, test, type Page } from "./fixtures";
import { overprintedText, pageText, readPdf, renderPages, textOutsidePage } from "./pdf";
import { signIn } from "./support";

/**
 * The cohort report as a meeting gets it: printed to A4 PDF by Chromium and read back with
 * PDF.js. Nothing may leave the page or print over other text, every patient and every open
 * flag's due date must be on paper, no heading may end a page, and the page count must follow the
 * cohort's size. The pages are rendered to PNG beside the test's results.
 */

async function cohortSize(page: Page): Promise<number> {
  const meta = await page.locator(".report-meta").innerText();
  const match = /Patients: ([\d,]+)/.exec(meta);
  expect(match, meta).not.toBeNull();
  return Number(match![1]!.replace(/,/g, ""));
}

for (const [name, url] of [
  ["high-tier women", "/report?tier=high&sex=female"],
  ["every high-tier patient", "/report?tier=high"],
] as const) {
  test(`the printed cohort report of ${name} fits A4: nothing clipped or overprinted, no orphaned heading, pages bounded by the cohort`, async ({ page }, testInfo) => {
    await signIn(page, "clinician@demo.clinic");
    await page.goto(url);
    await expect(page.getByRole("heading", { level: 1, name: "Cohort report" })).toBeVisible();
    const patients = await cohortSize(page);
    const mrns = await page.locator(".report-patient-table tbody tr td:first-child").allInnerTexts();
    expect(mrns).toHaveLength(patients);
    const dueDates = (await page.locator(".report-patient-table .flag-list li").allInnerTexts()).map((text) => /\d{4}-\d{2}-\d{2}/.exec(text)?.[0]);
    const headings = (await page.locator(".report-page h2, .report-page h3").allInnerTexts()).map((h) => h.trim());

    await page.emulateMedia({ media: "print" });
    const bytes = await page.pdf({ format: "A4", printBackground: true });
    const pdfPath = testInfo.outputPath("report.pdf");
    writeFileSync(pdfPath, bytes);
    const pngs = renderPages(pdfPath, testInfo.outputDir, "report-page");
    const pdf = await readPdf(bytes);
    const all = Array.from({ length: pdf.pages }, (_, i) => pageText(pdf, i + 1)).join("");
    testInfo.annotations.push({ type: "pdf", description: `${patients} patients → ${pdf.pages} A4 pages; ${textOutsidePage(pdf).length} text items outside the page; ${pngs.length} PNGs` });

    expect(pdf.boxes.every(([x0, y0, x1, y1]) => Math.round(x1 - x0) === 596 && Math.round(y1 - y0) === 843)).toBe(true);
    expect(textOutsidePage(pdf)).toEqual([]);
    expect(overprintedText(pdf).map(([a, b]) => `p${a.page}: "${a.text}" over "${b.text}"`)).toEqual([]);
    // The last column is on paper: its heading and every open flag's due date.
    expect(pageText(pdf, 1)).toContain("Openflags(duedate)");
    for (const date of dueDates) expect(all).toContain(date);
    for (const mrn of mrns) expect(all).toContain(mrn.trim());
    // No heading is the lowest text of a page (its content would start on the next page).
    for (let n = 1; n <= pdf.pages; n += 1) {
      const onPage = pdf.texts.filter((t) => t.page === n);
      const lowest = onPage.reduce((a, b) => (b.bottom < a.bottom ? b : a));
      expect(headings.map((h) => h.replace(/\s+/g, "")), `page ${n} ends with "${lowest.text}"`).not.toContain(lowest.text.replace(/\s+/g, ""));
    }
    // No mostly empty pages (40 patients once took 14): a list page holds at least 12 patients —
    // a row is as tall as its open flags, up to five — and the figures, on pages of their own, three.
    expect(pdf.pages).toBeLessThanOrEqual(3 + Math.ceil(patients / 12));
  });
}
