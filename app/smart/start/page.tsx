import { connection } from "next/server";
import { getDb } from "@/lib/data/db/client";
import { listLaunchableEhrs } from "@/lib/data/ehr/connections";

export const metadata = { title: "Open from your EHR" };

/**
 * A standalone SMART launch (docs/ehr-integration.md): the user picks their clinic's EHR, signs in
 * there and chooses the patient in the EHR, and comes back to that patient here. Public, so it
 * names the registered EHRs only when the site serves one clinic (listLaunchableEhrs); with several,
 * users open the link their admin gives them.
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
          <p>
            Open the app from your EHR with the link your clinic&apos;s admin gave you: admins find it on the EHR page, under each registered EHR. Without one,{" "}
            <a href="/login">sign in</a> with your account.
          </p>
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
