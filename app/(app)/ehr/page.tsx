import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { listUsers } from "@/lib/data/auth/users";
import { listEhrConnections, standaloneLaunchPath } from "@/lib/data/ehr/connections";
import { listBulkSettings } from "@/lib/data/ehr/bulk-settings";
import { TableScroll } from "@/components/table-scroll";
import { EhrForm, EhrUserLinkForm, RemoveEhrForm } from "./ehr-forms";
import { BulkSyncPanel } from "./bulk-sync-panel";
import { cookies } from "next/headers";
import { REMOVED_EHR_COOKIE } from "./removed";

export const metadata = { title: "EHR" };

/**
 * The clinic's EHR for SMART App Launch (admins only; docs/ehr-integration.md): its FHIR base URL,
 * the app's client id and secret there, the MRN system, and which user here each EHR user is.
 * The command line does the same (`npm run cli -- ehr --help`).
 */
export default async function EhrPage() {
  const actor = await requirePageActor("users:manage");
  const [ehrs, users, bulk] = await Promise.all([listEhrConnections(getDb(), actor), listUsers(getDb(), actor), listBulkSettings(getDb(), actor)]);
  // Set by the remove action (./actions.ts), whose form went with the EHR it removed.
  const removed = (await cookies()).get(REMOVED_EHR_COOKIE)?.value;
  return (
    <div className="stack">
      <h1>EHR</h1>
      {removed ? (
        <p className="form-ok" role="status">
          Removed {removed}: launches and syncs from it are refused from now on. Its patients stay.
        </p>
      ) : null}
      <p className="small muted flush">
        Clinicians open the app from the EHR on the patient in front of them (SMART App Launch). Register the EHR with the client id and secret it gave the app, then link
        each user to their EHR identity: a launch by an EHR user who is not linked is refused. The command line does the same (<code>npm run cli -- ehr --help</code>).
      </p>
      {ehrs.map((ehr) => {
        const linkOf = new Map(ehr.users.map((u) => [u.userId, u.fhirUser]));
        return (
          <section key={ehr.id} className="stack" aria-labelledby={`ehr-${ehr.id}-title`} data-ehr={ehr.issuer}>
            <h2 id={`ehr-${ehr.id}-title`}>{ehr.name}</h2>
            <p className="small flush">
              <code>{ehr.issuer}</code> · client <code>{ehr.clientId}</code> · MRN system <code>{ehr.mrnSystem}</code>
            </p>
            <p className="small flush">
              Standalone launch (to open a patient from this EHR without starting in its chart): give your users the link{" "}
              <a href={standaloneLaunchPath(ehr.id)}>{standaloneLaunchPath(ehr.id)}</a> on this site.
            </p>
            <TableScroll label={`Users linked in ${ehr.name}: table`}>
              <table className="data">
                <caption>Users linked in {ehr.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">User</th>
                    <th scope="col">EHR user</th>
                  </tr>
                </thead>
                <tbody>
                  {ehr.users.length === 0 ? (
                    <tr><td colSpan={2} className="muted">No user linked yet: every launch from this EHR is refused until one is.</td></tr>
                  ) : ehr.users.map((u) => (
                    <tr key={u.userId}>
                      <th scope="row">{u.email}</th>
                      <td><code>{u.fhirUser}</code></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
            <div className="card">
              <EhrUserLinkForm ehrId={ehr.id} users={users.filter((u) => !u.disabledAt).map((u) => ({ id: u.id, email: u.email, fhirUser: linkOf.get(u.id) ?? null }))} />
            </div>
            {bulk.get(ehr.id) ? <BulkSyncPanel ehrId={ehr.id} ehrName={ehr.name} settings={bulk.get(ehr.id)!} /> : null}
            <details>
              <summary>Edit {ehr.name}…</summary>
              <EhrForm ehr={{ id: ehr.id, name: ehr.name, issuer: ehr.issuer, clientId: ehr.clientId, mrnSystem: ehr.mrnSystem }} />
            </details>
            <RemoveEhrForm ehrId={ehr.id} name={ehr.name} />
          </section>
        );
      })}
      <EhrForm />
    </div>
  );
}
