import { createDb } from "@/lib/data/db/client";
import { getPatientPanel } from "@/lib/data/patients/panel";
import { parsePanelParams } from "@/lib/validation/panel-query";
import { resolveCohortCutOffs } from "@/lib/data/patients/cohort-where";
const FILTERS = ["", "?tier=high", "?tier=elevated&sort=name", "?flag=b12_test_due", "?flag=sarcopenia_follow_up&overdue=1", "?sex=female&ageMin=75", "?med=metformin", "?b12=deficient&sort=age&dir=desc", "?ewgsop2=probable&page=2", "?q=son"];
async function main() {
  let trace = false;
  const db = createDb(process.argv[2]!, { onQuery: (e) => { if (trace) console.log(`  ${String(e.duration).padStart(4)} ms  ${e.query.replace(/\s+/g, " ").slice(0, 2000)}`); } });
  const user = await db.user.findFirstOrThrow({ where: { role: "clinician" } });
  const actor = { kind: "user", userId: user.id, clinicId: user.clinicId!, role: "clinician", name: user.name, email: user.email } as any;
  for (let round = 0; round < 2; round++) {
    for (const f of FILTERS) {
      const params = Object.fromEntries(new URLSearchParams(f));
      const times: number[] = [];
      for (let i = 0; i < 15; i++) {
        const now = new Date();
        const t0 = performance.now();
        const { query } = parsePanelParams(params);
        const q = await resolveCohortCutOffs(db, actor.clinicId, query, now);
        await getPatientPanel(db, actor, q, now);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      if (round === 1) console.log(`${(f || "(none)").padEnd(40)} median ${times[7]!.toFixed(1)} ms  max ${times[14]!.toFixed(1)} ms`);
    }
  }
  for (const f of ["?sex=female&ageMin=75", "?q=son"]) {
    console.log(f);
    trace = true;
    const now = new Date();
    const { query } = parsePanelParams(Object.fromEntries(new URLSearchParams(f)));
    await getPatientPanel(db, actor, await resolveCohortCutOffs(db, actor.clinicId, query, now), now);
    trace = false;
  }
  await db.$disconnect();
}
void main();
