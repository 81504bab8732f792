import { connection } from "next/server";
import { getDb } from "@/lib/data/db/client";
import { listLaunchableEhrs } from "@/lib/data/ehr/connections";

export const metadata = { title: "Open from your EHR" };

/**
 * A standalone SMART launch (docs/ehr-integration.md): the user picks their clinic's EHR, signs in
 * there and chooses the patient in the EHR, and comes back to that patient here. Lists the names
 * of the registered EHRs only.
 */
export default async function SmartStartPage() {
  // Read per request: never prerendered at build time, when there is no database.
  await connection();
  const ehrs = await listLaunchableEhrs(getDb());
  return (
    <main className="login-shell">
      <div className="card login-card stack">
        <h1>Open a patient from your EHR</h1>
        {ehrs.length === 0 ? (
          <p>No EHR is registered for launching the app. An admin registers the clinic&apos;s EHR on the Users page; until then, <a href="/login">sign in</a> with your account.</p>
        ) : (
          <>
            <p className="muted">Choose your EHR: you sign in there and pick the patient, then the app opens that patient&apos;s page.</p>
            <ul className="stack">
              {ehrs.map((ehr) => (
                <li key={ehr.id}>
                  <a className="button" href={`/smart/launch?ehr=${encodeURIComponent(ehr.id)}`}>{ehr.name}</a>
                </li>
              ))}
            </ul>
            <p className="small muted"><a href="/login">Sign in with your account</a> instead.</p>
          </>
        )}
      </div>
    </main>
  );
}
