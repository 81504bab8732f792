import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db";
import { getClinicSummary } from "@/lib/data/summary";

export const metadata = { title: "Summary" };

function percent(count: number, total: number): string {
  return total === 0 ? "—" : `${((100 * count) / total).toFixed(1)} %`;
}

function CountTable({ caption, rows, total }: { caption: string; rows: { label: string; count: number }[]; total: number }) {
  return (
    <div className="table-wrap">
      <table className="data">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Group</th>
            <th scope="col" className="num">Patients</th>
            <th scope="col" className="num">Share</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              <td className="num">{row.count.toLocaleString("en")}</td>
              <td className="num">{percent(row.count, total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default async function SummaryPage() {
  const actor = await requirePageActor("summary:view");
  const summary = await getClinicSummary(getDb(), actor);
  return (
    <div className="stack">
      <h1>Clinic summary</h1>
      <p className="muted">Counts only; no patient is identified on this page.</p>
      <div className="grid-cards">
        <div className="card">
          <div className="muted small">Patients</div>
          <div className="stat">{summary.total.toLocaleString("en")}</div>
        </div>
      </div>
      <div className="grid-cards">
        <CountTable caption="By risk tier" rows={summary.tiers.map((t) => ({ label: t.tier, count: t.count }))} total={summary.total} />
        <CountTable caption="By sex" rows={summary.sexes.map((s) => ({ label: s.sex, count: s.count }))} total={summary.total} />
        <CountTable caption="By age band" rows={summary.ageBands} total={summary.total} />
      </div>
    </div>
  );
}
