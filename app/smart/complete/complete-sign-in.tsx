"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

/** A patient id as the app makes them (cuid): anything else in the fragment is not followed. */
const PATIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Reads the ticket and the patient from the URL's fragment (never sent to a server), removes them
 * from the address bar and the history, signs in with next-auth's "smart-ticket" provider and
 * opens the patient's page.
 */
export function CompleteSmartSignIn() {
  const router = useRouter();
  const [problem, setProblem] = useState<string | null>(null);
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const fragment = new URLSearchParams(window.location.hash.slice(1));
    const ticket = fragment.get("ticket");
    const patient = fragment.get("patient");
    window.history.replaceState(null, "", window.location.pathname);
    if (!ticket || !patient || !PATIENT_ID.test(patient)) {
      // Deferred: state set from an effect's first pass renders once more, which React discourages inline.
      queueMicrotask(() => setProblem("This page completes a launch from the EHR, and this address does not carry one. Open the app again from the EHR."));
      return;
    }
    void signIn("smart-ticket", { ticket, redirect: false }).then((result) => {
      if (!result || result.error) {
        setProblem("The sign-in from the EHR was refused: it was already used or is older than a minute. Open the app again from the EHR.");
        return;
      }
      router.replace(`/patients/${patient}`);
      router.refresh();
    });
  }, [router]);

  if (problem) return <p role="alert" className="form-error">{problem}</p>;
  return <p role="status">Signing you in from the EHR and opening the patient…</p>;
}
