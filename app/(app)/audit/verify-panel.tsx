"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/guarded";
import { verifyAuditChainAction } from "./actions";

/** Runs the chain verification on request and shows its verdict. */
export function VerifyPanel() {
  const [state, action, pending] = useActionState<ActionState | undefined, FormData>(verifyAuditChainAction, undefined);
  return (
    <section aria-labelledby="verify-title" className="card stack">
      <h2 id="verify-title">Chain verification</h2>
      <p className="small">Recomputes the hash of every event; an edited or deleted event shows as a break. It reads the whole log, so it runs only when asked.</p>
      <form action={action}>
        <button type="submit" disabled={pending}>{pending ? "Verifying…" : "Verify the audit chain"}</button>
      </form>
      {state?.message ? (
        <p role="status" className={state.ok ? undefined : "form-error"}>{state.message}</p>
      ) : null}
    </section>
  );
}
