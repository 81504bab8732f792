import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { getActiveThresholds } from "@/lib/data/evaluation/thresholds";
import { describeThresholds } from "@/lib/domain/thresholds";
import { THRESHOLD_SECTIONS } from "@/lib/domain/threshold-sections";
import { ThresholdForm } from "./threshold-form";

export const metadata = { title: "Edit thresholds" };

export default async function EditThresholdsPage() {
  const actor = await requirePageActor("thresholds:edit");
  const active = await getActiveThresholds(getDb(), actor.clinicId, new Date());
  const entries = describeThresholds(active.values).map((e) => ({ key: e.key, group: e.group, label: e.label, unit: e.unit, value: e.value, source: e.source, confirmed: e.confirmed }));
  const sections = THRESHOLD_SECTIONS.map(({ group, title, implements: policy }) => ({ group, title, implements: policy }));
  return (
    <div className="stack">
      <h1>Edit thresholds</h1>
      <p>
        Saving creates version {active.version + 1}, effective from the date you choose. Patients keep their current results until
        they are re-evaluated (use <strong>Recompute</strong> afterwards). Every change is audited, each value old → new. A value more
        than 10 % from its guideline asks for confirmation before it is saved.
      </p>
      <ThresholdForm entries={entries} sections={sections} />
    </div>
  );
}
