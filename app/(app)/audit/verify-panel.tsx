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
      <p className="small">
        Checks every event of this clinic against the audit key, so an edited, deleted or re-signed event shows, and against the anchors
        kept outside the database, so deleting the newest events shows too. It reads the clinic&rsquo;s whole log, so it runs only when asked.
      </p>
      <form action={action}>
        <button type="submit" disabled={pending}>{pending ? "Verifying…" : "Verify the audit chain"}</button>
      </form>
      {state?.message ? (
        <div role="status" className={state.ok ? undefined : "form-error"}>
          {state.message.split("\n").map((line, index) => (
            <p key={index}>{line}</p>
          ))}
        </div>
      ) : null}
    </section>
  );
}
