import Link from "next/link";
import { requirePageActor } from "@/lib/auth/session";
import { getClinicalReference } from "@/lib/docs/clinical-reference";

export const metadata = { title: "Clinical reference" };

/**
 * docs/clinical-reference.md for clinicians, who do not have the repository: every threshold,
 * operator, conversion, risk factor, medicine and code the engine uses, with its source. Rendered
 * on the server (lib/docs/markdown.ts, raw HTML off); no client script.
 */
export default async function ClinicalReferencePage() {
  await requirePageActor("thresholds:view");
  const reference = await getClinicalReference();
  const sections = reference.headings.filter((h) => h.level === 2);
  return (
    <div className="document-layout">
      <nav aria-label="On this page" className="document-toc">
        <p>
          <Link href="/thresholds">← The clinic&apos;s thresholds in force</Link>
        </p>
        <p className="document-toc-title">On this page</p>
        <ol>
          {sections.map((section) => (
            <li key={section.id}>
              <a href={`#${section.id}`}>{section.text}</a>
            </li>
          ))}
        </ol>
      </nav>
      <article className="document" dangerouslySetInnerHTML={{ __html: reference.html }} />
    </div>
  );
}
