import { describe, expect, it } from "vitest";
import { renderMarkdown } from "@/lib/docs/markdown";

describe("renderMarkdown (the app's view of docs/*.md)", () => {
  it("gives each heading GitHub's id, numbering repeats, and takes the title from the first-level heading", () => {
    const doc = renderMarkdown("# Clinical reference\n\n## AWGS 2019\n\n### B12 units\n\n## Case finding\n\n## Case finding\n");
    expect(doc.title).toBe("Clinical reference");
    expect(doc.headings).toEqual([
      { level: 1, id: "clinical-reference", text: "Clinical reference" },
      { level: 2, id: "awgs-2019", text: "AWGS 2019" },
      { level: 3, id: "b12-units", text: "B12 units" },
      { level: 2, id: "case-finding", text: "Case finding" },
      { level: 2, id: "case-finding-1", text: "Case finding" },
    ]);
    expect(doc.html).toContain('<h2 id="awgs-2019">AWGS 2019</h2>');
  });

  it("drops punctuation from ids as GitHub does, and keeps code spans' text", () => {
    const doc = renderMarkdown("## Planned: not yet applied by the engine\n\n## Cohort export (CSV)\n\n## The `flags` column\n");
    expect(doc.headings.map((h) => h.id)).toEqual(["planned-not-yet-applied-by-the-engine", "cohort-export-csv", "the-flags-column"]);
  });

  it("shows raw HTML as text, never as markup", () => {
    const { html } = renderMarkdown('Grip < 27 kg <script>alert("x")</script> and <img src=x onerror=alert(1)>\n\n<div onclick="x()">block</div>\n');
    expect(html).not.toMatch(/<script|<img|<div onclick/);
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain("Grip &lt; 27 kg");
  });

  it("refuses javascript: links and turns links to repository files into their text", () => {
    const { html } = renderMarkdown(
      "[a](javascript:alert(1)) · [design](design.md#flags) · [code](../lib/domain/b12.ts) · [up](#ewgsop2) · [paper](https://doi.org/10.1093/ageing/afy169)\n",
    );
    expect(html).not.toContain('href="javascript');
    expect(html).toContain("<span>design</span>");
    expect(html).toContain("<span>code</span>");
    expect(html).not.toContain('href="design.md');
    expect(html).toContain('<a href="#ewgsop2">up</a>');
    expect(html).toContain('<a href="https://doi.org/10.1093/ageing/afy169" rel="noreferrer">paper</a>');
  });

  it("renders GitHub tables inside a scrolling wrapper, styled as the app's tables", () => {
    const { html } = renderMarkdown("| criterion | men |\n|---|---|\n| grip | < 27 kg |\n");
    expect(html).toMatch(/^<div class="table-wrap"><table class="data">\s*<thead>/);
    expect(html).toContain("<td>&lt; 27 kg</td>");
    expect(html.trim()).toMatch(/<\/table><\/div>$/);
  });
});
