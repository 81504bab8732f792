import Link from "next/link";
import { requirePageActor } from "@/lib/auth/session";
import { can } from "@/lib/data/access/roles";
import { getDb } from "@/lib/data/db/client";
import { getActiveThresholds, listThresholdVersions } from "@/lib/data/evaluation/thresholds";
import { describeThresholds, type ThresholdGroup } from "@/lib/domain/thresholds";
import { GLIS_DEFINITION } from "@/lib/domain/glis";
import { clinicalReferenceHref, REFERENCE_SECTION } from "@/lib/docs/reference-sections";
import { formatDate } from "@/components/format";
import { RecomputePanel } from "./recompute-panel";
import { TableScroll } from "@/components/table-scroll";

export const metadata = { title: "About these thresholds" };

const GROUP_TITLES: Record<ThresholdGroup, string> = {
  ewgsop2: "EWGSOP2 (European Working Group on Sarcopenia in Older People, 2019)",
  awgs2019: "AWGS 2019 and AWGS 2025 (Asian Working Group for Sarcopenia)",
  case_finding: "Case finding: SARC-F, SARC-CalF, calf circumference",
  sdoc: "SDOC 2020 (shown beside the main definitions)",
  fnih: "FNIH 2014 (shown beside the main definitions)",
  b12: "Vitamin B12 status",
  screening: "Screening settings",
  flags: "Flag due dates",
};

const GROUP_SHORT_NAMES: Record<ThresholdGroup, string> = {
  ewgsop2: "EWGSOP2",
  awgs2019: "AWGS 2019",
  case_finding: "case finding",
  sdoc: "SDOC 2020",
  fnih: "FNIH 2014",
  b12: "vitamin B12 status",
  screening: "screening age and look-back window",
  flags: "flag due dates",
};

const COMPARISON_WORDS = { "<": "below", "<=": "at or below", ">": "above", ">=": "at or above" } as const;

export default async function ThresholdsPage() {
  const actor = await requirePageActor("thresholds:view");
  const db = getDb();
  const now = new Date();
  const [active, versions] = await Promise.all([getActiveThresholds(db, actor.clinicId, now), listThresholdVersions(db, actor)]);
  const entries = describeThresholds(active.values);
  const groups = [...new Set(entries.map((e) => e.group))];
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
      {isAdmin ? (
        <>
          <p>
            <Link className="button" href="/thresholds/edit">Edit thresholds (new version)</Link>
          </p>
          <RecomputePanel />
        </>
      ) : null}
      {groups.map((group) => (
        <section key={group} aria-labelledby={`group-${group}`}>
          <h2 id={`group-${group}`}>{GROUP_TITLES[group]}</h2>
          <p className="small flush">
            <Link href={clinicalReferenceHref(REFERENCE_SECTION[group])}>Clinical reference: {GROUP_SHORT_NAMES[group]}</Link>
            {group === "awgs2019" ? <> · <Link href={clinicalReferenceHref("awgs-2025")}>Clinical reference: AWGS 2025</Link></> : null}
          </p>
          {group === "awgs2019" ? (
            <p className="awgs-edition">
              AWGS 2025 (Chen et al., Nature Aging 2025) supersedes AWGS 2019. Both are computed for every patient and shown side by
              side; the clinic chooses which edition drives tiers and flags. In force:{" "}
              <strong>AWGS {active.values.awgs2025.drivesTiersAndFlags ? "2025" : "2019"}</strong>
              {active.values.awgs2025.drivesTiersAndFlags ? "" : " (the default, so that nobody's panel changes unasked)"}.
              {isAdmin ? " To switch, edit the thresholds (“AWGS edition for tiers and flags”) and re-evaluate all patients." : ""}
            </p>
          ) : null}
          {/* Focusable, so a keyboard can scroll it where the screen is narrower than the table. */}
          <div className="table-wrap" tabIndex={0} role="region" aria-label={`${GROUP_TITLES[group]}: thresholds`}>
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
                    <td className="num nowrap">{typeof entry.value === "boolean" ? (entry.value ? "yes" : "no") : `${entry.value} ${entry.unit}`}</td>
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
        <TableScroll label="Threshold versions: table">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Effective from</th>
                <th scope="col">Why</th>
                <th scope="col">Saved</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.id}>
                  <td>{v.version}{v.version === active.version ? " (in force)" : ""}</td>
                  <td>{v.effectiveFrom.getTime() === 0 ? "always" : formatDate(v.effectiveFrom)}</td>
                  <td>{v.note ?? "—"}</td>
                  <td>{formatDate(v.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>
    </div>
  );
}
