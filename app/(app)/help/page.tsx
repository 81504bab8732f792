import Link from "next/link";
import { redirect } from "next/navigation";
import { getActor } from "@/lib/auth/session";
import { FLAG_EXPLANATIONS, FLAG_LABELS, TIER_EXPLANATIONS } from "@/lib/domain/labels";
import { FLAG_CODES, TIERS } from "@/lib/domain/types";
import { TierBadge } from "@/components/tier-badge";

export const metadata = { title: "Help" };


/** The legend of tiers and flags, and the keyboard shortcuts: one page any signed-in user may read. */
export default async function HelpPage() {
  const actor = await getActor();
  if (!actor) redirect("/login");
  return (
    <div className="stack narrow-page help-page">
      <h1>Help: tiers, flags and shortcuts</h1>
      <p>
        Each patient has one <strong>risk tier</strong>, the first of these that applies, and any number of <strong>flags</strong>: things to do,
        each with a due date. The patient page explains every tier and flag with the values, cut-offs and sources behind it; the{" "}
        <Link href="/thresholds/reference">clinical reference</Link> gives every threshold with its source (clinicians and admins).
      </p>

      <section aria-labelledby="tiers-heading" className="card stack">
        <h2 id="tiers-heading">Risk tiers</h2>
        <dl className="legend">
          {TIERS.map((tier) => (
            <div key={tier} className="legend-row">
              <dt><TierBadge tier={tier} /></dt>
              <dd>{TIER_EXPLANATIONS[tier]}</dd>
            </div>
          ))}
        </dl>
        <p className="small muted">The shape beside each tier&rsquo;s name (▲ ◆ ● ○) carries its meaning without colour.</p>
      </section>

      <section aria-labelledby="flags-heading" className="card stack">
        <h2 id="flags-heading">Flags</h2>
        <dl className="legend">
          {FLAG_CODES.map((code) => (
            <div key={code} className="legend-row" id={`flag-${code}`}>
              <dt>{FLAG_LABELS[code]}</dt>
              <dd>{FLAG_EXPLANATIONS[code]}</dd>
            </div>
          ))}
        </dl>
        <p className="small">
          A flag is <strong>due soon</strong> in the weeks before its due date, <strong>due today</strong> on that day and <strong>overdue</strong> from the
          next day. On the patient page, record outreach; <strong>mark it ordered</strong> when the test is ordered — it then waits for the result
          without being overdue, and the result closes it itself (&ldquo;Closed by …&rdquo; in the flag history); if no result comes within the
          awaiting window it is overdue again. <strong>Postpone</strong> it to a date, or close it with a reason: the form says whether and when it can
          come back. A flag that no longer applies (for example once B12 replacement starts) moves to the history as <strong>not applicable</strong>.
          Reopen any flag from the history.
        </p>
      </section>

      <section aria-labelledby="dates-heading" className="card stack">
        <h2 id="dates-heading">Dates and the look-back window</h2>
        <p>
          Every date is written YYYY-MM-DD (2026-03-31), in every box and on every page. Each criterion uses the latest result within the look-back
          window (12 months unless the clinic set another); an older result still shows, marked &ldquo;not used (older than 12 months)&rdquo;.
        </p>
      </section>

      <section aria-labelledby="keys-heading" className="card stack">
        <h2 id="keys-heading">Keyboard</h2>
        <dl className="legend">
          <div className="legend-row"><dt><kbd>/</kbd></dt><dd>Go to the search box on the patient list (not while typing in a box).</dd></div>
          <div className="legend-row"><dt><kbd>Tab</kbd>, <kbd>Shift</kbd>+<kbd>Tab</kbd></dt><dd>Move between fields and links.</dd></div>
          <div className="legend-row"><dt><kbd>Enter</kbd></dt><dd>Save the form you are in (assessment entry: from any box).</dd></div>
          <div className="legend-row"><dt>Arrow keys, <kbd>Space</kbd></dt><dd>Choose within a group of options; tick a box.</dd></div>
          <div className="legend-row"><dt><kbd>Esc</kbd></dt><dd>Close the menu on a narrow screen.</dd></div>
        </dl>
      </section>
    </div>
  );
}
