import Link from "next/link";
import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { getActiveThresholds, getThresholdVersion, listThresholdVersions } from "@/lib/data/evaluation/thresholds";
import { guidelineDeviations, thresholdChanges } from "@/lib/domain/threshold-governance";
import { formatDate } from "@/components/format";
import { ThresholdComparison } from "@/components/threshold-comparison";
import { RestoreForm } from "./restore-form";

export const metadata = { title: "Restore a threshold version" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * The confirmation step of a restore (`?version=N`): what would change against the version in
 * force, the values far from their guideline, and the reason. Restoring saves a new version (the
 * history is kept) and re-evaluates everyone.
 */
export default async function RestoreThresholdsPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor("thresholds:edit");
  const { version: param } = await searchParams;
  const db = getDb();
  const [active, versions] = await Promise.all([getActiveThresholds(db, actor.clinicId, new Date()), listThresholdVersions(db, actor)]);
  const version = typeof param === "string" && /^\d{1,6}$/.test(param) ? Number(param) : null;
  const restored = version === null ? null : await getThresholdVersion(db, actor, version);
  const newVersion = (versions[0]?.version ?? active.version) + 1;

  if (!restored) {
    return (
      <div className="stack">
        <p className="small flush"><Link href="/thresholds#versions">← Thresholds and their versions</Link></p>
        <h1>Restore a threshold version</h1>
        <p role="status">{version === null ? "Choose the version to restore:" : `This clinic has no threshold version ${version}. Choose one of these:`}</p>
        <ul>
          {versions.filter((v) => v.version !== active.version).map((v) => (
            <li key={v.id}><Link href={`/thresholds/restore?version=${v.version}`}>Version {v.version}</Link> (saved {formatDate(v.createdAt)}{v.note ? `: ${v.note}` : ""})</li>
          ))}
        </ul>
      </div>
    );
  }

  const changes = thresholdChanges(active.values, restored.values);
  const far = guidelineDeviations(restored.values);
  return (
    <div className="stack">
      <p className="small flush"><Link href="/thresholds#versions">← Thresholds and their versions</Link></p>
      <h1>Restore threshold version {restored.version}</h1>
      <p>
        Restoring saves the values of version {restored.version}
        {restored.note ? <> (“{restored.note}”)</> : null} as a new version, {newVersion}, in force from today; versions {active.version} and
        earlier stay in the history. Every patient is then re-evaluated with it, with progress on the Thresholds page. The change is
        audited, each value old → new.
      </p>
      {changes.length === 0 ? (
        <p role="status">Version {restored.version} has the same values as version {active.version}, which is in force: there is nothing to restore.</p>
      ) : (
        <>
          <p role="status">{changes.length} {changes.length === 1 ? "value changes" : "values change"} against version {active.version} in force:</p>
          <ThresholdComparison left={active.values} right={restored.values} leftLabel={`Version ${active.version} (in force)`} rightLabel={`Version ${restored.version} (restored)`} onlyDifferences />
          {far.length > 0 ? (
            <section aria-labelledby="far-title" className="confirm-step stack">
              <h2 id="far-title">Values more than 10 % from the guideline</h2>
              <p className="flush">Restoring confirms these values of version {restored.version}:</p>
              <ul>
                {far.map((d) => (
                  <li key={d.key}>{d.label}: {d.value} {d.unit}; guideline value {d.guideline} {d.unit} ({d.citation})</li>
                ))}
              </ul>
            </section>
          ) : null}
          <RestoreForm version={restored.version} newVersion={newVersion} />
        </>
      )}
    </div>
  );
}
