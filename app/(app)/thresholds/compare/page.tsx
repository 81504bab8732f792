import Link from "next/link";
import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { getActiveThresholds, getThresholdVersion, listThresholdVersions } from "@/lib/data/evaluation/thresholds";
import { thresholdChanges } from "@/lib/domain/threshold-governance";
import { ThresholdComparison } from "@/components/threshold-comparison";

export const metadata = { title: "Compare threshold versions" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function versionParam(value: string | string[] | undefined): number | null {
  return typeof value === "string" && /^\d{1,6}$/.test(value) ? Number(value) : null;
}

/**
 * Two versions of the clinic's thresholds side by side (`?left=1&right=3`; by default the version
 * before the one in force, and the one in force). Read-only: anyone who may read the thresholds.
 */
export default async function CompareThresholdsPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor("thresholds:view");
  const params = await searchParams;
  const db = getDb();
  const [active, versions] = await Promise.all([getActiveThresholds(db, actor.clinicId, new Date()), listThresholdVersions(db, actor)]);
  const older = versions.find((v) => v.version < active.version)?.version ?? active.version;
  const leftVersion = versionParam(params.left) ?? older;
  const rightVersion = versionParam(params.right) ?? active.version;
  const onlyDifferences = params.only === "differences";
  const [left, right] = await Promise.all([getThresholdVersion(db, actor, leftVersion), getThresholdVersion(db, actor, rightVersion)]);
  const label = (version: number) => `Version ${version}${version === active.version ? " (in force)" : ""}`;
  const missing = [left ? null : leftVersion, right ? null : rightVersion].filter((v) => v !== null);
  const differences = left && right ? thresholdChanges(left.values, right.values).length : 0;

  return (
    <div className="stack">
      <p className="small flush"><Link href="/thresholds#versions">← Thresholds and their versions</Link></p>
      <h1>Compare threshold versions</h1>
      <form method="get" action="/thresholds/compare" className="filters card" aria-label="Versions to compare">
        <div className="field">
          <label htmlFor="left">Version</label>
          <select id="left" name="left" defaultValue={String(leftVersion)}>
            {versions.map((v) => <option key={v.id} value={v.version}>{label(v.version)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="right">with version</label>
          <select id="right" name="right" defaultValue={String(rightVersion)}>
            {versions.map((v) => <option key={v.id} value={v.version}>{label(v.version)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="only">Show</label>
          <select id="only" name="only" defaultValue={onlyDifferences ? "differences" : "all"}>
            <option value="all">every value</option>
            <option value="differences">only the differences</option>
          </select>
        </div>
        <div className="actions">
          <button type="submit">Compare</button>
        </div>
      </form>
      {missing.length > 0 || !left || !right ? (
        <p role="status">This clinic has no threshold version {missing.join(" or ")}; choose versions from the lists above.</p>
      ) : (
        <>
          <p role="status">
            {differences === 0
              ? `${label(left.version)} and ${label(right.version)} have the same values.`
              : `${differences} ${differences === 1 ? "value differs" : "values differ"} between ${label(left.version)} and ${label(right.version)}; differing rows are highlighted.`}
          </p>
          <ThresholdComparison left={left.values} right={right.values} leftLabel={label(left.version)} rightLabel={label(right.version)} onlyDifferences={onlyDifferences} />
        </>
      )}
    </div>
  );
}
