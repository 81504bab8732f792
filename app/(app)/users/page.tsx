import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { listUsers } from "@/lib/data/auth/users";
import { formatDate } from "@/components/format";
import { TableScroll } from "@/components/table-scroll";
import { AddUserForm, ChangeRoleForm, ResetPasswordForm, UserAccessForm } from "./user-forms";

export const metadata = { title: "Users" };

/**
 * The clinic's users (admins only): add, change role, reset a password, disable (which ends their
 * sessions at once) and enable again. Every change is audited; the clinic's last active admin can
 * be neither disabled nor demoted, and an admin cannot disable or demote themself.
 */
export default async function UsersPage() {
  const actor = await requirePageActor("users:manage");
  const users = await listUsers(getDb(), actor);
  const active = users.filter((u) => !u.disabledAt).length;
  return (
    <div className="stack">
      <h1>Users</h1>
      <p className="small muted flush">
        {users.length} users in this clinic, {active} active. Disabling a user signs them out everywhere at once; a role change applies from their next
        page. The command line does the same (<code>npm run cli -- users --help</code>).
      </p>
      <AddUserForm />
      <TableScroll label="Users of the clinic: table">
        <table className="data">
          <caption>Users of the clinic</caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => {
              const self = u.id === actor.userId;
              return (
                <tr key={u.id} data-email={u.email}>
                  <th scope="row">
                    {u.name}
                    {self ? <span className="badge">you</span> : null}
                    <div className="muted small">{u.email}</div>
                  </th>
                  <td>{self ? u.role : <ChangeRoleForm userId={u.id} email={u.email} role={u.role} />}</td>
                  <td className="small">
                    {u.disabledAt ? <>Disabled {formatDate(u.disabledAt)}</> : "Active"}
                    <div className="muted">{u.lastLoginAt ? `Last signed in ${formatDate(u.lastLoginAt)}` : "Never signed in"}</div>
                  </td>
                  <td className="med-actions">
                    {self ? <span className="muted small">Another admin can change your account.</span> : (
                      <>
                        <ResetPasswordForm userId={u.id} email={u.email} />
                        <UserAccessForm userId={u.id} email={u.email} disabled={u.disabledAt !== null} />
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroll>
    </div>
  );
}
