import GithubSlugger from "github-slugger";
import MarkdownIt, { type Token } from "markdown-it";

/**
 * Renders one of the project's own Markdown documents (docs/*.md) to HTML for a server-rendered
 * page: markdown-it with raw HTML switched off (`html: false`: a `<tag>` in the text is shown as
 * text, so editing a document cannot put markup or script on a clinician's page) and GitHub's
 * table syntax, plus what the app needs:
 *
 * - every heading gets the id GitHub gives it (github-slugger), so `docs/clinical-reference.md#ewgsop2`
 *   in a code comment, on GitHub and in the app names the same section;
 * - a link to another file of the repository (`design.md#flags`, `../lib/…`) has no page in the
 *   app: it is rendered as its text. Links within the document (`#…`) and to `https:` pages stay;
 * - tables scroll sideways on narrow screens and look like the app's own (`table-wrap`, `data`).
 */
export interface DocumentHeading {
  /** 1 for `#`, 2 for `##`… */
  level: number;
  /** GitHub's id for it: the anchor other files cite. */
  id: string;
  text: string;
}

export interface RenderedDocument {
  html: string;
  /** The first-level heading's text: the page title. */
  title: string;
  /** Every heading, in document order. */
  headings: DocumentHeading[];
}

const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });
markdown.renderer.rules.table_open = (tokens, idx, options, _env, self) => `<div class="table-wrap">${self.renderToken(tokens, idx, options)}`;
markdown.renderer.rules.table_close = (tokens, idx, options, _env, self) => `${self.renderToken(tokens, idx, options).trimEnd()}</div>\n`;

/** The text of a heading's inline content (code spans included, emphasis marks dropped). */
function plainText(inline: Token | undefined): string {
  return (inline?.children ?? []).filter((t) => t.type === "text" || t.type === "code_inline").map((t) => t.content).join("");
}

function staysALink(href: string): boolean {
  return href.startsWith("#") || href.startsWith("https://");
}

/** Links out of the app become plain text; the others are kept (external ones without a referrer). */
function unlinkFiles(children: Token[]): void {
  const opened: boolean[] = [];
  for (const child of children) {
    if (child.type === "link_open") {
      const href = child.attrGet("href") ?? "";
      const keep = staysALink(href);
      opened.push(keep);
      if (keep && href.startsWith("https://")) child.attrSet("rel", "noreferrer");
      if (!keep) {
        child.tag = "span";
        child.attrs = null;
      }
    } else if (child.type === "link_close" && opened.pop() === false) {
      child.tag = "span";
    }
  }
}

/** Renders `source`; headings get GitHub's ids, which `headings` lists. */
export function renderMarkdown(source: string): RenderedDocument {
  const tokens = markdown.parse(source, {});
  const slugger = new GithubSlugger();
  const headings: DocumentHeading[] = [];
  tokens.forEach((token, i) => {
    if (token.type === "heading_open") {
      const text = plainText(tokens[i + 1]);
      const id = slugger.slug(text);
      token.attrSet("id", id);
      headings.push({ level: Number(token.tag.slice(1)), id, text });
    } else if (token.type === "table_open") {
      token.attrSet("class", "data");
    } else if (token.type === "inline" && token.children) {
      unlinkFiles(token.children);
    }
  });
  const title = headings.find((h) => h.level === 1)?.text ?? "";
  return { html: markdown.renderer.render(tokens, markdown.options, {}), title, headings };
}
