import { writeFileSync } from "node:fs";
import { expect, test } from "./fixtures";
import { pageText, readPdf, renderPages, textOutsidePage } from "./pdf";
import { signIn } from "./support";
import { HANDOUT_WORDING_EN } from "../../lib/domain/handout-wording";

/**
 * The patient handout, printed to PDF in Chromium and read back: one A4 page, nothing outside it,
 * the results with their dates and cut-offs, what they mean and what happens next.
 */
test("a clinician prints a one-page handout for the patient: results against the cut-offs, what they mean, what happens next", async ({ page }, testInfo) => {
  await signIn(page, "clinician@demo.clinic");
  // The top of the worklist: a high-tier patient with open flags.
  await page.getByRole("table").locator("tbody tr").first().getByRole("link").first().click();
  await page.getByRole("link", { name: "Handout for the patient" }).click();
  await expect(page.getByRole("heading", { level: 1, name: HANDOUT_WORDING_EN.title })).toBeVisible();
  const results = page.getByRole("region", { name: HANDOUT_WORDING_EN.resultsHeading });
  await expect(results.getByRole("row")).toHaveCount(7);
  await expect(results.getByRole("rowheader", { name: /Grip strength/ })).toBeVisible();
  await expect(page.getByRole("region", { name: HANDOUT_WORDING_EN.nextHeading })).toContainText(HANDOUT_WORDING_EN.next.exercise);
  await expect(page.getByRole("region", { name: HANDOUT_WORDING_EN.nextHeading })).toContainText(/We would like to see you again by \d{4}-\d{2}-\d{2}\.|We will check your muscles again at your next visit\./);

  await page.emulateMedia({ media: "print" });
  const bytes = await page.pdf({ format: "A4", printBackground: true });
  const pdfPath = testInfo.outputPath("handout.pdf");
  writeFileSync(pdfPath, bytes);
  renderPages(pdfPath, testInfo.outputDir, "handout-page");
  const pdf = await readPdf(bytes);
  expect(pdf.pages).toBe(1);
  expect(textOutsidePage(pdf)).toEqual([]);
  const text = pageText(pdf, 1);
  for (const words of [HANDOUT_WORDING_EN.title, HANDOUT_WORDING_EN.resultsHeading, HANDOUT_WORDING_EN.summaryHeading, HANDOUT_WORDING_EN.nextHeading, HANDOUT_WORDING_EN.questions]) {
    expect(text).toContain(words.replace(/\s+/g, ""));
  }
  // The buttons and the app's header stay off paper.
  expect(text).not.toContain("Print/saveasPDF");
  expect(text).not.toContain("Signout");
});
