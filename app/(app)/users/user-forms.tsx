"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { ROLES, type Role } from "@/lib/data/access/roles";
import { ROLE_HINT, ROLE_LABELS } from "@/lib/validation/user-form";
import { FieldError, invalid } from "@/components/patient-details-fields";
import { addUserAction, changeRoleAction, disableUserAction, enableUserAction, resetPasswordAction } from "./actions";

type Action = (state: ActionState | undefined, form: FormData) => Promise<ActionState>;

/** The outcome of an action: a status (with a generated password, once) or an alert. */
function Outcome({ state }: { state: ActionState | undefined }) {
  if (!state?.message) return null;
  if (!state.ok) return <p role="alert" className="form-error small">{state.message}</p>;
  return (
    <div role="status" className="form-ok small">
      <p className="flush">{state.message}</p>
      {state.oneTimePassword ? (
        <p className="flush">
          Password: <code className="one-time-password" data-testid="one-time-password">{state.oneTimePassword}</code>
        </p>
      ) : null}
    </div>
  );
}

export function AddUserForm() {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(addUserAction, undefined);
  const errors = state?.fieldErrors ?? {};
  // After a success the form starts empty again (the key changes); after a refusal it keeps what was typed.
  const values = state && !state.ok ? (state.values ?? {}) : {};
  return (
    <form action={action} className="card stack" noValidate aria-labelledby="add-user-heading" key={state?.ok ? state.message : "form"}>
      <h2 id="add-user-heading">Add a user</h2>
      <div className="row">
        <div className="field">
          <label htmlFor="nu-email">Email</label>
          <input id="nu-email" name="email" type="email" defaultValue={values.email ?? ""} autoComplete="off" required {...invalid("nu-email", errors.email?.[0])} />
          <FieldError id="nu-email-error" message={errors.email?.[0]} />
        </div>
        <div className="field">
          <label htmlFor="nu-name">Name</label>
          <input id="nu-name" name="name" defaultValue={values.name ?? ""} autoComplete="off" required {...invalid("nu-name", errors.name?.[0])} />
          <FieldError id="nu-name-error" message={errors.name?.[0]} />
        </div>
        <div className="field">
          <label htmlFor="nu-role">Role</label>
          <select id="nu-role" name="role" defaultValue={values.role ?? "clinician"} aria-describedby={["nu-role-hint", errors.role ? "nu-role-error" : ""].filter(Boolean).join(" ")} aria-invalid={errors.role ? true : undefined}>
            {ROLES.map((r) => <option key={r} value={r}>{ROLE_LABELS[r]}</option>)}
          </select>
          <FieldError id="nu-role-error" message={errors.role?.[0]} />
        </div>
      </div>
      <p className="small muted flush" id="nu-role-hint">{ROLE_HINT}</p>
      <p className="small muted flush">A password is generated and shown once here, for you to pass on. The user joins this clinic.</p>
      <div className="row">
        <button type="submit" disabled={pending}>{pending ? "Adding…" : "Add user"}</button>
      </div>
      <Outcome state={state} />
    </form>
  );
}

function OneButton({ action, userId, label, className, confirm }: { action: Action; userId: string; label: string; className?: string; confirm?: string }) {
  const [state, run, pending] = useActionState<ActionState | undefined, FormData>(action, undefined);
  const form = (
    <form action={run} className="flag-form">
      <input type="hidden" name="userId" value={userId} />
      {confirm ? <p className="small flush">{confirm}</p> : null}
      <button type="submit" className={className ?? "secondary"} disabled={pending}>{label}</button>
      <Outcome state={state} />
    </form>
  );
  return form;
}

/**
 * Disable or enable, in one place so that the outcome stays on screen when the row turns from
 * active to disabled (or back). Disabling takes two steps (a `<details>`): it ends the user's
 * sessions at once.
 */
export function UserAccessForm({ userId, email, disabled }: { userId: string; email: string; disabled: boolean }) {
  const [state, run, pending] = useActionState<ActionState | undefined, FormData>(
    (previous, form) => (form.get("op") === "enable" ? enableUserAction(previous, form) : disableUserAction(previous, form)),
    undefined,
  );
  return (
    <>
      {disabled ? (
        <form action={run} className="flag-form">
          <input type="hidden" name="userId" value={userId} />
          <input type="hidden" name="op" value="enable" />
          <button type="submit" className="secondary" disabled={pending}>Enable {email}</button>
        </form>
      ) : (
        <details className="small">
          <summary>Disable…<span className="visually-hidden"> {email}</span></summary>
          <form action={run} className="flag-form">
            <input type="hidden" name="userId" value={userId} />
            <input type="hidden" name="op" value="disable" />
            <p className="small flush">They are signed out everywhere at once and can no longer sign in.</p>
            <button type="submit" className="danger" disabled={pending}>Yes, disable {email}</button>
          </form>
        </details>
      )}
      <Outcome state={state} />
    </>
  );
}

export function ResetPasswordForm({ userId, email }: { userId: string; email: string }) {
  return (
    <details className="small">
      <summary>Reset password…<span className="visually-hidden"> of {email}</span></summary>
      <OneButton action={resetPasswordAction} userId={userId} label={`Yes, give ${email} a new password`} confirm="The old password stops working and their open sessions end." />
    </details>
  );
}

export function ChangeRoleForm({ userId, email, role }: { userId: string; email: string; role: Role }) {
  const [state, run, pending] = useActionState<ActionState | undefined, FormData>(changeRoleAction, undefined);
  const id = `role-${userId}`;
  return (
    <form action={run} className="flag-form inline">
      <input type="hidden" name="userId" value={userId} />
      <label htmlFor={id} className="visually-hidden">Role of {email}</label>
      <select id={id} name="role" defaultValue={state?.values?.role ?? role}>
        {ROLES.map((r) => <option key={r} value={r}>{ROLE_LABELS[r]}</option>)}
      </select>
      <button type="submit" className="secondary" disabled={pending}>Change role<span className="visually-hidden"> of {email}</span></button>
      <Outcome state={state} />
    </form>
  );
}
