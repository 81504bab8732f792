import { readFileSync } from "node:fs";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
const data = new Uint8Array(readFileSync(process.argv[2]));
const doc = await getDocument({ data, useSystemFonts: false, disableFontFace: true }).promise;
console.log("pages", doc.numPages);
for (let i = 1; i <= doc.numPages; i++) {
  const p = await doc.getPage(i);
  const tc = await p.getTextContent();
  console.log(i, p.view, tc.items.length, tc.items.slice(0,2).map(t=>[t.str,t.transform[4],t.transform[5],t.width]));
}
