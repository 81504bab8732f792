import Link from "next/link";
import { requirePageActor } from "@/lib/auth/session";
import { can } from "@/lib/data/access/roles";
import { getDb } from "@/lib/data/db/client";
import { getActiveThresholds, listThresholdVersions } from "@/lib/data/evaluation/thresholds";
import { describeThresholds, formatThresholdValue } from "@/lib/domain/thresholds";
import { THRESHOLD_SECTIONS } from "@/lib/domain/threshold-sections";
import { GLIS_DEFINITION } from "@/lib/domain/glis";
import { clinicalReferenceHref, REFERENCE_SECTION } from "@/lib/docs/reference-sections";
import { formatDate } from "@/components/format";
import { RecomputePanel } from "./recompute-panel";
import { TableScroll } from "@/components/table-scroll";

export const metadata = { title: "About these thresholds" };

const COMPARISON_WORDS = { "<": "below", "<=": "at or below", ">": "above", ">=": "at or above" } as const;

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function ThresholdsPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor("thresholds:view");
  const db = getDb();
  const now = new Date();
  const [active, versions] = await Promise.all([getActiveThresholds(db, actor.clinicId, now), listThresholdVersions(db, actor)]);
  const entries = describeThresholds(active.values);
  const sections = THRESHOLD_SECTIONS.filter((section) => entries.some((e) => e.group === section.group));
  const { restored, recompute } = await searchParams;
  const isAdmin = can(actor.role, "thresholds:edit");

  return (
    <div className="stack">
      <h1>About these thresholds</h1>
      <p>
        The screening engine uses version <strong>{active.version}</strong> of this clinic&apos;s thresholds. Each value below is a
        default from the cited source that the clinic may change. Values marked <strong>unconfirmed</strong> were seen only in
        secondary sources or are local settings, not guideline text.
      </p>
      <p>
        How the engine applies each value, with the full citations, the medicines and the codes:{" "}
        <Link href={clinicalReferenceHref()}>clinical reference</Link>.
      </p>
      {isAdmin && typeof restored === "string" ? (
        <p role="status" className="card">
          Version {restored} restored and in force.{" "}
          {recompute === "refused"
            ? "Another re-evaluation was already running: press “Recompute now” when it has finished."
            : "Everyone is re-evaluated with it (progress below)."}
        </p>
      ) : null}
      <nav aria-label="Sections" className="small">
        <p className="flush">Sections: {sections.map((section, i) => (
          <span key={section.group}>{i > 0 ? " · " : ""}<a href={`#group-${section.group}`}>{section.shortName}</a></span>
        ))} · <a href="#versions">versions</a></p>
      </nav>
      {isAdmin ? (
        <>
          <p>
            <Link className="button" href="/thresholds/edit">Edit thresholds (new version)</Link>
          </p>
          <RecomputePanel />
        </>
      ) : null}
      {sections.map(({ group, title, shortName, implements: policy }) => (
        <section key={group} aria-labelledby={`group-${group}`}>
          <h2 id={`group-${group}`}>{title}</h2>
          <p className="small flush section-policy">
            <strong>Implements:</strong> {policy}{" "}
            <Link href={clinicalReferenceHref(REFERENCE_SECTION[group])}>Clinical reference: {shortName}</Link>
          </p>
          {group === "awgs_edition" ? (
            <p className="awgs-edition">
              AWGS 2025 (Chen et al., Nature Aging 2025) supersedes AWGS 2019. Both are computed for every patient and shown side by
              side; the clinic chooses which edition drives tiers and flags. In force:{" "}
              <strong>AWGS {active.values.awgs2025.drivesTiersAndFlags ? "2025" : "2019"}</strong>
              {active.values.awgs2025.drivesTiersAndFlags ? "" : " (the default, so that nobody's panel changes unasked)"}.
              {isAdmin ? " To switch, edit the thresholds (“AWGS edition for tiers and flags”) and re-evaluate all patients." : ""}
            </p>
          ) : null}
          {/* Focusable, so a keyboard can scroll it where the screen is narrower than the table. */}
          <div className="table-wrap" tabIndex={0} role="region" aria-label={`${title}: thresholds`}>
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Criterion</th>
                  <th scope="col" className="num">Value</th>
                  <th scope="col">Applies when the patient&apos;s value is</th>
                  <th scope="col">Source</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {entries.filter((e) => e.group === group).map((entry) => (
                  <tr key={entry.key}>
                    <th scope="row">{entry.label}</th>
                    <td className="num nowrap">{formatThresholdValue(entry.value, entry.unit)}</td>
                    <td>{entry.comparison ? `${COMPARISON_WORDS[entry.comparison]} this value` : "setting"}</td>
                    <td className="small">{entry.source}</td>
                    <td>{entry.confirmed ? <span className="badge">confirmed</span> : <span className="badge tier-elevated">unconfirmed</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
      <section aria-labelledby="glis" className="card">
        <h2 id="glis">{GLIS_DEFINITION.name}</h2>
        <p>{GLIS_DEFINITION.text}</p>
        <p className="small muted flush">
          {GLIS_DEFINITION.citation}. <Link href={clinicalReferenceHref("glis")}>Clinical reference: GLIS</Link>
        </p>
      </section>
      <section aria-labelledby="versions">
        <h2 id="versions">Versions</h2>
        <p className="small">
          Every change is a new version; an earlier one can be compared with the version in force, or restored as a new version (everyone
          is then re-evaluated). <Link href="/thresholds/compare">Compare any two versions</Link>.
        </p>
        <TableScroll label="Threshold versions: table">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Effective from</th>
                <th scope="col">Why</th>
                <th scope="col">Saved</th>
                <th scope="col">Compare, restore</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.id}>
                  <td>{v.version}{v.version === active.version ? " (in force)" : ""}</td>
                  <td>{v.effectiveFrom.getTime() === 0 ? "always" : formatDate(v.effectiveFrom)}</td>
                  <td>{v.note ?? "—"}</td>
                  <td>{formatDate(v.createdAt)}</td>
                  <td className="nowrap">
                    {v.version === active.version ? (
                      <span className="muted">in force</span>
                    ) : (
                      <>
                        <Link href={`/thresholds/compare?left=${v.version}&right=${active.version}`} aria-label={`Compare version ${v.version} with version ${active.version} in force`}>Compare with {active.version}</Link>
                        {isAdmin ? <>{" · "}<Link href={`/thresholds/restore?version=${v.version}`} aria-label={`Restore version ${v.version}`}>Restore…</Link></> : null}
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>
    </div>
  );
}
